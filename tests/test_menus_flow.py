"""Weekly menus end to end: /setmenu preview and 保存, /menu as a picture, /copymenu, pushes."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from telegram.ext import Job

from bot.app import App
from bot.clock import FrozenClock
from bot.config import Settings
from tests.conftest import SHANGHAI, Cast
from tests.fakebot import FakeTelegram, buttons, message_text
from tests.fakebot.running import settled

PUBLIC_CHAT = -1001234567
MENU = (
    "/setmenu\n"
    "周一 早餐: 包子, 豆浆, 鸡蛋\n"
    "周一 午餐：红烧肉，炒青菜、米饭\n"
    "星期三 晚餐: 饺子\n"
    "周八 午餐: 面条\n"
    "星期天 晚餐: 西红柿鸡蛋面"
)


@pytest.fixture
def settings(tg: FakeTelegram, tmp_path: Path, people: Cast) -> Settings:
    return Settings(
        token=tg.token,
        api_server=tg.url,
        data_dir=tmp_path / "data",
        admin_ids=frozenset({people.admin.id}),
        public_chat_id=PUBLIC_CHAT,
    )


def job(app: App, name: str) -> Job[Any]:
    assert app.job_queue is not None
    [found] = app.job_queue.get_jobs_by_name(name)
    return found


def assert_menu_picture(message: dict[str, Any]) -> None:
    with Image.open(io.BytesIO(message["_bytes"])) as img:
        assert img.format == "PNG"
        assert 480 <= img.width <= 1600 and 200 < img.height < 4000
        gray = img.convert("L")
        assert sum(gray.histogram()[:128]) > 2000  # text and grid lines, not a blank page


async def save_next_week(tg: FakeTelegram, people: Cast, text: str = MENU) -> dict[str, Any]:
    await tg.send_text(people.canteen, text)
    preview = await tg.message(people.canteen.id, "预览")
    answer = await tg.answer(await tg.tap(people.canteen, preview, "保存"))
    assert "已保存" in answer["text"]
    return preview


async def test_setmenu_previews_then_saves_next_week(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.canteen, MENU)
    preview = await tg.message(people.canteen.id, "预览")
    text = message_text(preview)
    assert "11月30日—12月6日" in text  # next week (today is Monday 11-23)
    assert "包子、豆浆、鸡蛋" in text and "红烧肉、炒青菜、米饭" in text
    assert "第 5 行" in text and "周八" in text  # the unreadable line, with its reason
    assert any("保存" in b for b in buttons(preview)) and any("取消" in b for b in buttons(preview))
    await tg.send_text(people.canteen, "/menu next")
    await tg.message(people.canteen.id, "还没有录入")  # nothing saved before 保存
    save_data = buttons_data(preview)[0]
    await tg.answer(await tg.tap(people.canteen, preview, "保存"))
    assert not buttons(tg.current(preview)) and "已保存" in message_text(tg.current(preview))
    again = await tg.answer(await tg.tap_data(people.canteen, preview, save_data))
    assert "已经保存" in again["text"]
    await tg.send_text(people.teacher, "/menu next")
    picture = await tg.message(people.teacher.id, "周食谱")
    assert picture["_method"] == "sendPhoto"
    assert_menu_picture(picture)
    text_version = await tg.message(people.teacher.id, "西红柿鸡蛋面")
    assert "周日" in message_text(text_version)


def buttons_data(message: dict[str, Any]) -> list[str]:
    return [
        b["callback_data"]
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
        for b in row
    ]


async def test_cancel_keeps_nothing_and_date_line_picks_the_week(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.canteen, "/setmenu 2026-11-25\n周一 早餐: 油条")
    preview = await tg.message(people.canteen.id, "预览")
    assert "11月23日—11月29日" in message_text(preview)
    await tg.answer(await tg.tap(people.canteen, preview, "取消"))
    assert "已取消" in message_text(tg.current(preview))
    await tg.send_text(people.canteen, "/menu")
    await tg.message(people.canteen.id, "还没有录入")


async def test_only_canteen_and_admin_can_set_menu(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.teacher, MENU)
    assert "只有" in message_text(await tg.message(people.teacher.id))
    await tg.send_text(people.admin, MENU)
    await tg.message(people.admin.id, "预览")


async def test_setmenu_with_nothing_readable_explains_and_offers_no_save(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.canteen, "/setmenu\n明天吃好的 <b>")
    reply = await tg.message(people.canteen.id, "没有读懂")
    assert "&lt;b&gt;" in reply["text"]  # the user's text was escaped
    assert not buttons(reply)


async def test_menu_today_and_copymenu(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    await save_next_week(tg, people, "/setmenu 2026-11-23\n周一 早餐: 包子\n周二 午餐: 米饭")
    await tg.send_text(people.teacher, "/menu today")
    today = await tg.message(people.teacher.id, "11月23日（周一）食谱")
    assert "包子" in message_text(today) and "米饭" not in message_text(today)
    await tg.send_text(people.canteen, "/copymenu")
    await tg.message(people.canteen.id, "已把")
    await tg.send_text(people.teacher, "/menu next")
    await tg.message(people.teacher.id, "周食谱")
    assert "包子" in message_text(await tg.message(people.teacher.id, "11月30日"))
    await tg.send_text(people.canteen, "/copymenu")
    assert "/copymenu 覆盖" in message_text(await tg.message(people.canteen.id, "已经有食谱"))


async def test_sunday_push_sends_next_week_to_everyone_and_public_chat_once(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    weekly = job(bot, "menu:weekly")
    assert weekly.job.coalesce is True and weekly.job.misfire_grace_time
    assert weekly.next_t is not None
    nxt = weekly.next_t.astimezone(SHANGHAI)
    assert (nxt.weekday(), nxt.hour, nxt.minute) == (6, 17, 0)  # Sunday 17:00
    await save_next_week(tg, people)
    clock.set(datetime(2026, 11, 29, 17, 0, tzinfo=SHANGHAI))
    await weekly.run(bot)
    for user in (people.teacher, people.repairer, people.admin):
        picture = await tg.message(user.id, "周食谱")
        assert_menu_picture(picture)
        assert "红烧肉" in message_text(await tg.message(user.id, "下周"))
    await tg.message(PUBLIC_CHAT, "周食谱")
    await weekly.run(bot)  # a second firing sends nothing more
    assert await settled(tg, bot, people.teacher.id) == []


async def test_morning_menu_to_canteen_and_friday_reminder(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    remind = job(bot, "menu:remind")
    assert remind.next_t is not None
    nxt = remind.next_t.astimezone(SHANGHAI)
    assert (nxt.weekday(), nxt.hour) == (4, 12)  # Friday noon
    clock.set(datetime(2026, 11, 27, 12, 0, tzinfo=SHANGHAI))
    await remind.run(bot)
    await tg.message(people.canteen.id, "还没有录入")
    await tg.message(people.admin.id, "还没有录入")
    assert await settled(tg, bot, people.teacher.id) == []
    await save_next_week(tg, people)
    clock.set(datetime(2026, 11, 30, 6, 30, tzinfo=SHANGHAI))
    await job(bot, "menu:today").run(bot)
    today = await tg.message(people.canteen.id, "11月30日（周一）食谱")
    assert "包子" in message_text(today)
    assert await settled(tg, bot, people.teacher.id) == []


async def test_copymenu_gives_the_copied_week_as_lines_to_edit_and_send_back(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await save_next_week(tg, people, "/setmenu 2026-11-23\n周一 早餐: 包子, 豆浆\n周二 午餐: 米饭")
    await tg.send_text(people.canteen, "/copymenu")
    await tg.message(people.canteen.id, "已把")
    block = await tg.message(people.canteen.id, "/setmenu 2026-11-30")
    lines = message_text(block).removeprefix("<pre>").removesuffix("</pre>")
    assert "周一 早餐: 包子，豆浆" in lines
    await tg.send_text(people.canteen, lines.replace("米饭", "面条"))
    preview = await tg.message(people.canteen.id, "预览")
    assert "11月30日" in message_text(preview) and "面条" in message_text(preview)
    assert "没有读懂" not in message_text(preview)


async def test_a_pasted_page_of_unreadable_lines_gets_a_short_answer(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    page = "\n".join(
        f"第{i}天 早饭吃了包子馒头油条豆浆牛奶鸡蛋稀饭咸菜和很多别的东西" for i in range(60)
    )
    await tg.send_text(people.canteen, f"/setmenu\n{page}")
    reply = await tg.message(people.canteen.id, "没有读懂")
    assert "还有 50 行没有读懂" in message_text(reply)
    assert len(message_text(reply)) < 2000


async def test_a_wrong_week_date_is_refused_rather_than_saved_as_next_week(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.canteen, "/setmenu 2026-13-01\n周一 早餐: 包子")
    reply = await tg.message(people.canteen.id, "日期有误")
    assert "2026-13-01" in message_text(reply) and not buttons(reply)
