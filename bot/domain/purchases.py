"""Purchase lines as the purchaser types them at the market, and the money rules.

A line is ``name quantity+unit price``: ``猪肉 20斤 13.5``, ``五花肉 12.5斤 14元/斤``,
``大米 2袋 共300元``, optionally ending in ``@供应商``. Money and quantities are exact
``Decimal`` values end to end (never floats); amounts round half-up to the fen.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from bot.domain.errors import DomainError, ReasonRequired
from bot.domain.foodsafety import cert_stage
from bot.domain.numbers import (
    MAX_NUMBER_CHARS,
    NumberError,
    clip,
    plausible_year,
    read_decimal,
)

CENT = Decimal("0.01")

# Sanity limits: a school canteen never buys more than this in one line.
MAX_QUANTITY = Decimal("100000")
MAX_UNIT_PRICE = Decimal("10000")
MAX_LINE_AMOUNT = Decimal("200000")
MAX_QUANTITY_PLACES = 3
MAX_PRICE_PLACES = 4
MAX_ITEM_CHARS = 30
MAX_SUPPLIER_CHARS = 40
MAX_LINES = 60

# Longest first so that 公斤 wins over 斤 and 千克 over 克.
UNITS: tuple[str, ...] = (
    "公斤", "千克", "kg", "斤", "两", "克", "g", "个", "只", "箱", "袋", "包", "桶", "瓶",
    "把", "件", "盒", "份", "块", "条", "根", "捆", "筐", "板", "听", "罐", "支", "张", "套",
    "升", "L", "l",
)  # fmt: skip
# Different spellings of the same unit compare equal (price unit vs quantity unit, averages).
_UNIT_KEYS = {"公斤": "kg", "千克": "kg", "kg": "kg", "克": "g", "g": "g", "L": "l", "l": "l",
              "升": "l"}  # fmt: skip

EXAMPLE = "猪肉 20斤 13.5"


def unit_key(unit: str) -> str:
    """The canonical spelling used to compare units: 公斤 = 千克 = kg."""
    return _UNIT_KEYS.get(unit, unit)


def money(value: Decimal) -> Decimal:
    """Round to the fen, half-up, as the finance office does by hand."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def fmt_money(value: Decimal) -> str:
    return f"{money(value):,.2f}".replace(",", "")


def fmt_number(value: Decimal) -> str:
    """``20`` not ``20.000``, ``3.3`` not ``3.30``, never ``2E+1``."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


# ---------------------------------------------------------------- Chinese numerals

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}  # fmt: skip
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_CHARS = "零〇一二两三四五六七八九十百千万点半"


def _cn_integer(text: str) -> int:
    """``二十`` -> 20, ``十五`` -> 15, ``三百零五`` -> 305, ``一万二千`` -> 12000."""
    if not text:
        raise ValueError("empty")
    if "万" in text:
        high, _, low = text.partition("万")
        return _cn_integer(high or "一") * 10000 + (_cn_integer(low) if low else 0)
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            if digit:  # two digits in a row (二三) is not a number; 零 may precede one
                raise ValueError(text)
            digit = _CN_DIGITS[ch]
        elif ch in _CN_SMALL:
            total += (1 if digit is None else digit) * _CN_SMALL[ch]
            digit = None
        else:
            raise ValueError(text)
    if digit is not None:
        total += digit
    return total


def chinese_number(text: str) -> Decimal:
    """Convert a Chinese numeral (``二十``, ``两``, ``十五``, ``三百``, ``三点五``, ``半``)."""
    if len(text) > MAX_NUMBER_CHARS:  # 万万万…: unbounded recursion and a 10**16000 result
        raise ValueError(text)
    if text == "半":
        return Decimal("0.5")
    if "点" in text:
        whole, _, frac = text.partition("点")
        if not frac or any(ch not in _CN_DIGITS for ch in frac):
            raise ValueError(text)
        digits = "".join(str(_CN_DIGITS[ch]) for ch in frac)
        return Decimal(f"{_cn_integer(whole) if whole else 0}.{digits}")
    return Decimal(_cn_integer(text))


# ---------------------------------------------------------------- parsing


@dataclass(frozen=True)
class PurchaseLine:
    """One item bought. ``unit_price`` is per ``unit``; ``amount`` is what was paid."""

    item: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal
    supplier: str | None = None
    price_is_total: bool = False  # typed as 共300元: the amount is exact, unit price derived

    @property
    def unit_key(self) -> str:
        return unit_key(self.unit)

    def needs_certificate(self, certificate_items: tuple[str, ...]) -> bool:
        return needs_certificate(self.item, certificate_items)


@dataclass(frozen=True)
class BadLine:
    """A line the parser refused, with the reason to show next to it."""

    text: str
    reason: str


@dataclass(frozen=True)
class ParsedLines:
    lines: list[PurchaseLine]
    bad: list[BadLine]
    supplier: str | None = None  # a line that is only ``@王记肉铺`` names the supplier


_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_UNIT_RE = "|".join(re.escape(u) for u in UNITS)
_PACK_RE = rf"\((?P<pack>\d+(?:\.\d+)?(?:{_UNIT_RE}|ml|毫升))\)"  # 2桶(5L): five litres each
_QTY_RE = re.compile(
    rf"^(?P<num>{_NUM}|[{_CN_CHARS}]+)(?P<unit>{_UNIT_RE})(?P<half>半)?(?:{_PACK_RE})?$", re.I
)
_QTY_NO_UNIT_RE = re.compile(rf"^(?:{_NUM}|[{_CN_CHARS}]+)$")
_NAME_QTY_RE = re.compile(rf"^(?P<name>.*?[^\d.+\-{_CN_CHARS}])(?P<qty>(?:{_NUM}|[{_CN_CHARS}]+)"
                          rf"(?:{_UNIT_RE})半?(?:{_PACK_RE})?)$", re.I)  # fmt: skip
# 五斤姜: the quantity first, then the item (as said aloud at the market).
_QTY_NAME_RE = re.compile(rf"^(?P<qty>(?:\d+(?:\.\d+)?|[{_CN_CHARS}]+)(?:{_UNIT_RE})半?)"
                          rf"(?P<name>[^\d{_CN_CHARS}].*)$", re.I)  # fmt: skip
_PRICE_RE = re.compile(
    rf"^(?P<total>共|总价|总计|合计)?[¥￥]?(?P<num>{_NUM})(?P<yuan>元|块钱|块)?"
    rf"(?:/(?P<unit>{_UNIT_RE}))?$",
    re.I,
)


def normalise(text: str) -> str:
    """Full-width digits, letters, spaces, ＠ and ／ become their ASCII forms."""
    return unicodedata.normalize("NFKC", text).strip()


def _number(text: str, what: str) -> Decimal:
    try:
        return read_decimal(text)  # bounded first: 1e999999999 once froze the bot
    except NumberError as err:
        if err.too_large:
            raise DomainError(f"{what}「{clip(text)}」太大了，请检查") from None
        raise DomainError(f"{what}「{clip(text)}」不是数字") from None


def _places(value: Decimal) -> int:
    """Digits after the point that matter: 13.50 -> 1, 20 -> 0."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _canonical_unit(unit: str) -> str:
    """Keep the unit as typed, but with one spelling per letter case (KG -> kg)."""
    for known in UNITS:
        if known.lower() == unit.lower():
            return known if known != "l" else "L"
    return unit


def parse_quantity(token: str) -> tuple[Decimal, str]:
    """``20斤`` -> (20, 斤); ``二十斤`` -> (20, 斤); ``一斤半`` -> (1.5, 斤)."""
    m = _QTY_RE.match(token)
    if m is None:
        if _QTY_NO_UNIT_RE.match(token):
            raise DomainError(f"数量「{token}」缺少单位（如 斤、公斤、个、袋）")
        raise DomainError(f"数量「{token}」看不懂，应写成数字加单位，如 20斤")
    raw, unit = m["num"], _canonical_unit(m["unit"])
    if m["pack"]:
        unit = f"{unit}({m['pack']})"
    if raw[0] in "+-" or raw[0].isdigit() or raw[0] == ".":
        quantity = _number(raw, "数量")
    else:
        try:
            quantity = chinese_number(raw)
        except ValueError:
            raise DomainError(f"数量「{token}」看不懂，请用阿拉伯数字，如 20斤") from None
    if m["half"]:
        quantity += Decimal("0.5")
    if quantity <= 0:
        raise DomainError(f"数量必须大于 0（写的是 {fmt_number(quantity)}{unit}）")
    if quantity > MAX_QUANTITY:
        raise DomainError(
            f"数量 {fmt_number(quantity)}{unit} 太大了，一行最多 {fmt_number(MAX_QUANTITY)}，请检查"
        )
    if _places(quantity) > MAX_QUANTITY_PLACES:
        raise DomainError(f"数量最多保留 {MAX_QUANTITY_PLACES} 位小数")
    return quantity, unit


def _price(token: str, quantity: Decimal, unit: str) -> tuple[Decimal, Decimal, bool]:
    """(unit price, amount, typed as a total)."""
    m = _PRICE_RE.match(token)
    if m is None:
        raise DomainError(f"单价「{token}」不是数字，应写成 13.5、13.5元 或 共300元")
    value = _number(m["num"], "单价")
    is_total = bool(m["total"])
    if m["unit"] is not None:
        price_unit = _canonical_unit(m["unit"])
        if is_total:
            raise DomainError(f"「{token}」：总价后面不用写单位，写成 共300元 即可")
        if unit_key(price_unit) != unit_key(unit):
            raise DomainError(
                f"单价按「{price_unit}」计，数量按「{unit}」计，单位不一致。"
                f"请换成同一单位，如 {fmt_number(quantity)}{unit} 13.5元/{unit}"
            )
    if value <= 0:
        raise DomainError(f"{'总价' if is_total else '单价'}必须大于 0")
    if is_total:
        if value > MAX_LINE_AMOUNT:
            raise DomainError(
                f"总价 {fmt_number(value)} 元太高了，一行最多 {MAX_LINE_AMOUNT} 元，请检查"
            )
        if _places(value) > 2:
            raise DomainError("总价最多保留 2 位小数（到分）")
        return money(value / quantity), money(value), True
    if value > MAX_UNIT_PRICE:
        raise DomainError(
            f"单价 {fmt_number(value)} 元太高了，"
            f"每{unit}最多 {fmt_number(MAX_UNIT_PRICE)} 元，请检查"
        )
    if _places(value) > MAX_PRICE_PLACES:
        raise DomainError(f"单价最多保留 {MAX_PRICE_PLACES} 位小数")
    amount = money(quantity * value)
    if amount <= 0:
        raise DomainError("这一行的金额不足 1 分钱，请检查数量和单价")
    if amount > MAX_LINE_AMOUNT:
        raise DomainError(f"这一行金额 {fmt_money(amount)} 元太高了，请检查数量和单价")
    return value, amount, False


def _split_supplier(text: str) -> tuple[str, str | None]:
    body, at, supplier = text.partition("@")
    if not at:
        return text, None
    supplier = " ".join(supplier.split())
    if not supplier:
        raise DomainError("@ 后面请写供应商名称，如 @王记肉铺")
    if "@" in supplier:
        raise DomainError("一行只能写一个供应商")
    if len(supplier) > MAX_SUPPLIER_CHARS:
        raise DomainError(f"供应商名称太长（最多 {MAX_SUPPLIER_CHARS} 个字）")
    return body.strip(), supplier


_TOTAL_WORDS = ("共", "总价", "总计", "合计")
_NUMBER_ONLY = re.compile(rf"^(?:共|总价|总计|合计)?[¥￥]?{_NUM}$")
_UNIT_ONLY = re.compile(rf"^(?:{_UNIT_RE})半?$", re.I)


def _join_split_tokens(tokens: list[str]) -> list[str]:
    """``20 斤`` -> ``20斤`` and ``13.5 元/斤`` -> ``13.5元/斤``: a space typed by habit."""
    joined: list[str] = []
    for token in tokens:
        last = joined[-1] if joined else ""
        after_total = last in _TOTAL_WORDS and _NUMBER_ONLY.match(token)
        unit_after_number = _NUMBER_ONLY.match(last) and (
            _UNIT_ONLY.match(token) or token.startswith(("元", "/"))
        )
        if after_total or unit_after_number:
            joined[-1] += token
        else:
            joined.append(token)
    return joined


# ---------------------------------------------------------------- everyday wording

RECEIPT_TOLERANCE = Decimal("0.05")  # a receipt's amount may differ by rounding, no more
MAX_DIGITS = 12  # a longer run of digits is a slip of the thumb, never a quantity or price
_CN_DIGITS_RE = "零〇一二两三四五六七八九"
_PLAIN = r"\d+(?:\.\d+)?"
_ANY_NUMBER = rf"(?:{_PLAIN}|[{_CN_CHARS}]+)"
_YUAN = r"(?:元钱|元|块钱|块)"
_LEADING_WORDS = re.compile(r"^(?:今天|今日|早上|上午|中午|下午)?(?:买了|买|采购了|采购|进了|进货)")
_ITEM_LABEL = re.compile(r"(?:品名|名称|品种|菜名)[:：]?")
_QTY_LABEL = re.compile(r"(?:数量|重量)[:：]?")
_PRICE_LABEL = re.compile(r"(?:单价|价格|价钱|单位价格)[:：]?")
_TOTAL_LABEL = re.compile(r"(?:金额|总价|总计|合计|一共|总共|共计|小计)[:：]?")
# 2块5, 两块四, 1块2毛: yuan and jiao.
_YUAN_JIAO = re.compile(
    rf"(?P<yuan>{_ANY_NUMBER})块钱?(?P<jiao>[\d{_CN_DIGITS_RE}])[毛角]?(?![\d.]|{_UNIT_RE})", re.I
)  # but not 六块一斤 (一 is "per")
# 每斤2.4, 每公斤 5元: the unit first.
_EACH_UNIT = re.compile(rf"每(?P<unit>{_UNIT_RE})\s*(?P<price>{_ANY_NUMBER}){_YUAN}?", re.I)
# 2.4元/斤, 2.4元一斤, 六块一斤, 13.5/斤: the unit after.
_PER_UNIT = re.compile(
    rf"(?P<price>{_ANY_NUMBER})(?:{_YUAN}\s*(?:/|一|每)|/)\s*(?P<unit>{_UNIT_RE})(?![a-zA-Z])", re.I
)
_GLUED_NAME = re.compile(rf"(?<=[^\s\dA-Za-z.+\-/(@¥￥:：])(?={_PLAIN}(?:{_UNIT_RE}))", re.I)
_GLUED_PRICE = re.compile(rf"(\d(?:{_UNIT_RE})半?(?:{_PACK_RE})?)(?=[\d¥￥])", re.I)
_SPACED_PACK = re.compile(rf"(\S)\s+(?={_PACK_RE})", re.I)
_CN_PRICE = re.compile(rf"^(?P<num>[{_CN_CHARS}]+){_YUAN}$")
_LONG_DIGITS = re.compile(rf"\d{{{MAX_DIGITS + 1},}}")
_UNIT_PRICE_ONLY = re.compile(rf"(?P<price>{_PLAIN})元/(?P<unit>{_UNIT_RE})", re.I)


def _digits(text: str) -> str:
    """A number as digits: ``六`` -> ``6``, ``2.4`` stays (Chinese numerals converted)."""
    if re.fullmatch(_PLAIN, text):
        return text
    try:
        return fmt_number(chinese_number(text))
    except ValueError:
        return text


def _cn_digit(ch: str) -> str:
    return ch if ch.isdigit() else str(_CN_DIGITS[ch])


def _rewrite(body: str) -> str:
    """The ways people write a line, rewritten to ``品名 数量单位 单价``: labels of a
    receipt (品名：… 数量：… 单价：… 金额：…), 2块5, 每斤2.4, 2块4一斤, 买了五斤姜,
    猪肝5斤12 (no spaces), 2桶 (5L)."""
    text = _LEADING_WORDS.sub("", body.strip())
    text = _ITEM_LABEL.sub(" ", text)
    text = _QTY_LABEL.sub(" ", text)
    text = _PRICE_LABEL.sub(" ", text)
    text = _TOTAL_LABEL.sub(" 共", text)
    text = _YUAN_JIAO.sub(lambda m: f"{_digits(m['yuan'])}.{_cn_digit(m['jiao'])}元", text)
    text = _EACH_UNIT.sub(lambda m: f" {_digits(m['price'])}元/{m['unit']}", text)
    text = _PER_UNIT.sub(lambda m: f"{_digits(m['price'])}元/{m['unit']}", text)
    text = _SPACED_PACK.sub(r"\1", text)
    text = _GLUED_NAME.sub(" ", text)
    text = _GLUED_PRICE.sub(r"\1 ", text)
    text = re.sub(r"共\s+", "共", text)
    tokens = text.split()
    if tokens and (m := _CN_PRICE.match(tokens[-1])) and len(tokens) > 2:
        tokens[-1] = f"{_digits(m['num'])}元"  # 六十块 at the end: the price
    return " ".join(tokens)


def _check_receipt(quantity: Decimal, unit_price: Decimal, written: str) -> Decimal:
    """A receipt gives 单价 and 金额: they must agree (to a few fen of rounding)."""
    m = _PRICE_RE.match(written)
    if m is None or not m["total"]:
        raise DomainError(f"最后的「{written}」看不懂，金额请写成 金额：72元")
    amount = _number(m["num"], "金额")
    expected = money(quantity * unit_price)
    if abs(amount - expected) > RECEIPT_TOLERANCE:
        raise DomainError(
            f"金额 {fmt_number(amount)} 元与 数量×单价（{fmt_money(expected)} 元）对不上，"
            "请核对金额或单价"
        )
    return money(amount)


def _price_then_amount(qty_token: str, first: str, second: str) -> bool:
    """After a quantity, two numbers: a price and the amount paid (``30斤 2.4 72``), or two
    prices by mistake (``20斤 13.5 14``)? An amount is marked 共, or agrees with the price,
    or is well above it."""
    price, paid = _PRICE_RE.match(first), _PRICE_RE.match(second)
    if price is None or paid is None or price["total"] or paid["unit"]:
        return False
    if paid["total"]:
        return True
    quantity, _ = parse_quantity(qty_token)
    each, amount = _number(price["num"], "单价"), _number(paid["num"], "金额")
    return abs(money(quantity * each) - amount) <= RECEIPT_TOLERANCE or amount > each * 2


def parse_line(raw: str) -> PurchaseLine:
    """Parse one line or raise DomainError with the reason in Chinese."""
    text = normalise(raw)
    if not text:
        raise DomainError("空行")
    if m := _LONG_DIGITS.search(text):
        digits = m.group() if len(m.group()) <= 16 else m.group()[:16] + "…"
        raise DomainError(f"数字「{digits}」太大了（位数太多），请检查数量和单价")
    body, supplier = _split_supplier(text)
    tokens = _join_split_tokens(_rewrite(body).split())
    if not tokens:
        raise DomainError("只写了供应商，缺少品名、数量和单价")
    if not any(_QTY_RE.match(t) or _NAME_QTY_RE.match(t) or _QTY_NAME_RE.match(t) for t in tokens):
        joined = " ".join(tokens)
        if price := _UNIT_PRICE_ONLY.search(joined):  # 白菜1块2一斤
            unit = _canonical_unit(price["unit"])
            item = joined[: price.start()].strip() or "品名"
            raise DomainError(
                f"缺少数量：单价 {price['price']}元/{unit}，买了多少{unit}？"
                f"请写成：{item} 20{unit} {price['price']}"
            )
        if _PRICE_LABEL.search(body) and len(tokens) == 2:  # 白菜 单价1.2
            raise DomainError(f"缺少数量：买了多少？请写成：{tokens[0]} 20斤 {tokens[1]}")
    if len(tokens) == 1:
        if _NAME_QTY_RE.match(tokens[0]):
            raise DomainError(f"缺少单价，请写成：{EXAMPLE}")
        raise DomainError(f"看不懂这一行，请写成「品名 数量单位 单价」，如：{EXAMPLE}")
    if len(tokens) == 2:
        name_qty = _NAME_QTY_RE.match(tokens[0])
        qty_name = _QTY_NAME_RE.match(tokens[0])
        if _QTY_RE.match(tokens[1]) and not _QTY_RE.match(tokens[0]):
            raise DomainError(f"缺少单价，请写成：{EXAMPLE}")
        if name_qty is not None:  # 猪肉20斤 13.5
            tokens = [name_qty["name"], name_qty["qty"], tokens[1]]
        elif qty_name is not None and not _QTY_RE.match(tokens[0]):  # 五斤姜 6元/斤
            tokens = [qty_name["name"], qty_name["qty"], tokens[1]]
        elif _QTY_RE.match(tokens[0]) or _QTY_NO_UNIT_RE.match(tokens[0]):
            raise DomainError(f"缺少品名，请写成：{EXAMPLE}")
        else:
            raise DomainError(f"缺少数量或单价，请写成「品名 数量单位 单价」，如：{EXAMPLE}")
    written_total: str | None = None
    if (
        len(tokens) >= 4
        and tokens[-1].startswith("共")
        and _QTY_RE.match(tokens[-3])
        and _PRICE_RE.match(tokens[-2])
    ):  # a receipt: 数量 单价 金额
        *tokens, written_total = tokens
    *name_parts, qty_token, price_token = tokens
    if _QTY_NO_UNIT_RE.match(qty_token) and _QTY_RE.match(price_token):  # 土豆 2.4 30斤
        qty_token, price_token = price_token, qty_token
    if len(name_parts) > 1 and _QTY_RE.match(name_parts[-1]) and _PRICE_RE.match(qty_token):
        if written_total is None and _price_then_amount(name_parts[-1], qty_token, price_token):
            # 土豆 30斤 2.4 72: the price and the amount paid, as on a receipt
            written_total = price_token if price_token.startswith("共") else f"共{price_token}"
            price_token, qty_token = qty_token, name_parts.pop()
        else:
            raise DomainError(f"单价写了两个（{qty_token}、{price_token}），请只写一个")
    item = " ".join(name_parts)
    if _QTY_RE.match(item) or _QTY_NO_UNIT_RE.match(item):
        raise DomainError(f"缺少品名，请写成：{EXAMPLE}")
    if len(item) > MAX_ITEM_CHARS:
        raise DomainError(f"品名太长（最多 {MAX_ITEM_CHARS} 个字）")
    quantity, unit = parse_quantity(qty_token)
    unit_price, amount, is_total = _price(price_token, quantity, unit)
    if written_total is not None and not is_total:
        amount = _check_receipt(quantity, unit_price, written_total)
    return PurchaseLine(item, quantity, unit, unit_price, amount, supplier, is_total)


def parse_lines(text: str) -> ParsedLines:
    """Every non-empty line of a message: the good ones, and the bad ones with reasons."""
    lines: list[PurchaseLine] = []
    bad: list[BadLine] = []
    supplier: str | None = None
    for raw in text.splitlines():
        stripped = normalise(raw)
        if not stripped:
            continue
        if stripped.startswith("@") or stripped.startswith("供应商"):
            name = stripped.lstrip("@").removeprefix("供应商").lstrip(":： ").strip()
            if name and len(name) <= MAX_SUPPLIER_CHARS:
                supplier = name
                continue
        try:
            lines.append(parse_line(stripped))
        except DomainError as err:
            bad.append(BadLine(stripped, err.message))
    return ParsedLines(lines, bad, supplier)


def total(lines: list[PurchaseLine]) -> Decimal:
    return money(sum((line.amount for line in lines), Decimal(0)))


# ---------------------------------------------------------------- rules


def needs_certificate(item: str, certificate_items: tuple[str, ...]) -> bool:
    """Meat, poultry, eggs, aquatic products (a configurable list) need 索证索票."""
    return any(word and word in item for word in certificate_items)


# How many 斤 one unit weighs. Meat and vegetables are bought by 斤, 公斤 or 克; their prices
# are compared (and weights totalled) per 斤, whatever unit the line was written in.
_JIN_PER_UNIT = {"斤": Decimal(1), "kg": Decimal(2), "g": Decimal("0.002"), "两": Decimal("0.1")}


def jin_per(unit: str) -> Decimal | None:
    """``公斤`` -> 2, ``克`` -> 0.002, ``斤`` -> 1; None for a unit that is no weight."""
    return _JIN_PER_UNIT.get(unit_key(unit))


def comparable_price(unit_price: Decimal, unit: str) -> tuple[Decimal, str]:
    """The price in the unit prices are compared in: ``40 元/公斤`` -> ``(20, "斤")``."""
    per = jin_per(unit)
    if per is None:
        return unit_price, unit
    return unit_price / per, "斤"


def average_price(history: list[tuple[Decimal, str, Decimal]], unit: str) -> Decimal | None:
    """The weighted average price (money paid / quantity bought) of earlier lines given as
    (quantity, unit, amount), in the unit of ``comparable_price`` (per 斤 for weights)."""
    per = jin_per(unit)
    paid, bought = Decimal(0), Decimal(0)
    for quantity, row_unit, amount in history:
        row_per = jin_per(row_unit)
        if per is not None and row_per is not None:
            bought += quantity * row_per
        elif per is None and unit_key(row_unit) == unit_key(unit):
            bought += quantity
        else:
            continue
        paid += amount
    return paid / bought if bought > 0 else None


def weight_total(lines: list[tuple[Decimal, str]]) -> Decimal | None:
    """The total weight in 斤 of (quantity, unit) pairs, if every one is a weight."""
    total_jin = Decimal(0)
    for quantity, unit in lines:
        per = jin_per(unit)
        if per is None:
            return None
        total_jin += quantity * per
    return total_jin


def price_warning(unit_price: Decimal, average: Decimal | None, percent: int) -> str | None:
    """ "较近30天均价 12.10 高 16.0%" when the price is more than ``percent`` above average."""
    if average is None or average <= 0:
        return None
    rise = (unit_price - average) / average * 100
    if rise <= percent:
        return None
    return f"较近30天均价 {fmt_money(average)} 高 {rise.quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def reject_reason(text: str) -> str:
    reason = " ".join(text.split())
    if not reason:
        raise ReasonRequired("请写明驳回理由，例如：驳回 价格偏高，请核实")
    if len(reason) > 200:
        raise ReasonRequired("驳回理由太长了，请控制在 200 字以内")
    return reason


# ---------------------------------------------------------------- the purchase record


class PurchaseState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]


_STATE_LABELS = {
    PurchaseState.DRAFT: "草稿",
    PurchaseState.SUBMITTED: "待确认",
    PurchaseState.CONFIRMED: "已确认",
    PurchaseState.REJECTED: "已驳回",
    PurchaseState.CANCELLED: "已取消",
}


class PhotoKind(StrEnum):
    RECEIPT = "receipt"
    CERTIFICATE = "certificate"

    @property
    def label(self) -> str:
        return "票据" if self is PhotoKind.RECEIPT else "合格证"


@dataclass(frozen=True)
class PurchasePhoto:
    kind: PhotoKind
    file_id: str | None
    path: str | None
    item: str | None = None  # the line a certificate is for; None: the whole purchase


@dataclass(frozen=True)
class Purchase:
    id: int
    state: PurchaseState
    purchaser_id: int
    purchaser_name: str
    supplier: str | None
    purchase_date: date | None
    created_at: datetime
    submitted_at: datetime | None = None
    confirmed_by: int | None = None
    confirmed_by_name: str | None = None
    confirmed_at: datetime | None = None
    rejected_by: int | None = None
    rejected_by_name: str | None = None
    rejected_at: datetime | None = None
    reject_reason: str | None = None
    lines: tuple[PurchaseLine, ...] = ()
    photos: tuple[PurchasePhoto, ...] = ()
    reopened_from: int | None = None  # the rejected purchase this one corrects

    @property
    def number(self) -> str:
        return f"#{self.id}"

    @property
    def total(self) -> Decimal:
        return total(list(self.lines))

    def photos_of(self, kind: PhotoKind) -> list[PurchasePhoto]:
        return [p for p in self.photos if p.kind is kind]

    def missing_certificates(self, certificate_items: tuple[str, ...]) -> list[str]:
        """Items that need 索证索票 and have no certificate photo yet (a certificate for the
        whole purchase, as older photos were, covers every line)."""
        certificates = self.photos_of(PhotoKind.CERTIFICATE)
        if any(p.item is None for p in certificates):
            return []
        covered = {p.item for p in certificates}
        return [
            ln.item
            for ln in self.lines
            if ln.needs_certificate(certificate_items) and ln.item not in covered
        ]

    def line_supplier(self, line: PurchaseLine) -> str | None:
        return line.supplier or self.supplier

    @property
    def suppliers(self) -> list[str]:
        """Every supplier named, in order of first appearance."""
        names = [self.line_supplier(ln) for ln in self.lines]
        if self.supplier and self.supplier not in names:
            names.insert(0, self.supplier)
        return list(dict.fromkeys(n for n in names if n))

    @property
    def decided_by_name(self) -> str | None:
        return self.confirmed_by_name or self.rejected_by_name

    def check_can_decide(self, user_id: int) -> None:
        """A supervisor may confirm or reject only a submitted purchase of someone else."""
        if self.state is PurchaseState.CONFIRMED:
            raise DomainError(f"采购单 {self.number} 已由 {self.confirmed_by_name} 确认。")
        if self.state is PurchaseState.REJECTED:
            raise DomainError(f"采购单 {self.number} 已由 {self.rejected_by_name} 驳回。")
        if self.state is not PurchaseState.SUBMITTED:
            raise DomainError(f"采购单 {self.number} 还没有提交，不能确认。")
        if self.purchaser_id == user_id:
            raise DomainError("不能确认自己登记的采购单，需由另一位监督员清点确认（双人联检）。")

    def check_can_reopen(self, user_id: int) -> None:
        """Only the purchaser, and only a rejected purchase, reopens it as a new draft."""
        if self.purchaser_id != user_id:
            raise DomainError("这不是您的采购单。")
        if self.state is not PurchaseState.REJECTED:
            raise DomainError(f"采购单 {self.number} 没有被驳回，不需要重新提交。")


@dataclass(frozen=True)
class LineChange:
    """What a corrected purchase changed against the rejected one: a line ``added``,
    ``removed`` or ``changed`` (same item, other quantity, price or supplier)."""

    kind: str
    before: PurchaseLine | None
    after: PurchaseLine | None


def line_changes(before: Sequence[PurchaseLine], after: Sequence[PurchaseLine]) -> list[LineChange]:
    """Lines paired by item, in order (a second 猪肉 pairs with the second 猪肉): the changes
    in the order of the corrected purchase, then the lines it dropped."""
    waiting: dict[str, list[tuple[int, PurchaseLine]]] = {}
    for index, line in enumerate(before):
        waiting.setdefault(line.item, []).append((index, line))
    changes: list[LineChange] = []
    for line in after:
        old = waiting.get(line.item)
        if not old:
            changes.append(LineChange("added", None, line))
            continue
        _, previous = old.pop(0)
        if _terms(previous) != _terms(line):
            changes.append(LineChange("changed", previous, line))
    dropped = sorted(pair for pairs in waiting.values() for pair in pairs)
    return changes + [LineChange("removed", line, None) for _, line in dropped]


def _terms(line: PurchaseLine) -> tuple[object, ...]:
    return (line.quantity, line.unit_key, line.unit_price, line.amount, line.supplier)


@dataclass(frozen=True)
class Supplier:
    id: int
    name: str
    certificate_expires: date | None
    flag_stage: int = 0

    def days_left(self, today: date) -> int | None:
        if self.certificate_expires is None:
            return None
        return (self.certificate_expires - today).days

    def expiry_stage(self, today: date) -> int:
        """0 fine, 1 within 30 days, 2 within 7 days, 3 expired (the 健康证 rule too)."""
        return cert_stage(self.certificate_expires, today)


def parse_supplier_expiry(text: str) -> date:
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", normalise(text))
    try:
        if m is None:
            raise ValueError(text)
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise DomainError(f"日期「{text}」看不懂，请写成 2027-06-30") from None


def parse_month(text: str, today: date | None = None) -> tuple[int, int]:
    """``2026-11``, ``2026年11月``; with ``today``, also ``11`` / ``11月`` / ``上月``: the
    latest such month that is not in the future (in January, ``12`` is last December)."""
    value = normalise(text)
    if today is not None:
        if value in ("本月", "这个月"):
            return today.year, today.month
        if value in ("上月", "上个月"):
            return (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
        bare = re.fullmatch(r"(\d{1,2})月?", value)
        if bare is not None and 1 <= int(bare[1]) <= 12:
            month = int(bare[1])
            return (today.year if month <= today.month else today.year - 1), month
    m = re.fullmatch(r"(\d{4})[-/.年]?(\d{1,2})月?", value)
    if m is None or not 1 <= int(m[2]) <= 12 or not plausible_year(int(m[1])):
        raise DomainError(f"月份「{text}」看不懂，请写成 2026-11")
    return int(m[1]), int(m[2])


def parse_day(text: str, today: date) -> date:
    """``2026-11-20``, ``11-20``, ``今天``, ``昨天``."""
    value = normalise(text)
    if value in ("今天", "今日"):
        return today
    if value in ("昨天", "昨日"):
        return today - timedelta(days=1)
    if value in ("前天",):
        return today - timedelta(days=2)
    m = re.fullmatch(r"(?:(\d{4})[-/.年])?(\d{1,2})[-/.月](\d{1,2})日?", value)
    if m is None:
        raise DomainError(f"日期「{text}」看不懂，请写成 2026-11-20 或 11-20")
    try:
        return date(int(m[1] or today.year), int(m[2]), int(m[3]))
    except ValueError:
        raise DomainError(f"没有这一天：{text}") from None


_EXPIRY_AT_END = re.compile(
    r"(?:(?:证照|许可证|合格证)?(?:有效期|到期)?(?:至|到)?[:：]?)\s*"
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?(?:到期)?$"
)


def parse_supplier_args(text: str) -> tuple[str, date | None]:
    """``王记肉铺 2027-06-30`` -> (王记肉铺, 2027-06-30); also ``2027年6月30日``,
    ``有效期至2027.6.30``. The date may be left out."""
    value = " ".join(normalise(text).split())
    if not value:
        raise DomainError("请写供应商名称，例如：/suppliers add 王记肉铺 2027-06-30")
    expires: date | None = None
    m = _EXPIRY_AT_END.search(value)
    if m is not None and value[: m.start()].strip():
        try:
            expires = date(int(m["y"]), int(m["m"]), int(m["d"]))
        except ValueError:
            day = m.group().strip()
            raise DomainError(f"日期「{day}」看不懂（没有这一天），请写成 2027-06-30") from None
        value = value[: m.start()]
    name = " ".join(value.split()).lstrip("@")
    if not name or len(name) > MAX_SUPPLIER_CHARS:
        raise DomainError(f"供应商名称请写 1 到 {MAX_SUPPLIER_CHARS} 个字")
    return name, expires


_CERTIFICATE_WORDS = ("合格", "检疫", "检验")
_RECEIPT_WORDS = ("票", "收据", "单据", "收条", "账单", "凭证")


def photo_kind_in(caption: str) -> PhotoKind | None:
    """What a purchase photo's caption says it is: 「合格证」「检疫」 a certificate, 「发票」
    「收据」「收款凭证」 a receipt (a certificate word wins: 「合格证和票」), a bare 「证」 a
    certificate, None when it says neither."""
    text = normalise(caption)
    if any(w in text for w in _CERTIFICATE_WORDS):
        return PhotoKind.CERTIFICATE
    if any(w in text for w in _RECEIPT_WORDS):
        return PhotoKind.RECEIPT
    return PhotoKind.CERTIFICATE if "证" in text else None


def certificate_line(caption: str, missing: list[str]) -> str | None:
    """The line a certificate photo is for: the item its caption names (「猪肉合格证」 ->
    猪肉), else the only line still missing one; None when it is unclear."""
    text = normalise(caption)
    named = sorted((item for item in set(missing) if item and item in text), key=len)
    if named:
        return named[-1]
    return missing[0] if len(set(missing)) == 1 else None
