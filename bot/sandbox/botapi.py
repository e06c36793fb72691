"""A local Telegram Bot API server on 127.0.0.1 that speaks real HTTP the way Telegram does.

The real Application talks to it through ``BOT_API_SERVER``: the try-out (``python -m bot``
without a token) puts a web chat in front of it, and the tests play users with it (texts,
photos, documents, button taps, replies) and assert on what the bot sent. Bodies arrive
form-encoded or multipart with JSON-encoded complex values, exactly as python-telegram-bot
sends them; answers are Telegram-shaped JSON, and HTML that Telegram would refuse is refused.

Failures can be injected per method (``fail("sendMessage", status=502, times=3)``) to test
retries, and everything the bot called is recorded in ``calls``. Every change to a chat bumps
``revision`` so that a watcher (the web chat) can ask for what changed since it last looked.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import json
import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import BodyPartReader, web

from bot.sandbox.html_check import html_error

TOKEN = "123456789:TEST-token_abcdefghijklmnopqrstuvwxyz"
BOT_ID = 123456789
BOT_USERNAME = "houqin_test_bot"

# Fields PTB sends JSON-encoded inside form/multipart bodies.
_JSON_FIELDS = {
    "reply_markup",
    "media",
    "allowed_updates",
    "commands",
    "entities",
    "caption_entities",
    "link_preview_options",
    "reply_parameters",
    "scope",
    "menu_button",
}
_INT_FIELDS = {
    "chat_id",
    "message_id",
    "offset",
    "limit",
    "timeout",
    "reply_to_message_id",
    "from_chat_id",
    "cache_time",
    "user_id",
}


@dataclass(frozen=True)
class TgUser:
    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        if self.last_name:
            data["last_name"] = self.last_name
        return data

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)


@dataclass
class Failure:
    method: str
    status: int
    times: int
    retry_after: int | None = None
    description: str = ""


# Methods that put a message into a chat: what Telegram's flood limits count.
_FLOOD_METHODS = frozenset({
    "sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup", "copyMessage",
    "forwardMessage", "editMessageText", "editMessageCaption", "editMessageReplyMarkup",
})  # fmt: skip


class FloodLimits:
    """Telegram's flood control as a bot sees it: about 30 messages a second across all
    chats and 20 a minute in one group; past that a 429 with ``retry_after``. Off by
    default (tests of features need no pacing); the benchmark and the lane tests turn it on."""

    def __init__(self, per_second: int = 30, per_group_minute: int = 20) -> None:
        self.per_second = per_second
        self.per_group_minute = per_group_minute
        self._recent: collections.deque[float] = collections.deque()
        self._groups: dict[int, collections.deque[float]] = {}
        self.refused = 0  # how many 429s were given

    def take(self, chat_id: int, now: float) -> int | None:
        """Count one message to ``chat_id``; the seconds to wait if it is over a limit."""
        recent = self._recent
        while recent and recent[0] <= now - 1.0:
            recent.popleft()
        if len(recent) >= self.per_second:
            self.refused += 1
            return max(1, math.ceil(recent[0] + 1.0 - now))
        if chat_id < 0:
            group = self._groups.setdefault(chat_id, collections.deque())
            while group and group[0] <= now - 60.0:
                group.popleft()
            if len(group) >= self.per_group_minute:
                self.refused += 1
                return max(1, math.ceil(group[0] + 60.0 - now))
            group.append(now)
        recent.append(now)
        return None


class LocalBotApi:
    def __init__(
        self, token: str = TOKEN, *, keep_calls: bool = True, flood: FloodLimits | None = None
    ) -> None:
        self.token = token
        self.flood = flood
        # The try-out runs for hours: it keeps chats but not a log of every call's bytes.
        self.keep_calls = keep_calls
        # Message dates: the try-out follows the bot's clock when its time controls jump ahead.
        self.now: Callable[[], float] = time.time
        self.bot_user = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "后勤助手",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.calls: list[Call] = []
        self.sent: list[dict[str, Any]] = []  # every message the bot sent, in order
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}  # chat, id -> message
        self.answers: dict[str, dict[str, Any]] = {}  # callback query id -> answer params
        self.files: dict[str, bytes] = {}  # file_id -> bytes (both directions)
        self.commands: list[dict[str, Any]] = []  # the default scope (private chats)
        self.scoped_commands: dict[str, list[dict[str, Any]]] = {}  # by BotCommandScope type
        self.revision = 0  # bumped on every change a chat watcher can see
        self.deleted: dict[tuple[int, int], int] = {}  # chat, id -> revision of the deletion
        self._consumed: set[int] = set()  # indexes into self.sent handed to a test already
        self._shown_revision: dict[int, int] = {}  # chat -> revision shown() returned last
        self._acted: dict[int, int] = {}  # chat -> revision at the user's last message or tap
        self._updates: list[dict[str, Any]] = []
        self.pushed: dict[int, dict[str, Any]] = {}  # update id -> every update ever sent
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._file_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._failures: list[Failure] = []
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""

    # ------------------------------------------------------------------ server lifecycle
    def add_routes(self, app: web.Application) -> None:
        """The Bot API routes, for a server that serves more (the try-out's web chat)."""
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.*}", self._handle_file)

    async def start(self, port: int = 0, app: web.Application | None = None) -> str:
        """Listen on 127.0.0.1 only (``port`` 0: any free port); returns the root URL."""
        if app is None:
            app = web.Application(client_max_size=64 * 1024 * 1024)
            self.add_routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        host, bound = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{bound}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ------------------------------------------------------------------ failure injection
    def fail(
        self,
        method: str,
        *,
        status: int,
        times: int = 1,
        retry_after: int | None = None,
        description: str = "",
    ) -> None:
        """The next ``times`` calls of ``method`` answer with ``status`` (502, 429, 403 ...)."""
        self._failures.append(Failure(method, status, times, retry_after, description))

    def _take_failure(self, method: str) -> Failure | None:
        for failure in self._failures:
            if failure.method == method and failure.times > 0:
                failure.times -= 1
                return failure
        return None

    def _touch(self, message: dict[str, Any]) -> None:
        """Mark ``message`` as changed for watchers of its chat."""
        self.revision += 1
        message["_rev"] = self.revision

    # ------------------------------------------------------------------ playing users
    def _next_message_id(self) -> int:
        return next(self._message_ids)

    def _chat(
        self, chat_id: int, user: TgUser | None = None, title: str | None = None
    ) -> dict[str, Any]:
        if chat_id > 0 and user is not None:
            return {
                "id": chat_id,
                "type": "private",
                "first_name": user.first_name,
                **({"username": user.username} if user.username else {}),
            }
        return {"id": chat_id, "type": "supergroup", "title": title or "公示群"}

    async def _push(self, update: dict[str, Any]) -> dict[str, Any]:
        update["update_id"] = next(self._update_ids)
        self.pushed[update["update_id"]] = update
        async with self._changed:
            self._updates.append(update)
            self._changed.notify_all()
        return update

    async def redeliver(self, update_id: int) -> None:
        """Deliver an update again, as Telegram does when the bot fetched it but was killed
        before the next getUpdates confirmed it."""
        async with self._changed:
            self._updates.insert(0, self.pushed[update_id])
            self._changed.notify_all()

    def repeats(self) -> list[list[dict[str, Any]]]:
        """Messages the bot sent to the same chat more than once, as groups of copies in
        order; a copy that says it is sent again (「（重发：…」) counts as a repeat too."""
        groups: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
        for sent in self.sent:
            groups[(sent["chat"]["id"], message_text(sent).split("\n\n（重发")[0])].append(sent)
        return [copies for copies in groups.values() if len(copies) > 1]

    def _user_message(
        self, user: TgUser, chat_id: int | None, reply_to: dict[str, Any] | None
    ) -> dict[str, Any]:
        chat_id = user.id if chat_id is None else chat_id
        message: dict[str, Any] = {
            "message_id": self._next_message_id(),
            "date": int(self.now()),
            "chat": self._chat(chat_id, user),
            "from": user.to_dict(),
        }
        if reply_to is not None:
            # Internal keys (_bytes, _method) are not Telegram fields and bytes are not JSON.
            message["reply_to_message"] = {
                k: v for k, v in _public(reply_to).items() if k != "reply_to_message"
            }
        self.messages[(chat_id, message["message_id"])] = message
        self._touch(message)
        self._acted[chat_id] = self.revision
        return message

    async def send_text(
        self,
        user: TgUser,
        text: str,
        *,
        chat_id: int | None = None,
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """``user`` sends ``text`` (a command if it starts with /)."""
        message = self._user_message(user, chat_id, reply_to)
        message["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        await self._push({"message": message})
        return message

    async def edit_text(self, user: TgUser, message: dict[str, Any], text: str) -> dict[str, Any]:
        """``user`` edits a text message they sent earlier (Telegram sends ``edited_message``)."""
        edited = {**message, "text": text, "edit_date": int(self.now())}
        self.messages[(edited["chat"]["id"], edited["message_id"])] = edited
        self._touch(edited)
        await self._push({"edited_message": edited})
        return edited

    async def edit_caption(
        self, user: TgUser, message: dict[str, Any], caption: str
    ) -> dict[str, Any]:
        """``user`` edits the caption of a photo they sent earlier."""
        edited = {**message, "caption": caption, "edit_date": int(self.now())}
        self.messages[(edited["chat"]["id"], edited["message_id"])] = edited
        self._touch(edited)
        await self._push({"edited_message": edited})
        return edited

    def delete_by_user(self, message: dict[str, Any]) -> None:
        """The user deletes a message from their chat (Telegram does not tell the bot)."""
        key = (message["chat"]["id"], message["message_id"])
        if self.messages.pop(key, None) is not None:
            self.revision += 1
            self.deleted[key] = self.revision

    def add_file(self, data: bytes) -> tuple[str, str]:
        n = next(self._file_ids)
        file_id, unique = f"file-{n}-{'x' * 20}", f"u{n}"
        self.files[file_id] = data
        return file_id, unique

    async def send_photo(
        self,
        user: TgUser,
        data: bytes,
        *,
        caption: str | None = None,
        media_group_id: str | None = None,
        width: int = 1280,
        height: int = 960,
        chat_id: int | None = None,
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A photo as Telegram delivers it: several sizes of one picture (all the same bytes
        here), the largest last."""
        message = self._user_message(user, chat_id, reply_to)
        sizes = []
        for scale in (4, 1):
            file_id, unique = self.add_file(data)
            sizes.append(
                {
                    "file_id": file_id,
                    "file_unique_id": unique,
                    "width": width // scale,
                    "height": height // scale,
                    "file_size": len(data),
                }
            )
        message["photo"] = sizes
        if caption is not None:
            message["caption"] = caption
        if media_group_id is not None:
            message["media_group_id"] = media_group_id
        await self._push({"message": message})
        return message

    async def send_voice_or_sticker(self, user: TgUser, kind: str) -> dict[str, Any]:
        """A voice message (``kind="voice"``) or a sticker (``"sticker"``); the bot never
        downloads either, so the file is a placeholder."""
        message = self._user_message(user, None, None)
        file_id, unique = self.add_file(b"")
        if kind == "voice":
            message["voice"] = {"file_id": file_id, "file_unique_id": unique, "duration": 3}
        else:
            message["sticker"] = {"file_id": file_id, "file_unique_id": unique, "width": 512,
                                  "height": 512, "is_animated": False, "is_video": False,
                                  "type": "regular"}  # fmt: skip
        await self._push({"message": message})
        return message

    async def send_document(
        self,
        user: TgUser,
        data: bytes,
        *,
        file_name: str,
        mime_type: str,
        caption: str | None = None,
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        message = self._user_message(user, chat_id, None)
        file_id, unique = self.add_file(data)
        message["document"] = {
            "file_id": file_id,
            "file_unique_id": unique,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(data),
        }
        if caption is not None:
            message["caption"] = caption
        await self._push({"message": message})
        return message

    async def add_bot_to_group(
        self, user: TgUser, chat_id: int, title: str, *, status: str = "member"
    ) -> dict[str, Any]:
        """``user`` adds the bot to a group (Telegram sends ``my_chat_member``)."""
        chat = {"id": chat_id, "type": "supergroup", "title": title}
        bot = {k: v for k, v in self.bot_user.items() if k in ("id", "is_bot", "first_name",
                                                                 "username")}  # fmt: skip
        return await self._push(
            {
                "my_chat_member": {
                    "chat": chat,
                    "from": user.to_dict(),
                    "date": int(time.time()),
                    "old_chat_member": {"status": "left", "user": bot},
                    "new_chat_member": {"status": status, "user": bot},
                }
            }
        )

    def keyboard(self, message: dict[str, Any]) -> list[str]:
        """The labels of the reply keyboard a bot message brought (row by row, flattened)."""
        rows = (message.get("_keyboard") or {}).get("keyboard", [])
        return [b if isinstance(b, str) else b["text"] for row in rows for b in row]

    async def tap(self, user: TgUser, message: dict[str, Any], label: str) -> str:
        """``user`` presses the inline button whose label contains ``label`` on ``message``
        (the bot's message as it is now, after any edits). Returns the callback query id."""
        current = self.messages.get((message["chat"]["id"], message["message_id"]), message)
        for row in (current.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if label in button["text"]:
                    return await self.tap_data(user, current, button["callback_data"])
        labels = [
            b["text"]
            for row in (current.get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row
        ]
        raise AssertionError(f"no button containing {label!r} on message; buttons: {labels}")

    async def tap_data(self, user: TgUser, message: dict[str, Any], data: str) -> str:
        """Press a button with arbitrary (possibly forged) callback data."""
        query_id = str(next(self._query_ids))
        self._acted[message["chat"]["id"]] = self.revision
        await self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user.to_dict(),
                    "chat_instance": "ci",
                    "message": _public(message),
                    "data": data,
                }
            }
        )
        return query_id

    # ------------------------------------------------------------------ waiting & asserting
    async def wait_until(self, predicate: Callable[[], Any], timeout: float) -> Any:
        """The first truthy value of ``predicate()``, checked on every change; None if
        ``timeout`` seconds pass first."""
        deadline = asyncio.get_running_loop().time() + timeout
        async with self._changed:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    return None
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait until ``predicate()`` returns something truthy; returns it."""
        result = await self.wait_until(predicate, timeout)
        if not result:
            raise AssertionError(
                f"timed out after {timeout}s; bot sent: {[_summary(m) for m in self.sent[-8:]]}"
            )
        return result

    async def message(
        self, chat_id: int, contains: str | None = None, *, timeout: float = 10.0
    ) -> dict[str, Any]:
        """The next message the bot sent to ``chat_id`` (containing ``contains``) that no
        earlier call returned. Messages are consumed in order per match."""

        def find() -> dict[str, Any] | None:
            for index, sent in enumerate(self.sent):
                if index in self._consumed or sent["chat"]["id"] != chat_id:
                    continue
                if contains is None or contains in message_text(sent):
                    self._consumed.add(index)
                    return sent
            return None

        return await self.wait_for(find, timeout)  # type: ignore[no-any-return]

    async def shown(self, chat_id: int, contains: str, *, timeout: float = 10.0) -> dict[str, Any]:
        """The bot's message in ``chat_id`` that was sent or edited to show ``contains``
        after the user's last message or tap there and after whatever the previous call for
        this chat returned: a card kept current in place counts like a new message. Returns
        the message as it is now."""
        since = max(self._shown_revision.get(chat_id, 0), self._acted.get(chat_id, 0))

        def find() -> dict[str, Any] | None:
            found = [
                m
                for (chat, _), m in self.messages.items()
                if chat == chat_id
                and m.get("from") == self.bot_user
                and int(m.get("_rev", 0)) > since
                and contains in message_text(m)
            ]
            return min(found, key=lambda m: int(m["_rev"])) if found else None

        message: dict[str, Any] = await self.wait_for(find, timeout)
        self._shown_revision[chat_id] = int(message["_rev"])
        return message

    async def answer(self, query_id: str, *, timeout: float = 10.0) -> dict[str, Any]:
        """How the bot answered a button press (text, show_alert)."""
        return await self.wait_for(lambda: self.answers.get(query_id), timeout)  # type: ignore[no-any-return]

    async def quiet(self, chat_id: int, seconds: float = 0.6) -> list[dict[str, Any]]:
        """Messages sent to ``chat_id`` (not yet consumed) within ``seconds``; used only to
        check that the bot says nothing."""
        await asyncio.sleep(seconds)
        return [
            m
            for i, m in enumerate(self.sent)
            if i not in self._consumed and m["chat"]["id"] == chat_id
        ]

    def current(self, message: dict[str, Any]) -> dict[str, Any]:
        """A bot message as it is now, after edits."""
        return self.messages[(message["chat"]["id"], message["message_id"])]

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    # ------------------------------------------------------------------ HTTP handlers
    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        data = self.files.get(file_id)
        if data is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=data, content_type="application/octet-stream")

    async def _parse(self, request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        params: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        if request.content_type == "multipart/form-data":
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue  # nested multipart: PTB never sends one
                name = part.name or ""
                if part.filename is not None:
                    files[name] = bytes(await part.read())
                    # aiohttp leaves an RFC 5987 name (filename*=utf-8''…) percent-encoded.
                    params.setdefault("_filename", unquote(part.filename))
                else:
                    params[name] = (await part.read()).decode()
        elif request.content_type == "application/json":
            params = await request.json()
        else:
            params = dict(await request.post())
            params.update(request.query)
        for key in list(params):
            value = params[key]
            if isinstance(value, str) and key in _JSON_FIELDS:
                params[key] = json.loads(value)
            elif isinstance(value, str) and key in _INT_FIELDS and value.lstrip("-").isdigit():
                params[key] = int(value)
        return params, files

    async def _handle_method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params, files = await self._parse(request)
        if method != "getUpdates" and self.keep_calls:
            self.calls.append(Call(method, params, files))
        failure = self._take_failure(method)
        if failure is not None:
            body: dict[str, Any] = {
                "ok": False,
                "error_code": failure.status,
                "description": failure.description or _REASONS.get(failure.status, "Error"),
            }
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
                body["description"] = f"Too Many Requests: retry after {failure.retry_after}"
            return web.json_response(body, status=failure.status)
        if self.flood is not None and method in _FLOOD_METHODS and "chat_id" in params:
            wait = self.flood.take(int(params["chat_id"]), time.monotonic())
            if wait is not None:
                return web.json_response(
                    {
                        "ok": False,
                        "error_code": 429,
                        "description": f"Too Many Requests: retry after {wait}",
                        "parameters": {"retry_after": wait},
                    },
                    status=429,
                )
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
                status=404,
            )
        try:
            result = await handler(params, files)
        except _ApiError as err:
            return web.json_response(
                {"ok": False, "error_code": err.status, "description": err.description},
                status=err.status,
            )
        async with self._changed:
            self._changed.notify_all()
        return web.json_response({"ok": True, "result": result})

    # ------------------------------------------------------------------ Bot API methods
    async def _m_getMe(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        return self.bot_user

    async def _m_deleteWebhook(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        return True

    async def _m_setWebhook(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        return True  # the call (url, secret_token) is in self.calls for tests to check

    async def _m_setMyCommands(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        given = p.get("scope") or {}
        scope = given.get("type", "default")
        if scope == "chat":  # one person's private menu: by chat
            scope = f"chat:{given.get('chat_id')}"
        self.scoped_commands[scope] = p.get("commands", [])
        if scope == "default":
            self.commands = self.scoped_commands[scope]
        return True

    async def _m_sendChatAction(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        return True

    async def _m_getUpdates(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        offset = int(p.get("offset") or 0)
        timeout = min(float(p.get("timeout") or 0), 1.0)
        async with self._changed:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if not self._updates and timeout > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), timeout)
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            return list(self._updates[: int(p.get("limit") or 100)])

    def _bot_message(self, p: dict[str, Any]) -> dict[str, Any]:
        chat_id = p.get("chat_id")
        if not isinstance(chat_id, int):
            raise _ApiError(400, "Bad Request: chat not found")
        message: dict[str, Any] = {
            "message_id": self._next_message_id(),
            "date": int(self.now()),
            "chat": self._chat(chat_id, TgUser(chat_id, "user")),
            "from": self.bot_user,
        }
        markup = p.get("reply_markup")
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        elif markup:
            # A reply keyboard (or its removal) is not part of the message Telegram returns;
            # the rig keeps it for tests to look at.
            message["_keyboard"] = markup
        reply_to = p.get("reply_to_message_id") or (p.get("reply_parameters") or {}).get(
            "message_id"
        )
        if reply_to and (chat_id, reply_to) in self.messages:
            message["reply_to_message"] = _public(self.messages[(chat_id, reply_to)])
        return message

    def _record(self, message: dict[str, Any], method: str) -> dict[str, Any]:
        message["_method"] = method
        self.messages[(message["chat"]["id"], message["message_id"])] = message
        self.sent.append(message)
        self._touch(message)
        return {k: v for k, v in message.items() if not k.startswith("_")}

    def _file_param(self, value: Any, files: dict[str, bytes]) -> tuple[str, bytes | None]:
        """A file parameter: an uploaded part ("attach://x" or the field itself) or a file_id."""
        if isinstance(value, str) and value.startswith("attach://"):
            data = files[value.removeprefix("attach://")]
        elif isinstance(value, str) and value in self.files:
            return value, self.files[value]
        elif isinstance(value, str):
            raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        else:
            raise _ApiError(400, "Bad Request: there is no photo in the request")
        file_id, _ = self.add_file(data)
        return file_id, data

    async def _m_sendMessage(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        text = p.get("text") or ""
        if not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise _ApiError(400, "Bad Request: message is too long")
        _check_html(text, p.get("parse_mode"))
        message = self._bot_message(p)
        message["text"] = text
        message["_parse_mode"] = p.get("parse_mode")
        return self._record(message, "sendMessage")

    async def _photo_message(
        self, p: dict[str, Any], f: dict[str, bytes], photo: Any
    ) -> dict[str, Any]:
        data: bytes | None
        if "photo" in f:
            file_id, data = self.add_file(f["photo"])[0], f["photo"]
        else:
            file_id, data = self._file_param(photo, f)
        caption = p.get("caption")
        if caption and len(caption) > 1024:
            raise _ApiError(400, "Bad Request: message caption is too long")
        if caption:
            _check_html(caption, p.get("parse_mode"))
        message = self._bot_message(p)
        message["photo"] = [
            {
                "file_id": file_id,
                "file_unique_id": file_id,
                "width": 100,
                "height": 100,
                "file_size": len(data or b""),
            }
        ]
        if caption:
            message["caption"] = caption
        message["_bytes"] = data
        message["_parse_mode"] = p.get("parse_mode")
        return message

    async def _m_sendPhoto(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        message = await self._photo_message(p, f, p.get("photo"))
        return self._record(message, "sendPhoto")

    async def _m_sendDocument(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        if "document" in f:
            data: bytes | None = f["document"]
            file_id, _ = self.add_file(f["document"])
        else:
            file_id, data = self._file_param(p.get("document"), f)
        message = self._bot_message(p)
        message["document"] = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_name": p.get("_filename") or "file",
            "file_size": len(data or b""),
        }
        if p.get("caption"):
            _check_html(p["caption"], p.get("parse_mode"))
            message["caption"] = p["caption"]
        message["_bytes"] = data
        message["_parse_mode"] = p.get("parse_mode")
        return self._record(message, "sendDocument")

    async def _m_sendMediaGroup(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        media = p.get("media") or []
        if not 2 <= len(media) <= 10:
            raise _ApiError(400, "Bad Request: wrong number of media in the album")
        group_id = f"album-{self._next_message_id()}"
        results = []
        for item in media:
            message = await self._photo_message(
                {**p, "caption": item.get("caption"), "reply_markup": None}, f, item["media"]
            )
            message["media_group_id"] = group_id
            results.append(self._record(message, "sendMediaGroup"))
        return results

    def _existing(self, p: dict[str, Any]) -> dict[str, Any]:
        key = (p.get("chat_id"), p.get("message_id"))
        message = self.messages.get(key)  # type: ignore[arg-type]
        if message is None or message.get("from", {}).get("id") != BOT_ID:
            raise _ApiError(400, "Bad Request: message to edit not found")
        return message

    async def _m_editMessageText(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        message = self._existing(p)
        if "text" not in message:
            raise _ApiError(400, "Bad Request: there is no text in the message to edit")
        _check_html(p.get("text") or "", p.get("parse_mode"))
        new_markup = p.get("reply_markup") or None
        if message["text"] == p.get("text") and message.get("reply_markup") == new_markup:
            raise _ApiError(
                400,
                "Bad Request: message is not modified: specified new message "
                "content and reply markup are exactly the same",
            )
        message.setdefault("_was", []).append(message["text"])  # what it said before
        message["text"] = p.get("text")
        _set_markup(message, new_markup)
        message.setdefault("_edits", 0)
        message["_edits"] += 1
        self._touch(message)
        return {k: v for k, v in message.items() if not k.startswith("_")}

    async def _m_editMessageCaption(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        message = self._existing(p)
        _check_html(p.get("caption") or "", p.get("parse_mode"))
        new_markup = p.get("reply_markup") or None
        if message.get("caption") == p.get("caption") and message.get("reply_markup") == new_markup:
            raise _ApiError(400, "Bad Request: message is not modified")
        message.setdefault("_was", []).append(message.get("caption") or "")
        message["caption"] = p.get("caption")
        _set_markup(message, new_markup)
        self._touch(message)
        return {k: v for k, v in message.items() if not k.startswith("_")}

    async def _m_editMessageReplyMarkup(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        message = self._existing(p)
        new_markup = p.get("reply_markup") or None
        if message.get("reply_markup") == new_markup:
            raise _ApiError(400, "Bad Request: message is not modified")
        _set_markup(message, new_markup)
        self._touch(message)
        return {k: v for k, v in message.items() if not k.startswith("_")}

    async def _m_deleteMessage(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        key = (p.get("chat_id"), p.get("message_id"))
        if self.messages.pop(key, None) is not None:  # type: ignore[arg-type]
            self.revision += 1
            self.deleted[key] = self.revision  # type: ignore[index]
        return True

    async def _m_answerCallbackQuery(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        query_id = str(p.get("callback_query_id"))
        if query_id in self.answers:
            raise _ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.answers[query_id] = {
            "text": p.get("text"),
            "show_alert": p.get("show_alert") in (True, "true", "True"),
        }
        return True

    async def _m_getFile(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        file_id = p.get("file_id")
        if file_id not in self.files:
            raise _ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_size": len(self.files[file_id]),
            "file_path": f"photos/{file_id}",
        }


class _ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


_REASONS = {
    400: "Bad Request",
    403: "Forbidden: bot was blocked by the user",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def _set_markup(message: dict[str, Any], markup: Any) -> None:
    if markup and markup.get("inline_keyboard"):
        message["reply_markup"] = markup
    else:
        message.pop("reply_markup", None)


def _check_html(text: str, parse_mode: Any) -> None:
    """Refuse what Telegram refuses in HTML parse mode (bot/sandbox/html_check.py)."""
    if parse_mode == "HTML" and (error := html_error(text)) is not None:
        raise _ApiError(400, error)


def message_text(message: dict[str, Any]) -> str:
    return str(message.get("text") or message.get("caption") or "")


def buttons(message: dict[str, Any]) -> list[str]:
    return [
        b["text"]
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
        for b in row
    ]


def _summary(message: dict[str, Any]) -> str:
    return f"{message['chat']['id']}: {message_text(message)[:60]!r} {buttons(message)}"


def _public(message: dict[str, Any]) -> dict[str, Any]:
    """A recorded message without the rig's private keys (``_bytes``, ``_method`` ...), which
    must never reach the bot: bytes are not JSON."""
    return {k: v for k, v in message.items() if not k.startswith("_")}


FakeTelegram = LocalBotApi  # the test rig's name for it
