"""The one place that builds and wires the application."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from telegram import BotCommand, BotCommandScopeAllGroupChats, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults

from bot import network, receiving
from bot.clock import Clock
from bot.config import Settings
from bot.context import SERVICES_KEY, BotContext, services_of
from bot.network import NetworkWatch
from bot.render.images import start_image_jobs
from bot.services.container import Services
from bot.updates import PerChatInOrder
from handlers import (
    admin,
    backup,
    errors,
    gate,
    groups,
    menus,
    onboarding,
    patrols,
    purchases,
    repairs,
    replies,
    reports,
    start,
)
from jobs import backup as backup_jobs
from jobs import inbox as inbox_jobs
from jobs import menus as menu_jobs
from jobs import outbox as outbox_jobs
from jobs import outbox_prune
from jobs import patrols as patrol_jobs
from jobs import purchases as purchase_jobs
from jobs import repairs as repair_jobs
from storage.db import Database
from storage.persistence import SqlitePersistence

log = logging.getLogger(__name__)

App = Application[Any, BotContext, Any, Any, Any, Any]

COMMANDS = [
    BotCommand("start", "开始 / 查看我能做什么"),
    BotCommand("help", "帮助"),
    BotCommand("repair", "报修（也可直接发带说明的照片）"),
    BotCommand("repairs", "查看报修单"),
    BotCommand("purchase", "登记采购"),
    BotCommand("purchases", "查看当天采购"),
    BotCommand("menu", "本周食谱"),
    BotCommand("patrols", "巡查记录"),
    BotCommand("export", "导出表格（采购 / 巡查）"),
    BotCommand("suppliers", "定点供应商"),
    BotCommand("report", "年度 / 月度工作统计"),
    BotCommand("backup", "下载数据库备份（管理员）"),
    BotCommand("cancel", "取消当前操作"),
]
GROUP_COMMANDS = [BotCommand("menu", "本周食谱（/menu next 下周，/menu today 今天）")]


class _Application(Application[Any, BotContext, Any, Any, Any, Any]):
    """Writes what an update changed (a conversation step, a pending prompt) to the
    database as soon as the update is handled, not on PTB's timer: a crash right after
    the bot answered must not lose the step it acknowledged."""

    async def process_update(self, update: object) -> None:
        # Handled once by update id, and marked handled only after the step is saved.
        await receiving.process(self, update, self._handle_and_save)

    async def _handle_and_save(self, update: object) -> None:
        await super().process_update(update)
        if self.persistence is not None and self.running:
            self.mark_data_for_update_persistence(
                chat_ids=_chat_id(update), user_ids=_user_id(update)
            )
            persistence = self.persistence
            if not isinstance(persistence, SqlitePersistence):
                await self.update_persistence()
                return
            try:
                # One commit for the step: conversation state and draft together, with
                # the inbox's "handled" mark for this update.
                async with persistence.batch():
                    await self.update_persistence()
            except (sqlite3.Error, OSError) as exc:
                # A disk fault must not stop update fetching: report it as PTB reports its
                # own persistence errors (to the log and admins; the user already has an
                # answer, and the step goes on in memory).
                await self.process_error(update=None, error=exc)


def _chat_id(update: object) -> int | None:
    chat = update.effective_chat if isinstance(update, Update) else None
    return chat.id if chat is not None else None


def _user_id(update: object) -> int | None:
    user = update.effective_user if isinstance(update, Update) else None
    return user.id if user is not None else None


def build_application(settings: Settings, *, clock: Clock | None = None) -> App:
    db = Database(settings.db_path)
    services = Services(settings=settings, db=db, clock=clock or Clock())
    watch = NetworkWatch()  # one log line when Telegram is unreachable, one when it is back
    request, updates_request = network.requests(settings.proxy, watch)

    async def post_init(app: App) -> None:
        await db.open()
        start_image_jobs()  # in this event loop: at most two pictures decode at once
        services.bot_username = app.bot.username
        services.kick_outbox = lambda: outbox_jobs.kick(app)
        watch.on_back(lambda: outbox_jobs.resume(app))
        app.bot_data[SERVICES_KEY] = services
        await app.bot.set_my_commands(COMMANDS)
        # In groups only /menu works (the rest asks for a private chat): offer only that.
        await app.bot.set_my_commands(GROUP_COMMANDS, scope=BotCommandScopeAllGroupChats())
        # Restore schedules from the database; each is idempotent (jobs are named).
        await outbox_jobs.start(app)
        await backup_jobs.start(app)
        await inbox_jobs.start(app)
        await outbox_prune.start(app)
        for feature_jobs in (repair_jobs, purchase_jobs, patrol_jobs, menu_jobs):
            await feature_jobs.start(app)
        # Updates received but not handled before the last stop go first, before polling.
        await receiving.replay(app)
        log.info("后勤助手 started as @%s", app.bot.username)

    async def post_shutdown(app: App) -> None:
        # aiosqlite's thread would keep the process alive otherwise.
        await db.close()

    updates = receiving.InboxQueue()
    app: App = (
        ApplicationBuilder()
        .update_queue(updates)
        .application_class(_Application)
        # Concurrent, but each chat's and each person's updates in order (bot/updates.py).
        .concurrent_updates(PerChatInOrder())
        .token(settings.token)
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .request(request)  # both through BOT_PROXY when set
        .get_updates_request(updates_request)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                tzinfo=settings.timezone,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .context_types(ContextTypes(context=BotContext))
        # max_retries: PTB's default of 0 raises a 429 instead of waiting it out.
        .rate_limiter(AIORateLimiter(max_retries=3))
        .persistence(SqlitePersistence(db))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    app.bot_data[SERVICES_KEY] = services
    updates.app = app

    # Note: order matters! The gate (group -100) turns strangers away before anything else.
    gate.register(app)
    # After the gate, before the features: a pasted invite code, an announced roster file,
    # and the main keyboard's buttons (replayed as their commands).
    onboarding.register_early(app)
    # Group 0, first match wins: commands and feature flows, then replies to
    # notifications, then the catch-all that answers anything nobody understood.
    start.register(app)
    # Before admin: /invite with a count, /users and /remove are answered by onboarding.
    onboarding.register(app)
    groups.register(app)
    admin.register(app)
    backup.register(app)
    # Flows with a draft in progress come before repairs: a photo sent while a purchase
    # draft is open is its receipt, not a new repair report (repairs takes every other photo).
    purchases.register(app)
    patrols.register(app)
    menus.register(app)
    repairs.register(app)
    reports.register(app)
    replies.register(app)
    start.register_fallbacks(app)
    app.add_error_handler(errors.on_error)
    return app


__all__ = ["App", "build_application", "services_of"]
