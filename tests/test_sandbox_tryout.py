"""The try-out: ``python -m bot`` without a token serves the web chat with the real bot on
the local Bot API, its people and demo weeks made once through the services."""

from __future__ import annotations

import asyncio
import io
import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from openpyxl import load_workbook

from bot.clock import FrozenClock
from bot.config import Settings
from bot.sandbox import cast
from bot.sandbox.botapi import LocalBotApi
from bot.sandbox.demo import seed_demo
from bot.sandbox.run import NOTICE, SANDBOX_TOKEN
from bot.sandbox.webchat import TryOutClock, WebChat
from bot.services import purchases, reports
from bot.services import repairs as repair_service
from bot.services.container import Services
from storage import outbox
from storage import people as people_repo
from storage.db import Database
from tests.conftest import SHANGHAI
from tests.fakebot.running import running_bot
from tests.tryout import ROOT, try_out

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)


def counts(db_path: Path) -> tuple[int, int, int]:
    with sqlite3.connect(db_path) as db:
        return (
            db.execute("SELECT count(*) FROM people").fetchone()[0],
            db.execute("SELECT count(*) FROM repairs").fetchone()[0],
            db.execute("SELECT count(*) FROM purchases").fetchone()[0],
        )


def test_python_m_bot_without_a_token_serves_the_try_out_and_seeds_it_only_once(
    tmp_path: Path,
) -> None:
    with try_out(tmp_path) as first:
        assert first.seconds_to_page < 15
    assert first.process.returncode == 0, "SIGTERM stops it cleanly"
    printed = (tmp_path / "try-out.log").read_text(encoding="utf-8")
    assert f"试用版已启动：{first.url}" in printed
    assert [line for line in printed.splitlines() if "BOT_TOKEN" in line] == [NOTICE]
    db_path = first.data_dir / "sandbox" / "houqin.sqlite3"
    people, repairs, bought = counts(db_path)
    assert people == len(cast.CAST) and repairs >= 10 and bought >= 10

    with try_out(tmp_path, "sandbox") as second:
        pass
    assert second.process.returncode == 0
    assert counts(db_path) == (people, repairs, bought), "the second start adds nothing"


def test_try_out_without_demo_has_the_people_but_no_history(tmp_path: Path) -> None:
    with try_out(tmp_path, "sandbox", "--no-demo") as t:
        pass
    assert counts(t.data_dir / "sandbox" / "houqin.sqlite3") == (len(cast.CAST), 0, 0)


# ---------------------------------------------------------------- the demo weeks
@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[Services]:
    settings = Settings(
        token=SANDBOX_TOKEN,
        data_dir=tmp_path,
        admin_ids=frozenset({cast.ADMIN.user_id}),
        public_chat_id=cast.PUBLIC_CHAT_ID,
    )
    db = Database(settings.db_path)
    await db.open()
    svc = Services(settings=settings, db=db, clock=FrozenClock(MONDAY))
    try:
        assert await cast.set_up_cast(svc)
        await seed_demo(settings, db, svc.clock)
        yield svc
    finally:
        await db.close()


async def test_demo_people_hold_their_roles_through_invites(demo: Services) -> None:
    for person in cast.CAST:
        found = await people_repo.get(demo.db, person.user_id)
        assert found is not None and person.role in found.roles, person
    with sqlite3.connect(demo.settings.db_path) as db:
        used = db.execute("SELECT count(*) FROM invites WHERE used_by IS NOT NULL").fetchone()[0]
    assert used == len(cast.CAST) - 1  # everyone but the admin joined by an invite
    assert not await cast.set_up_cast(demo), "a second start registers nobody again"


async def test_demo_weeks_fill_the_year_report(demo: Services) -> None:
    admin = await people_repo.get(demo.db, cast.ADMIN.user_id)
    assert admin is not None
    reply = await reports.report(demo, "2026", by=admin)
    summary = reply.report
    r = summary.repairs
    assert r.total >= 13 and r.state_verified >= 6 and r.state_rejected == 1 and r.open >= 3
    assert r.accept_median is not None and r.fix_median is not None
    assert summary.purchases.confirmed >= 10 and summary.purchases.amount > 1000
    assert summary.patrols.rounds >= 50 and summary.patrols.on_time > 0
    assert summary.patrols.missed > 0  # the demo's patroller forgot some: 漏检, not 未排班
    assert summary.menus.published >= 3
    assert reply.document is not None  # a year: the drafted 总结 comes with it


async def test_demo_month_exports_as_a_real_spreadsheet(demo: Services) -> None:
    supervisor = await people_repo.get(demo.db, cast.SUPERVISOR.user_id)
    assert supervisor is not None
    export = await purchases.export_month(demo, supervisor, 2026, 11)
    assert export is not None and export.lines >= 20
    data = (demo.settings.data_dir / export.path).read_bytes()
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert any("猪肉" in c for c in cells) and any("张采购" in c for c in cells)


async def test_only_todays_open_items_wait_to_be_delivered(demo: Services) -> None:
    """History counts as delivered; the supervisor gets today's repair and purchase."""
    later = MONDAY.replace(year=2027)
    pending = await outbox.due(demo.db, later, limit=500)
    texts = {(p.chat_id, p.ref) for p in pending}
    supervisor_refs = {ref for chat, ref in texts if chat == cast.SUPERVISOR.user_id}
    assert any(ref and ref.startswith("repair") for ref in supervisor_refs), texts
    assert any(ref and ref.startswith("purchase") for ref in supervisor_refs), texts
    assert len(pending) <= 6
    supervisor = await people_repo.get(demo.db, cast.SUPERVISOR.user_id)
    assert supervisor is not None
    scope, open_repairs = await repair_service.list_for(demo, supervisor)
    assert scope == "all" and len(open_repairs) >= 4


# ---------------------------------------------------------------- the web chat
@pytest.fixture
async def web(tmp_path: Path) -> AsyncIterator[tuple[str, WebChat]]:
    """The try-out in this process: the page's server, the real bot polling it."""
    api = LocalBotApi(SANDBOX_TOKEN, keep_calls=False)
    clock = TryOutClock()
    settings = Settings(
        token=SANDBOX_TOKEN,
        data_dir=tmp_path,
        admin_ids=frozenset({cast.ADMIN.user_id}),
        public_chat_id=cast.PUBLIC_CHAT_ID,
    )
    chat = WebChat(api, SHANGHAI, clock)
    url = await api.start(0, chat.web)
    try:
        async with running_bot(Settings(**{**settings.__dict__, "api_server": url}), clock) as app:
            chat.application = app
            await cast.set_up_cast(app.bot_data["services"])
            yield url, chat
    finally:
        await api.stop()


async def chat_until(
    http: aiohttp.ClientSession,
    url: str,
    chat_id: int,
    contains: str = "",
    match: Callable[[dict[str, Any]], bool] = lambda view: True,
) -> dict[str, Any]:
    """Long-poll the chat as the page does until a message holding ``contains`` (and
    matching ``match``) shows up as new or changed."""
    since = 0
    for _ in range(20):
        async with http.get(f"{url}/try/chat/{chat_id}", params={"since": since}) as r:
            changes = await r.json()
        for view in changes["messages"]:
            if contains in (view["text"] or view["caption"] or "") and match(view):
                return view
        since = changes["revision"]
    raise AssertionError(f"no message with {contains!r} in chat {chat_id}")


async def test_page_is_served_with_its_script_styles_samples_and_people(
    web: tuple[str, WebChat],
) -> None:
    url, _ = web
    async with aiohttp.ClientSession() as http:
        async with http.get(url + "/") as r:
            page = await r.text()
        assert r.status == 200 and "本机试用" in page and 'lang="zh-CN"' in page
        assert "http" not in page.replace(url, "")  # no CDN: works offline
        for path in (
            "/static/chat.js",
            "/static/chat.css",
            "/static/font.otf",
            "/samples/lamp.jpg",
            "/samples/tap.jpg",
            "/samples/receipt.jpg",
        ):
            async with http.get(url + path) as r:
                assert r.status == 200, path
        async with http.get(url + "/try/people") as r:
            titles = [p["title"] for p in await r.json()]
    assert titles[:6] == ["总务主任", "监督员", "采购员", "维修工", "巡查员", "食堂管理员"]
    assert titles.count("教师") == 2


async def test_a_person_types_and_taps_through_the_page_endpoints(
    web: tuple[str, WebChat],
) -> None:
    url, _ = web
    teacher, supervisor = cast.TEACHER.user_id, cast.SUPERVISOR.user_id
    async with aiohttp.ClientSession() as http:
        form = aiohttp.FormData(
            {
                "chat_id": str(teacher),
                "sample": "tap.jpg",
                "caption": "实验楼二楼男厕 水龙头一直滴水",
            }
        )
        async with http.post(url + "/try/photo", data=form) as r:
            assert r.status == 200
        mine = await chat_until(http, url, teacher, "滴水")
        async with http.get(f"{url}/try/file/{mine['photo']}") as r:
            assert r.content_type == "image/jpeg" and (await r.read())[:3] == b"\xff\xd8\xff"
        await chat_until(http, url, teacher, "已提交")

        report = await chat_until(http, url, supervisor, "新报修")
        [accept] = [
            b for row in report["markup"]["inline_keyboard"] for b in row if "受理" in b["text"]
        ]
        async with http.post(
            url + "/try/tap",
            json={
                "chat_id": supervisor,
                "message_id": report["id"],
                "data": accept["callback_data"],
            },
        ) as r:
            toast = await r.json()
        assert "已受理" in toast["text"]
        await chat_until(http, url, supervisor, "受理：派给")
        # The report itself loses its buttons in place (no second copy of it).
        edited = await chat_until(
            http, url, supervisor, "新报修", lambda v: v["id"] == report["id"] and not v["markup"]
        )
        assert edited["photo"] == report["photo"]
        await chat_until(http, url, teacher, "已受理")

        async with http.post(
            url + "/try/send", json={"chat_id": teacher, "text": "谢谢", "reply_to": mine["id"]}
        ) as r:
            assert r.status == 200
        reply = await chat_until(http, url, teacher, "谢谢")
        assert reply["reply_to"]["id"] == mine["id"]
        # The bot's answer: the test ends only once the bot has handled the reply (else the
        # bot stops with the update in flight, and PTB logs that as critical).
        await chat_until(http, url, teacher, "不客气")


async def test_running_a_job_now_moves_the_bots_clock_to_its_time(
    web: tuple[str, WebChat],
) -> None:
    url, chat = web
    async with aiohttp.ClientSession() as http:
        async with http.get(url + "/try/jobs") as r:
            jobs = (await r.json())["jobs"]
        names = [j["name"] for j in jobs]
        assert "patrol:night" in names and "menu:weekly" in names
        assert not any(n.startswith("outbox") for n in names)
        async with http.post(url + "/try/jobs/run", json={"name": "patrol:night"}) as r:
            ran = await r.json()
        assert ran["label"] == "晚间巡查" and ran["now"].endswith("21:30")
        checklist = await chat_until(http, url, cast.PATROL.user_id, "晚间")
        assert checklist["markup"]["inline_keyboard"]
    assert chat.clock.now().astimezone(SHANGHAI).strftime("%H:%M") == "21:30"
    await asyncio.sleep(0)


async def test_an_export_arrives_as_a_document_the_page_can_download(
    web: tuple[str, WebChat],
) -> None:
    url, chat = web
    supervisor = cast.SUPERVISOR.user_id
    await seed_demo(
        chat.application.bot_data["services"].settings,  # type: ignore[union-attr]
        chat.application.bot_data["services"].db,
    )  # type: ignore[union-attr]
    month = datetime.now(SHANGHAI).strftime("%Y-%m")
    async with aiohttp.ClientSession() as http:
        await http.post(
            url + "/try/send", json={"chat_id": supervisor, "text": f"/export purchases {month}"}
        )
        sent = await chat_until(http, url, supervisor, match=lambda v: "document" in v)
        doc = sent["document"]
        assert doc["name"].endswith(".xlsx")
        async with http.get(f"{url}/try/file/{doc['id']}", params={"name": doc["name"]}) as r:
            assert r.status == 200
            assert "attachment" in r.headers["Content-Disposition"]
            workbook = load_workbook(io.BytesIO(await r.read()))
    assert workbook.active is not None and workbook.active.max_row > 5


def test_a_busy_port_is_one_clear_line_and_exit_code_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
        env.update(
            BOT_DATA_DIR=str(tmp_path / "data"), BOT_SANDBOX_PORT=str(port), PYTHONPATH=str(ROOT)
        )
        result = subprocess.run(
            [sys.executable, "-m", "bot"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        line for line in result.stderr.splitlines() if "BOT_SANDBOX_PORT" in line
    ]


async def test_another_site_in_the_browser_cannot_post_into_the_try_out(
    web: tuple[str, WebChat],
) -> None:
    url, chat = web
    async with aiohttp.ClientSession() as http:
        async with http.post(
            url + "/try/send",
            headers={"Origin": "http://evil.example"},
            json={"chat_id": cast.TEACHER.user_id, "text": "/start"},
        ) as r:
            assert r.status == 403
        async with http.get(url + "/try/people", headers={"Host": "evil.example"}) as r:
            assert r.status == 403
        async with http.post(
            url + "/try/send",
            headers={"Origin": url},
            json={"chat_id": cast.TEACHER.user_id, "text": "/start"},
        ) as r:
            assert r.status == 200
    assert [m["text"] for m in chat.api.messages.values() if not m["from"]["is_bot"]] == ["/start"]


async def test_a_photo_from_disk_is_uploaded_and_shown(web: tuple[str, WebChat]) -> None:
    url, chat = web
    teacher = cast.TEACHER.user_id
    picture = (ROOT / "bot" / "sandbox" / "static" / "samples" / "tap.jpg").read_bytes()
    async with aiohttp.ClientSession() as http:
        form = aiohttp.FormData()
        form.add_field("chat_id", str(teacher))
        form.add_field("caption", "")
        form.add_field("photo", picture, filename="IMG_0001.jpg", content_type="image/jpeg")
        async with http.post(url + "/try/photo", data=form) as r:
            assert r.status == 200
        mine = await chat_until(http, url, teacher, match=lambda v: "photo" in v)
        async with http.get(f"{url}/try/file/{mine['photo']}") as r:
            assert await r.read() == picture
        # A photo without a caption: the bot asks where and what.
        assert await chat_until(http, url, teacher, match=lambda v: v["bot"])
    assert chat.api.files[mine["photo"]] == picture
