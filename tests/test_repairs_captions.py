"""Repairs QA: captions as teachers really write them, read into location and category."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.domain.errors import DomainError
from bot.domain.repairs import Category, guess_category, parse_category, split_caption
from storage import repairs as repo
from tests.conftest import Cast
from tests.fakebot import FakeTelegram
from tests.fakebot.running import services
from tests.fakebot.server import message_text
from tests.images import jpeg_bytes
from tests.test_repairs_flow import photo_report


@pytest.mark.parametrize(
    ("caption", "location", "description", "category"),
    [
        ("教学楼三楼男厕所水龙头漏水", "教学楼三楼男厕所", "水龙头漏水", Category.WATER),
        ("行政楼201办公室门把手掉了", "行政楼201办公室", "门把手掉了", Category.LOCK),
        ("食堂后厨水管爆了，急！", "食堂后厨", "水管爆了，急！", Category.WATER),
        ("二楼教师办公室的门锁坏了", "二楼教师办公室", "门锁坏了", Category.LOCK),
        ("男生宿舍6号楼卫生间马桶堵了", "男生宿舍6号楼卫生间", "马桶堵了", Category.WATER),
        ("三年级二班的椅子坏了", "三年级二班", "椅子坏了", Category.FURNITURE),
        ("操场上的水龙头漏水", "操场", "水龙头漏水", Category.WATER),
        ("教学楼 302教室 门锁坏了", "教学楼 302教室", "门锁坏了", Category.LOCK),
        ("5号楼 3层 走廊灯不亮", "5号楼 3层", "走廊灯不亮", Category.ELECTRIC),
        ("高一(3)班教室投影仪打不开", "高一(3)班教室", "投影仪打不开", Category.APPLIANCE),
        ("学生宿舍A栋 热水器不出热水", "学生宿舍A栋", "热水器不出热水", Category.APPLIANCE),
        ("校门口 伸缩门坏了", "校门口", "伸缩门坏了", Category.DOOR_WINDOW),
        ("宿舍没水了", "宿舍", "没水了", Category.WATER),
        ("空调遥控器型号不对", "", "空调遥控器型号不对", Category.APPLIANCE),
        ("灯管坏了3根", "", "灯管坏了3根", Category.ELECTRIC),
    ],
)
def test_caption_without_a_clean_separator_still_names_the_whole_place(
    caption: str, location: str, description: str, category: Category
) -> None:
    assert split_caption(caption) == (location, description)
    assert guess_category(description or caption) is category


def test_caption_of_only_a_place_is_all_location() -> None:
    assert split_caption("教学楼302教室") == ("教学楼302教室", "")
    assert split_caption("宿舍") == ("宿舍", "")


async def test_photo_captioned_with_only_a_place_is_reported_as_seen_in_the_photo(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid, reply = await photo_report(tg, people.teacher, "教学楼302教室")
    assert "教学楼302教室" in message_text(reply)
    ticket = await repo.get(services(bot).db, rid)
    assert ticket is not None
    assert (ticket.location, ticket.description) == ("教学楼302教室", "（见照片）")


async def test_photo_captioned_with_only_emoji_waits_for_words_and_keeps_the_photo(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="😭🔧")
    await tg.message(people.teacher.id, "说明里没有文字")
    assert await services(bot).db.fetchval("SELECT COUNT(*) FROM repairs") == 0
    await tg.send_text(people.teacher, "食堂一楼 洗手池下水道堵塞")
    reply = await tg.message(people.teacher.id, "已提交")
    assert "食堂一楼" in message_text(reply) and "类别：水" in message_text(reply)
    assert len(await repo.photos(services(bot).db, 1)) == 1


async def test_guided_report_takes_place_and_fault_from_the_first_photos_caption(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.teacher, "/repair")
    await tg.message(people.teacher.id, "开始报修")
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="教学楼302教室 灯管不亮")
    cat = await tg.message(people.teacher.id, "属于哪一类")
    assert "教学楼302教室" in message_text(cat) and "灯管不亮" in message_text(cat)
    await tg.answer(await tg.tap(people.teacher, cat, "电/灯"))
    urgency = await tg.message(people.teacher.id, "紧急程度")
    await tg.answer(await tg.tap(people.teacher, urgency, "一般"))
    summary = await tg.message(people.teacher.id, "请确认")
    await tg.answer(await tg.tap(people.teacher, summary, "提交"))
    await tg.message(people.teacher.id, "已提交")
    ticket = await repo.get(services(bot).db, 1)
    assert ticket is not None
    assert (ticket.location, ticket.description) == ("教学楼302教室", "灯管不亮")
    assert len(await repo.photos(services(bot).db, 1)) == 1


async def test_guided_photo_captioned_with_a_place_asks_only_what_is_broken(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.teacher, "/repair")
    await tg.message(people.teacher.id, "开始报修")
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="食堂一楼")
    asked = await tg.message(people.teacher.id, "什么坏了")
    assert "食堂一楼" in message_text(asked)
    await tg.send_text(people.teacher, "洗手池下水道堵塞")
    cat = await tg.message(people.teacher.id, "属于哪一类")
    assert "我猜是「水」" in message_text(cat)


@pytest.mark.parametrize(
    ("typed", "category"),
    [
        ("电/灯", Category.ELECTRIC),
        ("灯", Category.ELECTRIC),
        ("电", Category.ELECTRIC),
        ("窗户", Category.DOOR_WINDOW),
        ("桌椅", Category.FURNITURE),
        ("其他", Category.OTHER),
    ],
)
def test_a_typed_category_may_be_a_word_of_it(typed: str, category: Category) -> None:
    assert parse_category(typed) is category


def test_a_typed_category_that_names_nothing_is_refused() -> None:
    with pytest.raises(DomainError):
        parse_category("随便")
