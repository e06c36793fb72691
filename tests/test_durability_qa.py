"""Durability QA (all features): what the bot has answered survives an abrupt stop.

An abrupt stop (a crash, a power cut) is played by copying the database as it is on disk
right after the bot's answer, while the bot still runs, and starting a new bot on that
copy: nothing is flushed on the way down, as with ``kill -9``.
"""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
from pathlib import Path

from bot.clock import FrozenClock
from bot.config import Settings
from bot.domain.roles import Role
from storage import repairs as repo
from tests.conftest import Cast
from tests.fakebot import FakeTelegram, TgUser, buttons, message_text
from tests.fakebot.running import register, running_bot, services, tap_done
from tests.images import jpeg_bytes
from tests.test_patrols_flow import at, run_round_job


def crash_copy(settings: Settings, into: Path) -> Settings:
    """Settings for a bot starting on the data as committed right now."""
    shutil.copytree(settings.data_dir, into, ignore=shutil.ignore_patterns("*.sqlite3*"))
    source = sqlite3.connect(settings.db_path)
    target = sqlite3.connect(into / settings.db_path.name)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return dataclasses.replace(settings, data_dir=into)


async def settled(tg: FakeTelegram, user: TgUser) -> None:
    """Updates are handled one at a time: once a later one is answered, the earlier one
    is completely finished (but the 2-second persistence timer need not have fired)."""
    await tg.send_text(user, "/help")
    await tg.message(user.id, "/")


async def test_guided_repair_step_survives_an_abrupt_stop(
    settings: Settings, clock: FrozenClock, tg: FakeTelegram, people: Cast, tmp_path: Path
) -> None:
    async with running_bot(settings, clock) as app:
        await register(services(app), people.teacher, Role.STAFF)
        await tg.send_text(people.teacher, "/repair")
        await tg.message(people.teacher.id, "开始报修")
        await tg.send_photo(people.teacher, jpeg_bytes())
        await tg.message(people.teacher.id, "收到第1张照片")
        await tg.send_text(people.teacher, "图书馆一楼")
        await tg.message(people.teacher.id, "什么坏了")
        await settled(tg, people.teacher)
        crashed = crash_copy(settings, tmp_path / "after_crash")
    async with running_bot(crashed, clock) as app:
        await tg.send_text(people.teacher, "灯管闪个不停")
        cat = await tg.message(people.teacher.id, "属于哪一类")
        await tg.answer(await tg.tap(people.teacher, cat, "电/灯"))
        urgency = await tg.message(people.teacher.id, "紧急程度")
        await tg.answer(await tg.tap(people.teacher, urgency, "一般"))
        summary = await tg.message(people.teacher.id, "请确认")
        assert "照片：1张" in message_text(summary)
        await tg.answer(await tg.tap(people.teacher, summary, "提交"))
        await tg.message(people.teacher.id, "已提交")
        ticket = await repo.get(services(app).db, 1)
        assert ticket is not None and ticket.location == "图书馆一楼"


async def test_purchase_draft_takes_more_lines_after_an_abrupt_stop(
    settings: Settings, clock: FrozenClock, tg: FakeTelegram, people: Cast, tmp_path: Path
) -> None:
    async with running_bot(settings, clock) as app:
        await register(services(app), people.purchaser, Role.PURCHASER)
        await tg.send_text(people.purchaser, "/purchase\n猪肉 20斤 13.5")
        await tg.message(people.purchaser.id, "采购单草稿")
        await settled(tg, people.purchaser)
        crashed = crash_copy(settings, tmp_path / "after_crash")
    async with running_bot(crashed, clock):
        await tg.send_text(people.purchaser, "大米 50斤 2.6")
        preview = await tg.shown(people.purchaser.id, "合计 400.00 元")
        assert "采购单草稿" in message_text(preview)


async def test_menu_preview_saves_after_an_abrupt_stop(
    settings: Settings, clock: FrozenClock, tg: FakeTelegram, people: Cast, tmp_path: Path
) -> None:
    async with running_bot(settings, clock) as app:
        await register(services(app), people.canteen, Role.CANTEEN)
        await register(services(app), people.teacher, Role.STAFF)
        await tg.send_text(people.canteen, "/setmenu\n周一 早餐: 包子, 豆浆")
        preview = await tg.message(people.canteen.id, "预览")
        crashed = crash_copy(settings, tmp_path / "after_crash")
    async with running_bot(crashed, clock):
        answer = await tg.answer(await tg.tap(people.canteen, preview, "保存"))
        assert "已保存" in answer["text"]
        await tg.send_text(people.teacher, "/menu next")
        await tg.message(people.teacher.id, "周食谱")


async def test_patrol_ticks_survive_an_abrupt_stop_and_the_round_is_submitted(
    settings: Settings, clock: FrozenClock, tg: FakeTelegram, people: Cast, tmp_path: Path
) -> None:
    async with running_bot(settings, clock) as app:
        await register(services(app), people.patrol, Role.PATROL)
        await register(services(app), people.supervisor, Role.SUPERVISOR)
        await run_round_job(app, clock, at(7), "morning")
        checklist = await tg.message(people.patrol.id, "早间巡查")
        await tap_done(tg, app, people.patrol, checklist, "1.")
        assert buttons(tg.current(checklist))[0].startswith("✅ 1.")
        crashed = crash_copy(settings, tmp_path / "after_crash")
    async with running_bot(crashed, clock) as app:
        await tap_done(tg, app, people.patrol, checklist, "2.")
        assert buttons(tg.current(checklist))[:2] == [
            b.replace("未查", "✅") for b in buttons(tg.current(checklist))[:2]
        ]
        await tg.answer(await tg.tap(people.patrol, checklist, "全部正常"))
        answer = await tg.answer(await tg.tap(people.patrol, checklist, "提交"))
        assert "已提交" in answer["text"]
        report = await tg.message(people.supervisor.id, "早间巡查")
        assert "正常 8 项" in message_text(report)


async def test_a_repair_report_is_in_the_database_once_the_reporter_is_told(
    settings: Settings, clock: FrozenClock, tg: FakeTelegram, people: Cast, tmp_path: Path
) -> None:
    async with running_bot(settings, clock) as app:
        await register(services(app), people.teacher, Role.STAFF)
        await register(services(app), people.supervisor, Role.SUPERVISOR)
        await tg.send_photo(people.teacher, jpeg_bytes(), caption="食堂 水管爆了")
        await tg.message(people.teacher.id, "已提交")
        crashed = crash_copy(settings, tmp_path / "after_crash")
    async with running_bot(crashed, clock) as app:
        ticket = await repo.get(services(app).db, 1)
        assert ticket is not None and ticket.description == "水管爆了"
        assert len(await repo.photos(services(app).db, 1)) == 1
        # The supervisors' notification was queued in the same transaction.
        await tg.message(people.supervisor.id, "#1")


async def test_album_waiting_for_its_caption_survives_an_abrupt_stop(
    settings: Settings, clock: FrozenClock, tg: FakeTelegram, people: Cast, tmp_path: Path
) -> None:
    async with running_bot(settings, clock) as app:
        await register(services(app), people.teacher, Role.STAFF)
        for _ in range(2):
            await tg.send_photo(people.teacher, jpeg_bytes(), media_group_id="alb")
        await tg.message(people.teacher.id, "请再发一句说明")
        await settled(tg, people.teacher)
        crashed = crash_copy(settings, tmp_path / "after_crash")
    async with running_bot(crashed, clock) as app:
        await tg.send_text(people.teacher, "操场 篮球架松了")
        reply = await tg.message(people.teacher.id, "已提交")
        assert "照片：2张" in message_text(reply)
