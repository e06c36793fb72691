"""Repairs end to end: after-photos sent as replies, 改派, and every button and reply
guarded against strangers, wrong roles, double taps, restarts and forged data."""

from __future__ import annotations

from typing import Any

from bot.app import App
from bot.callbacks import encode
from bot.clock import FrozenClock
from bot.config import Settings
from bot.domain.messages import OutMessage
from bot.domain.repairs import RepairState
from bot.domain.roles import Role
from storage import outbox
from storage import repairs as repo
from tests.conftest import Cast
from tests.fakebot import FakeTelegram
from tests.fakebot.running import register, running_bot, services, settled
from tests.fakebot.server import TgUser, message_text
from tests.images import jpeg_bytes
from tests.test_repairs_flow import fast_report, labels, photo_report, tap_says, ticket_state

MA = TgUser(1010, "马师傅")


async def accepted_job(tg: FakeTelegram, people: Cast) -> tuple[int, dict[str, Any]]:
    """孙老师 reports, 李监督 accepts, 刘师傅 (the only repairer) gets the job."""
    rid = await fast_report(tg, people)
    note = await tg.message(people.supervisor.id, f"#{rid}")
    await tg.answer(await tg.tap(people.supervisor, note, "受理"))
    return rid, await tg.message(people.repairer.id, "派给您的维修任务")


async def count_reports(app: App) -> int:
    return int(await services(app).db.fetchval("SELECT COUNT(*) FROM repairs") or 0)


async def after_photos(app: App, rid: int) -> int:
    return len(await repo.photos(services(app).db, rid, "after"))


# ---- after-photos sent as replies ---------------------------------------------------
async def test_repairer_photo_replying_to_the_job_completes_it(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid, job = await accepted_job(tg, people)
    await tg.send_photo(people.repairer, jpeg_bytes(), caption="换了灯管", reply_to=job)
    await tg.message(people.repairer.id, "已标记完成")
    done = await tg.message(people.teacher.id, "已修好")
    assert "换了灯管" in message_text(done) and "photo" in done
    assert await ticket_state(bot, rid) is RepairState.DONE
    assert await after_photos(bot, rid) == 1
    assert await count_reports(bot) == 1  # not a new report


async def test_photo_reply_to_the_prompt_after_tapping_start_completes_the_job(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid, job = await accepted_job(tg, people)
    await tg.answer(await tg.tap(people.repairer, job, "开始"))
    prompt = await tg.message(people.repairer.id, "修好后点")
    await tg.send_photo(people.repairer, jpeg_bytes(), reply_to=prompt)
    await tg.message(people.repairer.id, "已标记完成")
    assert await ticket_state(bot, rid) is RepairState.DONE
    assert await count_reports(bot) == 1


async def test_album_replying_to_the_job_completes_it_once_with_every_photo(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid, job = await accepted_job(tg, people)
    for i in range(3):
        await tg.send_photo(people.repairer, jpeg_bytes(), media_group_id="after1",
                            caption="修好了" if i == 0 else None, reply_to=job)  # fmt: skip
    await tg.message(people.repairer.id, "已标记完成")
    await tg.wait_for(lambda: len(tg.calls_of("getFile")) >= 4)  # 1 report + 3 after-photos
    assert not [m for m in await settled(tg, bot, people.repairer.id) if "已由" in message_text(m)]
    assert await after_photos(bot, rid) == 3
    assert await count_reports(bot) == 1


async def test_photo_replying_to_another_jobs_message_is_about_that_job(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    first, job1 = await accepted_job(tg, people)
    second, job2 = await accepted_job(tg, people)
    await tg.answer(await tg.tap(people.repairer, job1, "完成"))
    await tg.message(people.repairer.id, "修好后的照片")
    await tg.send_photo(people.repairer, jpeg_bytes(), reply_to=job2)
    await tg.message(people.repairer.id, f"报修单 #{second} 已标记完成")
    assert await ticket_state(bot, second) is RepairState.DONE
    assert await ticket_state(bot, first) is RepairState.ACCEPTED


async def test_photo_reply_by_someone_not_assigned_is_explained_or_added_not_reported(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid, own = await photo_report(tg, people.teacher, "302 灯管不亮")
    note = await tg.message(people.supervisor.id, f"#{rid}")
    await tg.send_photo(people.supervisor, jpeg_bytes(), caption="这个也看看", reply_to=note)
    told = await tg.message(people.supervisor.id, "没有当作新的报修")
    assert f"#{rid}" in message_text(told)
    # The reporter's photo adds to their own report (issue 11), it is no new report either.
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="还有这里", reply_to=own)
    await tg.message(people.teacher.id, "已补充到报修单")
    assert await count_reports(bot) == 1
    assert await ticket_state(bot, rid) is RepairState.NEW
    assert await after_photos(bot, rid) == 0


# ---- 改派 -----------------------------------------------------------------------------
async def test_supervisor_reassigns_a_started_job_from_the_card(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await register(services(bot), MA, Role.REPAIRER)
    rid = await fast_report(tg, people)
    note = await tg.message(people.supervisor.id, f"#{rid}")
    await tg.answer(await tg.tap(people.supervisor, note, "受理"))
    choose = await tg.message(people.supervisor.id, "派给哪位")
    await tg.answer(await tg.tap(people.supervisor, choose, "刘师傅"))
    job = await tg.message(people.repairer.id, "派给您的维修任务")
    await tg.answer(await tg.tap(people.repairer, job, "开始"))
    await tg.message(people.teacher.id, "已开始维修")

    await tg.send_text(people.supervisor, f"/repair {rid}")
    card = await tg.message(people.supervisor.id, "经过")
    await tg.answer(await tg.tap(people.supervisor, card, "改派"))
    choose = await tg.message(people.supervisor.id, "派给哪位")
    assert labels(choose)[:-1] == ["🔧 马师傅"]  # the current repairer is not offered
    qid = await tg.tap(people.supervisor, choose, "马师傅")
    assert "改派给 马师傅" in (await tg.answer(qid))["text"]

    away = await tg.message(people.repairer.id, "改派给 马师傅")
    assert f"#{rid}" in message_text(away)
    new_job = await tg.message(MA.id, "派给您的维修任务")
    assert "开始" in " ".join(labels(new_job))
    await tg.message(people.teacher.id, "由 马师傅 负责")
    ticket = await repo.get(services(bot).db, rid)
    assert ticket is not None and ticket.assignee_name == "马师傅"
    assert ticket.state is RepairState.ACCEPTED
    # The old repairer's buttons are stale now.
    assert "马师傅" in await tap_says(tg, people.repairer, job, encode("rp", "dn", rid))
    assert await ticket_state(bot, rid) is RepairState.ACCEPTED
    await tg.send_text(people.supervisor, f"/repair {rid}")
    assert "改派" in message_text(await tg.message(people.supervisor.id, "经过"))


async def test_reassign_is_refused_for_wrong_role_state_or_forged_repairer(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    fresh = await fast_report(tg, people, "303 椅子坏了")
    rid, job = await accepted_job(tg, people)
    # Only one repairer: nobody to hand it to.
    await tg.send_text(people.supervisor, f"/repair {rid}")
    card = await tg.message(people.supervisor.id, "经过")
    assert "没有其他维修工" in await tap_says(tg, people.supervisor, card, encode("rp", "ra", rid))
    await register(services(bot), MA, Role.REPAIRER)
    # The repairer and the reporter cannot reassign.
    assert "监督员" in await tap_says(tg, people.repairer, job, encode("rp", "ra", rid))
    assert "监督员" in await tap_says(tg, people.repairer, job, encode("rp", "rat", rid, MA.id))
    # A forged target who is not a repairer, and a report not accepted yet.
    forged = encode("rp", "rat", rid, people.teacher.id)
    assert "不是维修工" in await tap_says(tg, people.supervisor, card, forged)
    assert "待受理" in await tap_says(tg, people.supervisor, card, encode("rp", "ra", fresh))
    assert "失效" in await tap_says(tg, people.supervisor, card, f"rp:rat:{rid}:x")
    ticket = await repo.get(services(bot).db, rid)
    assert ticket is not None and ticket.assignee_name == "刘师傅"
    # A double tap on the choice changes nothing the second time.
    to_ma = encode("rp", "rat", rid, MA.id)
    assert "改派给 马师傅" in await tap_says(tg, people.supervisor, card, to_ma)
    assert "已经派给 马师傅" in await tap_says(tg, people.supervisor, card, to_ma)
    await tg.message(MA.id, "派给您的维修任务")
    await settled(tg, bot, MA.id)
    assert len([m for m in tg.sent if m["chat"]["id"] == MA.id]) == 1


# ---- stale, double, wrong role, stranger ----------------------------------------------
async def test_double_taps_on_start_done_and_verify_change_nothing(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid, job = await accepted_job(tg, people)
    await tg.answer(await tg.tap(people.repairer, job, "开始"))
    assert "已由 刘师傅 开始维修" in await tap_says(
        tg, people.repairer, job, encode("rp", "st", rid)
    )
    await tg.send_text(people.repairer, "完成 换了灯管", reply_to=job)
    await tg.message(people.repairer.id, "已标记完成")
    assert "已由 刘师傅 标记完成" in await tap_says(
        tg, people.repairer, job, encode("rp", "dn", rid)
    )
    done = await tg.message(people.teacher.id, "已修好")
    await tg.answer(await tg.tap(people.teacher, done, "验收"))
    assert "已由 孙老师 验收" in await tap_says(tg, people.teacher, done, encode("rp", "ok", rid))
    assert "已由 孙老师 验收" in await tap_says(tg, people.teacher, done, encode("rp", "re", rid))
    assert await ticket_state(bot, rid) is RepairState.VERIFIED


async def test_wrong_roles_replying_to_notifications_change_nothing(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid, job = await accepted_job(tg, people)
    told = await tg.message(people.teacher.id, "已受理")
    await tg.send_text(people.teacher, "受理", reply_to=told)
    assert "监督员" in message_text(await tg.message(people.teacher.id))
    await tg.send_text(people.teacher, "开始", reply_to=told)
    assert "刘师傅" in message_text(await tg.message(people.teacher.id))
    await tg.send_text(people.repairer, "验收", reply_to=job)
    assert "已由 李监督 受理" in message_text(await tg.message(people.repairer.id))
    await tg.send_text(people.repairer, "驳回 不想修", reply_to=job)
    assert "监督员" in message_text(await tg.message(people.repairer.id))
    assert await ticket_state(bot, rid) is RepairState.ACCEPTED


async def test_stranger_cannot_report_or_press_repair_buttons(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid = await fast_report(tg, people)
    await tg.send_photo(people.stranger, jpeg_bytes(), caption="302 门锁坏了")
    told = await tg.message(people.stranger.id, "邀请")
    for data in (encode("rp", "acc", rid), encode("rp", "st", rid), encode("rp", "ra", rid)):
        await tg.answer(await tg.tap_data(people.stranger, told, data))
    assert await count_reports(bot) == 1
    assert await ticket_state(bot, rid) is RepairState.NEW


async def test_buttons_from_before_a_restart_are_checked_against_the_current_state(
    settings: Settings, clock: FrozenClock, tg: FakeTelegram, people: Cast
) -> None:
    async with running_bot(settings, clock) as app:
        for user, role in ((people.teacher, Role.STAFF), (people.supervisor, Role.SUPERVISOR),
                           (people.supervisor2, Role.SUPERVISOR),
                           (people.repairer, Role.REPAIRER)):  # fmt: skip
            await register(services(app), user, role)
        rid = await fast_report(tg, people)
        n1 = await tg.message(people.supervisor.id, f"#{rid}")
        n2 = await tg.message(people.supervisor2.id, f"#{rid}")
    async with running_bot(settings, clock) as app:
        await tg.answer(await tg.tap(people.supervisor, n1, "受理"))
        job = await tg.message(people.repairer.id, "派给您的维修任务")
    async with running_bot(settings, clock) as app:
        # supervisor2's notification from before both restarts: a stale tap.
        for action in ("acc", "rej"):
            stale = encode("rp", action, rid)
            assert "已由 李监督 受理" in await tap_says(tg, people.supervisor2, n2, stale)
        await tg.answer(await tg.tap(people.repairer, job, "开始"))
        await tg.message(people.teacher.id, "已开始维修")
        assert await ticket_state(app, rid) is RepairState.IN_PROGRESS


async def test_photo_replying_to_another_features_notification_is_an_ordinary_report(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    svc = services(bot)
    async with svc.db.transaction() as tx:
        await outbox.enqueue(tx, people.teacher.id, OutMessage("本周菜单已发布"), ref="menu:1",
                             now=svc.now())  # fmt: skip
    svc.kick_outbox()
    note = await tg.message(people.teacher.id, "本周菜单")
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="302 灯管不亮", reply_to=note)
    await tg.message(people.teacher.id, "已提交")
    assert await count_reports(bot) == 1


async def test_hold_resume_and_category_taps_are_guarded(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid, own = await photo_report(tg, people.teacher, "302 灯管不亮")
    await tg.send_text(people.supervisor, f"/repair {rid}")
    card = await tg.message(people.supervisor.id, "经过")
    assert "监督员" in await tap_says(tg, people.teacher, own, encode("rp", "hold", rid))
    await tg.answer(await tg.tap(people.supervisor, card, "搁置"))
    await tg.send_text(people.supervisor, "等灯管到货")
    await tg.message(people.supervisor.id, "已搁置")
    hold = encode("rp", "hold", rid)
    assert "已由 李监督 搁置" in await tap_says(tg, people.supervisor, card, hold)
    resume = encode("rp", "res", rid)
    assert "已恢复处理" in await tap_says(tg, people.supervisor, card, resume)
    assert "当前状态" in await tap_says(tg, people.supervisor, card, resume)
    await tg.send_text(people.repairer, "/repairs")
    fixer_own = await tg.message(people.repairer.id)
    forged = encode("rp", "cat", rid, "water")
    assert "只有报修人或监督员" in await tap_says(tg, people.repairer, fixer_own, forged)
    ticket = await repo.get(services(bot).db, rid)
    assert ticket is not None and ticket.state is RepairState.NEW
    assert ticket.category.label == "电/灯"


async def test_text_reply_to_another_job_while_a_reason_is_owed_is_about_that_job(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    first, job1 = await accepted_job(tg, people)
    second, job2 = await accepted_job(tg, people)
    await tg.answer(await tg.tap(people.repairer, job1, "完成"))
    await tg.message(people.repairer.id, "修好后的照片")
    await tg.send_text(people.repairer, "完成 换了灯管", reply_to=job2)
    await tg.message(people.repairer.id, f"报修单 #{second} 已标记完成")
    assert await ticket_state(bot, first) is RepairState.ACCEPTED
    await tg.send_text(people.repairer, "拧紧了螺丝")  # still owed for the first job
    await tg.message(people.repairer.id, f"报修单 #{first} 已标记完成")
