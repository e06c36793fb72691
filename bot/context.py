"""A typed CallbackContext: ``context.services`` instead of casts on bot_data."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.domain.people import Person
from bot.services.container import Services
from bot.telegram.state import UserState

SERVICES_KEY = "services"


class BotContext(CallbackContext[ExtBot[None], UserState, dict[Any, Any], dict[Any, Any]]):
    """PTB builds one context per update and hands it to every handler group, so the access
    gate (group -100) can leave the registered person here for the handlers after it."""

    person: Person | None = None

    @property
    def services(self) -> Services:
        services = self.application.bot_data.get(SERVICES_KEY)
        if not isinstance(services, Services):
            raise RuntimeError("services are not set up (post_init did not run)")
        return services


def services_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Services:
    services = application.bot_data.get(SERVICES_KEY)
    if not isinstance(services, Services):
        raise RuntimeError("services are not set up (post_init did not run)")
    return services
