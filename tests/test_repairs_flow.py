"""Repairs end to end: users talk to the real bot through the fake Telegram."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.app import App
from bot.callbacks import encode
from bot.clock import FrozenClock
from bot.config import Settings
from bot.domain.repairs import RepairState
from bot.domain.roles import Role
from jobs import repairs as repair_jobs
from storage import repairs as repo
from tests.conftest import Cast
from tests.fakebot import FakeTelegram
from tests.fakebot.running import register, running_bot, services, settled
from tests.fakebot.server import TgUser, message_text
from tests.images import bomb_png, corrupt_jpeg, jpeg_bytes, pdf_bytes


def labels(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


async def reported(tg: FakeTelegram, people: Cast) -> tuple[int, dict[str, Any]]:
    """孙老师 reports a broken lock; the number and 李监督's notification."""
    rid = await fast_report(tg, people)
    return rid, await tg.message(people.supervisor.id, f"#{rid}")


async def tap_says(tg: FakeTelegram, user: TgUser, message: dict[str, Any], data: str) -> str:
    """``user`` presses a button with ``data`` (possibly forged); what the bot answered."""
    return str((await tg.answer(await tg.tap_data(user, message, data)))["text"])


async def ticket_state(app: App, repair_id: int) -> RepairState:
    ticket = await repo.get(services(app).db, repair_id)
    assert ticket is not None
    return ticket.state


async def photo_report(
    tg: FakeTelegram, user: TgUser, caption: str = "教学楼302教室 门锁坏了，关不上"
) -> tuple[int, dict[str, Any]]:
    """``user`` reports by photo; the report's number and the bot's "已提交" answer."""
    await tg.send_photo(user, jpeg_bytes(), caption=caption)
    reply = await tg.message(user.id, "已提交")
    return int(message_text(reply).split("#", 1)[1].split()[0]), reply


async def fast_report(
    tg: FakeTelegram, people: Cast, caption: str = "教学楼302教室 门锁坏了，关不上"
) -> int:
    return (await photo_report(tg, people.teacher, caption))[0]


# ---- fast path ----------------------------------------------------------------------
async def test_photo_with_caption_creates_report_and_alerts_supervisors(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="教学楼302教室 门锁坏了，关不上")
    reply = await tg.message(people.teacher.id, "报修单 #1 已提交")
    text = message_text(reply)
    assert "教学楼302教室" in text and "门锁" in text
    assert any("门窗" in label for label in labels(reply))  # category can be changed
    for sup in (people.supervisor, people.supervisor2):
        note = await tg.message(sup.id, "#1")
        assert "photo" in note  # the picture travels with the notification
        assert any("受理" in x for x in labels(note)) and any("驳回" in x for x in labels(note))
        assert "门锁坏了" in message_text(note)


async def test_reporter_corrects_the_guessed_category(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="302 墙上有裂缝")
    reply = await tg.message(people.teacher.id, "已提交")
    assert "其他" in message_text(reply)
    qid = await tg.tap(people.teacher, reply, "门窗")
    assert "门窗" in (await tg.answer(qid))["text"]
    ticket = await repo.get(services(bot).db, 1)
    assert ticket is not None and ticket.category.label == "门窗"
    assert "类别：门窗" in message_text(tg.current(reply))


async def test_album_of_three_photos_is_one_report(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    for i in range(3):
        await tg.send_photo(people.teacher, jpeg_bytes(), media_group_id="alb1",
                            caption="食堂 水龙头漏水" if i == 0 else None)  # fmt: skip
    reply = await tg.message(people.teacher.id, "已提交")
    assert "照片：3张" in message_text(reply)
    assert len(await repo.photos(services(bot).db, 1)) == 3
    assert await services(bot).db.fetchval("SELECT COUNT(*) FROM repairs") == 1
    await tg.message(people.supervisor.id, "水龙头漏水")


async def test_photo_without_caption_asks_for_one_then_reports(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_photo(people.teacher, jpeg_bytes())
    await tg.message(people.teacher.id, "请再发一句说明")
    await tg.send_text(people.teacher, "男生宿舍3楼厕所 下水道堵了")
    reply = await tg.message(people.teacher.id, "已提交")
    assert "男生宿舍3楼厕所" in message_text(reply) and "类别：水" in message_text(reply)
    assert len(await repo.photos(services(bot).db, 1)) == 1


async def test_pdf_corrupt_jpeg_and_image_bomb_get_clear_answers(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_document(people.teacher, pdf_bytes(), file_name="报修.pdf",
                           mime_type="application/pdf", caption="302 门锁坏了")  # fmt: skip
    assert "图片" in message_text(await tg.message(people.teacher.id))
    await tg.send_photo(people.teacher, corrupt_jpeg(), caption="302 门锁坏了")
    assert "图片" in message_text(await tg.message(people.teacher.id))
    await tg.send_document(people.teacher, bomb_png(), file_name="big.png",
                           mime_type="image/png", caption="302 门锁坏了")  # fmt: skip
    assert "太大" in message_text(await tg.message(people.teacher.id))
    assert await services(bot).db.fetchval("SELECT COUNT(*) FROM repairs") == 0
    # The bot still works afterwards.
    await tg.send_document(people.teacher, jpeg_bytes(), file_name="a.jpg",
                           mime_type="image/jpeg", caption="302 门锁坏了")  # fmt: skip
    await tg.message(people.teacher.id, "已提交")


# ---- lifecycle ----------------------------------------------------------------------
async def test_full_lifecycle_with_notifications_at_each_step(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid, note = await reported(tg, people)
    qid = await tg.tap(people.supervisor, note, "受理")
    # One repairer: assigned at once.
    assert "刘师傅" in (await tg.answer(qid))["text"]
    told = await tg.message(people.teacher.id, "已受理")
    assert f"#{rid}" in message_text(told) and "刘师傅" in message_text(told)
    job = await tg.message(people.repairer.id, "派给您的维修任务")
    assert "开始" in " ".join(labels(job)) and "完成" in " ".join(labels(job))
    # The other supervisor's card is edited to its final state: who took it, no call to
    # action, no buttons; the one who tapped gets no extra note under theirs.
    other = await tg.message(people.supervisor2.id, "已由 李监督 受理")
    assert "点「受理」" not in message_text(other) and not labels(other)
    await tg.wait_for(lambda: "已由 李监督 受理" in message_text(tg.current(note)))
    assert not labels(tg.current(note))
    assert not [
        m for m in await settled(tg, bot, people.supervisor.id) if "已由" in message_text(m)
    ]

    qid = await tg.tap(people.repairer, job, "开始")
    await tg.answer(qid)
    await tg.message(people.teacher.id, "已开始维修")
    prompt = await tg.message(people.repairer.id, "修好后点")
    assert await ticket_state(bot, rid) is RepairState.IN_PROGRESS

    qid = await tg.tap(people.repairer, prompt, "完成")
    await tg.answer(qid)
    await tg.message(people.repairer.id, "修好后的照片")
    await tg.send_photo(people.repairer, jpeg_bytes(), caption="换了锁芯")
    await tg.message(people.repairer.id, "已标记完成")
    done = await tg.message(people.teacher.id, "已修好")
    assert "换了锁芯" in message_text(done)
    assert "验收" in " ".join(labels(done)) and "返修" in " ".join(labels(done))

    qid = await tg.tap(people.teacher, done, "返修")
    await tg.answer(qid)
    await tg.message(people.teacher.id, "哪里还有问题")
    await tg.send_text(people.teacher, "还是关不上")
    await tg.message(people.teacher.id, "已退回返修")
    back = await tg.message(people.repairer.id, "返修")
    assert "还是关不上" in message_text(back)
    assert await ticket_state(bot, rid) is RepairState.IN_PROGRESS

    qid = await tg.tap(people.repairer, back, "完成")
    await tg.answer(qid)
    await tg.send_text(people.repairer, "重新装了锁")
    done = await tg.message(people.teacher.id, "已修好")
    qid = await tg.tap(people.teacher, done, "验收")
    assert "已验收" in (await tg.answer(qid))["text"]
    await tg.message(people.repairer.id, "已验收")
    assert await ticket_state(bot, rid) is RepairState.VERIFIED

    # The card shows the whole story.
    await tg.send_text(people.teacher, f"/repair {rid}")
    card = await tg.message(people.teacher.id, "经过")
    text = message_text(card)
    for step in ("提交报修", "受理", "开始维修", "标记完成", "返修", "验收"):
        assert step in text
    assert "李监督" in text and "刘师傅" in text


async def test_reject_asks_for_reason_and_tells_reporter(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid, note = await reported(tg, people)
    qid = await tg.tap(people.supervisor, note, "驳回")
    await tg.answer(qid)
    await tg.message(people.supervisor.id, "驳回理由")
    await tg.send_text(people.supervisor, "个人物品不在维修范围")
    await tg.message(people.supervisor.id, "已驳回")
    told = await tg.message(people.teacher.id, "未被受理")
    assert f"#{rid}" in message_text(told) and "个人物品不在维修范围" in message_text(told)
    assert await ticket_state(bot, rid) is RepairState.REJECTED


async def test_supervisor_replies_accept_and_reject_to_notifications(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    first = await fast_report(tg, people, "302 灯管不亮")
    second = await fast_report(tg, people, "303 椅子坏了")
    n1 = await tg.message(people.supervisor.id, f"#{first}")
    n2 = await tg.message(people.supervisor.id, f"#{second}")
    await tg.send_text(people.supervisor, "受理", reply_to=n1)
    await tg.message(people.supervisor.id, "已受理报修单")
    await tg.send_text(people.supervisor, "驳回 已经修过了", reply_to=n2)
    await tg.message(people.supervisor.id, "已驳回")
    assert await ticket_state(bot, first) is RepairState.ACCEPTED
    assert await ticket_state(bot, second) is RepairState.REJECTED
    told = await tg.message(people.teacher.id, "已经修过了")
    assert f"#{second}" in message_text(told)


async def test_accept_with_two_repairers_asks_which(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    second = TgUser(1010, "马师傅")
    await register(services(bot), second, Role.REPAIRER)
    rid, note = await reported(tg, people)
    qid = await tg.tap(people.supervisor, note, "受理")
    await tg.answer(qid)
    choose = await tg.message(people.supervisor.id, "派给哪位")
    assert any("马师傅" in x for x in labels(choose)) and any("刘师傅" in x for x in labels(choose))
    qid = await tg.tap(people.supervisor, choose, "马师傅")
    await tg.answer(qid)
    await tg.message(second.id, "派给您的维修任务")
    ticket = await repo.get(services(bot).db, rid)
    assert ticket is not None and ticket.assignee_name == "马师傅"


async def test_second_tap_is_answered_with_who_accepted_and_changes_nothing(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid = await fast_report(tg, people)
    n1 = await tg.message(people.supervisor.id, f"#{rid}")
    n2 = await tg.message(people.supervisor2.id, f"#{rid}")
    await tg.answer(await tg.tap(people.supervisor, n1, "受理"))
    # supervisor2 still has the old message with buttons (the tap is stale).
    for action in ("acc", "rej"):
        stale = encode("rp", action, rid)
        assert "已由 李监督 受理" in await tap_says(tg, people.supervisor2, n2, stale)
    ticket = await repo.get(services(bot).db, rid)
    assert ticket is not None and ticket.state is RepairState.ACCEPTED
    assert ticket.state_by_name == "李监督"


async def test_wrong_roles_cannot_press_buttons(bot: App, tg: FakeTelegram, people: Cast) -> None:
    # Forged data on a message in the presser's own chat (the only place they can tap).
    rid, own = await photo_report(tg, people.teacher, "302 门锁坏了")
    assert "监督员" in await tap_says(tg, people.teacher, own, encode("rp", "acc", rid))
    await tg.send_text(people.repairer, "/repairs")
    fixer_own = await tg.message(people.repairer.id)
    assert "监督员" in await tap_says(tg, people.repairer, fixer_own, encode("rp", "rej", rid))
    note = await tg.message(people.supervisor.id, f"#{rid}")
    await tg.answer(await tg.tap(people.supervisor, note, "受理"))
    await tg.message(people.repairer.id, "派给您的维修任务")
    assert "刘师傅" in await tap_says(tg, people.teacher, own, encode("rp", "st", rid))
    await tg.send_text(people.purchaser, "/repairs")
    buyer_own = await tg.message(people.purchaser.id)
    assert "刘师傅" in await tap_says(tg, people.purchaser, buyer_own, encode("rp", "dn", rid))
    assert await ticket_state(bot, rid) is RepairState.ACCEPTED


async def test_supervisor_cannot_accept_own_report(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid, reply = await photo_report(tg, people.supervisor, "办公室 空调不制冷")
    await tg.message(people.supervisor2.id, f"#{rid}")
    assert "不能受理自己" in await tap_says(tg, people.supervisor, reply, encode("rp", "acc", rid))
    assert await ticket_state(bot, rid) is RepairState.NEW


async def test_forged_and_malformed_callbacks_change_nothing(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid, note = await reported(tg, people)
    for data in ("rp:acc:999", "rp:acc:abc", "rp:zzz:1", "rp:as:1:1007", "rp:cat:1:nope", "rp"):
        qid = await tg.tap_data(people.supervisor, note, data)
        assert (await tg.answer(qid))["text"], data
    assert await ticket_state(bot, rid) is RepairState.NEW


async def test_hold_and_resume_from_the_card(bot: App, tg: FakeTelegram, people: Cast) -> None:
    rid = await fast_report(tg, people)
    await tg.send_text(people.supervisor, f"/repair {rid}")
    card = await tg.message(people.supervisor.id, "经过")
    await tg.answer(await tg.tap(people.supervisor, card, "搁置"))
    await tg.message(people.supervisor.id, "搁置理由")
    await tg.send_text(people.supervisor, "等锁芯到货")
    await tg.message(people.supervisor.id, "已搁置")
    told = await tg.message(people.teacher.id, "暂时搁置")
    assert "等锁芯到货" in message_text(told)
    await tg.send_text(people.supervisor, f"/repair {rid}")
    card = await tg.message(people.supervisor.id, "经过")
    await tg.answer(await tg.tap(people.supervisor, card, "恢复"))
    assert await ticket_state(bot, rid) is RepairState.NEW


# ---- lists --------------------------------------------------------------------------
async def test_repairs_list_depends_on_role(bot: App, tg: FakeTelegram, people: Cast) -> None:
    mine = await fast_report(tg, people, "302 灯管不亮")
    await tg.send_photo(people.patrol, jpeg_bytes(), caption="操场 路灯不亮")
    await tg.message(people.patrol.id, "已提交")
    await tg.send_text(people.teacher, "/repairs")
    text = message_text(await tg.message(people.teacher.id, "您的报修单"))
    assert f"#{mine}" in text and "路灯" not in text
    await tg.send_text(people.supervisor, "/repairs")
    text = message_text(await tg.message(people.supervisor.id, "未完结的报修单"))
    assert "302" in text and "路灯" in text and text.index("302") < text.index("路灯")
    await tg.send_text(people.repairer, "/repairs")
    await tg.message(people.repairer.id, "没有派给您的维修任务")
    await tg.send_text(people.purchaser, f"/repair {mine}")
    await tg.message(people.purchaser.id, "只能查看自己")


async def test_third_report_at_same_place_warns_supervisor(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    for _ in range(3):
        await fast_report(tg, people, "教学楼302教室 门锁坏了")
    await tg.message(people.supervisor.id, "同一位置第3次报修，建议更换")


# ---- guided path --------------------------------------------------------------------
async def test_guided_report_step_by_step(bot: App, tg: FakeTelegram, people: Cast) -> None:
    await tg.send_text(people.teacher, "/repair")
    start = await tg.message(people.teacher.id, "开始报修")
    await tg.send_photo(people.teacher, jpeg_bytes())
    await tg.message(people.teacher.id, "收到第1张")
    await tg.send_text(people.teacher, "实验楼二层 化学实验室")
    await tg.message(people.teacher.id, "什么坏了")
    await tg.send_photo(people.teacher, jpeg_bytes())  # one more picture, later on
    await tg.message(people.teacher.id, "共2张照片")
    await tg.send_text(people.teacher, "水龙头关不紧，一直流水")
    cat = await tg.message(people.teacher.id, "属于哪一类")
    assert "「水」" in message_text(cat)
    await tg.answer(await tg.tap(people.teacher, cat, "水"))
    urg = await tg.message(people.teacher.id, "紧急程度")
    await tg.answer(await tg.tap(people.teacher, urg, "紧急"))
    summary = await tg.message(people.teacher.id, "请确认")
    assert "实验楼二层 化学实验室" in message_text(summary) and "紧急" in message_text(summary)
    assert "照片：2张" in message_text(summary)
    await tg.answer(await tg.tap(people.teacher, summary, "提交"))
    await tg.message(people.teacher.id, "报修单 #1 已提交")
    note = await tg.message(people.supervisor.id, "紧急报修 #1")
    assert any("受理" in x for x in labels(note))
    albums = [
        c for c in tg.calls_of("sendMediaGroup") if c.params["chat_id"] == people.supervisor.id
    ]
    assert len(albums) == 1 and len(albums[0].params["media"]) == 2
    ticket = await repo.get(services(bot).db, 1)
    assert ticket is not None and ticket.urgency.label == "紧急"
    # The skip button of the finished conversation is stale now.
    qid = await tg.tap(people.teacher, start, "跳过")
    assert "过期" in (await tg.answer(qid))["text"]


async def test_guided_report_can_be_cancelled_at_any_step(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.teacher, "/repair")
    start = await tg.message(people.teacher.id, "开始报修")
    await tg.answer(await tg.tap(people.teacher, start, "跳过"))
    await tg.message(people.teacher.id, "在哪里")
    await tg.send_text(people.teacher, "302")
    await tg.message(people.teacher.id, "什么坏了")
    await tg.send_text(people.teacher, "/cancel")
    await tg.message(people.teacher.id, "已取消报修")
    assert await services(bot).db.fetchval("SELECT COUNT(*) FROM repairs") == 0
    await tg.send_text(people.teacher, "门锁坏了")  # no longer inside the conversation
    assert not [
        m for m in await settled(tg, bot, people.teacher.id) if "属于哪一类" in message_text(m)
    ]


async def test_typing_cancel_words_ends_the_guided_report_instead_of_filling_a_step(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    for word in ("取消", "算了吧。"):
        await tg.send_text(people.teacher, "/repair")
        start = await tg.message(people.teacher.id, "开始报修")
        await tg.answer(await tg.tap(people.teacher, start, "跳过"))
        await tg.message(people.teacher.id, "在哪里")
        await tg.send_text(people.teacher, word)  # not the place 「取消」
        await tg.message(people.teacher.id, "已取消报修")
    assert await services(bot).db.fetchval("SELECT COUNT(*) FROM repairs") == 0


async def test_guided_report_starts_when_asked_for_in_words(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.teacher, "我要报修")
    await tg.message(people.teacher.id, "开始报修")
    await tg.send_text(people.teacher, "教学楼302教室")  # the photo step takes the place too
    await tg.message(people.teacher.id, "什么坏了")


async def test_guided_report_survives_a_restart(
    settings: Settings, clock: FrozenClock, tg: FakeTelegram, people: Cast
) -> None:
    async with running_bot(settings, clock) as app:
        svc = services(app)
        await register(svc, people.teacher, Role.STAFF)
        await register(svc, people.supervisor, Role.SUPERVISOR)
        await tg.send_text(people.teacher, "/repair")
        start = await tg.message(people.teacher.id, "开始报修")
        await tg.answer(await tg.tap(people.teacher, start, "跳过"))
        await tg.send_text(people.teacher, "图书馆一楼")
        await tg.message(people.teacher.id, "什么坏了")
    async with running_bot(settings, clock) as app:
        await tg.send_text(people.teacher, "灯管闪个不停")
        cat = await tg.message(people.teacher.id, "属于哪一类")
        await tg.answer(await tg.tap(people.teacher, cat, "电/灯"))
        urg = await tg.message(people.teacher.id, "紧急程度")
        await tg.answer(await tg.tap(people.teacher, urg, "一般"))
        summary = await tg.message(people.teacher.id, "请确认")
        assert "图书馆一楼" in message_text(summary)
        await tg.answer(await tg.tap(people.teacher, summary, "提交"))
        await tg.message(people.teacher.id, "已提交")
        ticket = await repo.get(services(app).db, 1)
        assert ticket is not None and ticket.location == "图书馆一楼"


# ---- escalation ---------------------------------------------------------------------
async def test_escalation_job_reminds_once_and_auto_verifies(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    rid = await fast_report(tg, people, "食堂 水管爆了，紧急")
    await tg.message(people.supervisor.id, "紧急报修")
    svc = services(bot)
    clock.advance(timedelta(minutes=61))
    await repair_jobs.run(svc)
    reminder = await tg.message(people.supervisor.id, "超时提醒")
    assert f"#{rid}" in message_text(reminder) and any("受理" in x for x in labels(reminder))
    await repair_jobs.run(svc)  # same period: nothing new
    assert not [
        m for m in await settled(tg, bot, people.supervisor.id) if "超时" in message_text(m)
    ]

    await tg.answer(await tg.tap(people.supervisor, reminder, "受理"))
    job = await tg.message(people.repairer.id, "派给您的维修任务")
    await tg.answer(await tg.tap(people.repairer, job, "完成"))
    await tg.send_text(people.repairer, "换了水管")
    await tg.message(people.teacher.id, "已修好")
    clock.advance(timedelta(days=7, minutes=1))
    await repair_jobs.run(svc)
    await tg.message(people.teacher.id, "自动验收")
    assert await ticket_state(bot, rid) is RepairState.VERIFIED


async def test_escalation_job_is_scheduled_by_name(bot: App) -> None:
    assert bot.job_queue is not None
    jobs = bot.job_queue.get_jobs_by_name(repair_jobs.JOB_NAME)
    assert len(jobs) == 1


async def test_escalation_runs_through_the_job_queue(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    rid = await fast_report(tg, people, "302 灯管不亮")
    await tg.message(people.supervisor.id, f"#{rid}")
    assert bot.job_queue is not None
    (job,) = bot.job_queue.get_jobs_by_name(repair_jobs.JOB_NAME)
    clock.advance(timedelta(hours=23))
    await job.run(bot)
    assert not [
        m for m in await settled(tg, bot, people.supervisor.id) if "超时" in message_text(m)
    ]
    clock.advance(timedelta(hours=1, minutes=1))
    await job.run(bot)
    reminder = await tg.message(people.supervisor.id, "超时提醒")
    assert "已等待受理24小时" in message_text(reminder)


async def test_user_text_is_escaped_in_every_message(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid = await fast_report(tg, people, "302 <b>灯</b> & 插座 <坏了>")
    note = await tg.message(people.supervisor.id, f"#{rid}")
    assert "&lt;b&gt;灯&lt;/b&gt; &amp; 插座 &lt;坏了&gt;" in message_text(note)
    await tg.send_text(people.teacher, f"/repair {rid}")
    card = await tg.message(people.teacher.id, "经过")
    assert "&lt;坏了&gt;" in message_text(card)


async def test_album_without_caption_asks_once_and_keeps_all_photos(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    for _ in range(2):
        await tg.send_photo(people.teacher, jpeg_bytes(), media_group_id="alb2")
    await tg.message(people.teacher.id, "请再发一句说明")
    await tg.send_text(people.teacher, "操场 篮球架松了")
    reply = await tg.message(people.teacher.id, "已提交")
    assert "照片：2张" in message_text(reply)
    asks = [
        m for m in await settled(tg, bot, people.teacher.id) if "请再发一句说明" in message_text(m)
    ]
    assert asks == []


async def test_card_shows_photos_stored_on_disk(
    bot: App, tg: FakeTelegram, people: Cast, settings: Settings
) -> None:
    rid = await fast_report(tg, people)
    (photo,) = await repo.photos(services(bot).db, rid)
    assert photo.photo.path and (settings.data_dir / photo.photo.path).is_file()
    await tg.send_text(people.teacher, f"/repair {rid}")
    pic = await tg.message(people.teacher.id)
    assert "photo" in pic
    await tg.message(people.teacher.id, "经过")


async def test_pending_reason_can_be_cancelled(bot: App, tg: FakeTelegram, people: Cast) -> None:
    rid, note = await reported(tg, people)
    await tg.answer(await tg.tap(people.supervisor, note, "驳回"))
    await tg.message(people.supervisor.id, "驳回理由")
    await tg.send_text(people.supervisor, "/cancel")
    await tg.message(people.supervisor.id, "已取消")
    await tg.send_text(people.supervisor, "随便说一句")
    await settled(tg, bot, people.supervisor.id)
    assert await ticket_state(bot, rid) is RepairState.NEW


async def test_pending_reason_is_cancelled_by_typing_cancel_not_taken_as_the_reason(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid, note = await reported(tg, people)
    await tg.answer(await tg.tap(people.supervisor, note, "驳回"))
    await tg.message(people.supervisor.id, "驳回理由")
    await tg.send_text(people.supervisor, "算了")
    await tg.message(people.supervisor.id, "已取消")
    assert await ticket_state(bot, rid) is RepairState.NEW


async def test_repairer_replies_to_job_to_finish_it(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid, note = await reported(tg, people)
    await tg.send_text(people.supervisor, "受理", reply_to=note)
    job = await tg.message(people.repairer.id, "派给您的维修任务")
    await tg.send_text(people.repairer, "完成 换了新锁", reply_to=job)
    await tg.message(people.repairer.id, "已标记完成")
    done = await tg.message(people.teacher.id, "已修好")
    assert "换了新锁" in message_text(done)
    await tg.send_text(people.teacher, "验收", reply_to=done)
    await tg.message(people.teacher.id, "已验收")
    assert await ticket_state(bot, rid) is RepairState.VERIFIED


async def test_album_cut_off_by_a_restart_still_becomes_a_report(
    settings: Settings, clock: FrozenClock, tg: FakeTelegram, people: Cast
) -> None:
    async with running_bot(settings, clock) as app:
        await register(services(app), people.teacher, Role.STAFF)
        await register(services(app), people.supervisor, Role.SUPERVISOR)
        for i in range(2):
            await tg.send_photo(people.teacher, jpeg_bytes(), media_group_id="alb9",
                                caption="图书馆 窗户关不上" if i == 0 else None)  # fmt: skip
        # Both photos downloaded, the report not made yet: stop the bot now.
        await tg.wait_for(lambda: len(tg.calls_of("getFile")) >= 2)
    assert not [m for m in tg.sent if "已提交" in message_text(m)]
    async with running_bot(settings, clock) as app:
        reply = await tg.message(people.teacher.id, "已提交")
        assert "照片：2张" in message_text(reply)
        assert await services(app).db.fetchval("SELECT COUNT(*) FROM repairs") == 1


async def test_forgotten_reason_prompt_expires_and_text_is_not_taken(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    rid, note = await reported(tg, people)
    await tg.answer(await tg.tap(people.supervisor, note, "驳回"))
    await tg.message(people.supervisor.id, "驳回理由")
    clock.advance(timedelta(hours=2))
    await tg.send_text(people.supervisor, "明天开会")
    await tg.message(people.supervisor.id, "没看懂")
    assert await ticket_state(bot, rid) is RepairState.NEW
