"""The asset register (资产台账): what the school owns, where, since when, for how much;
and the stocktake (盘点) results."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from bot.domain.errors import DomainError
from bot.domain.repairs import Category, guess_category, normalise_caption

MAX_TAG = 20
MAX_NAME = 20
ADD_USAGE = "请这样写：/assets add 空调 教学楼302 编号 KT-017 2019-09 3200元"
_TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-./]{0,19}$")
_DATE = re.compile(r"^(\d{4})[-./年](\d{1,2})(?:[-./月](\d{1,2})日?)?月?$")
_MONEY = re.compile(r"^(\d+(?:\.\d{1,2})?)元?$")


@dataclass(frozen=True)
class Asset:
    id: int
    tag: str
    name: str
    category: Category
    place: str
    bought: str | None  # "2019-09"
    value: Decimal | None


@dataclass(frozen=True)
class NewAsset:
    tag: str
    name: str
    category: Category
    place: str
    bought: str | None
    value: Decimal | None


def clean_tag(text: str) -> str:
    tag = normalise_caption(text).strip().upper()
    if not _TAG.match(tag):
        raise DomainError(f"编号看不懂：{text}（用字母、数字和短横线，如 KT-017）")
    return tag


def parse_add(words: Sequence[str]) -> NewAsset:
    """``空调 教学楼302 编号 KT-017 2019-09 3200元``: the name, the place, 编号 and the tag;
    then, in any order, the purchase month and the value."""
    words = [normalise_caption(w) for w in words]
    if "编号" not in words:
        raise DomainError(ADD_USAGE)
    at = words.index("编号")
    if at < 2 or at + 1 >= len(words):
        raise DomainError(ADD_USAGE)
    name = words[0][:MAX_NAME]
    place = " ".join(words[1:at])
    tag = clean_tag(words[at + 1])
    bought: str | None = None
    value: Decimal | None = None
    for word in words[at + 2 :]:
        if m := _DATE.match(word):
            month = int(m[2])
            if not 1 <= month <= 12:
                raise DomainError(f"日期看不懂：{word}")
            bought = f"{m[1]}-{month:02d}" + (f"-{int(m[3]):02d}" if m[3] else "")
        elif m := _MONEY.match(word):
            try:
                value = Decimal(m[1])
            except InvalidOperation:
                raise DomainError(f"金额看不懂：{word}") from None
        else:
            raise DomainError(f"看不懂“{word}”。{ADD_USAGE}")
    return NewAsset(tag, name, guess_category(name), place, bought, value)


class Check(StrEnum):
    """A stocktake result for one asset."""

    PRESENT = "present"
    MISSING = "missing"
    DAMAGED = "damaged"

    @property
    def label(self) -> str:
        return {"present": "在", "missing": "缺失", "damaged": "损坏"}[self.value]


_HEADERS = {
    "tag": ("编号", "资产编号", "标签", "tag"),
    "name": ("名称", "资产名称", "品名", "name"),
    "place": ("地点", "位置", "存放地点", "使用地点", "place"),
    "bought": ("购置日期", "购置", "购买日期", "日期", "bought"),
    "value": ("原值", "金额", "价值", "原值（元）", "价格", "value"),
}
_LOOSE_DATE = re.compile(r"^(\d{4})[-./年](\d{1,2})(?:[-./月](\d{1,2}))?")


@dataclass(frozen=True)
class AssetSheet:
    assets: tuple[NewAsset, ...]
    skipped: tuple[int, ...]  # 1-based row numbers that could not be read


def _bought(text: str) -> str | None:
    m = _LOOSE_DATE.match(normalise_caption(text).strip())
    if not m or not 1 <= int(m[2]) <= 12:
        return None
    return f"{m[1]}-{int(m[2]):02d}" + (f"-{int(m[3]):02d}" if m[3] else "")


def read_asset_rows(rows: Sequence[Sequence[str]]) -> AssetSheet:
    """A register kept in Excel: a header row naming 编号, 名称 and 地点 (购置日期, 原值
    optional), then one asset a row. A tag seen twice is read once."""
    body = [[(c or "").strip() for c in row] for row in rows]
    header = next((i for i, row in enumerate(body[:5]) if "编号" in "".join(row)), None)
    if header is None:
        raise DomainError("表格里没找到「编号」「名称」「地点」这几列。")
    cells = [normalise_caption(c).strip().lower() for c in body[header]]
    columns = {
        field: next((i for i, c in enumerate(cells) if c in names), None)
        for field, names in _HEADERS.items()
    }
    if columns["tag"] is None or columns["name"] is None or columns["place"] is None:
        raise DomainError("表格里没找到「编号」「名称」「地点」这几列。")
    found: list[NewAsset] = []
    skipped: list[int] = []
    seen: set[str] = set()

    def cell(row: list[str], field: str) -> str:
        index = columns[field]
        return row[index] if index is not None and index < len(row) else ""

    for number, row in enumerate(body[header + 1 :], start=header + 2):
        if not any(row):
            continue
        try:
            tag = clean_tag(cell(row, "tag"))
            name = normalise_caption(cell(row, "name")).strip()[:MAX_NAME]
            place = " ".join(normalise_caption(cell(row, "place")).split())
            if not name or not place:
                raise DomainError("")
            raw_value = cell(row, "value").removesuffix("元").replace(",", "")
            value = Decimal(raw_value).quantize(Decimal("0.01")) if raw_value else None
        except (DomainError, InvalidOperation):
            skipped.append(number)
            continue
        if tag not in seen:
            seen.add(tag)
            bought = _bought(cell(row, "bought"))
            found.append(NewAsset(tag, name, guess_category(name), place, bought, value))
    return AssetSheet(tuple(found), tuple(skipped))
