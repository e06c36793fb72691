"""The purchase-line parser and the money rules, on the shared sample lines and more."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from bot.domain.errors import DomainError
from bot.domain.purchases import (
    chinese_number,
    fmt_money,
    money,
    needs_certificate,
    parse_line,
    parse_lines,
    parse_month,
    price_warning,
    reject_reason,
    total,
)

# Copies of the office's sample lines (from the shared samples), kept with the tests.
SAMPLES = Path(__file__).parent / "data"
CERT_ITEMS = ("猪肉", "牛肉", "肉", "鸡", "蛋", "鱼")


def _rows(name: str) -> list[list[str]]:
    path = SAMPLES / name
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        rows.append(line.split("\t"))
    return rows


def _good_rows() -> list[list[str]]:
    return _rows("purchase-lines.tsv")


def test_every_sample_line_parses_to_the_expected_values() -> None:
    rows = _good_rows()
    assert len(rows) >= 20
    for row in rows:
        text, item, qty, unit, unit_price, amount = row[:6]
        supplier = row[6] if len(row) > 6 else ""
        line = parse_line(text)
        assert line.item == item, text
        assert line.quantity == Decimal(qty), text
        assert line.unit == unit, text
        assert line.unit_price == Decimal(unit_price), text
        assert line.amount == Decimal(amount), text
        assert str(line.amount) == amount, text  # exactly two decimals
        assert (line.supplier or "") == supplier, text


def test_sample_total_is_exact() -> None:
    lines = [parse_line(row[0]) for row in _good_rows()]
    assert total(lines) == Decimal("2328.59")
    assert fmt_money(total(lines)) == "2328.59"


def test_all_sample_lines_in_one_message_parse_together() -> None:
    text = "\n".join(row[0] for row in _good_rows())
    parsed = parse_lines(text)
    assert parsed.bad == []
    assert total(parsed.lines) == Decimal("2328.59")


BAD_EXPECTED_WORDS = {
    "猪肉 -20斤 13.5": "大于 0",
    "猪肉 20斤 abc": "不是数字",
    "猪肉 0斤 13.5": "大于 0",
    "猪肉 20斤": "缺少单价",
    "20斤 13.5": "缺少品名",
    "猪肉 20 13.5": "缺少单位",
    "猪肉 20斤 13.5元/公斤": "单位不一致",
    "猪肉 1e9斤 13.5": "太大",
    "猪肉 20斤 99999999": "太高",
}


def test_every_bad_sample_line_is_refused_with_a_clear_reason() -> None:
    rows = _rows("purchase-lines-bad.tsv")
    assert len(rows) >= 10
    seen = 0
    for row in rows:
        text = row[0]
        if "二十" in text:  # Chinese numerals: accepted (see the next test)
            continue
        with pytest.raises(DomainError) as err:
            parse_line(text)
        expected = BAD_EXPECTED_WORDS.get(text)
        if expected is not None:
            assert expected in err.value.message, (text, err.value.message)
            seen += 1
        # every reason is Chinese and says what to do or what is wrong
        assert any("\u4e00" <= ch <= "\u9fff" for ch in err.value.message)
    assert seen == len(BAD_EXPECTED_WORDS)


def test_chinese_numeral_quantity_from_the_bad_samples_is_accepted() -> None:
    row = next(r for r in _rows("purchase-lines-bad.tsv") if "二十" in r[0])
    line = parse_line(row[0])
    assert (line.item, line.quantity, line.unit, line.amount) == (
        "猪肉", Decimal(20), "斤", Decimal("270.00"))  # fmt: skip


@pytest.mark.parametrize(
    ("text", "value"),
    [("二十", "20"), ("两", "2"), ("十五", "15"), ("三百", "300"), ("三百零五", "305"),
     ("一万二千", "12000"), ("十", "10"), ("半", "0.5"), ("三点五", "3.5"), ("一百二十", "120")],
)  # fmt: skip
def test_chinese_numerals_convert(text: str, value: str) -> None:
    assert chinese_number(text) == Decimal(value)


@pytest.mark.parametrize(
    ("text", "qty", "unit", "amount"),
    [
        ("白菜 两斤 3", "2", "斤", "6.00"),
        ("猪肉 一斤半 14", "1.5", "斤", "21.00"),
        ("葱 半斤 3", "0.5", "斤", "1.50"),
        ("生姜 三两 2", "3", "两", "6.00"),
        ("猪肉20斤 13.5", "20", "斤", "270.00"),
        ("猪肉 20 斤 13.5 元/斤", "20", "斤", "270.00"),
        ("大米 2 袋 共 300 元", "2", "袋", "300.00"),
        ("土豆 3公斤 2元/kg", "3", "公斤", "6.00"),
        ("西红柿 15KG 5.6", "15", "kg", "84.00"),
        ("鸡蛋 3.3斤 ¥4.1", "3.3", "斤", "13.53"),
        ("青菜 1.005斤 1", "1.005", "斤", "1.01"),
        ("猪肉 20斤 13.5块", "20", "斤", "270.00"),  # 块 after the price means 元
        ("豆腐 40 块 0.8块", "40", "块", "32.00"),  # half-up, not banker's rounding
    ],
)
def test_real_looking_lines_parse(text: str, qty: str, unit: str, amount: str) -> None:
    line = parse_line(text)
    assert (line.quantity, line.unit, str(line.amount)) == (Decimal(qty), unit, amount)


def test_fullwidth_digits_spaces_and_at_sign_are_normalised() -> None:
    line = parse_line("牛肉　１０斤　３８元／斤　＠王记肉铺")
    assert (line.item, line.quantity, line.unit_price, line.amount, line.supplier) == (
        "牛肉", Decimal(10), Decimal(38), Decimal("380.00"), "王记肉铺")  # fmt: skip


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("猪肉 20斤 13.5555555", "小数"),
        ("青菜 1斤 0.001", "不足 1 分"),
        ("大米 2袋 共300元/袋", "总价"),
        ("猪肉 20斤 13.5 @", "供应商名称"),
        ("猪肉 二三斤 12", "看不懂"),
        ("猪肉", "看不懂"),
        ("猪肉 20斤 0", "大于 0"),
        ("猪肉 20斤 -3", "大于 0"),
        ("猪肉 10000斤 9999", "金额"),
        ("猪肉 20斤 13.5元/个", "单位不一致"),
    ],
)
def test_more_bad_lines_are_refused(text: str, words: str) -> None:
    with pytest.raises(DomainError) as err:
        parse_line(text)
    assert words in err.value.message


def test_a_bad_line_keeps_the_good_ones_and_a_supplier_line_sets_the_supplier() -> None:
    parsed = parse_lines("猪肉 20斤 13.5\n白菜 五十斤 abc\n\n@王记肉铺\n鸡蛋 3.3斤 4.1")
    assert [line.item for line in parsed.lines] == ["猪肉", "鸡蛋"]
    assert len(parsed.bad) == 1 and "不是数字" in parsed.bad[0].reason
    assert parsed.supplier == "王记肉铺"
    assert total(parsed.lines) == Decimal("283.53")


def test_money_is_exact_decimal_and_rounds_half_up() -> None:
    assert money(Decimal("3.3") * Decimal("4.1")) == Decimal("13.53")
    assert money(Decimal("0.125")) == Decimal("0.13")
    assert money(Decimal("2.675")) == Decimal("2.68")  # a float would give 2.67
    assert fmt_money(Decimal("643.525")) == "643.53"
    assert fmt_money(Decimal("1200")) == "1200.00"


def test_items_that_need_certificates() -> None:
    assert needs_certificate("猪肉", CERT_ITEMS)
    assert needs_certificate("鸡蛋", CERT_ITEMS)
    assert needs_certificate("带鱼", CERT_ITEMS)
    assert not needs_certificate("白菜", CERT_ITEMS)


def test_price_warning_above_threshold_gives_the_figures() -> None:
    assert price_warning(Decimal("13.5"), Decimal("12.10"), 10) == "较近30天均价 12.10 高 11.6%"
    assert price_warning(Decimal("13.5"), Decimal("12.10"), 15) is None
    assert price_warning(Decimal("14"), Decimal("12"), 15) == "较近30天均价 12.00 高 16.7%"
    assert price_warning(Decimal("13.8"), Decimal("12"), 15) is None  # exactly 15%: fine
    assert price_warning(Decimal("14"), None, 15) is None


def test_reject_needs_a_reason() -> None:
    with pytest.raises(DomainError):
        reject_reason("   ")
    assert reject_reason("  价格  偏高 ") == "价格 偏高"


def test_export_month_may_be_a_bare_month_or_last_month() -> None:
    january = date(2027, 1, 15)
    assert parse_month("12", january) == (2026, 12)  # last December, not a future one
    assert parse_month("1月", january) == (2027, 1)
    assert parse_month("上月", january) == (2026, 12)
    assert parse_month("2026-11", january) == (2026, 11)
    with pytest.raises(DomainError):
        parse_month("13", january)


def test_a_certificate_is_for_the_line_its_caption_names_or_the_only_one_missing() -> None:
    from bot.domain.purchases import certificate_line

    assert certificate_line("猪肉合格证 补上", ["猪肉", "鸡蛋"]) == "猪肉"
    assert certificate_line("合格证", ["猪肉", "鸡蛋"]) is None
    assert certificate_line("合格证", ["鸡蛋"]) == "鸡蛋"
    assert certificate_line("合格证", []) is None


def test_a_photo_caption_says_receipt_or_certificate_or_neither() -> None:
    from bot.domain.purchases import PhotoKind, photo_kind_in

    assert photo_kind_in("猪肉检疫证") is PhotoKind.CERTIFICATE
    assert photo_kind_in("ＸＸ发票") is PhotoKind.RECEIPT
    assert photo_kind_in("收据 今天的") is PhotoKind.RECEIPT
    assert photo_kind_in("合格证和票一起拍了") is PhotoKind.CERTIFICATE  # a certificate wins
    assert photo_kind_in("今天的 👍") is None
    assert photo_kind_in("牛肉的证") is PhotoKind.CERTIFICATE
    assert photo_kind_in("收款凭证") is PhotoKind.RECEIPT  # 凭证 is paper for finance
    assert photo_kind_in("收据 和证明") is PhotoKind.RECEIPT
