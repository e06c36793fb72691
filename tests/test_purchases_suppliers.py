"""定点供应商: admins add them with the certificate expiry; expiring ones are flagged."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.config import Settings
from bot.domain.errors import DomainError
from bot.domain.people import Person
from bot.domain.purchases import parse_supplier_args
from bot.domain.roles import Role
from bot.services import purchases as svc_purchases
from bot.services.container import Services
from storage import people
from storage.db import Database

NOW = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
ADMIN = Person(2001, "钱管理", None, 2001, frozenset({Role.ADMIN}))
SUPERVISOR = Person(2002, "张监督", None, 2002, frozenset({Role.SUPERVISOR}))


@pytest.fixture
async def svc(tmp_path: Path) -> AsyncIterator[Services]:
    db = Database(tmp_path / "t.sqlite3")
    await db.open()
    services = Services(Settings(token="1:x", data_dir=tmp_path), db, FrozenClock(NOW))
    async with db.transaction() as tx:
        for p in (ADMIN, SUPERVISOR):
            await people.upsert(tx, user_id=p.user_id, name=p.name, username=None,
                                chat_id=p.chat_id, now=NOW)  # fmt: skip
            for role in p.roles:
                await people.grant(tx, p.user_id, role, by=None, now=NOW)
    yield services
    await db.close()


async def _admin_messages(svc: Services) -> list[str]:
    rows = await svc.db.fetchall("SELECT payload FROM outbox WHERE chat_id = ? ORDER BY id",
                                 (ADMIN.chat_id,))  # fmt: skip
    return [json.loads(r["payload"])["text"] for r in rows]


def test_supplier_arguments_parse() -> None:
    assert parse_supplier_args("王记肉铺 2027-06-30") == ("王记肉铺", date(2027, 6, 30))
    assert parse_supplier_args("老张 粮油店 2027/1/5") == ("老张 粮油店", date(2027, 1, 5))
    assert parse_supplier_args("日杂店") == ("日杂店", None)
    with pytest.raises(DomainError, match="看不懂"):
        parse_supplier_args("王记 2027-02-30")


async def test_admin_adds_and_updates_a_supplier(svc: Services) -> None:
    assert await svc_purchases.save_supplier(svc, ADMIN, "王记肉铺", date(2027, 6, 30))
    assert not await svc_purchases.save_supplier(svc, ADMIN, "王记肉铺", date(2028, 6, 30))
    [s] = await svc_purchases.suppliers(svc)
    assert (s.name, s.certificate_expires) == ("王记肉铺", date(2028, 6, 30))
    await svc_purchases.remove_supplier(svc, ADMIN, "王记肉铺")
    assert await svc_purchases.suppliers(svc) == []


async def test_only_admins_change_suppliers(svc: Services) -> None:
    with pytest.raises(DomainError, match="管理员"):
        await svc_purchases.save_supplier(svc, SUPERVISOR, "王记肉铺", None)


async def test_expiring_certificate_is_flagged_once_per_stage(svc: Services) -> None:
    await svc_purchases.save_supplier(svc, ADMIN, "王记肉铺", date(2026, 12, 15))  # 25 days
    await svc_purchases.save_supplier(svc, ADMIN, "粮油店", date(2027, 6, 30))
    flagged = await svc_purchases.flag_expiring_suppliers(svc, NOW)
    assert [s.name for s in flagged] == ["王记肉铺"]
    assert await svc_purchases.flag_expiring_suppliers(svc, NOW + timedelta(days=1)) == []
    assert len(await _admin_messages(svc)) == 1
    assert "2026-12-15" in (await _admin_messages(svc))[0]
    flagged = await svc_purchases.flag_expiring_suppliers(svc, NOW + timedelta(days=20))
    assert [s.name for s in flagged] == ["王记肉铺"]  # 5 days left: reminded again
    flagged = await svc_purchases.flag_expiring_suppliers(svc, NOW + timedelta(days=26))
    assert [s.name for s in flagged] == ["王记肉铺"]  # expired
    assert "过期" in (await _admin_messages(svc))[-1]
    # renewed: quiet again
    await svc_purchases.save_supplier(svc, ADMIN, "王记肉铺", date(2027, 12, 15))
    assert await svc_purchases.flag_expiring_suppliers(svc, NOW + timedelta(days=27)) == []
