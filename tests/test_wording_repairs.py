"""Issue 11: captions as staff really write them, read into place, category and urgency.

Every row of ``tests/data/repair_captions.json`` is a caption in the style of real repair
tickets (our own examples), with the place, category and urgency it must give."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.domain.repairs import (
    Category,
    Urgency,
    guess_category,
    guess_urgency,
    location_key,
    patrol_place,
    read_caption,
    split_caption,
    urgency_raised,
)

ROWS = json.loads((Path(__file__).parent / "data" / "repair_captions.json").read_text("utf-8"))


@pytest.mark.parametrize("row", ROWS, ids=[r["text"] for r in ROWS])
def test_real_caption_gives_its_place_category_and_urgency(row: dict[str, str]) -> None:
    reading = read_caption(row["text"])
    assert reading.location == row["place"]
    assert reading.category is Category(row["category"])
    assert reading.urgency is Urgency(row["urgency"])


def test_the_caption_data_is_large_enough_and_has_emergencies() -> None:
    assert len(ROWS) >= 40
    assert sum(r["urgency"] == "urgent" for r in ROWS) >= 15


@pytest.mark.parametrize(
    "text",
    ["插座冒烟", "厨房着火了", "开关有火花", "漏电了", "有人触电", "水管爆了", "水漫出来了",
     "有燃气味", "一股煤气味", "吊顶塌了", "快来", "灯坏了!!!", "水流不停", "血止不住似的漏",
     "漏水严重", "请立即处理", "马上来修", "空调无法使用", "停电了", "电箱进水", "地下室淹了"],
)  # fmt: skip
def test_hazards_and_impact_are_urgent_without_the_word_ji(text: str) -> None:
    assert "急" not in text
    assert guess_urgency(text) is Urgency.URGENT


def test_a_stove_that_will_not_light_and_an_emergency_lamp_are_not_emergencies() -> None:
    assert guess_urgency("燃气灶打不着火") is Urgency.NORMAL
    assert guess_urgency("楼梯应急灯不亮") is Urgency.NORMAL


def test_not_serious_is_not_urgent_and_a_later_note_may_raise_urgency() -> None:
    assert guess_urgency("水龙头有点漏，不严重") is Urgency.NORMAL
    assert guess_urgency("窗户关不上，不是很急") is Urgency.LOW
    assert urgency_raised("补充：地上全是水，挺急的")
    assert not urgency_raised("补充：是靠窗那一排")


def test_danger_stays_urgent_even_when_the_reporter_says_it_can_wait() -> None:
    assert guess_urgency("插座有点冒烟，不急") is Urgency.URGENT
    assert guess_urgency("窗帘掉了，不急") is Urgency.LOW


@pytest.mark.parametrize(
    ("caption", "place", "description"),
    [
        ("三楼女厕水龙头关不紧", "三楼女厕", "水龙头关不紧"),
        ("紧急!实验楼二楼走廊电线冒火花", "实验楼二楼走廊", "紧急!电线冒火花"),
        ("302插座漏电", "302", "插座漏电"),
        ("水管爆了，在实验楼三楼", "实验楼三楼", "水管爆了"),
        ("请到宿舍5-302修一下灯", "宿舍5-302", "请修一下灯"),
        ("3盏灯不亮", "", "3盏灯不亮"),
        ("楼道灯不亮", "楼道", "灯不亮"),
        ("３０２教室　灯不亮", "302教室", "灯不亮"),
    ],
)
def test_place_is_found_anywhere_and_never_invented(
    caption: str, place: str, description: str
) -> None:
    assert split_caption(caption) == (place, description)


def test_full_width_digits_and_spaces_name_the_same_place() -> None:
    assert location_key("３０２教室") == location_key("302教室") == location_key("302 教室")
    assert location_key(read_caption("３０２教室 灯不亮").location) == location_key("302教室")


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("电梯坏了", Category.OTHER),
        ("电梯里的灯不亮", Category.ELECTRIC),
        ("柜门掉了", Category.FURNITURE),
        ("衣柜门关不上", Category.FURNITURE),
        ("花洒坏了", Category.WATER),
        ("马桶冲水不停", Category.WATER),
        ("地漏返味", Category.WATER),
        ("冰柜不制冷", Category.APPLIANCE),
        ("冷藏柜不制冷", Category.APPLIANCE),
        ("消毒柜不加热", Category.APPLIANCE),
        ("蒸饭车不上气", Category.APPLIANCE),
        ("油烟机不转", Category.APPLIANCE),
        ("和面机不动", Category.APPLIANCE),
        ("门关不上", Category.DOOR_WINDOW),
    ],
)
def test_wider_vocabulary_without_false_hits(text: str, category: Category) -> None:
    assert guess_category(text) is category


def test_a_patrol_finding_is_placed_where_the_patroller_says() -> None:
    assert patrol_place("水龙头已关，无长流水", "二楼男厕水龙头关不紧") == "二楼男厕"
    assert patrol_place("食堂燃气、电源、门窗已关", "燃气阀没关") == "食堂"
    assert patrol_place("门窗已关好锁好", None) == ""
