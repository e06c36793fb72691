"""Issue 11: purchase lines as purchasers really write them (our own examples in the style
of market notes and receipts), and prices compared per 斤 whatever the unit."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.app import App
from bot.clock import FrozenClock
from bot.domain.errors import DomainError
from bot.domain.purchases import (
    average_price,
    comparable_price,
    parse_line,
    parse_supplier_args,
    weight_total,
)
from bot.services import purchases as purchase_service
from tests.conftest import Cast
from tests.fakebot import FakeTelegram
from tests.fakebot.running import services
from tests.test_purchases_flow import person, submit

ROWS = json.loads((Path(__file__).parent / "data" / "purchase_lines.json").read_text("utf-8"))


@pytest.mark.parametrize("row", ROWS, ids=[r["line"] for r in ROWS])
def test_real_purchase_line_gives_its_figures_or_names_the_wrong_field(
    row: dict[str, str],
) -> None:
    if "error" in row:
        with pytest.raises(DomainError) as err:
            parse_line(row["line"])
        assert row["error"] in err.value.message
        return
    line = parse_line(row["line"])
    assert line.item == row["item"]
    assert line.quantity == Decimal(row["quantity"])
    assert line.unit == row["unit"]
    assert line.unit_price == Decimal(row["unit_price"])
    assert str(line.amount) == row["amount"]
    assert (line.supplier or "") == row.get("supplier", "")


def test_a_price_without_a_quantity_asks_how_much_was_bought() -> None:
    with pytest.raises(DomainError) as err:
        parse_line("白菜1块2一斤")
    assert "买了多少斤" in err.value.message and "白菜 20斤 1.2" in err.value.message


def test_a_receipt_whose_amount_disagrees_says_so_with_both_figures() -> None:
    with pytest.raises(DomainError) as err:
        parse_line("品名：土豆 数量：30斤 单价：2.4元 金额：75元")
    assert "金额 75 元" in err.value.message and "72.00 元" in err.value.message


def test_units_convert_before_prices_are_compared() -> None:
    assert comparable_price(Decimal(40), "公斤") == (Decimal(20), "斤")
    assert comparable_price(Decimal("0.016"), "克") == (Decimal(8), "斤")
    assert comparable_price(Decimal(3), "两") == (Decimal(30), "斤")
    assert comparable_price(Decimal("7.5"), "瓶") == (Decimal("7.5"), "瓶")
    history = [(Decimal(20), "斤", Decimal(270)), (Decimal(5), "kg", Decimal(135))]
    assert average_price(history, "公斤") == Decimal("13.5")  # 405 元 / 30 斤
    assert average_price([(Decimal(2), "瓶", Decimal(15))], "斤") is None
    assert weight_total([(Decimal(10), "公斤"), (Decimal(5), "斤")]) == Decimal(25)
    assert weight_total([(Decimal(10), "公斤"), (Decimal(5), "袋")]) is None


def test_supplier_certificate_date_is_not_part_of_the_name() -> None:
    expected = ("城南菜场老李", date(2027, 6, 30))
    assert parse_supplier_args("城南菜场老李 2027年6月30日") == expected
    assert parse_supplier_args("城南菜场老李 有效期至2027.6.30") == expected


async def test_pork_at_40_a_kilo_alerts_against_a_13_5_per_jin_average(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    svc = services(bot)
    purchaser, supervisor = (
        await person(bot, people.purchaser),
        await person(bot, people.supervisor),
    )
    draft = await purchase_service.start_draft(svc, purchaser, "猪肉 20斤 13.5")
    await purchase_service.submit(svc, purchaser, draft.purchase.id)
    await purchase_service.confirm(svc, supervisor, draft.purchase.id)
    await tg.message(people.supervisor2.id, "已由 李监督 确认")  # decided before it was sent
    # The first one's 「已提交」 comes through the outbox too (durable acknowledgement).
    await tg.message(people.purchaser.id, f"#{draft.purchase.id} 已提交")
    clock.advance(timedelta(days=2))
    pid, _ = await submit(tg, people.purchaser, "猪肉 10公斤 40")
    note = await tg.message(people.supervisor2.id, f"#{pid} 待确认")
    assert "单价 20 元/斤（40 元/公斤）" in note["text"]
    assert "较近30天均价 13.50 高 48.1%" in note["text"]


async def test_everyday_lines_typed_in_a_purchase_reach_the_draft(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.purchaser, "/purchase\n土豆 30斤 单价2.4\n猪肝5斤12\n白菜1块2一斤")
    preview = await tg.message(people.purchaser.id, "采购单草稿")
    assert "土豆" in preview["text"] and "72.00" in preview["text"]
    assert "猪肝" in preview["text"] and "60.00" in preview["text"]
    said = " ".join(m["text"] for m in tg.sent if m["chat"]["id"] == people.purchaser.id)
    assert "买了多少斤" in said
