"""Repairs QA: the lifecycle as the school's people meet it (reporter, supervisors,
repairer), through the fake Telegram."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.clock import FrozenClock
from bot.domain.roles import Role
from bot.services import repairs as svc_repairs
from bot.services.people import Actor
from jobs import repairs as repair_jobs
from storage import people as people_repo
from tests.conftest import Cast
from tests.fakebot import FakeTelegram
from tests.fakebot.running import add_person, services, settled
from tests.fakebot.server import TgUser, message_text
from tests.images import jpeg_bytes
from tests.test_repairs_flow import fast_report, labels


async def test_reopened_job_asks_only_for_done_not_to_start_again(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid = await fast_report(tg, people, "宿舍楼5栋302 灯管不亮")
    note = await tg.message(people.supervisor.id, f"#{rid}")
    await tg.send_text(people.supervisor, "受理", reply_to=note)
    job = await tg.message(people.repairer.id, "派给您的维修任务")
    await tg.send_text(people.repairer, "完成 换了两根灯管", reply_to=job)
    done = await tg.message(people.teacher.id, "已修好")
    await tg.send_text(people.teacher, "返修 还是不亮", reply_to=done)
    back = await tg.message(people.repairer.id, "返修")
    assert "还是不亮" in message_text(back)
    assert labels(back) == ["✅ 完成"]
    assert "开始维修" not in message_text(back)


async def test_many_reminders_at_once_come_as_one_list_not_a_flood(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    svc = services(bot)
    teacher = await people_repo.get(svc.db, people.teacher.id)
    assert teacher is not None
    for n in range(33):
        await svc_repairs.report(
            svc,
            reporter=Actor.of(teacher),
            location=f"男生宿舍{n}号楼三楼东侧卫生间靠窗第二间",
            description="水龙头一直漏水，地面全湿了，学生滑倒过两次请尽快",
        )
    for _ in range(33):  # the new-report notifications
        await tg.message(people.supervisor.id, "新报修")
    clock.advance(timedelta(days=2))  # the bot was down over the weekend
    result = await repair_jobs.run(svc)
    assert len(result.reminded) == 33
    digest = await tg.message(people.supervisor.id, "超时未处理")
    text = message_text(digest)
    assert text.startswith("⏰ <b>33张报修单超时未处理</b>") and len(text) < 4096
    assert text.index("#1 ") < text.index("#2 ") and "还有3张未列出" in text
    assert [
        m for m in await settled(tg, bot, people.supervisor.id) if "超时" in message_text(m)
    ] == []
    assert (await repair_jobs.run(svc)).reminded == ()


async def test_a_few_reminders_still_come_one_by_one_with_buttons(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    for place in ("食堂", "操场"):
        await fast_report(tg, people, f"{place} 水龙头漏水")
        await tg.message(people.supervisor.id, "新报修")
    clock.advance(timedelta(hours=25))
    await repair_jobs.run(services(bot))
    for number in ("#1", "#2"):
        reminder = await tg.message(people.supervisor.id, f"报修单 {number} 超时提醒")
        assert "受理" in " ".join(labels(reminder))


async def test_everyday_replies_move_the_report_along(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid = await fast_report(tg, people, "教学楼三楼男厕所水龙头漏水")
    note = await tg.message(people.supervisor.id, f"#{rid}")
    await tg.send_text(people.supervisor, "同意", reply_to=note)
    job = await tg.message(people.repairer.id, "派给您的维修任务")
    await tg.send_text(people.repairer, "已修好，换了阀门", reply_to=job)
    done = await tg.message(people.teacher.id, "已修好")
    assert "换了阀门" in message_text(done)
    await tg.send_text(people.teacher, "还是不行，还在漏", reply_to=done)
    back = await tg.message(people.repairer.id, "返修")
    assert "返修理由：还是不行，还在漏" in message_text(back)
    await tg.send_text(people.repairer, "完成了", reply_to=back)
    await tg.message(people.repairer.id, "修好后的照片")  # a bare 完成 asks for proof
    await tg.send_text(people.repairer, "换了整个水龙头")
    again = await tg.message(people.teacher.id, "已修好")
    await tg.send_text(people.teacher, "没问题，谢谢", reply_to=again)
    await tg.message(people.teacher.id, "已验收")


async def test_a_reply_that_is_no_step_gets_a_question_with_buttons(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid = await fast_report(tg, people)
    note = await tg.message(people.supervisor.id, f"#{rid}")
    await tg.send_text(people.supervisor, "好的", reply_to=note)
    ask = await tg.message(people.supervisor.id, "没看明白这条回复")
    assert "✅ 受理" in [b["text"] for row in ask["reply_markup"]["inline_keyboard"] for b in row]


async def test_looking_up_a_report_in_the_middle_of_a_guided_report_keeps_the_draft(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid = await fast_report(tg, people)
    await tg.send_text(people.teacher, "/repair")
    start = await tg.message(people.teacher.id, "开始报修")
    await tg.answer(await tg.tap(people.teacher, start, "跳过"))
    await tg.send_text(people.teacher, "图书馆一楼")
    await tg.message(people.teacher.id, "什么坏了")
    await tg.send_text(people.teacher, f"/repair {rid}")
    await tg.message(people.teacher.id, "经过")
    await tg.send_text(people.teacher, "灯管闪个不停")
    cat = await tg.message(people.teacher.id, "属于哪一类")
    assert "我猜是「电/灯」" in message_text(cat)


async def test_photos_waiting_for_a_caption_go_into_a_guided_report(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_photo(people.teacher, jpeg_bytes())
    await tg.message(people.teacher.id, "请再发一句说明")
    await tg.send_text(people.teacher, "/repair")
    start = await tg.message(people.teacher.id, "开始报修")
    assert "刚才的1张照片已带上" in message_text(start)
    await tg.send_text(people.teacher, "图书馆一楼")
    await tg.send_text(people.teacher, "灯管闪个不停")
    cat = await tg.message(people.teacher.id, "属于哪一类")
    await tg.answer(await tg.tap(people.teacher, cat, "电/灯"))
    urgency = await tg.message(people.teacher.id, "紧急程度")
    await tg.answer(await tg.tap(people.teacher, urgency, "一般"))
    summary = await tg.message(people.teacher.id, "请确认")
    assert "照片：1张" in message_text(summary)


async def test_starting_repair_again_says_the_unfinished_report_was_dropped(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.teacher, "/repair")
    await tg.message(people.teacher.id, "第 1 步")
    await tg.send_text(people.teacher, "教学楼302教室")
    await tg.message(people.teacher.id)
    await tg.send_text(people.teacher, "/repair")
    restarted = await tg.message(people.teacher.id, "第 1 步")
    assert "已放弃" in restarted["text"]


async def test_job_card_says_when_it_was_reported_and_links_to_the_reporter(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    rid = await fast_report(tg, people)  # Monday 23 November, 09:00 in Shanghai
    note = await tg.message(people.supervisor.id, f"#{rid}")
    link = '<a href="https://t.me/sun_t">孙老师</a>'  # 孙老师 has a @username
    assert f"报修人：{link}" in message_text(note)  # the supervisor may ask too
    clock.advance(timedelta(hours=2))
    await tg.send_text(people.supervisor, "受理", reply_to=note)
    job = await tg.message(people.repairer.id, "派给您的维修任务")
    text = message_text(job)
    assert f"报修人：{link}" in text and "报修时间：11月23日 09:00" in text
    assert job["_parse_mode"] == "HTML"  # the link is a link, not its markup
    told = await tg.message(people.teacher.id, "已受理")
    assert "<a " not in message_text(told)  # the reporter is not linked to themselves


async def test_job_card_links_a_reporter_without_username_by_id_with_the_name_escaped(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    qian = TgUser(1009, "钱<老师>")
    await add_person(services(bot), qian.id, qian.full_name, Role.STAFF)
    await tg.send_photo(qian, jpeg_bytes(), caption="图书馆一楼 灯管不亮")
    await tg.message(qian.id, "已提交")
    note = await tg.message(people.supervisor.id, "灯管不亮")
    await tg.send_text(people.supervisor, "受理", reply_to=note)
    job = message_text(await tg.message(people.repairer.id, "派给您的维修任务"))
    assert '报修人：<a href="tg://user?id=1009">钱&lt;老师&gt;</a>' in job
