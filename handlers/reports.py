"""/report: the numbers of the year-end summary, for supervisors and admins."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, filters

from bot.context import BotContext
from bot.domain.people import Person
from bot.domain.roles import Role
from bot.services import foodsafety
from bot.services import reports as service
from bot.texts import reports as t
from handlers.common import requires, say


@requires(Role.SUPERVISOR)
async def on_report(update: Update, context: BotContext, person: Person) -> None:
    summary = await service.summary(context.services, " ".join(context.args or []), by=person)
    period = summary.period
    food = await foodsafety.report_lines(context.services, period.first, period.last)  # issue 17
    await say(update, "\n".join([t.summary(summary), *food]))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("report", on_report, filters=filters.ChatType.PRIVATE))
