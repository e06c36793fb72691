"""Purchases: one function per user action. Each owns its transaction, writes the audit
trail and queues notifications through the outbox in the same transaction."""

from __future__ import annotations

import asyncio
import functools
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal

from bot.callbacks import PurchaseCheckAction, PurchaseDraftAction, button
from bot.domain.errors import DomainError
from bot.domain.ids import parse_id
from bot.domain.messages import OutMessage, Photo
from bot.domain.numbers import clip
from bot.domain.people import Person
from bot.domain.purchases import (
    MAX_LINES,
    BadLine,
    PhotoKind,
    Purchase,
    PurchaseState,
    Supplier,
    average_price,
    certificate_line,
    comparable_price,
    normalise,
    parse_line,
    parse_lines,
    photo_kind_in,
    price_warning,
    reject_reason,
)
from bot.domain.roles import Role
from bot.exports.xlsx import CellValue, Sheet, write_xlsx
from bot.protocol import Ref
from bot.render import offload
from bot.render.table import render_table_pages
from bot.services import foodsafety
from bot.services import stock as stock_service  # issue 16: stocked items bought
from bot.services.container import Services
from bot.services.people import notify_person, notify_role
from bot.services.public_chat import public_chat_id
from bot.texts import purchases as t
from storage import audit, files, outbox
from storage import purchases as repo
from storage.db import Tx

PRICE_WINDOW_DAYS = 30
MAX_PHOTOS = 10  # one Telegram album: the supervisor sees them all at once
PUBLIC_ALIGN = ("left", "left", "left", "right", "right", "right", "left", "left", "left")

# Any number of digits: 改 99999999999999999999 … is a line that does not exist, not an item
# named "改 9999…"; parse_id keeps it away from SQLite's 64-bit integers.
_DELETE_RE = re.compile(r"^(?:删|删除|去掉)\s*第?\s*(\d+)\s*(?:行|项)?$")
_REPLACE_RE = re.compile(r"^(?:改|修改)\s*第?\s*(\d+)\s*(?:行|项)?\s*[:：]?\s+(.+)$")


def ref(purchase_id: int) -> str:
    return str(Ref.purchase(purchase_id))


@dataclass(frozen=True)
class DraftResult:
    purchase: Purchase
    bad: list[BadLine] = field(default_factory=list)
    note: str | None = None


@dataclass(frozen=True)
class SubmitResult:
    purchase: Purchase
    notified: int
    price_notes: dict[int, str]


async def _load(tx: Tx, purchase_id: int) -> Purchase:
    purchase = await repo.get(tx, purchase_id)
    if purchase is None:
        raise DomainError(t.NOT_FOUND)
    return purchase


async def _own_draft(tx: Tx, person: Person, purchase_id: int) -> Purchase:
    purchase = await _load(tx, purchase_id)
    if purchase.purchaser_id != person.user_id:
        raise DomainError(t.NOT_YOUR_DRAFT)
    if purchase.state is PurchaseState.CANCELLED:
        raise DomainError(t.draft_cancelled(purchase))
    if purchase.state is not PurchaseState.DRAFT:
        raise DomainError(t.draft_already_submitted(purchase))
    return purchase


async def open_draft(svc: Services, person: Person) -> int | None:
    return await repo.open_draft_id(svc.db, person.user_id)


async def start_draft(svc: Services, person: Person, text: str = "") -> DraftResult:
    """Open a draft (or continue the one not yet submitted) and add any lines given."""
    now = svc.now()
    async with svc.db.transaction() as tx:
        purchase_id = await repo.open_draft_id(tx, person.user_id)
        resumed = purchase_id is not None
        if purchase_id is None:
            purchase_id = await repo.create_draft(
                tx, purchaser_id=person.user_id, purchaser_name=person.name, now=now
            )
            await audit.record(tx, now=now, actor_id=person.user_id, actor_name=person.name,
                               action="purchase.draft", subject=ref(purchase_id))  # fmt: skip
        result = await _apply_text(tx, svc, person, purchase_id, text)
    if resumed:
        note = t.continuing_draft(result.purchase)
        return DraftResult(result.purchase, result.bad, note)
    return result


async def edit_draft(svc: Services, person: Person, purchase_id: int, text: str) -> DraftResult:
    """More lines, ``删 2``, ``改 2 猪肉 20斤 13`` or ``@王记肉铺`` while in draft."""
    async with svc.db.transaction() as tx:
        return await _apply_text(tx, svc, person, purchase_id, text)


async def _apply_text(
    tx: Tx, svc: Services, person: Person, purchase_id: int, text: str
) -> DraftResult:
    purchase = await _own_draft(tx, person, purchase_id)
    cert_items = svc.settings.certificate_items
    command = normalise(text)
    note: str | None = None
    bad: list[BadLine] = []
    if m := _DELETE_RE.match(command):
        number = parse_id(m[1]) or 0
        if not number or not await repo.delete_line(tx, purchase_id, number):
            raise DomainError(t.NO_SUCH_LINE.format(n=clip(m[1])))
        note = t.line_deleted(number)
    elif m := _REPLACE_RE.match(command):
        number = parse_id(m[1]) or 0
        line = parse_line(m[2])
        if not number or not await repo.replace_line(tx, purchase_id, number, line, cert_items):
            raise DomainError(t.NO_SUCH_LINE.format(n=clip(m[1])))
        note = t.line_replaced(number)
    elif command:
        parsed = parse_lines(command)
        if len(purchase.lines) + len(parsed.lines) > MAX_LINES:
            raise DomainError(t.TOO_MANY_LINES.format(n=MAX_LINES))
        await repo.add_lines(tx, purchase_id, parsed.lines, cert_items)
        if parsed.supplier:
            await repo.set_supplier(tx, purchase_id, parsed.supplier)
        bad = parsed.bad
    return DraftResult(await _load(tx, purchase_id), bad, note)


async def reopen(svc: Services, person: Person, purchase_id: int) -> DraftResult:
    """修改后重新提交: the rejected purchase comes back as a draft with all its lines and
    photos (the rejected one stays on the record). Tapped again, the same draft shows."""
    now = svc.now()
    async with svc.db.transaction() as tx:
        rejected = await _load(tx, purchase_id)
        rejected.check_can_reopen(person.user_id)
        again = await repo.reopened_copy(tx, purchase_id)
        if again is not None:
            if again.state is not PurchaseState.DRAFT:
                raise DomainError(t.already_resubmitted(rejected, again))
            return DraftResult(again, note=t.reopened(rejected))
        open_id = await repo.open_draft_id(tx, person.user_id)
        if open_id is not None:
            other = await _load(tx, open_id)
            if other.lines or other.photos:
                raise DomainError(t.finish_open_draft_first(other, rejected))
            await repo.cancel_draft(tx, open_id)  # an empty /purchase: nothing to lose
        new_id = await repo.reopen_as_draft(tx, rejected, now=now)
        await audit.record(tx, now=now, actor_id=person.user_id, actor_name=person.name,
                           action="purchase.reopen", subject=ref(new_id),
                           detail=ref(purchase_id))  # fmt: skip
        return DraftResult(await _load(tx, new_id), note=t.reopened(rejected))


async def draft(svc: Services, person: Person, purchase_id: int) -> Purchase:
    async with svc.db.transaction() as tx:
        return await _own_draft(tx, person, purchase_id)


async def attach_photo(
    svc: Services,
    person: Person,
    purchase_id: int,
    kind: PhotoKind,
    photo: Photo,
    item: str | None = None,
) -> Purchase:
    """A photo for the open draft; a certificate is for the line ``item`` (None: for the
    whole purchase)."""
    now = svc.now()
    async with svc.db.transaction() as tx:
        purchase = await _own_draft(tx, person, purchase_id)
        if len(purchase.photos) >= MAX_PHOTOS:
            raise DomainError(t.TOO_MANY_PHOTOS.format(n=MAX_PHOTOS))
        await repo.add_photo(tx, purchase_id, kind, photo, now=now, item=item)
        await audit.record(tx, now=now, actor_id=person.user_id, actor_name=person.name,
                           action="purchase.photo", subject=ref(purchase_id),
                           detail=f"{kind.value} {item or ''}".strip())  # fmt: skip
        return await _load(tx, purchase_id)


# A photo from the purchaser this soon after submitting is that purchase's (the
# certificate often comes after the list).
LATE_PHOTO_WINDOW = timedelta(hours=2)
_LATE_PHOTO_DAYS = 3  # a photo captioned 合格证 finds a purchase this recent


@dataclass(frozen=True)
class LatestPurchases:
    recent: Ref | None  # submitted within LATE_PHOTO_WINDOW
    last: Ref | None  # the newest submitted in the last few days


async def latest_submitted(svc: Services, person: Person) -> LatestPurchases:
    """The purchaser's own newest submitted purchase, for photos that follow it."""
    if not person.has(Role.PURCHASER):
        return LatestPurchases(None, None)
    now = svc.now()
    since = now - timedelta(days=_LATE_PHOTO_DAYS)
    newest = await repo.newest_submitted(svc.db, person.user_id, since=since)
    if newest is None or newest.submitted_at is None:
        return LatestPurchases(None, None)
    recent = now - newest.submitted_at <= LATE_PHOTO_WINDOW
    return LatestPurchases(Ref.purchase(newest.id) if recent else None, Ref.purchase(newest.id))


def photo_kind(caption: str) -> PhotoKind:
    """What a photo sent after a purchase is: a receipt when its caption says so, else a
    certificate (what is usually still missing by then)."""
    return photo_kind_in(caption) or PhotoKind.CERTIFICATE


async def own_submitted(svc: Services, person: Person, purchase_id: int) -> Purchase:
    """The purchaser's own submitted purchase (for photos sent after it)."""
    async with svc.db.transaction() as tx:
        purchase = await _load(tx, purchase_id)
    if purchase.purchaser_id != person.user_id or purchase.submitted_at is None:
        raise DomainError(t.not_your_purchase(purchase))
    return purchase


async def add_late_photo(
    svc: Services,
    person: Person,
    purchase_id: int,
    caption: str,
    photo: Photo,
    item: str | None = None,
) -> tuple[Purchase, PhotoKind]:
    """A photo for the purchaser's own purchase after it was submitted: kept with it and
    passed to the supervisors (with the purchase's reference, so replies still work)."""
    now = svc.now()
    kind = photo_kind(caption)
    async with svc.db.transaction() as tx:
        purchase = await _load(tx, purchase_id)
        if purchase.purchaser_id != person.user_id or purchase.submitted_at is None:
            raise DomainError(t.not_your_purchase(purchase))
        if len(purchase.photos) >= MAX_PHOTOS:
            raise DomainError(t.TOO_MANY_PHOTOS.format(n=MAX_PHOTOS))
        if item is not None:  # the purchaser chose the line
            kind = PhotoKind.CERTIFICATE
        elif kind is PhotoKind.CERTIFICATE:
            missing = purchase.missing_certificates(svc.settings.certificate_items)
            item = certificate_line(caption, missing)
        await repo.add_photo(tx, purchase_id, kind, photo, now=now, item=item)
        await audit.record(tx, now=now, actor_id=person.user_id, actor_name=person.name,
                           action="purchase.photo", subject=ref(purchase_id),
                           detail=f"{kind.value} {item or ''}".strip())  # fmt: skip
        msg = OutMessage(t.late_photo_for_supervisor(purchase, kind, caption), [], (photo,))
        for role in (Role.SUPERVISOR, Role.ADMIN):
            if await notify_role(
                tx, svc, role, msg, ref=ref(purchase_id), exclude={person.user_id}
            ):
                break
        purchase = await _load(tx, purchase_id)
    svc.kick_outbox()
    return purchase, kind


async def cancel_draft(svc: Services, person: Person, purchase_id: int) -> Purchase:
    now = svc.now()
    async with svc.db.transaction() as tx:
        purchase = await _own_draft(tx, person, purchase_id)
        await repo.cancel_draft(tx, purchase_id)
        await audit.record(tx, now=now, actor_id=person.user_id, actor_name=person.name,
                           action="purchase.cancel", subject=ref(purchase_id))  # fmt: skip
    return purchase


async def _price_notes(tx: Tx, svc: Services, purchase: Purchase, day: date) -> dict[int, str]:
    """Line number -> "单价 14 较近30天均价 12.10 高 15.7%" for prices above the threshold."""
    notes: dict[int, str] = {}
    first = day - timedelta(days=PRICE_WINDOW_DAYS)
    for number, line in enumerate(purchase.lines, start=1):
        history = await repo.price_history(
            tx, line.item, first=first, last=day, exclude_id=purchase.id
        )
        # 40 元/公斤 is compared as 20 元/斤 with every weight bought before.
        price, unit = comparable_price(line.unit_price, line.unit)
        average = average_price(history, line.unit)
        warning = price_warning(price, average, svc.settings.price_alert_percent)
        if warning:
            notes[number] = t.price_note(line, price, unit, warning)
    return notes


async def _supplier_notes(tx: Tx, purchase: Purchase, day: date) -> list[str]:
    notes = []
    for name in purchase.suppliers:
        note = t.supplier_note(name, await repo.supplier_named(tx, name), day)
        if note:
            notes.append(note)
    return notes


def supervisor_message(purchase: Purchase, text: str, settled: str | None = None) -> OutMessage:
    """The notification with its photos and the 确认 / 驳回 buttons (the outbox sends a
    long text after the photos, since a caption cannot carry it); ``settled``: what every
    copy is edited to once someone has decided."""
    buttons = [[(t.BUTTON_CONFIRM, button(PurchaseCheckAction.CONFIRM, purchase.id)),
                (t.BUTTON_REJECT, button(PurchaseCheckAction.REJECT, purchase.id))]]  # fmt: skip
    photos = tuple(Photo(p.file_id, p.path) for p in purchase.photos)
    return OutMessage(text, buttons, photos, settled=settled)


async def submit(svc: Services, person: Person, purchase_id: int) -> SubmitResult:
    now = svc.now()
    day = svc.local_now().date()
    async with svc.db.transaction() as tx:
        purchase = await _own_draft(tx, person, purchase_id)
        if not purchase.lines:
            raise DomainError(t.EMPTY_DRAFT)
        if not await repo.submit(tx, purchase_id, day=day, now=now):
            raise DomainError(t.already_submitted(purchase))
        purchase = await _load(tx, purchase_id)
        price_notes = await _price_notes(tx, svc, purchase, day)
        rejected = await repo.get(tx, purchase.reopened_from) if purchase.reopened_from else None
        card = functools.partial(t.for_supervisor, purchase, svc.settings.certificate_items,
                                 price_notes, await _supplier_notes(tx, purchase, day),
                                 corrects=rejected)  # fmt: skip
        text = card()
        notified = 0
        exclude = {person.user_id}
        for role in (Role.SUPERVISOR, Role.ADMIN):  # admins step in when no supervisor can
            msg = supervisor_message(purchase, text, card(settled=True))
            notified = await notify_role(tx, svc, role, msg, ref=ref(purchase_id), exclude=exclude)
            if notified:
                break
        # The teachers on today's 清点 rota (issue 17) get it too, with a 清点确认 button.
        await foodsafety.notify_purchase_checkers(tx, svc, purchase, text, day, exclude=exclude)
        # 「采购单 #N 已提交」 is queued with the submission: a crash cannot lose it.
        # Remembered with the purchase: a photo sent in reply to it joins the purchase.
        await notify_person(tx, svc, person.user_id, OutMessage(t.submitted(purchase, notified)),
                            ref=Ref.purchase(purchase_id).as_answer())  # fmt: skip
        await audit.record(tx, now=now, actor_id=person.user_id, actor_name=person.name,
                           action="purchase.submit", subject=ref(purchase_id),
                           detail=t.submitted_detail(len(purchase.lines),
                                                     purchase.total))  # fmt: skip
    svc.kick_outbox()
    return SubmitResult(purchase, notified, price_notes)


def _check_supervisor(person: Person) -> None:
    if not person.has(Role.SUPERVISOR):
        raise DomainError(t.NEED_SUPERVISOR)


async def confirm(svc: Services, person: Person, purchase_id: int) -> Purchase:
    """The supervisor's 签字: who confirmed and when. Never the purchaser themself."""
    _check_supervisor(person)
    now = svc.now()
    async with svc.db.transaction() as tx:
        purchase = await _load(tx, purchase_id)
        purchase.check_can_decide(person.user_id)
        if not await repo.confirm(tx, purchase_id, by=person.user_id, by_name=person.name,
                                  now=now):  # fmt: skip
            (await _load(tx, purchase_id)).check_can_decide(person.user_id)
            raise DomainError(t.NOT_FOUND)
        purchase = await _load(tx, purchase_id)
        await audit.record(tx, now=now, actor_id=person.user_id, actor_name=person.name,
                           action="purchase.confirm", subject=ref(purchase_id),
                           detail=str(purchase.total))  # fmt: skip
        await outbox.enqueue_clear_buttons(tx, ref(purchase_id), now=now,
                                           note=t.decided_note(purchase))  # fmt: skip
        # issue 16 (storeroom): stocked items bought (灯管 50根) go into stock.
        await stock_service.receive_purchase(tx, svc, purchase, by=person)
        local = now.astimezone(svc.settings.timezone)
        told = OutMessage(t.confirmed_for_purchaser(purchase, local))
        await notify_person(tx, svc, purchase.purchaser_id, told, ref=None)
    svc.kick_outbox()
    return purchase


async def reject(svc: Services, person: Person, purchase_id: int, reason: str) -> Purchase:
    _check_supervisor(person)
    now = svc.now()
    async with svc.db.transaction() as tx:
        purchase = await _load(tx, purchase_id)
        purchase.check_can_decide(person.user_id)
        why = reject_reason(reason)
        if not await repo.reject(tx, purchase_id, by=person.user_id, by_name=person.name,
                                 reason=why, now=now):  # fmt: skip
            (await _load(tx, purchase_id)).check_can_decide(person.user_id)
            raise DomainError(t.NOT_FOUND)
        purchase = await _load(tx, purchase_id)
        await audit.record(tx, now=now, actor_id=person.user_id, actor_name=person.name,
                           action="purchase.reject", subject=ref(purchase_id),
                           detail=why)  # fmt: skip
        await outbox.enqueue_clear_buttons(tx, ref(purchase_id), now=now,
                                           note=t.decided_note(purchase))  # fmt: skip
        reopen = [[(t.BUTTON_REOPEN, button(PurchaseDraftAction.REOPEN, purchase_id))]]
        await notify_person(tx, svc, purchase.purchaser_id,
                            OutMessage(t.rejected_for_purchaser(purchase), reopen),
                            ref=None)  # fmt: skip
    svc.kick_outbox()
    return purchase


async def check_decidable(svc: Services, person: Person, purchase_id: int) -> Purchase:
    """Before asking for a reject reason: is there still something to decide?"""
    _check_supervisor(person)
    purchase = await repo.get(svc.db, purchase_id)
    if purchase is None:
        raise DomainError(t.NOT_FOUND)
    purchase.check_can_decide(person.user_id)
    return purchase


async def day_purchases(svc: Services, day: date) -> list[Purchase]:
    return await repo.for_day(svc.db, day)


def local_day(svc: Services, when: datetime) -> date:
    return when.astimezone(svc.settings.timezone).date()


# ---------------------------------------------------------------- suppliers


def _check_admin(person: Person) -> None:
    if Role.ADMIN not in person.roles:
        raise DomainError(t.ADMIN_ONLY)


async def suppliers(svc: Services) -> list[Supplier]:
    return await repo.suppliers(svc.db)


async def save_supplier(svc: Services, person: Person, name: str, expires: date | None) -> bool:
    """Add a 定点供应商 or update its certificate expiry; True when new."""
    _check_admin(person)
    now = svc.now()
    async with svc.db.transaction() as tx:
        new = await repo.upsert_supplier(tx, name, expires, by=person.user_id, now=now)
        await audit.record(tx, now=now, actor_id=person.user_id, actor_name=person.name,
                           action="supplier.add" if new else "supplier.update",
                           subject=f"supplier:{name}", detail=str(expires or ""))  # fmt: skip
    return new


async def remove_supplier(svc: Services, person: Person, name: str) -> None:
    _check_admin(person)
    now = svc.now()
    async with svc.db.transaction() as tx:
        if not await repo.remove_supplier(tx, name, now=now):
            raise DomainError(t.SUPPLIER_NOT_FOUND.format(name=name))
        await audit.record(tx, now=now, actor_id=person.user_id, actor_name=person.name,
                           action="supplier.remove", subject=f"supplier:{name}")  # fmt: skip


async def flag_expiring_suppliers(svc: Services, now: datetime) -> list[Supplier]:
    """Tell admins about certificates expiring within 30 days: once at 30 days, again at
    7 days, and once more when expired (the stage is remembered, so a daily run is quiet)."""
    today = local_day(svc, now)
    flagged = []
    async with svc.db.transaction() as tx:
        for supplier in await repo.suppliers(tx):
            stage = supplier.expiry_stage(today)
            if stage <= supplier.flag_stage:
                continue
            msg = OutMessage(t.supplier_expiring(supplier, today))
            await notify_role(tx, svc, Role.ADMIN, msg, ref=None)
            await repo.set_flag_stage(tx, supplier.id, stage)
            await audit.record(tx, now=now, actor_id=None, actor_name=None,
                               action="supplier.expiring", subject=f"supplier:{supplier.name}",
                               detail=str(supplier.certificate_expires))  # fmt: skip
            flagged.append(supplier)
    if flagged:
        svc.kick_outbox()
    return flagged


# ---------------------------------------------------------------- finance export


@dataclass(frozen=True)
class Export:
    path: str  # relative to BOT_DATA_DIR
    file_name: str
    caption: str
    purchases: int
    lines: int
    total: Decimal


def month_range(year: int, month: int) -> tuple[date, date]:
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def export_sheet(purchases: list[Purchase], title: str, tz: tzinfo) -> Sheet:
    """One row per line for the finance office, with a totals row."""
    rows: list[list[CellValue]] = []
    for p in purchases:
        for line in p.lines:
            rows.append([
                p.purchase_date, p.number, line.item, line.quantity, line.unit, line.unit_price,
                line.amount, p.line_supplier(line) or "", p.purchaser_name,
                p.confirmed_by_name or "",
                p.confirmed_at.astimezone(tz) if p.confirmed_at else None,
            ])  # fmt: skip
    amount = sum((p.total for p in purchases), Decimal(0))
    totals: list[CellValue] = [t.EXPORT_TOTAL, t.count_orders(len(purchases)),
                               t.count_items(len(rows)), None, None, None, amount, None, None,
                               None, None]  # fmt: skip
    # quantity keeps its decimals (3.3 斤, 0.125 公斤); unit prices up to 4 places (0.016 元/克)
    return Sheet(title, list(t.EXPORT_HEADERS), rows, totals,
                 number_formats={3: "0.###", 5: "0.00##", 6: "0.00"})  # fmt: skip


async def export_month(svc: Services, person: Person, year: int, month: int) -> Export | None:
    """The month's confirmed purchases as an .xlsx under BOT_DATA_DIR/exports."""
    if not person.has(Role.SUPERVISOR):
        raise DomainError(t.NEED_SUPERVISOR)
    first, last = month_range(year, month)
    purchases = await repo.confirmed_between(svc.db, first, last)
    if not purchases:
        return None
    tz = svc.settings.timezone
    sheet = export_sheet(purchases, t.export_title(year, month), tz)
    data = await offload.build(write_xlsx, [sheet], tz=tz)
    path = await files.save_bytes(svc.settings.data_dir, "exports", data, ".xlsx",
                                  now=svc.local_now())  # fmt: skip
    amount = sum((p.total for p in purchases), Decimal(0))
    now = svc.now()
    async with svc.db.transaction() as tx:
        await audit.record(tx, now=now, actor_id=person.user_id, actor_name=person.name,
                           action="purchase.export", subject=f"purchases:{year}-{month:02d}",
                           detail=path)  # fmt: skip
    return Export(path, t.export_file_name(year, month),
                  t.export_caption(year, month, len(purchases), amount), len(purchases),
                  len(sheet.rows), amount)  # fmt: skip


# ---------------------------------------------------------------- public posting (公示)


@dataclass(frozen=True)
class Posting:
    day: date
    purchases: list[Purchase]
    total: Decimal
    picture_paths: list[str]


def _chunks(text: str, limit: int = 3800) -> list[str]:
    """Split a long text on line breaks so each message stays under Telegram's limit."""
    chunks, current = [], ""
    for line in text.split("\n"):
        if current and len(current) + len(line) + 1 > limit:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return chunks


async def post_daily(svc: Services, now: datetime) -> Posting | None:
    """Post the confirmed purchases not yet shown (today's, and any confirmed late for an
    earlier day) to the public chat (/setpublic, else BOT_PUBLIC_CHAT_ID) as a picture plus
    a text version, once per day."""
    chat_id = await public_chat_id(svc)
    if chat_id is None:
        return None
    day = local_day(svc, now)
    if await repo.posting_exists(svc.db, day):
        return None
    purchases = await repo.unposted_confirmed(svc.db, day)
    if not purchases:
        return None
    amount = sum((p.total for p in purchases), Decimal(0))
    # A busy day is split into pages of 30 rows (an album) so the text stays readable.
    pages = await asyncio.to_thread(
        render_table_pages, t.public_title(day), t.PUBLIC_HEADERS, t.public_rows(purchases),
        footer=t.public_footer(purchases), col_align=PUBLIC_ALIGN, rows_per_page=30,
    )  # fmt: skip
    pictures = [
        await files.save_bytes(svc.settings.data_dir, "postings", png, ".png", now=svc.local_now())
        for png in pages[:MAX_PHOTOS]
    ]
    async with svc.db.transaction() as tx:
        if not await repo.record_posting(tx, day, [p.id for p in purchases], amount, now=now):
            return None
        caption = t.public_caption(day, purchases)
        photos = tuple(Photo(path=p) for p in pictures)
        await outbox.enqueue(tx, chat_id, OutMessage(caption, photos=photos), ref=None, now=now)
        checked = await foodsafety.checked_by_lines(tx, purchases)  # who checked (清点)
        for chunk in _chunks("\n".join([t.public_text(day, purchases), *checked])):
            await outbox.enqueue(tx, chat_id, OutMessage(chunk), ref=None, now=now)
        await audit.record(tx, now=now, actor_id=None, actor_name=None, action="purchase.post",
                           subject=f"purchases:{day}",
                           detail=t.posted_detail(len(purchases), amount))  # fmt: skip
    svc.kick_outbox()
    return Posting(day, purchases, amount, pictures)
