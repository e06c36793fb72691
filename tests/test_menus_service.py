"""Menu services: preview, save, copy, and the pushes (once each)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from bot.clock import FrozenClock
from bot.config import Settings
from bot.domain.errors import DomainError
from bot.domain.menus import Meal
from bot.domain.roles import Role
from bot.services import menus
from bot.services.container import Services
from storage.db import Database
from tests.fakebot.running import add_person as person

TZ = ZoneInfo("Asia/Shanghai")
SUN = datetime(2026, 11, 22, 17, 0, tzinfo=TZ)
NEXT_MON = date(2026, 11, 23)
MENU = "周一 早餐: 包子, 豆浆, 鸡蛋\n周一 午餐: 红烧肉, 炒青菜, 米饭\n周三 晚餐: 饺子"


@pytest.fixture
async def svc(tmp_path: Path) -> AsyncIterator[Services]:
    settings = Settings(token="123456:" + "a" * 30, data_dir=tmp_path, public_chat_id=-100777)
    db = Database(settings.db_path)
    await db.open()
    yield Services(settings=settings, db=db, clock=FrozenClock(SUN))
    await db.close()


async def outbox(svc: Services) -> list[tuple[int, str]]:
    rows = await svc.db.fetchall("SELECT chat_id, payload FROM outbox ORDER BY id")
    return [(r["chat_id"], json.loads(r["payload"])["text"]) for r in rows]


async def test_preview_then_save_stores_next_week(svc: Services) -> None:
    cook = await person(svc, 1, "食堂李", Role.CANTEEN)
    p = await menus.preview(svc, MENU + "\n周九 午餐: 面", by=cook)
    assert p.week.week == NEXT_MON and len(p.problems) == 1 and p.draft_id
    assert (await menus.week(svc, NEXT_MON)).empty  # nothing saved before 保存
    saved = await menus.save_draft(svc, p.draft_id, by=cook)
    week = await menus.week(svc, NEXT_MON)
    assert week.entries == saved.entries
    assert week.entries[(0, Meal.BREAKFAST)] == ("包子", "豆浆", "鸡蛋")
    with pytest.raises(DomainError, match="已经保存"):
        await menus.save_draft(svc, p.draft_id, by=cook)


async def test_cancelled_draft_saves_nothing(svc: Services) -> None:
    cook = await person(svc, 1, "食堂李", Role.CANTEEN)
    p = await menus.preview(svc, MENU, by=cook)
    assert p.draft_id
    await menus.cancel_draft(svc, p.draft_id, by=cook)
    with pytest.raises(DomainError, match="取消"):
        await menus.save_draft(svc, p.draft_id, by=cook)
    assert (await menus.week(svc, NEXT_MON)).empty


async def test_staff_cannot_set_menu(svc: Services) -> None:
    staff = await person(svc, 3, "王老师", Role.STAFF)
    with pytest.raises(DomainError, match="食堂"):
        await menus.preview(svc, MENU, by=staff)


async def test_copymenu_copies_this_week_to_next(svc: Services) -> None:
    cook = await person(svc, 1, "食堂李", Role.CANTEEN)
    p = await menus.preview(svc, "2026-11-18\n周二 午餐: 米饭", by=cook)
    assert p.draft_id
    await menus.save_draft(svc, p.draft_id, by=cook)
    source, target, count = await menus.copy_last_week(svc, by=cook)
    assert (source, target, count) == (date(2026, 11, 16), NEXT_MON, 1)
    assert (await menus.week(svc, NEXT_MON)).entries == {(1, Meal.LUNCH): ("米饭",)}
    with pytest.raises(DomainError, match="已经有食谱"):
        await menus.copy_last_week(svc, by=cook)


async def test_sunday_push_goes_to_everyone_and_public_chat_once(svc: Services) -> None:
    cook = await person(svc, 1, "食堂李", Role.CANTEEN)
    await person(svc, 2, "王老师", Role.STAFF)
    assert await menus.push_next_week(svc, svc.now()) == 0  # no menu yet
    p = await menus.preview(svc, MENU, by=cook)
    assert p.draft_id
    await menus.save_draft(svc, p.draft_id, by=cook)
    assert await menus.push_next_week(svc, svc.now()) == 3
    assert await menus.push_next_week(svc, svc.now()) == 0
    rows = await svc.db.fetchall("SELECT chat_id, payload FROM outbox ORDER BY id")
    by_chat: dict[int, list[dict[str, object]]] = {}
    for r in rows:
        by_chat.setdefault(r["chat_id"], []).append(json.loads(r["payload"]))
    assert sorted(by_chat) == [-100777, 1, 2]
    for msgs in by_chat.values():
        picture, text = msgs
        assert "包子" in str(text["text"])
        [photo] = picture["photos"]  # type: ignore[misc]
        with Image.open(svc.settings.data_dir / photo["path"]) as img:
            assert img.width >= 480 and img.height > 200
            assert img.convert("L").getextrema()[0] < 100  # there is dark text on it


async def test_today_menu_goes_to_canteen_and_friday_reminder(svc: Services) -> None:
    cook = await person(svc, 1, "食堂李", Role.CANTEEN)
    await person(svc, 9, "管理员", Role.ADMIN)
    await person(svc, 2, "王老师", Role.STAFF)
    fri = datetime(2026, 11, 27, 12, 0, tzinfo=TZ)
    assert await menus.remind_missing(svc, fri) == 2
    assert await menus.remind_missing(svc, fri) == 0
    p = await menus.preview(svc, "2026-11-23\n周一 早餐: 包子", by=cook)
    assert p.draft_id
    await menus.save_draft(svc, p.draft_id, by=cook)
    mon = datetime(2026, 11, 23, 6, 30, tzinfo=TZ)
    assert await menus.push_today(svc, mon) == 1
    sent = await outbox(svc)
    assert sent[-1][0] == 1 and "包子" in sent[-1][1]
    assert {c for c, m in sent if "还没有录入" in m} == {1, 9}


async def test_menu_picture_is_a_readable_table(svc: Services) -> None:
    import io

    cook = await person(svc, 1, "食堂李", Role.CANTEEN)
    friday = "\n周五 午餐: 宫保鸡丁, 麻婆豆腐, 紫菜蛋花汤, 米饭"
    p = await menus.preview(svc, MENU + friday, by=cook)
    assert p.draft_id
    week = await menus.save_draft(svc, p.draft_id, by=cook)
    data = await menus.picture(week)
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "PNG"
        assert 480 <= img.width <= 1600 and img.height > 250
        gray = img.convert("L")
        dark = sum(gray.histogram()[:128])
        assert dark > 2000  # text and grid, not a blank page


async def test_catch_up_at_start_pushes_only_what_is_due_today(svc: Services) -> None:
    from jobs import menus as menu_jobs

    cook = await person(svc, 1, "食堂李", Role.CANTEEN)
    p = await menus.preview(svc, MENU, by=cook)
    assert p.draft_id
    await menus.save_draft(svc, p.draft_id, by=cook)
    sunday_evening = datetime(2026, 11, 22, 19, 0, tzinfo=TZ)
    assert await menu_jobs.catch_up(svc, sunday_evening) == {"weekly": 2}
    assert await menu_jobs.catch_up(svc, sunday_evening) == {"weekly": 0}
    monday_early = datetime(2026, 11, 23, 5, 0, tzinfo=TZ)
    assert await menu_jobs.catch_up(svc, monday_early) == {}
    monday_breakfast = datetime(2026, 11, 23, 7, 0, tzinfo=TZ)
    assert await menu_jobs.catch_up(svc, monday_breakfast) == {"today": 1}
