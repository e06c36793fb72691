"""The purchase-check rota in the public posting: it names the teacher who checked (清点)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest

from bot.app import App
from bot.clock import FrozenClock
from bot.config import Settings
from jobs import purchases as purchase_jobs
from tests.conftest import SHANGHAI, Cast
from tests.fakebot import FakeTelegram, message_text

PUBLIC = -1001234567


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, public_chat_id=PUBLIC)


async def test_public_posting_names_the_rota_teacher_who_checked_the_purchase(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    await tg.send_text(people.admin, f"/canteen_roster 清点 周一 {people.teacher.first_name}")
    await tg.message(people.admin.id, "采购清点 周一")
    for lines in ("白菜 50斤 1.2", "大米 2袋 共300元"):
        await tg.send_text(people.purchaser, f"/purchase\n{lines}")
        preview = await tg.message(people.purchaser.id, "草稿")
        await tg.tap(people.purchaser, preview, "提交")
        request = await tg.message(people.supervisor.id, "待确认")
        await tg.tap(people.supervisor, request, "确认")
        await tg.message(people.purchaser.id, "已由 李监督")
    first_check = await tg.message(people.teacher.id, "白菜")
    await tg.answer(await tg.tap(people.teacher, first_check, "清点确认"))  # only the first
    clock.set(datetime(2026, 11, 23, 18, 0, tzinfo=SHANGHAI))
    assert bot.job_queue is not None
    [job] = bot.job_queue.get_jobs_by_name(purchase_jobs.POST_JOB)
    await job.run(bot)
    await tg.message(PUBLIC, "食堂采购公示")  # the picture
    text = message_text(await tg.message(PUBLIC, "合计 360.00 元"))
    assert "#1 清点：孙老师" in text
    assert "#2 清点" not in text
