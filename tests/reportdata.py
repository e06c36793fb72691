"""Records for report tests and benchmarks, written straight into the tables with bulk SQL.

Tests build a handful of records with known answers; ``generate_school`` fills years of a
large school's records (3,000 repairs, 5,000 purchase lines and about 1,100 patrol rounds a
year) in seconds, for ``make bench``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.clock import to_db
from storage.db import Database

SHANGHAI = ZoneInfo("Asia/Shanghai")
REPORTER = (9001, "孙老师")
PURCHASER = (9002, "张采购")
SUPERVISOR = (9003, "李监督")
PATROLLER = (9004, "周巡查")


def local(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


@dataclass
class RepairSpec:
    created: datetime
    location: str
    category: str
    state: str = "verified"
    urgency: str = "normal"
    accept_h: float | None = None
    done_h: float | None = None  # after acceptance
    patrol_round_id: int | None = None
    reopen_count: int = 0
    id: int | None = None


@dataclass
class PurchaseSpec:
    day: date
    lines: list[tuple[str, str, str, str]]  # item, quantity, unit, unit price
    state: str = "confirmed"
    supplier: str | None = None
    reason: str | None = None
    posted: bool = True
    id: int | None = None


@dataclass
class RoundSpec:
    day: date
    slot: str
    state: str  # submitted | late | missed | sent
    checks: list[tuple[str, int | None]] = field(default_factory=list)  # (state, repair id)
    id: int | None = None
    staffed: bool = True  # sent to the patroller, as the bot does; False: sent to nobody


async def add_people(db: Database) -> None:
    now = to_db(datetime.now(UTC))
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT OR IGNORE INTO people (user_id, name, chat_id, created_at) VALUES (?, ?, ?, ?)",
            [(uid, name, uid, now) for uid, name in (REPORTER, PURCHASER, SUPERVISOR, PATROLLER)],
        )


def _repair_row(spec: RepairSpec) -> tuple[object, ...]:
    accepted = spec.created + timedelta(hours=spec.accept_h) if spec.accept_h is not None else None
    done = accepted + timedelta(hours=spec.done_h) if accepted and spec.done_h is not None else None
    return (
        spec.id, REPORTER[0], REPORTER[1], spec.location, spec.location.replace(" ", ""),
        f"{spec.location} 坏了", spec.category, spec.urgency, spec.state, to_db(spec.created),
        to_db(done or accepted or spec.created), "刘师傅" if accepted else None,
        to_db(accepted) if accepted else None, to_db(done) if done else None,
        spec.patrol_round_id, spec.reopen_count,
    )  # fmt: skip


async def add_repairs(db: Database, specs: list[RepairSpec]) -> None:
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO repairs (id, reporter_id, reporter_name, location, location_key,"
            " description, category, urgency, state, created_at, state_at, assignee_name,"
            " accepted_at, done_at, patrol_round_id, reopen_count)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [_repair_row(s) for s in specs],
        )


def _amount(quantity: str, price: str) -> str:
    return str((Decimal(quantity) * Decimal(price)).quantize(Decimal("0.01")))


async def add_purchases(db: Database, specs: list[PurchaseSpec]) -> None:
    next_id = int(await db.fetchval("SELECT COALESCE(MAX(id), 0) FROM purchases")) + 1
    heads, lines = [], []
    for spec in specs:
        pid = spec.id or next_id
        next_id = max(next_id, pid) + 1
        at = datetime.combine(spec.day, time(9, 0), SHANGHAI)
        confirmed = spec.state == "confirmed"
        heads.append((
            pid, spec.state, PURCHASER[0], PURCHASER[1], spec.supplier, spec.day.isoformat(),
            to_db(at), to_db(at),
            SUPERVISOR[0] if confirmed else None, SUPERVISOR[1] if confirmed else None,
            to_db(at + timedelta(hours=1)) if confirmed else None,
            SUPERVISOR[0] if not confirmed else None,
            to_db(at + timedelta(hours=1)) if not confirmed else None, spec.reason,
            spec.day.isoformat() if spec.posted and confirmed else None,
        ))  # fmt: skip
        for position, (item, qty, unit, price) in enumerate(spec.lines, start=1):
            lines.append((pid, position, item, qty, unit, unit, price, _amount(qty, price)))
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO purchases (id, state, purchaser_id, purchaser_name, supplier,"
            " purchase_date, created_at, submitted_at, confirmed_by, confirmed_by_name,"
            " confirmed_at, rejected_by, rejected_at, reject_reason, posted_on)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            heads,
        )
        await tx.executemany(
            "INSERT INTO purchase_lines (purchase_id, position, item, quantity, unit, unit_key,"
            " unit_price, amount) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            lines,
        )


SLOT_TIMES = {"morning": time(7, 0), "afternoon": time(14, 0), "night": time(21, 30)}


async def add_rounds(db: Database, specs: list[RoundSpec]) -> None:
    next_id = int(await db.fetchval("SELECT COALESCE(MAX(id), 0) FROM patrol_rounds")) + 1
    rounds, checks, sent_to = [], [], []
    for spec in specs:
        rid = spec.id or next_id
        next_id = max(next_id, rid) + 1
        at = datetime.combine(spec.day, SLOT_TIMES[spec.slot], SHANGHAI)
        done = spec.state in ("submitted", "late")
        submitted = at + timedelta(minutes=20 if spec.state == "submitted" else 90)
        rounds.append((
            rid, spec.day.isoformat(), spec.slot, to_db(at), spec.state, to_db(at),
            to_db(submitted) if done else None, PATROLLER[0] if done else None,
        ))  # fmt: skip
        if spec.staffed:
            sent_to.append((rid, PATROLLER[0]))
        for position, (state, repair_id) in enumerate(spec.checks, start=1):
            checks.append((rid, position, f"检查项{position}", state, repair_id))
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO patrol_rounds (id, day, slot, scheduled_at, state, sent_at,"
            " submitted_at, submitted_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rounds,
        )
        await tx.executemany(
            "INSERT INTO patrol_checks (round_id, position, item, state, repair_id)"
            " VALUES (?, ?, ?, ?, ?)",
            checks,
        )
        await tx.executemany(
            "INSERT INTO patrol_round_people (round_id, user_id) VALUES (?, ?)", sent_to
        )


async def add_menu_weeks(db: Database, weeks: list[tuple[date, bool]]) -> None:
    now = to_db(datetime.now(UTC))
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO menu_entries (week, weekday, meal, dishes, updated_at)"
            " VALUES (?, 0, 'lunch', '[\"米饭\"]', ?)",
            [(monday.isoformat(), now) for monday, _ in weeks],
        )
        await tx.executemany(
            "INSERT INTO menu_pushes (kind, key, sent_at) VALUES ('weekly', ?, ?)",
            [(monday.isoformat(), now) for monday, on_time in weeks if on_time],
        )


# ---------------------------------------------------------------- a large school


PLACES = [f"教学楼{f}0{r}教室" for f in range(1, 6) for r in range(1, 9)] + [
    f"{b}号楼{f}层卫生间" for b in range(1, 7) for f in range(1, 6)
] + ["食堂后厨", "食堂大厅", "操场", "大门", "图书馆二楼", "实验楼化学实验室"]  # fmt: skip
CATEGORIES = ["door_window", "lock", "furniture", "water", "electric", "appliance", "other"]
ITEMS = [
    ("猪肉", "斤", "13.5"), ("牛肉", "斤", "38"), ("鸡蛋", "斤", "4.1"), ("白菜", "斤", "1.2"),
    ("土豆", "斤", "1.5"), ("西红柿", "斤", "2.8"), ("青椒", "斤", "3.2"), ("大米", "袋", "150"),
    ("面粉", "袋", "90"), ("菜籽油", "桶", "120"), ("酱油", "瓶", "9.5"), ("盐", "袋", "2"),
    ("豆腐", "斤", "2.5"), ("带鱼", "斤", "16"), ("苹果", "斤", "4"), ("洗洁精", "桶", "35"),
    ("鸡腿", "斤", "11"), ("黄瓜", "斤", "2.2"), ("茄子", "斤", "2.6"), ("香菇", "斤", "9"),
]  # fmt: skip
SUPPLIERS = ["城东农贸市场", "张记肉铺", "粮油站", "李家菜店", None]
STATES = ["verified"] * 14 + ["done"] * 2 + ["in_progress", "new", "rejected"]


async def generate_school(
    db: Database,
    first_year: int,
    years: int,
    *,
    repairs: int = 3000,
    lines: int = 5000,
    seed: int = 15,
) -> None:
    """``years`` years of records from 1 January of ``first_year``: ``repairs`` reports,
    ``lines`` purchase lines (five per purchase) and three patrol rounds a day each year."""
    rng = random.Random(seed)
    await add_people(db)
    for year in range(first_year, first_year + years):
        start = datetime(year, 1, 1, tzinfo=SHANGHAI)
        days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
        specs = []
        for _ in range(repairs):
            state = rng.choice(STATES)
            accepted = state not in ("new", "rejected")
            specs.append(RepairSpec(
                created=start + timedelta(minutes=rng.randrange(days * 24 * 60)),
                location=rng.choice(PLACES), category=rng.choice(CATEGORIES), state=state,
                urgency="urgent" if rng.random() < 0.1 else "normal",
                accept_h=rng.expovariate(1 / 6) if accepted else None,
                done_h=rng.expovariate(1 / 40) if state in ("verified", "done") else None,
            ))  # fmt: skip
        await add_repairs(db, specs)
        first_repair = int(await db.fetchval("SELECT MAX(id) FROM repairs")) - repairs + 1
        purchases = []
        for _ in range(lines // 5):
            day = date(year, 1, 1) + timedelta(days=rng.randrange(days))
            chosen = rng.sample(ITEMS, 5)
            drift = Decimal(1) + Decimal(day.timetuple().tm_yday) / Decimal(3650)
            purchases.append(PurchaseSpec(
                day=day,
                lines=[(item, str(rng.randint(2, 60)), unit,
                        str((Decimal(price) * drift).quantize(Decimal("0.01"))))
                       for item, unit, price in chosen],
                state="rejected" if rng.random() < 0.01 else "confirmed",
                supplier=rng.choice(SUPPLIERS), reason="价格偏高",
            ))  # fmt: skip
        await add_purchases(db, purchases)
        rounds = []
        for d in range(days):
            for slot in SLOT_TIMES:
                roll = rng.random()
                state = "submitted" if roll < 0.9 else ("late" if roll < 0.97 else "missed")
                checks: list[tuple[str, int | None]] = [("ok", None)] * 5
                if state != "missed" and rng.random() < 0.05:
                    checks.append(("abnormal", first_repair + rng.randrange(repairs)))
                rounds.append(RoundSpec(date(year, 1, 1) + timedelta(days=d), slot, state, checks))
        await add_rounds(db, rounds)
        mondays = [date(year, 1, 1) + timedelta(days=d) for d in range(days)]
        await add_menu_weeks(db, [(m, rng.random() < 0.9) for m in mondays if m.weekday() == 0])
