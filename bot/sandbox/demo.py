"""A few weeks of a school's logistics, made on the try-out's first start so that /report,
/repairs, /purchases, /patrols and the exports show something real at once.

Everything goes through the services, as if the people had done it, with a clock set in
the past. The notifications of those weeks are marked delivered (nobody wants three weeks of
them at once); only today's open items (a new repair, a purchase to confirm) reach the
chats, so the supervisor has something to tap right away.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from importlib import resources

from bot.clock import Clock, FrozenClock
from bot.config import Settings
from bot.domain.messages import Photo
from bot.domain.people import Person
from bot.domain.purchases import PhotoKind
from bot.domain.repairs import Urgency
from bot.sandbox import cast
from bot.services import menus, patrols, purchases, repairs
from bot.services.container import Services
from bot.services.people import Actor
from storage import files, outbox
from storage import people as people_repo
from storage.db import Database

WEEKS = 3


class PastClock(FrozenClock):
    """The demo's clock: set to a local day and time, then moved on as people act."""

    def __init__(self, start: datetime, tz: tzinfo) -> None:
        super().__init__(start)
        self.tz = tz

    def at(self, day: date, hour: int, minute: int = 0) -> None:
        self.set(datetime.combine(day, time(hour, minute), self.tz))


@dataclass(frozen=True)
class Story:
    """One repair: reported ``days_ago`` at ``hour``, and how far it got."""

    days_ago: int
    hour: int
    reporter: cast.DemoPerson
    location: str
    description: str
    ending: str  # verified, done, started, accepted, rejected, reopened
    urgency: Urgency = Urgency.NORMAL
    photo: str | None = None


STORIES = (
    Story(20, 8, cast.TEACHER, "教学楼302教室", "门锁坏了，关不上", "verified", photo="lamp.jpg"),
    Story(
        19,
        10,
        cast.TEACHER2,
        "实验楼二楼男厕",
        "水龙头关不紧，一直滴水",
        "verified",
        photo="tap.jpg",
    ),
    Story(18, 14, cast.ADMIN, "办公楼201", "日光灯管不亮", "verified", photo="lamp.jpg"),
    Story(
        16, 9, cast.TEACHER, "学生宿舍3号楼412", "窗户玻璃裂了一道缝", "verified", Urgency.URGENT
    ),
    Story(15, 15, cast.TEACHER2, "图书馆阅览室", "空调不制冷", "rejected"),
    Story(13, 11, cast.TEACHER, "教学楼105教室", "投影仪没有信号", "reopened"),
    Story(12, 8, cast.TEACHER2, "食堂后厨", "排气扇噪音很大", "verified"),
    Story(10, 16, cast.ADMIN, "操场西侧", "路灯不亮", "verified", photo="lamp.jpg"),
    Story(9, 9, cast.TEACHER, "教学楼四楼女厕", "冲水阀漏水", "verified", photo="tap.jpg"),
    Story(7, 10, cast.TEACHER2, "教学楼208教室", "两张课桌桌腿松动", "done"),
    Story(5, 13, cast.TEACHER, "学生宿舍1号楼", "楼道插座没电", "started", Urgency.URGENT),
    Story(3, 9, cast.TEACHER2, "办公楼305", "门把手掉了", "accepted"),
    Story(2, 15, cast.TEACHER, "实验楼化学实验室", "洗手池下水堵了", "done", photo="tap.jpg"),
)

PURCHASES = (
    "猪肉 20斤 13.5\n白菜 50斤 1.2\n鸡蛋 30斤 4.1\n大米 2袋 共300元",
    "五花肉 12.5斤 14元/斤\n土豆 30公斤 2.4元\n西红柿 15kg 5.6\n豆腐 40块 0.8",
    "食用油 2桶 89.9 @粮油店\n酱油 6瓶 7.5元/瓶\n盐 10包 2.5\n面粉 1袋 共125元",
    "鸡腿 100个 2.8 @定点供应商王记\n青椒 8.6斤 3.35\n大葱 3把 2.5\n冬瓜 25.5斤 0.9元/斤",
    "牛肉 10斤 38\n带鱼 6.2斤 共124元\n生姜 500克 0.016\n白菜 40斤 1.3",
)
TODAYS_PURCHASE = "猪肉 18斤 13.8\n土豆 25公斤 2.5\n青菜 30斤 1.8\n鸡蛋 30斤 4.2"

DISHES = {
    "早餐": (
        "包子, 豆浆, 鸡蛋",
        "油条, 小米粥, 咸菜",
        "花卷, 牛奶, 鸡蛋",
        "馒头, 稀饭, 榨菜",
        "煎饺, 豆浆, 水果",
    ),
    "午餐": (
        "红烧肉, 炒青菜, 米饭",
        "宫保鸡丁, 番茄炒蛋, 米饭",
        "糖醋排骨, 清炒土豆丝, 米饭",
        "鱼香肉丝, 麻婆豆腐, 米饭",
        "土豆烧牛肉, 蒜蓉菠菜, 米饭",
    ),
    "晚餐": ("西红柿鸡蛋面", "饺子", "扬州炒饭, 紫菜汤", "青椒肉丝盖饭", "馄饨, 葱油饼"),
}
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五")


async def seed_demo(settings: Settings, db: Database, clock: Clock | None = None) -> None:
    """The weeks up to ``clock``'s now (the real time by default)."""
    real_now = (clock or Clock()).now()
    at = PastClock(real_now, settings.timezone)
    svc = Services(settings=settings, db=db, clock=at)
    people = {p.user_id: await _person(db, p.user_id) for p in cast.CAST}
    today = real_now.astimezone(settings.timezone).date()
    first = today - timedelta(days=7 * WEEKS)
    rng = random.Random(first.toordinal())

    photos = {name: await _photo(svc, name) for name in ("lamp.jpg", "tap.jpg", "receipt.jpg")}

    for monday in (
        first - timedelta(days=first.weekday()) + timedelta(weeks=w) for w in range(WEEKS + 2)
    ):
        at.at(monday - timedelta(days=3), 15)  # the Friday before
        if at.now() < real_now:
            await _publish_menu(svc, monday, people[cast.CANTEEN.user_id], rng)

    day = first
    while day < today:
        await _patrol_day(svc, at, day, people[cast.PATROL.user_id], rng)
        if day.weekday() < 5:
            at.at(day, 9, rng.randint(0, 40))
            await _purchase(
                svc,
                at,
                rng.choice(PURCHASES),
                people,
                photos["receipt.jpg"],
                reject=rng.random() < 0.1,
            )
            at.at(day, svc.settings.public_post_time.hour, svc.settings.public_post_time.minute)
            await purchases.post_daily(svc, svc.now())
        day += timedelta(days=1)

    for story in STORIES:
        await _repair(svc, at, story, people, today)

    # The weeks are history: their notifications count as delivered.
    later = real_now + timedelta(days=1)
    while pending := await outbox.due(db, later, limit=200):
        for item in pending:
            await outbox.mark_sent(db, item, [], real_now)

    # Today's open items reach the chats when the bot starts.
    at.set(real_now - timedelta(minutes=20))
    await repairs.report(
        svc,
        reporter=Actor(cast.TEACHER.user_id, cast.TEACHER.name),
        location="操场东侧篮球架",
        description="篮板螺丝松了，晃得厉害",
        urgency=Urgency.URGENT,
    )
    at.set(real_now - timedelta(minutes=10))
    await _purchase(svc, at, TODAYS_PURCHASE, people, photos["receipt.jpg"], confirm=False)


async def _person(db: Database, user_id: int) -> Person:
    person = await people_repo.get(db, user_id)
    assert person is not None, "the cast is registered before the demo"
    return person


async def _photo(svc: Services, name: str) -> Photo:
    data = (resources.files("bot.sandbox") / "static" / "samples" / name).read_bytes()
    rel = await files.save_bytes(svc.settings.data_dir, "photos", data, ".jpg", now=svc.local_now())
    return Photo(path=rel)


async def _publish_menu(svc: Services, monday: date, canteen: Person, rng: random.Random) -> None:
    lines = [monday.isoformat()]
    for i, weekday in enumerate(WEEKDAYS):
        for meal, choices in DISHES.items():
            lines.append(f"{weekday} {meal}: {choices[(i + rng.randint(0, 4)) % len(choices)]}")
    preview = await menus.preview(svc, "\n".join(lines), by=canteen)
    if preview.draft_id is not None:
        await menus.save_draft(svc, preview.draft_id, by=canteen)


async def _patrol_day(
    svc: Services, clock: PastClock, day: date, patroller: Person, rng: random.Random
) -> None:
    times = await patrols.times(svc)
    for slot_time in sorted(times.values()):
        clock.at(day, slot_time.hour, slot_time.minute)
        clock.advance(timedelta(minutes=2))
        round_ids = await patrols.send_due_rounds(svc, svc.now())
        if rng.random() < 0.08:
            continue  # forgotten: the watch job marks it missed later
        clock.advance(timedelta(minutes=rng.choice((15, 25, 40, 75))))
        for round_id in round_ids:
            await patrols.mark_all_ok(svc, round_id, by=patroller)
            await patrols.submit(svc, round_id, by=patroller)
    clock.advance(timedelta(hours=3))
    await patrols.check_overdue(svc, svc.now())


async def _purchase(
    svc: Services,
    clock: PastClock,
    lines: str,
    people: dict[int, Person],
    receipt: Photo,
    *,
    confirm: bool = True,
    reject: bool = False,
) -> None:
    buyer = people[cast.PURCHASER.user_id]
    draft = await purchases.start_draft(svc, buyer, lines)
    pid = draft.purchase.id
    await purchases.attach_photo(svc, buyer, pid, PhotoKind.RECEIPT, receipt)
    if any(item in lines for item in svc.settings.certificate_items):
        await purchases.attach_photo(svc, buyer, pid, PhotoKind.CERTIFICATE, receipt)
    await purchases.submit(svc, buyer, pid)
    if not confirm:
        return
    clock.advance(timedelta(minutes=45))
    supervisor = people[cast.SUPERVISOR.user_id]
    if reject:
        await purchases.reject(svc, supervisor, pid, "有几项单价偏高，请核对后重新登记")
    else:
        await purchases.confirm(svc, supervisor, pid)


async def _repair(
    svc: Services,
    clock: PastClock,
    story: Story,
    people: dict[int, Person],
    today: date,
) -> None:
    clock.at(today - timedelta(days=story.days_ago), story.hour, 10)
    reported = await repairs.report(
        svc,
        reporter=Actor(story.reporter.user_id, story.reporter.name),
        location=story.location,
        description=story.description,
        urgency=story.urgency,
        # Each report has its own stored photo, as a received one would: a photo already in
        # a report means that report was made already (the restart guard in the service).
        photos=(await _photo(svc, story.photo),) if story.photo else (),
    )
    rid = reported.ticket.id
    supervisor = people[cast.SUPERVISOR.user_id]
    repairer = people[cast.REPAIRER.user_id]
    reporter = people[story.reporter.user_id]
    clock.advance(timedelta(minutes=50))
    if story.ending == "rejected":
        await repairs.reject(svc, rid, by=supervisor, reason="已列入暑期空调更换计划")
        return
    await repairs.accept(svc, rid, by=supervisor)
    if story.ending == "accepted":
        return
    clock.advance(timedelta(hours=3))
    await repairs.start(svc, rid, by=repairer)
    if story.ending == "started":
        return
    clock.advance(timedelta(hours=20))
    await repairs.complete(svc, rid, by=repairer, note="已修好，换了新配件")
    if story.ending == "done":
        return
    clock.advance(timedelta(hours=18))
    if story.ending == "reopened":
        await repairs.reopen(svc, rid, by=reporter, reason="还是时好时坏")
        return
    await repairs.verify(svc, rid, by=reporter)
