"""The daily public posting (公示) through the JobQueue, and the supplier check job."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

import pytest

from bot.app import App
from bot.clock import FrozenClock
from bot.config import Settings
from bot.services import purchases as purchase_service
from jobs import purchases as purchase_jobs
from storage import people as people_repo
from tests.conftest import SHANGHAI, Cast
from tests.fakebot import FakeTelegram, message_text
from tests.fakebot.running import services, settled

PUBLIC = -1001234567


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, public_chat_id=PUBLIC)


async def confirmed(app: App, people: Cast, lines: str) -> int:
    svc = services(app)
    purchaser = await people_repo.get(svc.db, people.purchaser.id)
    supervisor = await people_repo.get(svc.db, people.supervisor.id)
    assert purchaser is not None and supervisor is not None
    draft = await purchase_service.start_draft(svc, purchaser, lines)
    await purchase_service.submit(svc, purchaser, draft.purchase.id)
    await purchase_service.confirm(svc, supervisor, draft.purchase.id)
    return draft.purchase.id


async def run_job(app: App, name: str) -> None:
    assert app.job_queue is not None
    [job] = app.job_queue.get_jobs_by_name(name)
    await job.run(app)


def public_messages(tg: FakeTelegram) -> list[dict[str, object]]:
    return [m for m in tg.sent if m["chat"]["id"] == PUBLIC]


async def test_daily_posting_is_scheduled_at_the_configured_time(bot: App) -> None:
    assert bot.job_queue is not None
    [job] = bot.job_queue.get_jobs_by_name(purchase_jobs.POST_JOB)
    when = job.next_t
    assert when is not None
    local = when.astimezone(SHANGHAI)
    assert (local.hour, local.minute) == (18, 0)


async def test_daily_posting_sends_picture_and_text_once(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    first = await confirmed(bot, people, "猪肉 20斤 13.5\n白菜 50斤 1.2 @菜市场")
    second = await confirmed(bot, people, "大米 2袋 共300元")
    clock.set(datetime(2026, 11, 23, 18, 0, tzinfo=SHANGHAI))
    await run_job(bot, purchase_jobs.POST_JOB)
    picture = await tg.message(PUBLIC, "食堂采购公示 2026-11-23")
    assert picture.get("photo") and bytes(picture["_bytes"]).startswith(b"\x89PNG")
    assert "2 单，合计 630.00 元" in picture["caption"]
    text = await tg.message(PUBLIC, "合计 630.00 元")
    assert f"#{first}" in text["text"] and f"#{second}" in text["text"]
    assert "白菜 50斤 × 1.2 元 = 60.00 元 @菜市场" in text["text"]
    assert "监督员 李监督" in text["text"]
    # the job runs again (a restart, a coalesced misfire): nothing is posted twice
    await run_job(bot, purchase_jobs.POST_JOB)
    await settled(tg, bot, PUBLIC)
    assert len(public_messages(tg)) == 2


async def test_nothing_confirmed_means_no_posting(
    bot: App, tg: FakeTelegram, clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 11, 23, 18, 0, tzinfo=SHANGHAI))
    await run_job(bot, purchase_jobs.POST_JOB)
    assert await settled(tg, bot, PUBLIC) == []


async def test_supplier_check_job_flags_expiring_certificates_to_admins(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    svc = services(bot)
    admin = await people_repo.get(svc.db, people.admin.id)
    assert admin is not None
    await purchase_service.save_supplier(svc, admin, "王记肉铺", date(2026, 12, 1))
    await run_job(bot, purchase_jobs.SUPPLIER_JOB)
    flagged = await tg.message(people.admin.id, "王记肉铺")
    assert "2026-12-01" in message_text(flagged) and "还剩 8 天" in message_text(flagged)
    await run_job(bot, purchase_jobs.SUPPLIER_JOB)
    assert not [m for m in await settled(tg, bot, people.admin.id) if "王记" in message_text(m)]


async def test_posting_time_already_passed_at_start_posts_soon(
    tg: FakeTelegram, settings: Settings, people: Cast
) -> None:
    from bot.domain.roles import Role
    from tests.fakebot.running import register, running_bot

    clock = FrozenClock(datetime(2026, 11, 23, 17, 0, tzinfo=SHANGHAI))
    async with running_bot(settings, clock) as app:
        for user, role in (
            (people.purchaser, Role.PURCHASER),
            (people.supervisor, Role.SUPERVISOR),
        ):
            await register(services(app), user, role)
        await confirmed(app, people, "猪肉 20斤 13.5")
    clock.advance(timedelta(hours=2))  # the bot was down at 18:00
    async with running_bot(settings, clock) as app:
        assert app.job_queue is not None
        assert app.job_queue.get_jobs_by_name(purchase_jobs.POST_CATCH_UP_JOB)
        await tg.message(PUBLIC, "食堂采购公示 2026-11-23", timeout=15)
