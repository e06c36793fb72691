"""Repair services against a real SQLite file: state, audit rows and queued notifications."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.config import Settings
from bot.domain.errors import DomainError
from bot.domain.messages import Photo
from bot.domain.people import Person
from bot.domain.repairs import Category, RepairState, Urgency
from bot.domain.roles import Role
from bot.services import repairs as svc_repairs
from bot.services.container import Services
from bot.services.people import Actor
from storage import people
from storage import repairs as repo
from storage.db import Database

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
TOKEN = "123456:" + "A" * 30


@pytest.fixture
async def svc(tmp_path: Path) -> AsyncIterator[Services]:
    db = Database(tmp_path / "x.sqlite3")
    await db.open()
    services = Services(settings=Settings(token=TOKEN, data_dir=tmp_path), db=db,
                        clock=FrozenClock(T0))  # fmt: skip
    yield services
    await db.close()


async def add(svc: Services, user_id: int, name: str, *roles: Role) -> Person:
    async with svc.db.transaction() as tx:
        await people.upsert(tx, user_id=user_id, name=name, username=None, chat_id=user_id,
                            now=svc.now())  # fmt: skip
        for role in roles:
            await people.grant(tx, user_id, role, by=None, now=svc.now())
        person = await people.get(tx, user_id)
    assert person is not None
    return person


async def outbox_rows(svc: Services) -> list[tuple[int, str, dict[str, object]]]:
    rows = await svc.db.fetchall("SELECT chat_id, kind, payload FROM outbox ORDER BY id")
    return [(r["chat_id"], r["kind"], json.loads(r["payload"])) for r in rows]


async def notifications(svc: Services) -> list[tuple[int, str, dict[str, object]]]:
    """The outbox without the doer's own acknowledgement (queued under the report's
    answer ref, ``repair:N:answer``, so a reply to it is understood)."""
    rows = await svc.db.fetchall(
        "SELECT chat_id, kind, payload FROM outbox"
        " WHERE ref IS NOT NULL AND ref NOT LIKE '%:answer' ORDER BY id"
    )
    return [(r["chat_id"], r["kind"], json.loads(r["payload"])) for r in rows]


async def clear_outbox(svc: Services) -> None:
    async with svc.db.transaction() as tx:
        await tx.execute("DELETE FROM outbox")


@pytest.fixture
async def cast(svc: Services) -> dict[str, Person]:
    return {
        "teacher": await add(svc, 1, "王老师", Role.STAFF),
        "boss": await add(svc, 2, "张三", Role.SUPERVISOR),
        "boss2": await add(svc, 3, "赵六", Role.SUPERVISOR),
        "fixer": await add(svc, 4, "李四", Role.REPAIRER),
    }


async def test_caption_report_is_saved_and_sent_to_every_supervisor(
    svc: Services, cast: dict[str, Person]
) -> None:
    photo = Photo("file-1", "repairs/1.jpg")
    result = await svc_repairs.report_caption(
        svc, reporter=Actor.of(cast["teacher"]), caption="教学楼302教室 门锁坏了，关不上",
        photos=(photo,),
    )  # fmt: skip
    tk = result.ticket
    assert (tk.location, tk.description, tk.category) == ("教学楼302教室", "门锁坏了，关不上",
                                                          Category.LOCK)  # fmt: skip
    assert tk.state is RepairState.NEW
    rows = await notifications(svc)
    assert sorted(chat for chat, _, _ in rows) == [2, 3]
    # The teacher's 「已提交」 is queued with the report, so a crash cannot lose it.
    [ack] = [p for chat, _, p in await outbox_rows(svc) if chat == cast["teacher"].chat_id]
    assert "报修单 #1 已提交" in str(ack["text"])
    payload = rows[0][2]
    assert "教学楼302教室" in str(payload["text"])
    assert payload["photos"] == [{"file_id": "file-1", "path": "repairs/1.jpg"}]
    labels = [label for row in payload["buttons"] for label, _ in row]  # type: ignore[attr-defined]
    assert any("受理" in x for x in labels) and any("驳回" in x for x in labels)
    stored = await repo.photos(svc.db, tk.id)
    assert [(p.kind, p.photo.file_id) for p in stored] == [("before", "file-1")]


async def test_accept_with_one_repairer_assigns_automatically(
    svc: Services, cast: dict[str, Person]
) -> None:
    r = await svc_repairs.report_caption(svc, reporter=Actor.of(cast["teacher"]),
                                         caption="302 灯管不亮", photos=())  # fmt: skip
    await clear_outbox(svc)
    outcome = await svc_repairs.accept(svc, r.ticket.id, by=cast["boss"])
    assert outcome.accepted and outcome.ticket.assignee_id == 4
    rows = await notifications(svc)
    chats = [chat for chat, kind, _ in rows if kind == "message"]
    assert sorted(chats) == [1, 4]  # reporter told, repairer gets the job
    job = next(p for chat, _, p in rows if chat == 4)
    labels = [label for row in job["buttons"] for label, _ in row]  # type: ignore[attr-defined]
    assert any("开始" in x for x in labels) and any("完成" in x for x in labels)


async def test_accept_with_several_repairers_asks_which(
    svc: Services, cast: dict[str, Person]
) -> None:
    await add(svc, 5, "钱七", Role.REPAIRER)
    r = await svc_repairs.report_caption(svc, reporter=Actor.of(cast["teacher"]),
                                         caption="302 灯管不亮", photos=())  # fmt: skip
    outcome = await svc_repairs.accept(svc, r.ticket.id, by=cast["boss"])
    assert not outcome.accepted
    assert {p.name for p in outcome.choices} == {"李四", "钱七"}
    assert (await repo.get(svc.db, r.ticket.id)).state is RepairState.NEW  # type: ignore[union-attr]
    outcome = await svc_repairs.accept(svc, r.ticket.id, by=cast["boss"], assignee_id=5)
    assert outcome.accepted and outcome.ticket.assignee_name == "钱七"


async def test_forged_assignee_who_is_not_a_repairer_is_refused(
    svc: Services, cast: dict[str, Person]
) -> None:
    r = await svc_repairs.report_caption(svc, reporter=Actor.of(cast["teacher"]),
                                         caption="302 灯管不亮", photos=())  # fmt: skip
    with pytest.raises(DomainError, match="不是维修工"):
        await svc_repairs.accept(svc, r.ticket.id, by=cast["boss"], assignee_id=1)


async def test_staff_cannot_accept(svc: Services, cast: dict[str, Person]) -> None:
    r = await svc_repairs.report_caption(svc, reporter=Actor.of(cast["teacher"]),
                                         caption="302 灯管不亮", photos=())  # fmt: skip
    with pytest.raises(DomainError, match="监督员"):
        await svc_repairs.accept(svc, r.ticket.id, by=cast["fixer"])


async def test_supervisor_cannot_accept_own_report(svc: Services, cast: dict[str, Person]) -> None:
    r = await svc_repairs.report_caption(svc, reporter=Actor.of(cast["boss"]),
                                         caption="302 灯管不亮", photos=())  # fmt: skip
    rows = await notifications(svc)
    assert [chat for chat, _, _ in rows] == [3]  # the other supervisor only
    with pytest.raises(DomainError, match="不能受理自己"):
        await svc_repairs.accept(svc, r.ticket.id, by=cast["boss"])


async def test_whole_lifecycle_writes_history(svc: Services, cast: dict[str, Person]) -> None:
    r = await svc_repairs.report_caption(svc, reporter=Actor.of(cast["teacher"]),
                                         caption="302 灯管不亮", photos=())  # fmt: skip
    rid = r.ticket.id
    await svc_repairs.accept(svc, rid, by=cast["boss"])
    await svc_repairs.start(svc, rid, by=cast["fixer"])
    await clear_outbox(svc)
    after = Photo("file-after", "repairs/after.jpg")
    await svc_repairs.complete(svc, rid, by=cast["fixer"], note="换了灯管", photos=(after,))
    rows = await outbox_rows(svc)
    to_reporter = [p for chat, kind, p in rows if chat == 1 and kind == "message"]
    assert len(to_reporter) == 1
    labels = [lb for row in to_reporter[0]["buttons"] for lb, _ in row]  # type: ignore[attr-defined]
    assert any("验收" in x for x in labels) and any("返修" in x for x in labels)
    await svc_repairs.reopen(svc, rid, by=cast["teacher"], reason="还是闪")
    await svc_repairs.complete(svc, rid, by=cast["fixer"], note="换了镇流器")
    await svc_repairs.verify(svc, rid, by=cast["teacher"])
    detail = await svc_repairs.detail(svc, rid, viewer=cast["teacher"])
    assert detail.ticket.state is RepairState.VERIFIED
    assert [h.action for h in detail.history] == [
        "repair.create", "repair.accept", "repair.start", "repair.complete", "repair.reopen",
        "repair.complete", "repair.verify",
    ]  # fmt: skip
    assert [p.file_id for p in detail.after] == ["file-after"]


async def test_second_accept_is_answered_with_who_accepted(
    svc: Services, cast: dict[str, Person]
) -> None:
    r = await svc_repairs.report_caption(svc, reporter=Actor.of(cast["teacher"]),
                                         caption="302 灯管不亮", photos=())  # fmt: skip
    await svc_repairs.accept(svc, r.ticket.id, by=cast["boss"])
    with pytest.raises(DomainError, match="已由 张三 受理"):
        await svc_repairs.accept(svc, r.ticket.id, by=cast["boss2"])
    with pytest.raises(DomainError, match="已由 张三 受理"):
        await svc_repairs.check(svc, r.ticket.id, "reject", by=cast["boss2"])


async def test_reject_tells_reporter_the_reason(svc: Services, cast: dict[str, Person]) -> None:
    r = await svc_repairs.report_caption(svc, reporter=Actor.of(cast["teacher"]),
                                         caption="302 灯管不亮", photos=())  # fmt: skip
    await clear_outbox(svc)
    await svc_repairs.reject(svc, r.ticket.id, by=cast["boss"], reason="已经报过了，见 #1")
    rows = await outbox_rows(svc)
    texts = [str(p["text"]) for chat, kind, p in rows if chat == 1]
    assert len(texts) == 1 and "已经报过了，见 #1" in texts[0] and "#" in texts[0]


async def test_only_assigned_repairer_may_start(svc: Services, cast: dict[str, Person]) -> None:
    other = await add(svc, 5, "钱七", Role.REPAIRER)
    r = await svc_repairs.report_caption(svc, reporter=Actor.of(cast["teacher"]),
                                         caption="302 灯管不亮", photos=())  # fmt: skip
    await svc_repairs.accept(svc, r.ticket.id, by=cast["boss"], assignee_id=4)
    with pytest.raises(DomainError, match="李四"):
        await svc_repairs.start(svc, r.ticket.id, by=other)


async def test_third_report_at_same_place_is_flagged(
    svc: Services, cast: dict[str, Person]
) -> None:
    clock = svc.clock
    assert isinstance(clock, FrozenClock)
    for _ in range(2):
        await svc_repairs.report_caption(svc, reporter=Actor.of(cast["teacher"]),
                                         caption="教学楼302教室 门锁坏了", photos=())  # fmt: skip
        clock.advance(timedelta(days=30))
    await clear_outbox(svc)
    r = await svc_repairs.report_caption(svc, reporter=Actor.of(cast["teacher"]),
                                         caption="教学楼302教室，锁又坏了", photos=())  # fmt: skip
    assert r.repeat_count == 3
    rows = await notifications(svc)
    assert all("同一位置第3次报修，建议更换" in str(p["text"]) for _, _, p in rows)
    clock.advance(timedelta(days=61))
    r = await svc_repairs.report_caption(svc, reporter=Actor.of(cast["teacher"]),
                                         caption="教学楼302教室 门锁坏了", photos=())  # fmt: skip
    assert r.repeat_count == 2  # the first one is older than 90 days now


async def test_report_from_patrol_runs_in_callers_transaction(
    svc: Services, cast: dict[str, Person]
) -> None:
    patrol = await add(svc, 6, "孙巡查", Role.PATROL)
    async with svc.db.transaction() as tx:
        rid = await svc_repairs.report_from_patrol(
            tx, svc, reporter=Actor.of(patrol), location="操场东侧", description="路灯不亮",
            photos=(Photo("f-p", None),), round_id=7,
        )  # fmt: skip
    tk = await repo.get(svc.db, rid)
    assert tk is not None and tk.patrol_round_id == 7 and tk.category is Category.ELECTRIC
    rows = await outbox_rows(svc)
    assert sorted(chat for chat, _, _ in rows) == [2, 3]
    assert "巡查" in str(rows[0][2]["text"])


async def test_report_from_patrol_rolls_back_with_the_patrol(
    svc: Services, cast: dict[str, Person]
) -> None:
    with pytest.raises(RuntimeError):
        async with svc.db.transaction() as tx:
            await svc_repairs.report_from_patrol(
                tx, svc, reporter=Actor.of(cast["teacher"]), location="操场",
                description="路灯不亮", photos=(), round_id=1,
            )  # fmt: skip
            raise RuntimeError("patrol failed")
    assert await svc.db.fetchval("SELECT COUNT(*) FROM repairs") == 0
    assert await svc.db.fetchval("SELECT COUNT(*) FROM outbox") == 0


async def test_escalation_reminds_once_per_period(svc: Services, cast: dict[str, Person]) -> None:
    r = await svc_repairs.report(svc, reporter=Actor.of(cast["teacher"]), location="食堂",
                                 description="水管爆了", urgency=Urgency.URGENT)  # fmt: skip
    await clear_outbox(svc)
    assert (await svc_repairs.run_escalation(svc, T0 + timedelta(minutes=59))).reminded == ()
    res = await svc_repairs.run_escalation(svc, T0 + timedelta(minutes=61))
    assert res.reminded == (r.ticket.id,)
    again = await svc_repairs.run_escalation(svc, T0 + timedelta(minutes=90))
    assert again.reminded == ()
    rows = await outbox_rows(svc)
    # The two supervisors, and the reporter (told once that the report is late).
    assert sorted(chat for chat, _, _ in rows) == [1, 2, 3]
    assert "超时" in str(rows[0][2]["text"])
    assert (await svc_repairs.run_escalation(svc, T0 + timedelta(hours=2, minutes=1))).reminded


async def accepted_job(svc: Services, cast: dict[str, Person]) -> int:
    """王老师 reports "302 灯不亮", 张三 accepts it: the job goes to 李四 (the only repairer)."""
    r = await svc_repairs.report(svc, reporter=Actor.of(cast["teacher"]), location="302",
                                 description="灯不亮")  # fmt: skip
    await svc_repairs.accept(svc, r.ticket.id, by=cast["boss"])
    return r.ticket.id


async def test_overdue_job_reminds_assignee_and_supervisors(
    svc: Services, cast: dict[str, Person]
) -> None:
    rid = await accepted_job(svc, cast)
    await clear_outbox(svc)
    res = await svc_repairs.run_escalation(svc, T0 + timedelta(days=7, minutes=1))
    assert res.reminded == (rid,)
    assert sorted(chat for chat, _, _ in await outbox_rows(svc)) == [1, 2, 3, 4]


async def test_done_job_is_verified_automatically_after_seven_days(
    svc: Services, cast: dict[str, Person]
) -> None:
    rid = await accepted_job(svc, cast)
    await svc_repairs.complete(svc, rid, by=cast["fixer"], note="好了")
    res = await svc_repairs.run_escalation(svc, T0 + timedelta(days=6))
    assert res.auto_verified == ()
    res = await svc_repairs.run_escalation(svc, T0 + timedelta(days=7))
    assert res.auto_verified == (rid,)
    tk = await repo.get(svc.db, rid)
    assert tk is not None and tk.state is RepairState.VERIFIED


async def test_lists_by_role(svc: Services, cast: dict[str, Person]) -> None:
    a = await svc_repairs.report(svc, reporter=Actor.of(cast["teacher"]), location="302",
                                 description="灯不亮")  # fmt: skip
    other = await add(svc, 7, "周老师", Role.STAFF)
    await svc_repairs.report(svc, reporter=Actor.of(other), location="303", description="门坏了")
    await svc_repairs.accept(svc, a.ticket.id, by=cast["boss"])
    scope, mine = await svc_repairs.list_for(svc, cast["teacher"])
    assert scope == "mine" and [t.id for t in mine] == [a.ticket.id]
    scope, jobs = await svc_repairs.list_for(svc, cast["fixer"])
    assert scope == "jobs" and [t.id for t in jobs] == [a.ticket.id]
    scope, everything = await svc_repairs.list_for(svc, cast["boss"])
    assert scope == "all" and len(everything) == 2
    with pytest.raises(DomainError):
        await svc_repairs.detail(svc, a.ticket.id, viewer=other)


async def test_urgent_report_missed_during_a_long_outage_is_reminded_once_then_twice_more(
    svc: Services, cast: dict[str, Person]
) -> None:
    r = await svc_repairs.report(svc, reporter=Actor.of(cast["teacher"]), location="食堂",
                                 description="水管爆了", urgency=Urgency.URGENT)  # fmt: skip
    await clear_outbox(svc)
    # The bot was down for 30 hours: the deadline passed 30 periods ago.
    first = await svc_repairs.run_escalation(svc, T0 + timedelta(hours=30))
    assert first.reminded == (r.ticket.id,)
    assert "已等待受理30小时" in str((await outbox_rows(svc))[0][2]["text"])
    assert (
        await svc_repairs.run_escalation(svc, T0 + timedelta(hours=30, minutes=30))
    ).reminded == ()
    sent = [
        (await svc_repairs.run_escalation(svc, T0 + timedelta(hours=h, minutes=1))).reminded
        for h in range(31, 36)
    ]
    assert sent == [(r.ticket.id,), (r.ticket.id,), (), (), ()]  # three in all, then quiet


async def test_the_same_photos_reported_again_after_a_crash_make_no_second_report(
    svc: Services, cast: dict[str, Person]
) -> None:
    photos = (Photo("file-1", "repairs/a1.jpg"), Photo("file-2", "repairs/a2.jpg"))
    reporter = Actor.of(cast["teacher"])
    first = await svc_repairs.report_caption(
        svc, reporter=reporter, caption="教学楼302教室 门锁坏了", photos=photos
    )
    again = await svc_repairs.report_caption(
        svc, reporter=reporter, caption="教学楼302教室 门锁坏了", photos=photos
    )
    assert again.ticket.id == first.ticket.id
    assert await svc.db.fetchval("SELECT COUNT(*) FROM repairs") == 1
    acks = [p for chat, _, p in await outbox_rows(svc) if chat == cast["teacher"].chat_id]
    assert len(acks) == 1
