"""/report and /export of any period, for supervisors and admins. Thin: one service call,
then the reply (text, the chart picture, the drafted 总结 or the workbook)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from telegram import Message, Update
from telegram.ext import Application, CommandHandler, filters

from bot.context import BotContext
from bot.domain.people import Person
from bot.domain.periods import is_month
from bot.domain.roles import Role
from bot.services import reports as service
from bot.texts import reports as t
from handlers.common import requires, say

_EXPORT = re.compile(r"^/export(?:@\w+)?\s+(\S+)\s*(.*)$", re.S)


def _export_request(text: str) -> tuple[str, str] | None:
    """(kind, period text) when this /export is ours. The month exports of purchases and
    patrols (``/export purchases 2026-11``, no period = this month) stay with their
    features; any other period of theirs, and repairs and all, come here."""
    m = _EXPORT.match(text.strip())
    if m is None:
        return None
    kind = service.EXPORT_KINDS.get(m[1].lower())
    rest = m[2].strip()
    if kind in ("repairs", "all"):
        return kind, rest
    # Whether the text names one month does not depend on the day, so the wall date will do.
    if kind in ("purchases", "patrols") and rest and not is_month(rest, date.today()):
        return kind, rest
    return None


class _ReportExport(filters.MessageFilter):
    def filter(self, message: Message) -> bool:
        return _export_request(message.text or "") is not None


@requires(Role.SUPERVISOR)
async def on_report(update: Update, context: BotContext, person: Person) -> None:
    svc = context.services
    numbers = await service.report_text(svc, " ".join(context.args or []), by=person)
    message = update.effective_message
    assert message is not None
    # The numbers at once; the chart and the drafted 总结 take seconds to draw.
    await say(update, numbers.text)
    reply = await service.report_files(svc, numbers)
    await message.reply_photo(reply.chart, caption=t.chart_caption(reply.report.period))
    if reply.document is not None:
        await message.reply_document(reply.document, filename=reply.document_name)


@requires(Role.SUPERVISOR)
async def on_export(update: Update, context: BotContext, person: Person) -> None:
    message = update.effective_message
    assert message is not None
    request = _export_request(message.text or "")
    assert request is not None  # the filter let only these through
    kind, text = request
    export = await service.export(context.services, kind, text or "month", by=person)
    if export.data is None:
        await say(update, export.caption)
        return
    await message.reply_document(export.data, filename=export.file_name, caption=export.caption)


def register_exports(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Before the purchases and patrols features, which keep their month exports."""
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("export", on_export, filters=private & _ReportExport()))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("report", on_report, filters=filters.ChatType.PRIVATE))
