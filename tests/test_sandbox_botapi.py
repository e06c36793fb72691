"""The local Bot API server (bot/sandbox/botapi.py) speaks the protocol the way Telegram
does: tested over real HTTP, as python-telegram-bot and the try-out's page use it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.sandbox.botapi import TOKEN, LocalBotApi, TgUser

TEACHER = TgUser(7, "孙老师")
PNG = b"\x89PNG\r\n\x1a\n" + b"picture-bytes" * 10


@pytest.fixture
async def api() -> AsyncIterator[LocalBotApi]:
    server = LocalBotApi()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(
    http: aiohttp.ClientSession, api: LocalBotApi, method: str, **params: Any
) -> tuple[int, dict[str, Any]]:
    """A form-encoded call, complex values JSON-encoded, as PTB sends them."""
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    async with http.post(f"{api.url}/bot{api.token}/{method}", data=form) as response:
        return response.status, await response.json()


async def upload(
    http: aiohttp.ClientSession,
    api: LocalBotApi,
    method: str,
    field: str,
    data: bytes,
    filename: str,
    **params: Any,
) -> tuple[int, dict[str, Any]]:
    form = aiohttp.FormData()
    for key, value in params.items():
        form.add_field(key, value if isinstance(value, str) else json.dumps(value))
    form.add_field(field, data, filename=filename, content_type="application/octet-stream")
    async with http.post(f"{api.url}/bot{api.token}/{method}", data=form) as response:
        return response.status, await response.json()


async def test_server_listens_on_localhost_only(api: LocalBotApi) -> None:
    assert api.url.startswith("http://127.0.0.1:")


async def test_a_wrong_token_is_unauthorized_and_an_unknown_method_not_found(
    api: LocalBotApi, http: aiohttp.ClientSession
) -> None:
    async with http.post(f"{api.url}/bot1:wrong/getMe") as response:
        assert response.status == 401
        assert (await response.json())["ok"] is False
    status, body = await call(http, api, "sendTelepathy")
    assert status == 404 and body["description"].startswith("Not Found")


async def test_get_me_answers_the_bot(api: LocalBotApi, http: aiohttp.ClientSession) -> None:
    status, body = await call(http, api, "getMe")
    assert status == 200 and body["result"]["is_bot"] is True
    assert body["result"]["id"] == int(TOKEN.split(":")[0])


async def test_get_updates_waits_for_an_update_and_returns_it_at_once(
    api: LocalBotApi, http: aiohttp.ClientSession
) -> None:
    poll = asyncio.create_task(call(http, api, "getUpdates", offset=0, timeout=30))
    await asyncio.sleep(0)  # the poll is waiting before anyone writes
    await api.send_text(TEACHER, "你好")
    status, body = await asyncio.wait_for(poll, 5)
    assert status == 200
    [update] = body["result"]
    assert update["message"]["text"] == "你好"
    assert update["message"]["from"]["id"] == TEACHER.id
    assert update["message"]["chat"] == {"id": 7, "type": "private", "first_name": "孙老师"}


async def test_get_updates_with_nothing_new_returns_an_empty_list_after_the_timeout(
    api: LocalBotApi, http: aiohttp.ClientSession
) -> None:
    status, body = await call(http, api, "getUpdates", timeout=0)
    assert status == 200 and body["result"] == []


async def test_an_offset_confirms_updates_so_they_are_not_sent_again(
    api: LocalBotApi, http: aiohttp.ClientSession
) -> None:
    for text in ("一", "二", "三"):
        await api.send_text(TEACHER, text)
    _, body = await call(http, api, "getUpdates", limit=2)
    first = [u["message"]["text"] for u in body["result"]]
    assert first == ["一", "二"]
    last_id = body["result"][-1]["update_id"]
    _, body = await call(http, api, "getUpdates", offset=last_id + 1)
    assert [u["message"]["text"] for u in body["result"]] == ["三"]
    _, body = await call(http, api, "getUpdates", offset=body["result"][-1]["update_id"] + 1)
    assert body["result"] == []


async def test_commands_carry_a_bot_command_entity(api: LocalBotApi) -> None:
    message = await api.send_text(TEACHER, "/repairs 3")
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 8}]


async def test_send_message_keeps_markup_and_reply_and_records_the_message(
    api: LocalBotApi, http: aiohttp.ClientSession
) -> None:
    asked = await api.send_text(TEACHER, "门锁坏了")
    markup = {"inline_keyboard": [[{"text": "✅ 受理", "callback_data": "rp:ok:1"}]]}
    status, body = await call(
        http,
        api,
        "sendMessage",
        chat_id=7,
        text="<b>收到</b> &amp; 已登记",
        parse_mode="HTML",
        reply_markup=markup,
        reply_parameters={"message_id": asked["message_id"]},
    )
    assert status == 200
    sent = body["result"]
    assert sent["chat"]["id"] == 7 and sent["from"]["is_bot"] is True
    assert sent["reply_markup"] == markup
    assert sent["reply_to_message"]["text"] == "门锁坏了"
    assert api.current(sent)["text"] == "<b>收到</b> &amp; 已登记"
    assert [c.method for c in api.calls] == ["sendMessage"]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "message text is empty"),
        ("字" * 4097, "message is too long"),
    ],
)
async def test_send_message_refuses_empty_or_too_long_text(
    api: LocalBotApi, http: aiohttp.ClientSession, text: str, error: str
) -> None:
    status, body = await call(http, api, "sendMessage", chat_id=7, text=text)
    assert status == 400 and error in body["description"]


@pytest.mark.parametrize(
    "text",
    [
        "<b>粗体 <i>斜体</i></b>",
        '<a href="https://example.org">链接</a> &lt;tag&gt; &quot;x&quot; &#20320; &#x597D;',
        "A & B",  # a bare ampersand is taken literally
        '<pre><code class="language-python">x = 1</code></pre>',
        '<span class="tg-spoiler">秘密</span> <blockquote>引用</blockquote>',
    ],
)
async def test_valid_html_is_accepted(
    api: LocalBotApi, http: aiohttp.ClientSession, text: str
) -> None:
    status, body = await call(http, api, "sendMessage", chat_id=7, text=text, parse_mode="HTML")
    assert status == 200, body


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("价格 < 10 元", "unsupported start tag"),  # a user's text that was not escaped
        ("<script>alert(1)</script>", "unsupported start tag"),
        ("<b>没有结束", "can't find end tag"),
        ("<b><i>交叉</b></i>", "unmatched end tag"),
        ("</b>", "unexpected end tag"),
    ],
)
async def test_broken_html_is_refused_as_telegram_refuses_it(
    api: LocalBotApi, http: aiohttp.ClientSession, text: str, error: str
) -> None:
    status, body = await call(http, api, "sendMessage", chat_id=7, text=text, parse_mode="HTML")
    assert status == 400
    assert body["description"].startswith("Bad Request: can't parse entities")
    assert error in body["description"].lower()


async def test_an_unknown_named_entity_stays_literal_text_as_in_telegram(
    api: LocalBotApi, http: aiohttp.ClientSession
) -> None:
    # tdlib decodes only &lt; &gt; &amp; &quot; and numeric entities; others are kept as typed.
    status, body = await call(
        http, api, "sendMessage", chat_id=7, text="&nbsp;空格", parse_mode="HTML"
    )
    assert status == 200
    assert body["result"]["text"] == "&nbsp;空格"


async def test_without_a_parse_mode_any_text_is_plain(
    api: LocalBotApi, http: aiohttp.ClientSession
) -> None:
    status, _ = await call(http, api, "sendMessage", chat_id=7, text="<b>没有结束 & <x>")
    assert status == 200


async def test_an_uploaded_photo_can_be_fetched_back_by_get_file_and_download(
    api: LocalBotApi, http: aiohttp.ClientSession
) -> None:
    status, body = await upload(
        http,
        api,
        "sendPhoto",
        "photo",
        PNG,
        "p.png",
        chat_id="7",
        caption="<b>公示</b>",
        parse_mode="HTML",
    )
    assert status == 200, body
    photo = body["result"]["photo"][-1]
    assert body["result"]["caption"] == "<b>公示</b>"
    status, body = await call(http, api, "getFile", file_id=photo["file_id"])
    assert status == 200 and body["result"]["file_size"] == len(PNG)
    async with http.get(f"{api.url}/file/bot{api.token}/{body['result']['file_path']}") as got:
        assert got.status == 200
        assert await got.read() == PNG


async def test_a_photo_is_sent_again_by_its_file_id_and_an_unknown_id_is_refused(
    api: LocalBotApi, http: aiohttp.ClientSession
) -> None:
    _, body = await upload(http, api, "sendPhoto", "photo", PNG, "p.png", chat_id="7")
    file_id = body["result"]["photo"][-1]["file_id"]
    status, again = await call(http, api, "sendPhoto", chat_id=8, photo=file_id)
    assert status == 200 and api.sent[-1]["_bytes"] == PNG
    assert again["result"]["chat"]["id"] == 8
    status, body = await call(http, api, "sendPhoto", chat_id=8, photo="no-such-file")
    assert status == 400 and "wrong file identifier" in body["description"]


async def test_a_user_photo_is_downloadable_by_the_bot(
    api: LocalBotApi, http: aiohttp.ClientSession
) -> None:
    message = await api.send_photo(TEACHER, PNG, caption="水龙头漏水")
    biggest = message["photo"][-1]
    assert biggest["width"] > message["photo"][0]["width"]
    _, body = await call(http, api, "getFile", file_id=biggest["file_id"])
    async with http.get(f"{api.url}/file/bot{api.token}/{body['result']['file_path']}") as got:
        assert await got.read() == PNG
    status, body = await call(http, api, "getFile", file_id="nope")
    assert status == 400 and "invalid file_id" in body["description"]


async def test_a_document_upload_keeps_its_file_name(
    api: LocalBotApi, http: aiohttp.ClientSession
) -> None:
    data = b"PK\x03\x04 a spreadsheet"
    status, body = await upload(
        http,
        api,
        "sendDocument",
        "document",
        data,
        "采购 2026-11.xlsx",
        chat_id="7",
        caption="采购导出",
    )
    assert status == 200
    document = body["result"]["document"]
    assert document["file_name"] == "采购 2026-11.xlsx"
    assert api.files[document["file_id"]] == data


async def test_edit_message_text_changes_the_message_in_place(
    api: LocalBotApi, http: aiohttp.ClientSession
) -> None:
    markup = {"inline_keyboard": [[{"text": "受理", "callback_data": "a"}]]}
    _, body = await call(http, api, "sendMessage", chat_id=7, text="待受理", reply_markup=markup)
    sent = body["result"]
    before = api.revision
    status, body = await call(
        http, api, "editMessageText", chat_id=7, message_id=sent["message_id"], text="已受理"
    )
    assert status == 200
    now = api.current(sent)
    assert now["text"] == "已受理" and "reply_markup" not in now  # no markup given: removed
    assert now["_rev"] > before  # the web chat redraws it
    assert len(api.sent) == 1


async def test_an_edit_that_changes_nothing_is_refused_as_not_modified(
    api: LocalBotApi, http: aiohttp.ClientSession
) -> None:
    _, body = await call(http, api, "sendMessage", chat_id=7, text="同样")
    mid = body["result"]["message_id"]
    status, body = await call(http, api, "editMessageText", chat_id=7, message_id=mid, text="同样")
    assert status == 400 and "message is not modified" in body["description"]
    status, body = await call(http, api, "editMessageText", chat_id=7, message_id=99, text="x")
    assert status == 400 and "message to edit not found" in body["description"]


async def test_edit_reply_markup_replaces_or_removes_the_buttons(
    api: LocalBotApi, http: aiohttp.ClientSession
) -> None:
    one = {"inline_keyboard": [[{"text": "甲", "callback_data": "1"}]]}
    two = {"inline_keyboard": [[{"text": "乙", "callback_data": "2"}]]}
    _, body = await call(http, api, "sendMessage", chat_id=7, text="选", reply_markup=one)
    sent = body["result"]
    mid = sent["message_id"]
    status, _ = await call(
        http, api, "editMessageReplyMarkup", chat_id=7, message_id=mid, reply_markup=two
    )
    assert status == 200 and api.current(sent)["reply_markup"] == two
    status, body = await call(
        http, api, "editMessageReplyMarkup", chat_id=7, message_id=mid, reply_markup=two
    )
    assert status == 400 and "not modified" in body["description"]
    status, _ = await call(http, api, "editMessageReplyMarkup", chat_id=7, message_id=mid)
    assert status == 200 and "reply_markup" not in api.current(sent)


async def test_a_button_tap_arrives_as_a_callback_query_answered_once(
    api: LocalBotApi, http: aiohttp.ClientSession
) -> None:
    markup = {"inline_keyboard": [[{"text": "✅ 受理", "callback_data": "rp:ok:1"}]]}
    _, body = await call(http, api, "sendMessage", chat_id=7, text="新报修", reply_markup=markup)
    query_id = await api.tap(TEACHER, body["result"], "受理")
    _, updates = await call(http, api, "getUpdates")
    query = updates["result"][-1]["callback_query"]
    assert query["id"] == query_id and query["data"] == "rp:ok:1"
    assert query["message"]["message_id"] == body["result"]["message_id"]
    status, _ = await call(
        http,
        api,
        "answerCallbackQuery",
        callback_query_id=query_id,
        text="已受理",
        show_alert="true",
    )
    assert status == 200
    assert api.answers[query_id] == {"text": "已受理", "show_alert": True}
    status, body = await call(http, api, "answerCallbackQuery", callback_query_id=query_id)
    assert status == 400 and "query is too old" in body["description"]


async def test_set_my_commands_keeps_each_scope(
    api: LocalBotApi, http: aiohttp.ClientSession
) -> None:
    commands = [{"command": "start", "description": "开始"}]
    group = [{"command": "menu", "description": "本周食谱"}]
    assert (await call(http, api, "setMyCommands", commands=commands))[0] == 200
    assert (
        await call(http, api, "setMyCommands", commands=group, scope={"type": "all_group_chats"})
    )[0] == 200
    assert api.commands == commands
    assert api.scoped_commands["all_group_chats"] == group


async def test_a_deleted_message_is_gone_and_reported_to_watchers(
    api: LocalBotApi, http: aiohttp.ClientSession
) -> None:
    _, body = await call(http, api, "sendMessage", chat_id=7, text="稍后删除")
    mid = body["result"]["message_id"]
    await call(http, api, "deleteMessage", chat_id=7, message_id=mid)
    assert (7, mid) not in api.messages
    assert api.deleted[(7, mid)] == api.revision


async def test_an_injected_429_carries_retry_after(
    api: LocalBotApi, http: aiohttp.ClientSession
) -> None:
    api.fail("sendMessage", status=429, retry_after=3)
    status, body = await call(http, api, "sendMessage", chat_id=7, text="x")
    assert status == 429 and body["parameters"] == {"retry_after": 3}
    status, _ = await call(http, api, "sendMessage", chat_id=7, text="x")
    assert status == 200


async def test_the_try_out_does_not_keep_a_log_of_calls() -> None:
    api = LocalBotApi(keep_calls=False)
    await api.start()
    try:
        async with aiohttp.ClientSession() as http:
            await call(http, api, "sendMessage", chat_id=7, text="x")
        assert api.calls == [] and len(api.sent) == 1
    finally:
        await api.stop()
