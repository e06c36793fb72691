"""The storeroom (仓库): stock items, quantities as Decimal, and reading what people type:
``/stock in 灯管 50根 6.5``, ``/领用 作业本 40本 三年级二班``, 「换灯管2根 启辉器1个」."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation

from bot.domain.errors import DomainError
from bot.domain.places import chinese_number
from bot.domain.repairs import normalise_caption

CENT = Decimal("0.01")
MAX_NAME = 20
MAX_PURPOSE = 60
MAX_QUANTITY = Decimal("1000000")


@dataclass(frozen=True)
class StockItem:
    id: int
    name: str
    unit: str
    quantity: Decimal
    unit_cost: Decimal | None  # average cost of what is on hand
    minimum: Decimal
    alerted: bool  # the low-stock alert went out; again only after stock came back

    @property
    def value(self) -> Decimal:
        return (self.quantity * (self.unit_cost or Decimal(0))).quantize(CENT, ROUND_HALF_UP)

    @property
    def is_low(self) -> bool:
        return self.minimum > 0 and self.quantity < self.minimum

    def suggested_order(self) -> Decimal:
        """Enough to be back at twice the minimum, in whole units: a box of 灯管 is not
        ordered in halves."""
        gap = self.minimum * 2 - self.quantity
        return max(gap, self.minimum).to_integral_value(ROUND_CEILING)


@dataclass(frozen=True)
class StockMove:
    """One movement in or out of the storeroom: who, when, why."""

    item: str
    unit: str
    delta: Decimal  # +50 in, -2 out
    unit_cost: Decimal | None  # the average cost at the time
    reason: str
    by_name: str | None
    at: datetime

    @property
    def cost(self) -> Decimal:
        """What a part taken out cost, at the average cost when it was taken."""
        return (-self.delta * (self.unit_cost or Decimal(0))).quantize(CENT, ROUND_HALF_UP)


def quantity_text(quantity: Decimal, unit: str) -> str:
    """50根, 2.5米: no trailing zeros."""
    text = f"{quantity.normalize():f}"
    return f"{text}{unit}"


_AMOUNT = re.compile(r"^(\d+(?:\.\d+)?|[一二两三四五六七八九十]{1,3})\s*([^\d\s.,，]{0,3})$")


def _decimal(text: str) -> Decimal:
    number = chinese_number(text) if not text[0].isdigit() else None
    try:
        value = Decimal(number) if number is not None else Decimal(text)
    except InvalidOperation:
        raise DomainError(f"数量看不懂：{text}") from None
    if value <= 0 or value > MAX_QUANTITY:
        raise DomainError(f"数量不对：{text}")
    return value


def parse_amount(text: str) -> tuple[Decimal, str]:
    """「50根」 → (50, 根); 「2.5 米」 → (2.5, 米); 「两个」 → (2, 个)."""
    m = _AMOUNT.match(normalise_caption(text).strip())
    if not m:
        raise DomainError(f"数量看不懂：{text}。请写成“50根”这样。")
    return _decimal(m[1]), m[2]


def parse_price(text: str) -> Decimal:
    raw = normalise_caption(text).strip().removesuffix("元").removeprefix("单价")
    try:
        price = Decimal(raw)
    except InvalidOperation:
        raise DomainError(f"单价看不懂：{text}") from None
    if price < 0 or price > MAX_QUANTITY:
        raise DomainError(f"单价不对：{text}")
    return price


def clean_name(text: str) -> str:
    name = " ".join(normalise_caption(text).split())
    if not name:
        raise DomainError("请写上物品名称。")
    if len(name) > MAX_NAME:
        raise DomainError(f"物品名称太长了，请控制在{MAX_NAME}个字以内。")
    return name


@dataclass(frozen=True)
class StockIn:
    name: str
    quantity: Decimal
    unit: str
    price: Decimal | None


_NAME_AND_AMOUNT = re.compile(
    r"^(?P<name>.*?[^\d\s.])\s*(?P<amount>\d+(?:\.\d+)?\s*[^\d\s.]{0,3})$"
)


def _split_name_amount(words: Sequence[str]) -> tuple[str, str, list[str]]:
    """("灯管", "50根", rest) from ["灯管", "50根", ...] or ["灯管50根", ...]."""
    if len(words) >= 2 and re.match(r"^\d", normalise_caption(words[1])):
        return words[0], words[1], list(words[2:])
    if words:
        m = _NAME_AND_AMOUNT.match(normalise_caption(words[0]))
        if m:
            return m["name"], m["amount"], list(words[1:])
    raise DomainError("")


def parse_stock_in(words: Sequence[str]) -> StockIn:
    """``灯管 50根 6.5`` (name, quantity with unit, optional unit price)."""
    try:
        name, amount, rest = _split_name_amount(words)
    except DomainError:
        raise DomainError(STOCK_IN_USAGE) from None
    quantity, unit = parse_amount(amount)
    if len(rest) > 1:
        raise DomainError(STOCK_IN_USAGE)
    price = parse_price(rest[0]) if rest else None
    return StockIn(clean_name(name), quantity, unit, price)


STOCK_IN_USAGE = "请这样写：/stock in 灯管 50根 6.5（品名 数量单位 单价，单价可不写）"
REQUEST_USAGE = "请这样写：/领用 作业本 40本 三年级二班（物品 数量 用途）"


@dataclass(frozen=True)
class Request:
    name: str
    quantity: Decimal
    unit: str
    purpose: str


def parse_request(words: Sequence[str]) -> Request:
    """``作业本 40本 三年级二班``: what, how many, what for (required: it is the record)."""
    try:
        name, amount, rest = _split_name_amount(words)
    except DomainError:
        raise DomainError(REQUEST_USAGE) from None
    quantity, unit = parse_amount(amount)
    purpose = " ".join(rest).strip()[:MAX_PURPOSE]
    if not purpose:
        raise DomainError("请写上用途，例如：/领用 作业本 40本 三年级二班")
    return Request(clean_name(name), quantity, unit, purpose)


def check_unit(item: StockItem, unit: str) -> None:
    if unit and unit != item.unit:
        raise DomainError(f"{item.name}按“{item.unit}”计，请用{item.unit}写数量。")


_NUMBER = r"(\d+(?:\.\d+)?|[一二两三四五六七八九十]{1,3})"


def parse_parts(text: str, items: Sequence[StockItem]) -> list[tuple[StockItem, Decimal]]:
    """「换灯管2根 启辉器1个」 → [(灯管, 2), (启辉器, 1)]: each listed item named in the text,
    with the number after it (「灯管两根」 too). An item named without a number is one."""
    value = normalise_caption(text)
    used: dict[int, tuple[StockItem, Decimal]] = {}
    taken = [False] * len(value)
    for item in sorted(items, key=lambda i: len(i.name), reverse=True):
        unit = rf"(?:{re.escape(item.unit)}|个|只)?" if item.unit else ""
        pattern = re.compile(re.escape(item.name) + rf"\s*(?:{_NUMBER}\s*{unit})?")
        for m in pattern.finditer(value):
            if any(taken[m.start() : m.end()]):
                continue  # inside a longer item's name
            for i in range(m.start(), m.end()):
                taken[i] = True
            quantity = _decimal(m[1]) if m[1] else Decimal(1)
            earlier = used.get(item.id, (item, Decimal(0)))[1]
            used[item.id] = (item, earlier + quantity)
    if not used:
        raise DomainError("没有认出用了哪些材料。请写物品名和数量，例如：换灯管2根 启辉器1个")
    return list(used.values())


def new_unit_cost(item: StockItem, quantity: Decimal, price: Decimal | None) -> Decimal | None:
    """The weighted average cost after ``quantity`` came in at ``price``."""
    if price is None:
        return item.unit_cost
    if item.unit_cost is None or item.quantity <= 0:
        return price
    total = item.quantity * item.unit_cost + quantity * price
    return (total / (item.quantity + quantity)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
