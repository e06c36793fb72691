"""The roster file rules and finding invite codes in pasted text (framework-free)."""

from __future__ import annotations

import pytest

from bot.domain.errors import DomainError
from bot.domain.invite_codes import find_code
from bot.domain.roles import Role
from bot.domain.roster import name_key, parse_roster, read_table
from bot.texts.onboarding import BUTTON_COMMANDS, main_keyboard

CODE = "Abc123_-xyzXYZ0987654321abcdEFGH"


def test_roster_reads_optional_columns_in_any_order() -> None:
    preview = parse_roster(
        [["部门", "姓名", "手机", "角色"], ["初一", "钱 老师", "138-0013-8000", "老师"]]
    )
    [entry] = preview.entries
    assert (entry.name, entry.role, entry.phone, entry.department) == (
        "钱 老师", Role.STAFF, "13800138000", "初一",
    )  # fmt: skip
    assert entry.key == name_key("钱老师")


def test_roster_without_a_header_is_explained() -> None:
    with pytest.raises(DomainError, match="姓名"):
        parse_roster([["钱老师", "教职工"]])


def test_roster_blank_lines_are_skipped_and_missing_role_is_a_bad_row() -> None:
    preview = parse_roster([["姓名", "角色"], ["", ""], ["钱老师", ""]])
    assert preview.entries == ()
    assert [(b.line, b.reason) for b in preview.bad] == [(3, "缺少角色")]


def test_roster_csv_in_gbk_as_older_excel_saves_it() -> None:
    rows = read_table("姓名,角色\n钱老师,维修工\n".encode("gbk"), "名单.CSV")
    assert rows == [["姓名", "角色"], ["钱老师", "维修工"]]


def test_roster_other_file_types_and_broken_xlsx_are_refused() -> None:
    with pytest.raises(DomainError, match="xlsx"):
        read_table(b"x", "名单.docx")
    with pytest.raises(DomainError, match="打不开"):
        read_table(b"not a zip", "名单.xlsx")


@pytest.mark.parametrize(
    "text",
    [
        f"https://t.me/houqin_bot?start={CODE}",
        f"请点 t.me/houqin_bot?start={CODE} 谢谢",
        f"/start {CODE}",
        CODE,
    ],
)
def test_codes_are_found_in_what_newcomers_paste(text: str) -> None:
    assert find_code(text, "houqin_bot") == CODE


@pytest.mark.parametrize(
    "text",
    [
        f"https://t.me/other_bot?start={CODE}",
        "你好",
        "abcdefghijabcdefghijabcdefghijab",  # 32 letters: a word, not a code
        "猪肉 20斤 13.5",
    ],
)
def test_other_texts_are_not_codes(text: str) -> None:
    assert find_code(text, "houqin_bot") is None


def test_every_keyboard_button_is_routed_to_a_command() -> None:
    for roles in ([Role.STAFF], [Role.PURCHASER], [Role.ADMIN], [Role.SUPERVISOR, Role.PATROL]):
        labels = [label for row in main_keyboard(roles) for label in row]
        assert labels[-1] == "帮助" and len(labels) <= 8
        assert all(label in BUTTON_COMMANDS for label in labels)
    assert main_keyboard([Role.STAFF]) == [["📷 报修", "我的报修"], ["本周食谱", "帮助"]]
