"""Patrol services on a real SQLite database with a controlled clock."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FrozenClock
from bot.config import Settings
from bot.domain.errors import DomainError
from bot.domain.patrols import ItemState, Overdue, RoundState, Slot
from bot.domain.roles import Role
from bot.services import patrols
from bot.services.container import Services
from bot.services.people import Actor
from storage import patrols as repo
from storage.db import Database, Tx
from tests.fakebot.running import add_person as person

TZ = ZoneInfo("Asia/Shanghai")
MON = datetime(2026, 11, 23, 6, 0, tzinfo=TZ)


@pytest.fixture
async def svc(tmp_path: Path) -> AsyncIterator[Services]:
    settings = Settings(token="123456:" + "a" * 30, data_dir=tmp_path)
    db = Database(settings.db_path)
    await db.open()
    yield Services(settings=settings, db=db, clock=FrozenClock(MON))
    await db.close()


def clock(svc: Services) -> FrozenClock:
    assert isinstance(svc.clock, FrozenClock)
    return svc.clock


async def outbox(svc: Services) -> list[tuple[int, str, str | None]]:
    rows = await svc.db.fetchall("SELECT chat_id, payload, ref FROM outbox ORDER BY id")
    return [(r["chat_id"], json.loads(r["payload"])["text"], r["ref"]) for r in rows]


async def advance_to(svc: Services, h: int, m: int = 0, days: int = 0) -> datetime:
    when = (MON + timedelta(days=days)).replace(hour=h, minute=m)
    clock(svc).set(when)
    return svc.now()


class FakeRepairs:
    """Stands in for bot.services.repairs.report_from_patrol: records the call."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def __call__(self, tx: Tx, svc: Services, **kw: Any) -> int:
        assert isinstance(kw["reporter"], Actor)
        self.calls.append(kw)
        return 100 + len(self.calls)


async def test_round_is_sent_at_its_time_to_every_patroller_once(svc: Services) -> None:
    await person(svc, 1, "张三", Role.PATROL)
    await person(svc, 2, "李四", Role.PATROL)
    await person(svc, 3, "王老师", Role.STAFF)
    assert await patrols.send_due_rounds(svc, await advance_to(svc, 6, 59)) == []
    sent = await patrols.send_due_rounds(svc, await advance_to(svc, 7, 0))
    assert len(sent) == 1
    again = await patrols.send_due_rounds(svc, await advance_to(svc, 7, 1))
    assert again == []
    msgs = await outbox(svc)
    assert sorted(c for c, _, _ in msgs) == [1, 2]
    assert all(ref == f"patrol:{sent[0]}" for _, _, ref in msgs)
    assert "早间巡查" in msgs[0][1] and "门窗" in msgs[0][1]


async def test_roster_sends_round_only_to_person_on_duty(svc: Services) -> None:
    admin = await person(svc, 9, "管理员", Role.ADMIN)
    await person(svc, 1, "张三", Role.PATROL)
    await person(svc, 2, "李四", Role.PATROL)
    label, names = await patrols.set_roster(svc, "周一 李四", by=admin)
    assert (label, names) == ("周一", ["李四"])
    await patrols.send_due_rounds(svc, await advance_to(svc, 7, 0))
    assert [c for c, _, _ in await outbox(svc)] == [2]


async def test_roster_rejects_someone_without_patrol_role(svc: Services) -> None:
    admin = await person(svc, 9, "管理员", Role.ADMIN)
    await person(svc, 3, "王老师", Role.STAFF)
    with pytest.raises(DomainError, match="巡查员里没有"):
        await patrols.set_roster(svc, "周一 王老师", by=admin)


async def test_no_round_on_a_holiday(svc: Services) -> None:
    admin = await person(svc, 9, "管理员", Role.ADMIN)
    await person(svc, 1, "张三", Role.PATROL)
    await patrols.add_holiday(svc, "2026-11-23 2026-11-24", by=admin)
    assert await patrols.send_due_rounds(svc, await advance_to(svc, 7, 0)) == []
    assert await patrols.send_due_rounds(svc, await advance_to(svc, 7, 0, days=2)) != []


async def test_admin_times_change_when_rounds_are_due(svc: Services) -> None:
    admin = await person(svc, 9, "管理员", Role.ADMIN)
    await person(svc, 1, "张三", Role.PATROL)
    await patrols.set_times(svc, "06:30,13:00,22:00", by=admin)
    assert await patrols.send_due_rounds(svc, await advance_to(svc, 6, 31)) != []
    assert (await patrols.times(svc))[Slot.NIGHT].hour == 22


async def test_reminder_then_missed_alerts_supervisor(svc: Services) -> None:
    await person(svc, 1, "张三", Role.PATROL)
    await person(svc, 5, "赵主任", Role.SUPERVISOR)
    [rid] = await patrols.send_due_rounds(svc, await advance_to(svc, 7, 0))
    assert await patrols.check_overdue(svc, await advance_to(svc, 7, 59)) == {}
    assert await patrols.check_overdue(svc, await advance_to(svc, 8, 0)) == {rid: Overdue.REMIND}
    assert await patrols.check_overdue(svc, await advance_to(svc, 8, 10)) == {}
    assert await patrols.check_overdue(svc, await advance_to(svc, 8, 30)) == {rid: Overdue.MISS}
    assert await patrols.check_overdue(svc, await advance_to(svc, 9, 0)) == {}
    msgs = await outbox(svc)
    reminders = [m for c, m, _ in msgs if c == 1 and "提醒" in m]
    alerts = [m for c, m, _ in msgs if c == 5 and "漏检" in m]
    assert len(reminders) == 1 and len(alerts) == 1
    assert "张三" in alerts[0]


async def test_restart_after_grace_does_not_send_stale_round(svc: Services) -> None:
    await person(svc, 1, "张三", Role.PATROL)
    assert await patrols.send_due_rounds(svc, await advance_to(svc, 8, 5)) == []
    assert await outbox(svc) == []


async def test_checklist_cycles_and_all_ok_and_submit_on_time(svc: Services) -> None:
    patroller = await person(svc, 1, "张三", Role.PATROL)
    await person(svc, 5, "赵主任", Role.SUPERVISOR)
    [rid] = await patrols.send_due_rounds(svc, await advance_to(svc, 7, 0))
    r = await patrols.tap_item(svc, rid, 1, by=patroller)
    assert r.state is ItemState.OK
    r = await patrols.tap_item(svc, rid, 1, by=patroller)
    assert r.state is ItemState.ABNORMAL
    r = await patrols.tap_item(svc, rid, 1, by=patroller)
    assert r.state is ItemState.UNCHECKED
    with pytest.raises(DomainError, match="未查"):
        await patrols.submit(svc, rid, by=patroller, file_repair=FakeRepairs())
    view, changed = await patrols.mark_all_ok(svc, rid, by=patroller)
    assert changed == len(view.checks)
    await advance_to(svc, 7, 40)
    done = await patrols.submit(svc, rid, by=patroller, file_repair=FakeRepairs())
    assert done.state is RoundState.SUBMITTED and done.repair_ids == []
    summary = [m for c, m, _ in await outbox(svc) if c == 5]
    assert len(summary) == 1 and "全部正常" in summary[0]
    with pytest.raises(DomainError, match="已经提交"):
        await patrols.submit(svc, rid, by=patroller, file_repair=FakeRepairs())
    with pytest.raises(DomainError, match="已经提交"):
        await patrols.tap_item(svc, rid, 2, by=patroller)


async def test_abnormal_items_become_repair_reports_on_submit(svc: Services) -> None:
    patroller = await person(svc, 1, "张三", Role.PATROL)
    await person(svc, 5, "赵主任", Role.SUPERVISOR)
    [rid] = await patrols.send_due_rounds(svc, await advance_to(svc, 21, 30))
    await patrols.tap_item(svc, rid, 3, by=patroller)
    await patrols.tap_item(svc, rid, 3, by=patroller)  # ⚠️ 水龙头
    prompts = [(m, ref) for c, m, ref in await outbox(svc) if ref and ref.startswith("patrolcheck")]
    assert len(prompts) == 1 and "水龙头" in prompts[0][0]
    check_id = int(prompts[0][1].split(":")[1])
    await patrols.mark_all_ok(svc, rid, by=patroller)
    with pytest.raises(DomainError, match="说明"):
        await patrols.submit(svc, rid, by=patroller, file_repair=FakeRepairs())
    await patrols.add_note(svc, check_id, by=patroller, note="二楼男厕水龙头关不紧")
    fake = FakeRepairs()
    await advance_to(svc, 22, 45)  # after the grace period
    done = await patrols.submit(svc, rid, by=patroller, file_repair=fake)
    assert done.state is RoundState.LATE
    assert done.repair_ids == [101]
    assert fake.calls[0]["round_id"] == rid
    assert "二楼男厕水龙头关不紧" in fake.calls[0]["description"]
    checks = await repo.checks(svc.db, rid)
    assert [c.repair_id for c in checks if c.state is ItemState.ABNORMAL] == [101]
    summary = [m for c, m, _ in await outbox(svc) if c == 5]
    assert len(summary) == 1 and "#101" in summary[0] and "迟交" in summary[0]


async def test_non_patroller_cannot_tick_items(svc: Services) -> None:
    await person(svc, 1, "张三", Role.PATROL)
    staff = await person(svc, 3, "王老师", Role.STAFF)
    [rid] = await patrols.send_due_rounds(svc, await advance_to(svc, 7, 0))
    with pytest.raises(DomainError, match="巡查员"):
        await patrols.tap_item(svc, rid, 1, by=staff)


async def test_admin_edits_items_used_by_next_round(svc: Services) -> None:
    admin = await person(svc, 9, "管理员", Role.ADMIN)
    await person(svc, 1, "张三", Role.PATROL)
    before = (await patrols.items_by_slot(svc))[Slot.MORNING]
    _slot, text = await patrols.remove_item(svc, "早间", "1", by=admin)
    assert text == before[0]
    await patrols.add_item(svc, "早间", "锅炉房压力正常", by=admin)
    [rid] = await patrols.send_due_rounds(svc, await advance_to(svc, 7, 0))
    items = [c.item for c in await repo.checks(svc.db, rid)]
    assert items[-1] == "锅炉房压力正常" and before[0] not in items
    with pytest.raises(DomainError):
        await patrols.remove_item(svc, "早间", "99", by=admin)


async def test_records_show_who_and_result(svc: Services) -> None:
    patroller = await person(svc, 1, "张三", Role.PATROL)
    [rid] = await patrols.send_due_rounds(svc, await advance_to(svc, 7, 0))
    await patrols.mark_all_ok(svc, rid, by=patroller)
    await patrols.submit(svc, rid, by=patroller, file_repair=FakeRepairs())
    recs = await patrols.records(svc, MON.date(), MON.date() + timedelta(days=1))
    assert [(r.who, r.result) for r in recs] == [("张三", "按时完成，全部正常")]
    rows = patrols.export_rows(svc, recs)
    assert len(rows) == len(recs[0].checks) and rows[0][3] == "张三"


async def test_abnormal_item_files_a_real_repair_report_linked_to_round(svc: Services) -> None:
    from storage import repairs as repair_repo

    patroller = await person(svc, 1, "张三", Role.PATROL)
    await person(svc, 5, "赵主任", Role.SUPERVISOR)
    [rid] = await patrols.send_due_rounds(svc, await advance_to(svc, 14, 0))
    await patrols.tap_item(svc, rid, 5, by=patroller)
    r = await patrols.tap_item(svc, rid, 5, by=patroller)
    check = next(c for c in r.view.checks if c.position == 5)
    await patrols.add_note(svc, check.id, by=patroller, note="东侧围墙有一段砖松动")
    await patrols.mark_all_ok(svc, rid, by=patroller)
    done = await patrols.submit(svc, rid, by=patroller)
    [repair_id] = done.repair_ids
    ticket = await repair_repo.get(svc.db, repair_id)
    assert ticket is not None
    assert ticket.patrol_round_id == rid
    assert "砖松动" in ticket.description
    assert ticket.reporter_id == 1


async def test_round_with_nobody_to_patrol_alerts_admins_and_is_later_missed(
    svc: Services,
) -> None:
    await person(svc, 9, "管理员", Role.ADMIN)
    await person(svc, 5, "赵主任", Role.SUPERVISOR)
    [rid] = await patrols.send_due_rounds(svc, await advance_to(svc, 7, 0))
    msgs = await outbox(svc)
    assert [(c, "没有可以接收的巡查员" in m) for c, m, _ in msgs] == [(9, True)]
    assert await patrols.check_overdue(svc, await advance_to(svc, 8, 30)) == {rid: Overdue.MISS}
    assert any(c == 5 and "无人值班" in m for c, m, _ in await outbox(svc))
