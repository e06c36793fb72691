"""Reports: the period's records read once, the numbers computed once, and from them the
short text, the chart picture, the drafted 总结 (.docx), the .xlsx exports and the weekly
digest. Drawing and writing files run in worker threads, off the event loop."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path

from bot.domain.errors import DomainError
from bot.domain.messages import OutMessage, Photo
from bot.domain.patrols import RoundState, Slot
from bot.domain.people import Person
from bot.domain.periods import Period, parse_period
from bot.domain.purchase_kinds import CategoryMap, purchase_category
from bot.domain.repairs import Category, RepairState, Urgency
from bot.domain.reports import Records, Report, Targets, building_of, compute
from bot.domain.roles import Role
from bot.exports.docx import write_docx
from bot.exports.xlsx import CellValue, Formula, Sheet, column_sum, write_xlsx
from bot.render import offload
from bot.render.charts import report_png
from bot.services import foodsafety
from bot.services.container import Services
from bot.texts import reports as t
from bot.texts.common import role_required
from storage import audit, files, outbox, people
from storage import repairs as repairs_repo
from storage import reports as repo

# ---------------------------------------------------------------- the period's numbers


@dataclass(frozen=True)
class ReportRules:
    """What the numbers and sheets need of the settings: plain data, so that a worker
    process building an export gets it too."""

    targets: Targets
    categories: CategoryMap
    tz: tzinfo


def _rules(svc: Services) -> ReportRules:
    hours = svc.settings.repair_escalation
    targets = Targets(
        urgent_accept=hours.urgent_accept_hours,
        normal_accept=hours.normal_accept_hours,
        urgent_done=hours.urgent_done_hours,
        normal_done=hours.normal_done_hours,
    )
    return ReportRules(targets, svc.settings.purchase_categories, svc.settings.timezone)


def _check(person: Person) -> None:
    if not person.has(Role.SUPERVISOR):
        raise DomainError(role_required([Role.SUPERVISOR, Role.ADMIN]))


def period_of(svc: Services, text: str) -> Period:
    return parse_period(text, svc.local_now().date(), svc.settings.terms)


def _bounds(svc: Services, period: Period) -> tuple[datetime, datetime]:
    """Local days become UTC instants here: 00:00 in BOT_TIMEZONE on the first day to
    00:00 after the last, so a repair at 23:59 Beijing time belongs to that day."""
    tz = svc.settings.timezone
    start = datetime.combine(period.first, time(0), tz)
    end = datetime.combine(period.last + timedelta(days=1), time(0), tz)
    return start, end


async def records(svc: Services, period: Period) -> Records:
    """Everything the period holds, each table read once by an indexed range."""
    return await repo.period_records(svc.db, period, *_bounds(svc, period))


def _compute(recs: Records, rules: ReportRules) -> Report:
    return compute(
        recs,
        targets=rules.targets,
        categories=rules.categories,
        repair_days=[r.created_at.astimezone(rules.tz).date() for r in recs.repairs],
    )


async def numbers(svc: Services, period: Period) -> tuple[Records, Report]:
    recs = await records(svc, period)
    return recs, await asyncio.to_thread(_compute, recs, _rules(svc))


# ---------------------------------------------------------------- /report


@dataclass(frozen=True)
class ReportReply:
    report: Report
    text: str
    chart: bytes  # PNG
    document: bytes | None  # the drafted 总结 for a year or a term
    document_name: str | None


@dataclass(frozen=True)
class ReportText:
    """The numbers of a period: what /report answers first, in a few tens of ms; the chart
    and the drafted 总结 follow (``report_files``), as they take seconds to draw."""

    report: Report
    text: str


async def report_text(svc: Services, text: str, *, by: Person) -> ReportText:
    _check(by)
    period = period_of(svc, text)
    # The food-safety section (晨检, 留样, 健康证) is counted by its own service, meanwhile.
    (_, rep), food = await asyncio.gather(
        numbers(svc, period), foodsafety.report_lines(svc, period.first, period.last)
    )
    return ReportText(rep, "\n".join([t.summary(rep), *food]))


async def report_files(svc: Services, numbers: ReportText) -> ReportReply:
    """The chart picture, and for a year or a term the drafted 总结 (.docx), both drawn in
    worker threads."""
    rep = numbers.report
    chart = await offload.build(report_png, rep)
    document = name = None
    if rep.period.is_long:
        draft = t.draft(rep, svc.local_now().date())
        document = await offload.build(write_docx, draft)
        name = t.document_name(rep.period)
    return ReportReply(rep, numbers.text, chart, document, name)


async def report(svc: Services, text: str, *, by: Person) -> ReportReply:
    """Numbers, chart and document together (the weekly digest and tests)."""
    return await report_files(svc, await report_text(svc, text, by=by))


# ---------------------------------------------------------------- /export


EXPORT_KINDS: dict[str, str] = {
    "repairs": "repairs", "repair": "repairs", "报修": "repairs", "维修": "repairs",
    "purchases": "purchases", "purchase": "purchases", "采购": "purchases",
    "patrols": "patrols", "patrol": "patrols", "巡查": "patrols",
    "all": "all", "全部": "all",
}  # fmt: skip


@dataclass(frozen=True)
class Export:
    data: bytes | None  # None: the period holds nothing of this kind; ``caption`` says so
    file_name: str
    caption: str


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


Labelled = type[Category] | type[Urgency] | type[RepairState] | type[Slot] | type[RoundState]


def _label(value: str, kind: Labelled, *, short: bool = False) -> str:
    """The Chinese label of a stored enum value (the value itself if it is unknown)."""
    try:
        member = kind(value)
    except ValueError:
        return value
    if short and isinstance(member, Slot):
        return member.short
    return member.label


def repairs_sheet(recs: Records) -> Sheet:
    rows: list[list[CellValue]] = [
        [
            r.id, r.created_at, r.location, building_of(r.location),
            _label(r.category, Category), _label(r.urgency, Urgency),
            _label(r.state, RepairState), r.reporter_name, r.assignee_name or "",
            r.accepted_at, r.done_at, _hours(r.accept_hours), _hours(r.fix_hours),
            t.YES if r.from_patrol else "", r.description,
        ]
        for r in recs.repairs
    ]  # fmt: skip
    n = len(rows)
    totals: list[CellValue] = [t.TOTAL, column_sum(0, n, "COUNT"), *[None] * 9,
                               column_sum(11, n, "AVERAGE") if n else None,
                               column_sum(12, n, "AVERAGE") if n else None, None, None]  # fmt: skip
    return Sheet(
        t.SHEET_REPAIRS, t.REPAIR_HEADERS, rows, totals, number_formats={11: "0.0", 12: "0.0"}
    )


def purchases_sheet(recs: Records, categories: CategoryMap) -> Sheet:
    rows: list[list[CellValue]] = [
        [
            line.day, line.purchase_id, line.item, purchase_category(line.item, categories),
            line.quantity, line.unit, line.unit_price, line.amount, line.supplier,
            line.purchaser_name, line.confirmed_by_name or "", line.confirmed_at,
        ]
        for line in recs.purchase_lines
        if line.state == "confirmed"
    ]  # fmt: skip
    totals: list[CellValue] = [t.TOTAL, None, column_sum(2, len(rows), "COUNTA"), None, None,
                               None, None, column_sum(7, len(rows))]  # fmt: skip
    return Sheet(t.SHEET_PURCHASES, t.PURCHASE_HEADERS, rows, totals,
                 number_formats={4: "0.###", 6: "0.00##", 7: "0.00"})  # fmt: skip


def patrols_sheet(recs: Records, tz: tzinfo) -> Sheet:
    rows: list[list[CellValue]] = [
        [
            r.day, _label(r.slot, Slot, short=True), f"{r.scheduled_at.astimezone(tz):%H:%M}",
            t.UNSTAFFED if r.unstaffed else _label(r.state, RoundState), r.submitted_by or "",
            r.submitted_at,
            r.abnormal, r.repairs, r.repairs_done,
        ]
        for r in recs.rounds
    ]  # fmt: skip
    n = len(rows)
    totals: list[CellValue] = [t.TOTAL, column_sum(0, n, "COUNTA"), None, None, None, None,
                               column_sum(6, n), column_sum(7, n), column_sum(8, n)]  # fmt: skip
    return Sheet(t.SHEET_PATROLS, t.PATROL_HEADERS, rows, totals)


def summary_sheet(rep: Report) -> Sheet:
    """The report's numbers as label/value rows, each block closed by an =SUM line."""
    rows: list[list[CellValue]] = []

    def block(title: str, items: list[tuple[str, t.Number]], total: bool) -> None:
        rows.append([f"【{title}】", None])
        first = len(rows) + 2  # sheet row of the block's first item (header is row 1)
        rows.extend([k, v] for k, v in items)
        if total and items:
            rows.append([t.TOTAL, Formula(f"=SUM(B{first}:B{first + len(items) - 1})")])
        rows.append([None, None])

    for title, items, total in t.summary_blocks(rep):
        block(title, items, total)
    return Sheet(
        t.SHEET_SUMMARY, [t.SUMMARY_ITEM, rep.period.label], rows, number_formats={1: "#,##0.##"}
    )


def _sheets(kind: str, recs: Records, rules: ReportRules) -> list[Sheet]:
    if kind == "repairs":
        return [repairs_sheet(recs)]
    if kind == "purchases":
        return [purchases_sheet(recs, rules.categories)]
    if kind == "patrols":
        return [patrols_sheet(recs, rules.tz)]
    return [summary_sheet(_compute(recs, rules)), repairs_sheet(recs),
            purchases_sheet(recs, rules.categories), patrols_sheet(recs, rules.tz)]  # fmt: skip


def _count(kind: str, recs: Records) -> int:
    if kind == "repairs":
        return len(recs.repairs)
    if kind == "purchases":
        return sum(1 for line in recs.purchase_lines if line.state == "confirmed")
    if kind == "patrols":
        return len(recs.rounds)
    return sum(_count(k, recs) for k in ("repairs", "purchases", "patrols"))


@dataclass(frozen=True)
class ExportJob:
    """An export as a worker process gets it: where the database is and what to read."""

    db_path: Path
    kind: str
    period: Period
    start: datetime
    end: datetime
    rules: ReportRules


def build_export(job: ExportJob) -> tuple[int, bytes | None]:
    """In a worker process: read the period's records, count them and write the workbook
    there. Sending a year's cells to the worker instead held the event loop 30-60 ms while
    they were pickled (one C call that never lets the GIL go)."""
    recs = repo.period_records_at(job.db_path, job.period, job.start, job.end)
    n = _count(job.kind, recs)
    if n == 0:
        return 0, None
    return n, write_xlsx(_sheets(job.kind, recs, job.rules), tz=job.rules.tz)


async def export(svc: Services, kind: str, text: str, *, by: Person) -> Export:
    """The period's records of ``kind`` (or all, with a summary sheet) as .xlsx."""
    _check(by)
    period = period_of(svc, text)
    where = svc.settings.db_path.resolve()  # the worker must not depend on our cwd
    job = ExportJob(where, kind, period, *_bounds(svc, period), _rules(svc))
    n, data = await offload.build(build_export, job)
    if data is None:
        return Export(None, "", t.export_empty(kind, period))
    async with svc.db.transaction() as tx:
        await audit.record(tx, now=svc.now(), actor_id=by.user_id, actor_name=by.name,
                           action="report.export", subject=f"{kind}:{period.first}..{period.last}",
                           detail=f"{n} rows")  # fmt: skip
    return Export(data, t.export_name(kind, period), t.export_caption(kind, period, n))


# ---------------------------------------------------------------- weekly digest


def digest_week(now: datetime, svc: Services) -> date:
    """The Monday of the week before ``now`` (the week the digest reports on)."""
    today = now.astimezone(svc.settings.timezone).date()
    return today - timedelta(days=today.weekday() + 7)


async def _overdue(svc: Services, now: datetime) -> list[t.OverdueItem]:
    late = []
    for ticket in await repairs_repo.list_open(svc.db):
        missed = ticket.overdue(now, svc.settings.repair_escalation)
        if missed is not None:
            late.append((missed.late_by, ticket))
    late.sort(key=lambda x: (-x[0], x[1].id))
    return [t.overdue_item(tk.id, tk.location, by / timedelta(hours=1)) for by, tk in late]


async def send_weekly_digest(svc: Services, now: datetime) -> int:
    """Last week's digest (five lines, anything overdue, the chart) to supervisors and
    admins through the outbox. Claimed once per week in the database, so a restart or a
    catch-up never sends it twice. Returns how many chats were queued."""
    monday = digest_week(now, svc)
    if await repo.digest_sent(svc.db, monday):
        return 0  # skip drawing; the claim below still decides
    chats: dict[int, None] = {}
    for role in (Role.SUPERVISOR, Role.ADMIN):
        for person in await people.with_role(svc.db, role):
            if person.chat_id is not None:
                chats[person.chat_id] = None
    if not chats:
        return 0  # nobody to tell yet (a fresh install): the week stays unclaimed
    sunday = monday + timedelta(days=6)
    period = Period(monday, sunday, t.week_label(monday, sunday), "week")
    _, rep = await numbers(svc, period)
    waiting = await repo.purchases_waiting_since(svc.db, now - timedelta(days=1))
    text = t.digest(rep, await _overdue(svc, now), len(waiting))
    png = await offload.build(report_png, rep)
    path = await files.save_bytes(svc.settings.data_dir, "reports", png, ".png",
                                  now=now.astimezone(svc.settings.timezone))  # fmt: skip
    msg = OutMessage(text, photos=(Photo(path=path),))
    async with svc.db.transaction() as tx:
        if not await repo.claim_digest(tx, monday, now, len(chats)):
            return 0
        for chat_id in chats:
            await outbox.enqueue(tx, chat_id, msg, ref=f"digest:{monday}", now=now)
    svc.kick_outbox()
    return len(chats)
