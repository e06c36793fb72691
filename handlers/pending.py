"""A follow-up input someone owes us (a reason after 驳回, an after-photo, a caption), shared
by the features that ask for one. The prompt is kept in the person's state with the time it
was asked; a filter lets a message through to the feature only while the prompt is fresh,
so a prompt forgotten for an hour never turns "好的" into a rejection, and nobody else's
texts are taken."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from telegram import Message
from telegram.ext import Application, filters

from bot.clock import from_db, to_db
from bot.context import services_of
from bot.telegram.state import UserState

Prompt = dict[str, Any]  # {"at": when it was asked, ...what the feature needs}


def ask(now: datetime, **data: Any) -> Prompt:
    return {"at": to_db(now), **data}


def is_fresh(prompt: object, now: datetime, ttl: timedelta) -> bool:
    if not isinstance(prompt, dict):
        return False
    try:
        return now - from_db(str(prompt["at"])) < ttl
    except (KeyError, ValueError):
        return False


class Owes(filters.MessageFilter):
    """True while the sender owes a fresh prompt that ``fits`` this message."""

    def __init__(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        name: str,
        prompt_of: Callable[[UserState], object],
        ttl: timedelta,
        fits: Callable[[Prompt], bool] = lambda _: True,
    ) -> None:
        super().__init__(name=name)
        self._app = app
        self._prompt_of = prompt_of
        self._ttl = ttl
        self._fits = fits

    def filter(self, message: Message) -> bool:
        user = message.from_user
        state = self._app.user_data.get(user.id) if user is not None else None
        if not isinstance(state, UserState):
            return False
        prompt = self._prompt_of(state)
        try:
            now = services_of(self._app).now()
        except RuntimeError:  # not started yet
            return False
        return is_fresh(prompt, now, self._ttl) and self._fits(prompt)  # type: ignore[arg-type]
