"""Repairs QA: the lifecycle as the school's people meet it (reporter, supervisors,
repairer), through the fake Telegram."""

from __future__ import annotations

from bot.app import App
from tests.conftest import Cast
from tests.fakebot import FakeTelegram
from tests.fakebot.server import message_text
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
