"""The one place that builds and wires the application."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from typing import Any

from telegram import BotCommand, BotCommandScopeAllGroupChats, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults

from bot import memory, network, receiving
from bot.clock import Clock
from bot.config import Settings
from bot.context import SERVICES_KEY, BotContext, services_of
from bot.network import NetworkWatch
from bot.render import offload
from bot.render.images import start_image_jobs
from bot.services import directory
from bot.services.container import Services
from bot.telegram import outbox as outbox_sender
from bot.telegram.commands import show_commands
from bot.telegram.pacing import LanePacer
from bot.telegram.state import UserState
from bot.texts import common as t
from bot.updates import PerChatInOrder
from handlers import (
    admin,
    assets,
    backup,
    edits,
    errors,
    foodsafety,
    gate,
    groups,
    menus,
    onboarding,
    patrols,
    places,
    purchases,
    repairs,
    replies,
    reports,
    start,
    stock,
)
from jobs import backup as backup_jobs
from jobs import foodsafety as foodsafety_jobs
from jobs import menus as menu_jobs
from jobs import patrols as patrol_jobs
from jobs import purchases as purchase_jobs
from jobs import repairs as repair_jobs
from jobs import reports as report_jobs
from jobs import retention
from storage.db import Database
from storage.persistence import SqlitePersistence

log = logging.getLogger(__name__)

App = Application[Any, BotContext, Any, Any, Any, Any]

COMMANDS = [BotCommand(name, description) for name, description in t.COMMANDS]
GROUP_COMMANDS = [BotCommand(name, description) for name, description in t.GROUP_COMMANDS]


class _Application(Application[Any, BotContext, Any, Any, Any, Any]):
    """Writes what an update changed (a conversation step, a pending prompt) to the
    database as soon as the update is handled, not on PTB's timer: a crash right after
    the bot answered must not lose the step it acknowledged. And stops cleanly: no job
    starts while the application is stopping."""

    async def stop(self) -> None:
        # PTB waits for running jobs and then shuts the scheduler down; a job that fires in
        # between is cancelled and logged as an error. Start no new runs once stopping.
        if self.job_queue is not None and self.job_queue.scheduler.running:
            self.job_queue.scheduler.pause()
        await super().stop()

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
        # The chart, Word and Excel workers start now, not at the first /report; exports
        # read their records in the worker, so it loads the report service up front.
        offload.warm("bot.services.reports")
        services.bot_username = app.bot.username
        services.kick_outbox = lambda: outbox_sender.kick(app)
        watch.on_back(lambda: outbox_sender.resume(app))
        app.bot_data[SERVICES_KEY] = services
        await app.bot.set_my_commands(COMMANDS)
        # In groups only /menu works (the rest asks for a private chat): offer only that.
        await app.bot.set_my_commands(GROUP_COMMANDS, scope=BotCommandScopeAllGroupChats())
        for person in await directory.everyone(services):  # each private menu, by role
            await show_commands(app.bot, person)
        # Restore schedules from the database; each is idempotent (jobs are named).
        await outbox_sender.start(app)
        await backup_jobs.start(app)
        await retention.start(app)  # old inbox and outbox rows
        for feature_jobs in (repair_jobs, purchase_jobs, patrol_jobs, menu_jobs, report_jobs):
            await feature_jobs.start(app)
        # Albums cut off by a restart in the second between their photos and their report.
        repairs.resume_albums(app)
        # Food-safety records (issue 17): 晨检, 留样, 消毒, 陪餐, 健康证 reminders.
        await foodsafety_jobs.start(app)
        # Updates received but not handled before the last stop go first, before polling.
        await receiving.replay(app)
        memory.settle_after_startup()
        log.info("后勤助手 started as @%s", app.bot.username)

    async def post_shutdown(app: App) -> None:
        # The scheduler can start one more outbox poll while it shuts down; let a delivery
        # under way finish before the database goes. (aiosqlite's thread would keep the
        # process alive if it were not closed.)
        locks = services.outbox_locks or {}
        async with contextlib.AsyncExitStack() as held:
            for lock in locks.values():
                await held.enter_async_context(lock)
            services.outbox_locks = None  # a poll waiting for a lock then sends nothing
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
        .context_types(ContextTypes(context=BotContext, user_data=UserState))
        # Replies ahead of bulk pushes under one flood budget; a 429 on a push holds only
        # the pushes (bot/telegram/pacing.py).
        .rate_limiter(LanePacer())
        .persistence(SqlitePersistence(db, user_state=UserState.from_json))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    app.bot_data[SERVICES_KEY] = services
    updates.app = app

    # Note: order matters! The gate (group -100) turns strangers away before anything else.
    gate.register(app)
    edits.register(app)  # right after the gate: an edit is never read as a new message
    # After the gate, before the features: a pasted invite code, an announced roster file,
    # and the main keyboard's buttons (replayed as their commands).
    onboarding.register_early(app)
    # issue 16 (places): before start (a QR sticker's link is "/start p<code>") and before
    # the photo flows (a photo right after scanning a sticker is the report at that place).
    places.register(app)
    stock.register(app)  # issue 16: /stock, /领用 (not a Telegram command: a text pattern)
    assets.register(app)  # issue 16: /assets, /asset, /stocktake, /export assets|stocktake
    # Group 0, first match wins: commands and feature flows, then replies to
    # notifications, then the catch-all that answers anything nobody understood.
    start.register(app)
    # Before admin: /invite with a count, /users and /remove are answered by onboarding.
    onboarding.register(app)
    groups.register(app)
    admin.register(app)
    backup.register(app)
    # /export of any period (repairs, all, or purchases/patrols beyond one month) comes
    # before the features' own month exports.
    reports.register_exports(app)
    # Flows with a draft in progress come before repairs: a photo sent while a purchase
    # draft is open is its receipt, not a new repair report (repairs takes every other photo).
    purchases.register(app)
    patrols.register(app)
    # Food-safety records (issue 17): its /export 食品安全 must come before the other
    # /export handlers' usage answers; its photo replies run in group -1 like patrol notes.
    foodsafety.register(app)
    menus.register(app)
    repairs.register(app)
    reports.register(app)
    replies.register(app)
    start.register_fallbacks(app)
    app.add_error_handler(errors.on_error)
    return app


__all__ = ["App", "build_application", "services_of"]
