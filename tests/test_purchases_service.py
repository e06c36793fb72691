"""The purchase services against a real SQLite file: drafts, submission, the supervisor's
confirmation (never by the purchaser), rejection, the price check and the outbox rows."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.config import Settings
from bot.domain.errors import DomainError
from bot.domain.messages import Photo
from bot.domain.people import Person
from bot.domain.purchases import PhotoKind, PurchaseState
from bot.domain.roles import Role
from bot.services import purchases as svc_purchases
from bot.services.container import Services
from storage import audit, people
from storage import purchases as repo
from storage.db import Database

# 10:00 in Shanghai
START = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
PURCHASER = Person(1001, "李采购", None, 1001, frozenset({Role.PURCHASER}))
SUPERVISOR = Person(1002, "张监督", None, 1002, frozenset({Role.SUPERVISOR}))
SUPERVISOR2 = Person(1003, "王监督", None, 1003, frozenset({Role.SUPERVISOR}))
BOTH = Person(1004, "赵兼任", None, 1004, frozenset({Role.SUPERVISOR, Role.PURCHASER}))
ADMIN = Person(1005, "钱管理", None, 1005, frozenset({Role.ADMIN}))


@pytest.fixture
async def svc(tmp_path: Path) -> AsyncIterator[Services]:
    db = Database(tmp_path / "t.sqlite3")
    await db.open()
    services = Services(
        settings=Settings(token="1:x", data_dir=tmp_path), db=db, clock=FrozenClock(START)
    )
    async with db.transaction() as tx:
        for p in (PURCHASER, SUPERVISOR, SUPERVISOR2, BOTH, ADMIN):
            await people.upsert(tx, user_id=p.user_id, name=p.name, username=None,
                                chat_id=p.chat_id, now=START)  # fmt: skip
            for role in p.roles:
                await people.grant(tx, p.user_id, role, by=None, now=START)
    yield services
    await db.close()


async def _outbox(svc: Services) -> list[tuple[int, str, dict[str, object], str | None]]:
    rows = await svc.db.fetchall("SELECT chat_id, kind, payload, ref FROM outbox ORDER BY id")
    return [(r["chat_id"], r["kind"], json.loads(r["payload"]), r["ref"]) for r in rows]


async def _draft(svc: Services, text: str, by: Person = PURCHASER) -> int:
    return (await svc_purchases.start_draft(svc, by, text)).purchase.id


async def _submitted(svc: Services, text: str, by: Person = PURCHASER) -> int:
    result = await svc_purchases.start_draft(svc, by, text)
    await svc_purchases.submit(svc, by, result.purchase.id)
    return result.purchase.id


async def test_draft_keeps_good_lines_and_reports_bad_ones(svc: Services) -> None:
    result = await svc_purchases.start_draft(
        svc,
        PURCHASER,
        "猪肉 20斤 13.5\n白菜 50斤 1.2\n鸡蛋 3.3斤 4.1\n大米 2袋 共300元\n猪肉 20斤 abc",
    )
    assert result.purchase.state is PurchaseState.DRAFT
    assert result.purchase.total == Decimal("643.53")
    assert len(result.bad) == 1 and "不是数字" in result.bad[0].reason
    stored = await repo.get(svc.db, result.purchase.id)
    assert stored is not None and stored.lines[2].quantity == Decimal("3.3")
    assert stored.lines[2].amount == Decimal("13.53")


async def test_draft_lines_can_be_deleted_replaced_and_given_a_supplier(svc: Services) -> None:
    pid = (
        await svc_purchases.start_draft(svc, PURCHASER, "猪肉 20斤 13.5\n白菜 50斤 1.2")
    ).purchase.id
    r = await svc_purchases.edit_draft(svc, PURCHASER, pid, "改 1 猪肉 20斤 13")
    assert r.purchase.lines[0].amount == Decimal("260.00") and r.note == "已修改第 1 行。"
    r = await svc_purchases.edit_draft(svc, PURCHASER, pid, "删 2")
    assert [ln.item for ln in r.purchase.lines] == ["猪肉"]
    r = await svc_purchases.edit_draft(svc, PURCHASER, pid, "@王记肉铺\n鸡腿 10个 3")
    assert r.purchase.supplier == "王记肉铺" and len(r.purchase.lines) == 2
    with pytest.raises(DomainError, match="没有第 5 行"):
        await svc_purchases.edit_draft(svc, PURCHASER, pid, "删 5")
    with pytest.raises(DomainError, match="不是数字"):
        await svc_purchases.edit_draft(svc, PURCHASER, pid, "改 1 猪肉 20斤 abc")


async def test_second_purchase_command_continues_the_open_draft(svc: Services) -> None:
    first = await svc_purchases.start_draft(svc, PURCHASER, "猪肉 20斤 13.5")
    again = await svc_purchases.start_draft(svc, PURCHASER, "白菜 50斤 1.2")
    assert again.purchase.id == first.purchase.id and len(again.purchase.lines) == 2
    assert again.note and "继续" in again.note


async def test_submitting_notifies_every_supervisor_but_not_the_purchaser(svc: Services) -> None:
    pid = (await svc_purchases.start_draft(svc, BOTH, "猪肉 20斤 13.5 @王记")).purchase.id
    result = await svc_purchases.submit(svc, BOTH, pid)
    assert result.purchase.state is PurchaseState.SUBMITTED
    assert result.purchase.purchase_date == date(2026, 11, 20)
    everything = await _outbox(svc)
    rows = [r for r in everything if r[3] == f"purchase:{pid}"]  # the cards, not the ack
    assert sorted(r[0] for r in rows) == [SUPERVISOR.chat_id, SUPERVISOR2.chat_id]
    acks = [r for r in everything if r[0] == BOTH.chat_id]
    assert len(acks) == 1 and "已提交" in str(acks[0][2]["text"]) and not acks[0][2]["buttons"]
    # The ack is remembered with the purchase (a photo in reply joins it), not as a card.
    assert acks[0][3] == f"purchase:{pid}:answer"
    payload = rows[0][2]
    assert rows[0][3] == f"purchase:{pid}"
    assert "合计 270.00 元" in str(payload["text"]) and "王记" in str(payload["text"])
    labels = [label for row in payload["buttons"] for label, _ in row]  # type: ignore[attr-defined]
    assert any("确认" in x for x in labels) and any("驳回" in x for x in labels)
    with pytest.raises(DomainError, match="不能再修改"):
        await svc_purchases.edit_draft(svc, BOTH, pid, "白菜 1斤 1")


async def test_empty_draft_cannot_be_submitted(svc: Services) -> None:
    pid = await _draft(svc, "")
    with pytest.raises(DomainError, match="还没有任何一项"):
        await svc_purchases.submit(svc, PURCHASER, pid)


async def test_purchaser_cannot_confirm_own_purchase(svc: Services) -> None:
    pid = await _submitted(svc, "猪肉 20斤 13.5", by=BOTH)
    with pytest.raises(DomainError, match="不能确认自己"):
        await svc_purchases.confirm(svc, BOTH, pid)
    with pytest.raises(DomainError, match="不能确认自己"):
        await svc_purchases.reject(svc, BOTH, pid, "不对")
    stored = await repo.get(svc.db, pid)
    assert stored is not None and stored.state is PurchaseState.SUBMITTED


async def test_confirmation_records_who_and_when_and_tells_the_purchaser(svc: Services) -> None:
    pid = await _submitted(svc, "猪肉 20斤 13.5")
    assert isinstance(svc.clock, FrozenClock)
    svc.clock.advance(timedelta(minutes=30))
    confirmed = await svc_purchases.confirm(svc, SUPERVISOR, pid)
    assert confirmed.state is PurchaseState.CONFIRMED
    assert confirmed.confirmed_by == SUPERVISOR.user_id
    assert confirmed.confirmed_by_name == "张监督"
    assert confirmed.confirmed_at == START + timedelta(minutes=30)
    told = [
        r
        for r in await _outbox(svc)
        if r[0] == PURCHASER.chat_id and "已提交" not in str(r[2]["text"])
    ]
    assert len(told) == 1 and f"#{pid}" in str(told[0][2]["text"])
    assert "张监督" in str(told[0][2]["text"])
    actions = [e.action for e in await audit.history(svc.db, f"purchase:{pid}")]
    assert actions == ["purchase.draft", "purchase.submit", "purchase.confirm"]


async def test_second_decision_says_who_already_decided(svc: Services) -> None:
    pid = await _submitted(svc, "猪肉 20斤 13.5")
    await svc_purchases.confirm(svc, SUPERVISOR, pid)
    with pytest.raises(DomainError, match="已由 张监督 确认"):
        await svc_purchases.confirm(svc, SUPERVISOR2, pid)
    with pytest.raises(DomainError, match="已由 张监督 确认"):
        await svc_purchases.reject(svc, SUPERVISOR2, pid, "太贵")


async def test_reject_needs_a_reason_and_tells_the_purchaser(svc: Services) -> None:
    pid = await _submitted(svc, "猪肉 20斤 13.5")
    with pytest.raises(DomainError, match="驳回理由"):
        await svc_purchases.reject(svc, SUPERVISOR, pid, "  ")
    rejected = await svc_purchases.reject(svc, SUPERVISOR, pid, "重量不对，请复秤")
    assert rejected.state is PurchaseState.REJECTED
    assert rejected.reject_reason == "重量不对，请复秤"
    told = [
        r
        for r in await _outbox(svc)
        if r[0] == PURCHASER.chat_id and "已提交" not in str(r[2]["text"])
    ]
    assert "重量不对，请复秤" in str(told[-1][2]["text"])
    with pytest.raises(DomainError, match="已由 张监督 驳回"):
        await svc_purchases.confirm(svc, SUPERVISOR2, pid)


async def test_only_supervisors_decide(svc: Services) -> None:
    pid = await _submitted(svc, "猪肉 20斤 13.5", by=BOTH)
    with pytest.raises(DomainError, match="监督员"):
        await svc_purchases.confirm(svc, PURCHASER, pid)
    confirmed = await svc_purchases.confirm(svc, ADMIN, pid)  # admins may do everything
    assert confirmed.state is PurchaseState.CONFIRMED


async def test_price_check_compares_with_the_30_day_average(svc: Services) -> None:
    assert isinstance(svc.clock, FrozenClock)
    for price in ("12", "12.2"):  # two confirmed purchases: 20 x 12 + 20 x 12.2 -> 12.10
        pid = await _submitted(svc, f"猪肉 20斤 {price}")
        await svc_purchases.confirm(svc, SUPERVISOR, pid)
        svc.clock.advance(timedelta(days=1))
    old = await _submitted(svc, "猪肉 20斤 5")  # submitted, not confirmed: not in the average
    assert old
    pid = await _draft(svc, "猪肉 10斤 14\n白菜 5斤 1")
    result = await svc_purchases.submit(svc, PURCHASER, pid)
    assert result.price_notes == {1: "单价 14 元/斤，较近30天均价 12.10 高 15.7%"}
    text = next(r for r in await _outbox(svc) if r[3] == f"purchase:{pid}")[2]["text"]
    assert "较近30天均价 12.10 高 15.7%" in str(text)


async def test_price_check_ignores_other_units_and_old_purchases(svc: Services) -> None:
    assert isinstance(svc.clock, FrozenClock)
    pid = await _submitted(svc, "猪肉 20斤 10")
    await svc_purchases.confirm(svc, SUPERVISOR, pid)
    pid = await _submitted(svc, "猪肉 20公斤 10")
    await svc_purchases.confirm(svc, SUPERVISOR, pid)
    svc.clock.advance(timedelta(days=31))
    result = await svc_purchases.submit(
        svc,
        PURCHASER,
        await _draft(svc, "猪肉 10斤 20"),
    )
    assert result.price_notes == {}  # the only 斤 price is 31 days old
    svc.clock.set(START + timedelta(days=1))
    result = await svc_purchases.submit(
        svc,
        PURCHASER,
        await _draft(svc, "猪肉 10kg 11"),
    )
    assert result.price_notes == {}  # 10 %: under the threshold; 公斤 and kg compare


async def test_certificate_photo_clears_the_missing_mark(svc: Services) -> None:
    pid = (
        await svc_purchases.start_draft(svc, PURCHASER, "猪肉 20斤 13.5\n白菜 5斤 1")
    ).purchase.id
    p = await svc_purchases.draft(svc, PURCHASER, pid)
    assert p.missing_certificates(svc.settings.certificate_items) == ["猪肉"]
    p = await svc_purchases.attach_photo(svc, PURCHASER, pid, PhotoKind.RECEIPT, Photo("r1"))
    assert p.missing_certificates(svc.settings.certificate_items) == ["猪肉"]
    p = await svc_purchases.attach_photo(svc, PURCHASER, pid, PhotoKind.CERTIFICATE, Photo("c1"))
    assert p.missing_certificates(svc.settings.certificate_items) == []
    await svc_purchases.submit(svc, PURCHASER, pid)
    sent = [r for r in await _outbox(svc) if r[0] == SUPERVISOR.chat_id]
    assert [ph["file_id"] for ph in sent[0][2]["photos"]] == ["r1", "c1"]  # type: ignore[attr-defined]


async def test_someone_else_cannot_touch_a_draft(svc: Services) -> None:
    pid = await _draft(svc, "猪肉 20斤 13.5")
    with pytest.raises(DomainError, match="不是您的"):
        await svc_purchases.submit(svc, BOTH, pid)
    await svc_purchases.cancel_draft(svc, PURCHASER, pid)
    with pytest.raises(DomainError, match="已取消"):
        await svc_purchases.submit(svc, PURCHASER, pid)
    assert await svc_purchases.open_draft(svc, PURCHASER) is None


async def test_month_export_has_one_row_per_line_and_totals(svc: Services) -> None:
    from openpyxl import load_workbook

    assert isinstance(svc.clock, FrozenClock)
    pid = await _submitted(svc, "猪肉 20斤 13.5 @王记\n鸡蛋 3.3斤 4.1\n大米 2袋 共300元")
    await svc_purchases.confirm(svc, SUPERVISOR, pid)
    await _submitted(svc, "白菜 50斤 1.2")  # not confirmed: not for finance
    export = await svc_purchases.export_month(svc, SUPERVISOR, 2026, 11)
    assert export is not None and export.file_name == "采购台账-2026-11.xlsx"
    wb = load_workbook(svc.settings.data_dir / export.path)
    ws = wb.active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("日期", "单号", "品名")
    assert len(rows) == 1 + 3 + 1
    assert rows[1][1:8] == (f"#{pid}", "猪肉", 20, "斤", 13.5, 270, "王记")
    assert rows[2][3] == 3.3 and rows[2][6] == 13.53
    assert rows[1][8:10] == ("李采购", "张监督")
    assert rows[1][10] == datetime(2026, 11, 20, 10, 0)  # local time of the 签字
    assert rows[-1][0] == "合计" and rows[-1][6] == 583.53
    assert await svc_purchases.export_month(svc, SUPERVISOR, 2026, 10) is None
    with pytest.raises(DomainError):
        await svc_purchases.export_month(svc, PURCHASER, 2026, 11)


async def test_daily_posting_goes_out_once_with_picture_and_text(svc: Services) -> None:
    import dataclasses

    assert isinstance(svc.clock, FrozenClock)
    evening = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # 18:00 in Shanghai
    assert await svc_purchases.post_daily(svc, evening) is None  # no public chat: skipped
    svc.settings = dataclasses.replace(svc.settings, public_chat_id=-100777)
    assert await svc_purchases.post_daily(svc, evening) is None  # nothing confirmed yet
    pid = await _submitted(svc, "猪肉 20斤 13.5\n白菜 50斤 1.2")
    await svc_purchases.confirm(svc, SUPERVISOR, pid)
    pending = await _submitted(svc, "鸡蛋 3.3斤 4.1")  # not confirmed: not posted
    posting = await svc_purchases.post_daily(svc, evening)
    assert posting is not None and [p.id for p in posting.purchases] == [pid]
    assert posting.total == Decimal("330.00")
    public = [r for r in await _outbox(svc) if r[0] == -100777]
    assert len(public) == 2
    photo = public[0][2]["photos"][0]  # type: ignore[index]
    png = (svc.settings.data_dir / photo["path"]).read_bytes()
    assert png.startswith(b"\x89PNG")
    assert "330.00" in str(public[0][2]["text"])
    text = str(public[1][2]["text"])
    assert "猪肉 20斤 × 13.5 元 = 270.00 元" in text and "合计 330.00 元" in text
    assert "张监督" in text and "鸡蛋" not in text
    # never twice for one day, even after a restart
    assert await svc_purchases.post_daily(svc, evening + timedelta(hours=1)) is None
    assert len([r for r in await _outbox(svc) if r[0] == -100777]) == 2
    # confirmed late: goes out with the next day's posting, marked as such
    await svc_purchases.confirm(svc, SUPERVISOR, pending)
    posting = await svc_purchases.post_daily(svc, evening + timedelta(days=1))
    assert posting is not None and [p.id for p in posting.purchases] == [pending]
    assert "补充公示" in str([r for r in await _outbox(svc) if r[0] == -100777][-1][2]["text"])


async def test_admins_are_asked_when_no_other_supervisor_can_confirm(svc: Services) -> None:
    async with svc.db.transaction() as tx:  # the only supervisors left: the purchaser
        await people.revoke(tx, SUPERVISOR.user_id, Role.SUPERVISOR)
        await people.revoke(tx, SUPERVISOR2.user_id, Role.SUPERVISOR)
    pid = await _draft(svc, "猪肉 20斤 13.5", by=BOTH)
    result = await svc_purchases.submit(svc, BOTH, pid)
    assert result.notified == 1
    assert [r[0] for r in await _outbox(svc) if r[3] == f"purchase:{pid}"] == [ADMIN.chat_id]


async def test_at_most_one_album_of_photos(svc: Services) -> None:
    pid = await _draft(svc, "白菜 5斤 1")
    for n in range(svc_purchases.MAX_PHOTOS):
        await svc_purchases.attach_photo(svc, PURCHASER, pid, PhotoKind.RECEIPT, Photo(f"r{n}"))
    with pytest.raises(DomainError, match="最多附 10 张"):
        await svc_purchases.attach_photo(svc, PURCHASER, pid, PhotoKind.RECEIPT, Photo("r99"))


async def test_a_busy_day_is_posted_as_several_readable_pages(svc: Services) -> None:
    import dataclasses

    svc.settings = dataclasses.replace(svc.settings, public_chat_id=-100777)
    for batch in range(2):
        lines = "\n".join(f"青菜{batch}-{n} {n + 1}斤 1.5" for n in range(35))
        pid = await _submitted(svc, lines)
        await svc_purchases.confirm(svc, SUPERVISOR, pid)
    posting = await svc_purchases.post_daily(svc, datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
    assert posting is not None and len(posting.picture_paths) == 3  # 70 lines + total, 30 a page
    [album, *texts] = [r for r in await _outbox(svc) if r[0] == -100777]
    assert len(album[2]["photos"]) == 3  # type: ignore[arg-type]
    assert texts and all(len(str(r[2]["text"])) <= 4096 for r in texts)
    assert "合计" in str(texts[-1][2]["text"])
