"""The try-out's web chat: a page that plays the people of the school against the local
Bot API, and a control to run the bot's next scheduled job now.

Everything here speaks to the bot only through the Bot API (as Telegram would) except the
job control, which lists the Application's JobQueue and runs the chosen job; the bot's own
code knows nothing of this page.
"""

from __future__ import annotations

import mimetypes
from datetime import UTC, datetime, timedelta, tzinfo
from importlib import resources
from typing import Any
from urllib.parse import quote

from aiohttp import web
from telegram.ext import Application, Job

from bot.clock import Clock
from bot.sandbox.botapi import LocalBotApi, TgUser
from bot.sandbox.cast import CAST, PUBLIC_CHAT_ID, PUBLIC_CHAT_TITLE

STATIC = resources.files("bot.sandbox") / "static"
SAMPLES = ("lamp.jpg", "tap.jpg", "receipt.jpg")
LONG_POLL_SECONDS = 20.0

# Jobs a visitor can fire, by the start of their name, with what the page calls them.
# The outbox sender and its kicks run every few seconds anyway and are not listed.
JOB_LABELS = (
    ("patrol:watch", "巡查提醒与漏查检查"),
    ("patrol:morning", "早上巡查"),
    ("patrol:afternoon", "下午巡查"),
    ("patrol:night", "晚间巡查"),
    ("menu:weekly", "推送下周食谱"),
    ("menu:today", "推送今日食谱"),
    ("menu:remind", "提醒填写下周食谱"),
    ("purchases:post", "采购公示"),
    ("purchases:suppliers", "供应商证照检查"),
    ("repairs:", "报修催办"),
    ("backup:", "数据库备份"),
)


def job_label(name: str) -> str | None:
    if name.startswith("outbox:"):
        return None
    for prefix, label in JOB_LABELS:
        if name.startswith(prefix):
            return label
    return name


@web.middleware
async def _only_this_page(request: web.Request, handler: Any) -> web.StreamResponse:
    """The page's actions come from the page: another site open in the same browser must not
    post into the try-out (no cross-origin requests, no DNS-rebound host names)."""
    if request.path.startswith("/try/"):
        host = request.host.rsplit(":", 1)[0]
        origin = request.headers.get("Origin")
        if host not in ("127.0.0.1", "localhost") or (
            origin is not None and origin.split("://", 1)[-1] != request.host
        ):
            raise web.HTTPForbidden(text="only the try-out's own page may do this")
    result: web.StreamResponse = await handler(request)
    return result


def _any_change(changes: dict[str, Any]) -> dict[str, Any] | None:
    return changes if changes["messages"] or changes["deleted"] else None


def _kind(data: bytes) -> str:
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    return "application/octet-stream"


class TryOutClock(Clock):
    """Real time plus however far the visitor has jumped ahead with the time controls, so a
    job run early (the 21:30 patrol round at 15:00) sees the time it was scheduled for."""

    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.ahead

    def jump_to(self, when: datetime) -> None:
        """Move forward to ``when`` (never back: the bot's records must not go backwards)."""
        self.ahead = max(self.ahead, when - datetime.now(UTC))


class WebChat:
    def __init__(self, api: LocalBotApi, timezone: tzinfo, clock: TryOutClock) -> None:
        self.api = api
        self.timezone = timezone
        self.clock = clock
        self.application: Application[Any, Any, Any, Any, Any, Any] | None = None
        self.web = web.Application(client_max_size=32 * 1024 * 1024, middlewares=[_only_this_page])
        api.add_routes(self.web)
        r = self.web.router
        r.add_get("/", self._page)
        r.add_get("/static/font.otf", self._font)
        r.add_get("/static/{name}", self._static)
        r.add_get("/samples/{name}", self._sample)
        r.add_get("/try/people", self._people)
        r.add_get("/try/chat/{chat_id}", self._chat)
        r.add_get("/try/file/{file_id}", self._file)
        r.add_post("/try/send", self._send)
        r.add_post("/try/photo", self._photo)
        r.add_post("/try/tap", self._tap)
        r.add_get("/try/jobs", self._jobs)
        r.add_post("/try/jobs/run", self._run_job)

    # ------------------------------------------------------------------ the page
    async def _page(self, request: web.Request) -> web.Response:
        return web.Response(
            text=(STATIC / "index.html").read_text(encoding="utf-8"), content_type="text/html"
        )

    async def _static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in ("chat.css", "chat.js"):
            raise web.HTTPNotFound()
        kind = "text/css" if name.endswith(".css") else "application/javascript"
        return web.Response(text=(STATIC / name).read_text(encoding="utf-8"), content_type=kind)

    async def _font(self, request: web.Request) -> web.Response:
        """The bundled Noto Sans SC subset: the page reads as Chinese on a machine (or a
        browser in CI) without a CJK font, still offline."""
        data = (resources.files("bot") / "fonts" / "NotoSansSC-Subset.otf").read_bytes()
        return web.Response(
            body=data, content_type="font/otf", headers={"Cache-Control": "max-age=86400"}
        )

    async def _sample(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in SAMPLES:
            raise web.HTTPNotFound()
        return web.Response(
            body=(STATIC / "samples" / name).read_bytes(), content_type="image/jpeg"
        )

    # ------------------------------------------------------------------ chats
    async def _people(self, request: web.Request) -> web.Response:
        people = [{"id": p.user_id, "name": p.name, "title": p.title, "group": False} for p in CAST]
        people.append(
            {"id": PUBLIC_CHAT_ID, "name": PUBLIC_CHAT_TITLE, "title": "群", "group": True}
        )
        return web.json_response(people)

    def _user(self, chat_id: int) -> TgUser:
        for person in CAST:
            if person.user_id == chat_id:
                return TgUser(person.user_id, person.name)
        raise web.HTTPNotFound(text="no such person")

    def _view(self, message: dict[str, Any]) -> dict[str, Any]:
        """A message as the page draws it (no bytes, files by id)."""
        view: dict[str, Any] = {
            "id": message["message_id"],
            "bot": message.get("from", {}).get("is_bot", False),
            "from": message.get("from", {}).get("first_name", ""),
            "time": datetime.fromtimestamp(message.get("date", 0), self.timezone).strftime("%H:%M"),
            "text": message.get("text"),
            "caption": message.get("caption"),
            "html": message.get("_parse_mode") == "HTML",
            "edited": bool(message.get("_edits") or message.get("edit_date")),
            "markup": message.get("reply_markup"),
        }
        if message.get("photo"):
            view["photo"] = message["photo"][-1]["file_id"]
        if message.get("document"):
            doc = message["document"]
            view["document"] = {"id": doc["file_id"], "name": doc.get("file_name") or "file"}
        reply = message.get("reply_to_message")
        if reply:
            snippet = (
                reply.get("text")
                or reply.get("caption")
                or ("[图片]" if reply.get("photo") else "")
            )
            view["reply_to"] = {
                "id": reply.get("message_id"),
                "text": snippet[:200],
                "html": self._is_html(reply),
            }
        return view

    def _is_html(self, message: dict[str, Any]) -> bool:
        """A quoted message carries no private keys: look up how it was sent."""
        key = (message.get("chat", {}).get("id"), message.get("message_id"))
        original = self.api.messages.get(key)  # type: ignore[arg-type]
        return bool(original and original.get("_parse_mode") == "HTML")

    def _changes(self, chat_id: int, since: int) -> dict[str, Any]:
        changed = [
            m
            for (chat, _), m in self.api.messages.items()
            if chat == chat_id and m.get("_rev", 0) > since
        ]
        changed.sort(key=lambda m: m["message_id"])
        deleted = [
            mid for (chat, mid), rev in self.api.deleted.items() if chat == chat_id and rev > since
        ]
        return {
            "revision": self.api.revision,
            "messages": [self._view(m) for m in changed],
            "deleted": deleted,
        }

    async def _chat(self, request: web.Request) -> web.Response:
        """Long polling: what changed in this chat since ``since``, waiting up to 20 s."""
        chat_id = int(request.match_info["chat_id"])
        since = int(request.query.get("since", "0"))
        changes = self._changes(chat_id, since)
        if not changes["messages"] and not changes["deleted"]:
            wait = min(float(request.query.get("wait", LONG_POLL_SECONDS)), LONG_POLL_SECONDS)
            changes = (
                await self.api.wait_until(lambda: _any_change(self._changes(chat_id, since)), wait)
                or changes
            )
        return web.json_response(changes)

    async def _file(self, request: web.Request) -> web.Response:
        data = self.api.files.get(request.match_info["file_id"])
        if data is None:
            raise web.HTTPNotFound()
        headers = {}
        name = request.query.get("name")
        if name:
            headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        else:
            kind = _kind(data)
        return web.Response(body=data, content_type=kind, headers=headers)

    def _reply_to(self, chat_id: int, message_id: Any) -> dict[str, Any] | None:
        if not message_id:
            return None
        return self.api.messages.get((chat_id, int(message_id)))

    async def _send(self, request: web.Request) -> web.Response:
        body = await request.json()
        chat_id = int(body["chat_id"])
        text = str(body.get("text") or "").strip()
        if not text:
            raise web.HTTPBadRequest(text="empty")
        await self.api.send_text(
            self._user(chat_id), text, reply_to=self._reply_to(chat_id, body.get("reply_to"))
        )
        return web.json_response({"ok": True})

    async def _photo(self, request: web.Request) -> web.Response:
        form = await request.post()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        upload = form.get("photo")
        data = upload.file.read() if isinstance(upload, web.FileField) else b""
        if fields.get("sample") in SAMPLES:
            data = (STATIC / "samples" / fields["sample"]).read_bytes()
        if not data:
            raise web.HTTPBadRequest(text="no photo")
        chat_id = int(fields["chat_id"])
        await self.api.send_photo(
            self._user(chat_id),
            data,
            caption=fields.get("caption") or None,
            reply_to=self._reply_to(chat_id, fields.get("reply_to")),
        )
        return web.json_response({"ok": True})

    async def _tap(self, request: web.Request) -> web.Response:
        """A button press; answers with the bot's toast (answerCallbackQuery) if it comes."""
        body = await request.json()
        chat_id = int(body["chat_id"])
        message = self.api.messages.get((chat_id, int(body["message_id"])))
        if message is None:
            raise web.HTTPNotFound(text="message gone")
        query_id = await self.api.tap_data(self._user(chat_id), message, str(body["data"]))
        answer = await self.api.wait_until(lambda: self.api.answers.get(query_id), 5) or {}
        return web.json_response({"text": answer.get("text"), "alert": answer.get("show_alert")})

    # ------------------------------------------------------------------ time controls
    def _listed_jobs(self) -> list[Job[Any]]:
        if self.application is None or self.application.job_queue is None:
            return []
        jobs = [j for j in self.application.job_queue.jobs() if job_label(j.name or "")]
        far = datetime.max.replace(tzinfo=UTC)
        return sorted(jobs, key=lambda j: self._at(j) or far)

    def _at(self, job: Job[Any]) -> datetime | None:
        """When the job is next due by the bot's clock (which may be ahead of real time):
        its trigger's next time after the clock's now."""
        trigger = getattr(job.job, "trigger", None)
        if trigger is not None:
            when: datetime | None = trigger.get_next_fire_time(None, self.clock.now())
            return when
        return job.next_t

    async def _jobs(self, request: web.Request) -> web.Response:
        now = self.clock.now().astimezone(self.timezone)
        return web.json_response(
            {
                "now": now.strftime("%m-%d %H:%M"),
                "jobs": [
                    {
                        "name": j.name,
                        "label": job_label(j.name or ""),
                        "next": at.astimezone(self.timezone).strftime("%m-%d %H:%M") if at else "",
                    }
                    for j in self._listed_jobs()
                    for at in [self._at(j)]
                ],
            }
        )

    async def _run_job(self, request: web.Request) -> web.Response:
        """Run a job now, as the JobQueue would at its time (its schedule stays as it is)."""
        body = await request.json()
        wanted = str(body.get("name") or "")
        jobs = self._listed_jobs()
        chosen = next(
            (j for j in jobs if j.name == wanted), jobs[0] if jobs and not wanted else None
        )
        if chosen is None or self.application is None:
            raise web.HTTPNotFound(text="no such job")
        at = self._at(chosen)
        if at is not None:
            self.clock.jump_to(at)
        await chosen.run(self.application)
        now = self.clock.now().astimezone(self.timezone)
        return web.json_response(
            {
                "ran": chosen.name,
                "label": job_label(chosen.name or ""),
                "now": now.strftime("%m-%d %H:%M"),
            }
        )
