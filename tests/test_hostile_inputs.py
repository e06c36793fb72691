"""Hostile and clumsy input: every case of tests/data/hostile_inputs.json goes through the real
bot and the fake Telegram (which refuses broken HTML as Telegram does). Each one gets a short,
clear Chinese answer (or, in a group, silence), never a traceback, an ERROR line or an admin
alert, and saves nothing it should not.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.texts import common
from tests.conftest import Cast
from tests.fakebot import FakeTelegram, TgUser, message_text
from tests.fakebot.running import services
from tests.images import bomb_png, corrupt_jpeg, jpeg_bytes, pdf_bytes

CASES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "data" / "hostile_inputs.json").read_text(encoding="utf-8")
)["cases"]
GROUP = -100777  # a group the bot is a member of
MAX_REPLY_CHARS = 800  # "short": a draft of one line, a refusal, a help text
COUNTED = {
    "repairs": "SELECT COUNT(*) FROM repairs",
    "purchase_lines": "SELECT COUNT(*) FROM purchase_lines",
    "submitted_purchases": "SELECT COUNT(*) FROM purchases WHERE state != 'draft'",
    "people": "SELECT COUNT(*) FROM people",
    "roles": "SELECT COUNT(*) FROM person_roles",
    "holidays": "SELECT COUNT(*) FROM patrol_holidays",
}
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _file(kind: str) -> bytes:
    return {
        "jpeg": jpeg_bytes,
        "corrupt": corrupt_jpeg,
        "bomb": bomb_png,
        "pdf": pdf_bytes,
        "zip": lambda: b"PK\x03\x04" + bytes(200),
        "txt": lambda: "教学楼302 门锁坏了".encode(),
        "huge": lambda: jpeg_bytes() + bytes(21 * 1024 * 1024),
    }[kind]()


def _text(spec: dict[str, Any], key: str) -> str:
    body = str(spec[key]) * int(spec.get("repeat", 1))
    return str(spec.get("prefix", "")) + body + str(spec.get("suffix", ""))


async def _counts(app: App) -> dict[str, int]:
    db = services(app).db
    return {name: int(await db.fetchval(sql) or 0) for name, sql in COUNTED.items()}


async def _send(tg: FakeTelegram, user: TgUser, spec: dict[str, Any]) -> str | None:
    """Play the input; returns the callback query id for a button press."""
    if "text" in spec:
        await tg.send_text(user, _text(spec, "text")[:4096])
    elif "photo" in spec:
        await tg.send_photo(user, _file(spec["photo"]), caption=_text(spec, "caption"))
    elif "document" in spec:
        await tg.send_document(user, _file(spec["document"]), file_name=spec["file_name"],
                               mime_type=spec["mime"], caption=spec.get("caption"))  # fmt: skip
    elif "raw" in spec:
        message = tg._user_message(user, None, None)
        message.update(spec["raw"])
        await tg._push({"message": message})
    elif "group_text" in spec:
        await tg.send_text(user, spec["group_text"], chat_id=GROUP)
    elif "group_photo" in spec:
        await tg.send_photo(user, _file(spec["group_photo"]), caption=spec.get("caption"),
                            chat_id=GROUP)  # fmt: skip
    elif "edit" in spec:
        original = await tg.send_text(user, "你好")
        await tg.message(user.id)
        await tg.edit_text(user, original, spec["edit"])
    elif "callback" in spec:
        shown = [m for m in tg.sent if m["chat"]["id"] == user.id]
        return await tg.tap_data(user, shown[-1], spec["callback"])
    else:
        raise AssertionError(f"unknown input {spec}")
    return None


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
async def test_hostile_input_gets_a_short_clear_answer_and_saves_nothing_wrong(
    case: dict[str, Any],
    bot: App,
    tg: FakeTelegram,
    people: Cast,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    user: TgUser = getattr(people, case["who"])
    for text in case.get("setup", []):
        await tg.send_text(user, text)
        await tg.message(user.id)
    before = await _counts(bot)
    since = len(tg.sent)
    query_id = await _send(tg, user, case["input"])
    expect = case["expect"]

    if expect == "silence":
        await tg.send_text(user, "/help")  # updates are handled in order: a marker after it
        await tg.message(user.id, "您好")
        assert not [m for m in tg.sent[since:] if m["chat"]["id"] == GROUP]
    else:
        chat = GROUP if "group_text" in case["input"] else user.id

        def answered() -> str | None:
            # New messages, and the draft message the bot edits in place.
            said = [message_text(tg.current(m)) for i, m in enumerate(tg.sent)
                    if m["chat"]["id"] == chat and (i >= since or m.get("_edits"))]  # fmt: skip
            if query_id is not None and query_id in tg.answers:
                said.append(tg.answers[query_id]["text"] or "")
            return next((s for s in said if any(e in s for e in expect)), None)

        reply = await tg.wait_for(answered)
        assert _CJK.search(reply) and len(reply) <= MAX_REPLY_CHARS, reply

    for message in tg.sent[since:]:
        assert common.INTERNAL_ERROR not in message_text(message)
        if case["who"] != "admin":
            assert message["chat"]["id"] != people.admin.id, "an admin was alerted"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    gained = {k: v - before[k] for k, v in (await _counts(bot)).items()}
    assert gained == {k: case.get("saves", {}).get(k, 0) for k in COUNTED}
