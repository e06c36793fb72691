"""Free-typed places read as the listed place they mean (or kept as typed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.domain.errors import DomainError
from bot.domain.places import (
    Place,
    deep_link,
    floor_of_room,
    match_place,
    parse_add,
    parse_start_payload,
    read_rows,
)

DATA = json.loads((Path(__file__).parent / "data" / "place_variants.json").read_text("utf-8"))
PLACES = [Place(i + 1, f"code{i:02d}", b, f, r) for i, (b, f, r) in enumerate(DATA["places"])]


def test_the_variant_list_is_long_enough() -> None:
    assert len(DATA["variants"]) >= 40


@pytest.mark.parametrize(("typed", "expected"), [tuple(v) for v in DATA["variants"]])
def test_typed_place_reads_as_the_listed_place(typed: str, expected: str | None) -> None:
    found = match_place(typed, PLACES)
    assert (found.name if found else None) == expected


def test_a_room_number_in_two_buildings_needs_the_building() -> None:
    places = [*PLACES, Place(99, "codezz", "实验楼", "3楼", "302教室")]
    assert match_place("302", places) is None
    found = match_place("实验楼302", places)
    assert found is not None and found.name == "实验楼 302教室"


def test_nothing_matches_an_empty_list() -> None:
    assert match_place("302", []) is None


def test_the_floor_is_read_from_the_room_number() -> None:
    assert floor_of_room("302教室") == "3楼"
    assert floor_of_room("1205") == "12楼"
    assert floor_of_room("男厕") == ""
    assert parse_add(["教学楼", "302教室"]).floor == "3楼"
    assert parse_add(["男生宿舍", "二楼", "男厕"]).floor == "2楼"


def test_places_add_needs_a_building_and_a_room() -> None:
    with pytest.raises(DomainError):
        parse_add(["302教室"])


def test_a_sheet_with_a_header_and_merged_building_cells() -> None:
    preview = read_rows(
        [
            ["楼栋", "楼层", "房间"],
            ["教学楼", "3楼", "302教室"],
            ["", "3楼", "303教室"],  # merged cell: the building above
            ["", "", ""],
            ["男生宿舍", "2", "男厕"],
            ["教学楼", "3楼", "302教室"],  # twice: once
        ]
    )
    assert [p.name for p in preview.places] == ["教学楼 302教室", "教学楼 303教室", "男生宿舍 男厕"]
    assert preview.places[2].floor == "2楼"


def test_a_sheet_without_header_reads_building_and_room() -> None:
    preview = read_rows([["教学楼", "302教室"], ["实验楼", ""]])
    assert [p.name for p in preview.places] == ["教学楼 302教室"]
    assert preview.skipped == (2,)


def test_the_sticker_link_and_the_start_payload() -> None:
    assert deep_link("houqin_bot", "ab23cd") == "https://t.me/houqin_bot?start=pab23cd"
    assert parse_start_payload("pab23cd") == "ab23cd"
    assert parse_start_payload("Jx3abcdefghijklmnopqrs") is None
    assert parse_start_payload("pAB23CD") is None
