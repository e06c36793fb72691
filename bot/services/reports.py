"""The year-end numbers for a period, gathered from every feature's records."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from bot.clock import to_db
from bot.domain.errors import DomainError
from bot.domain.people import Person
from bot.domain.reports import Summary, parse_period
from bot.domain.roles import Role
from bot.services.container import Services
from bot.texts.common import role_required
from storage import reports as repo
from storage import stock as stock_repo


async def summary(svc: Services, text: str, *, by: Person) -> Summary:
    if not by.has(Role.SUPERVISOR):
        raise DomainError(role_required([Role.SUPERVISOR, Role.ADMIN]))
    period = parse_period(text, svc.local_now().date())
    tz = svc.settings.timezone
    start = datetime.combine(period.first, time(0), tz)
    end = datetime.combine(period.last + timedelta(days=1), time(0), tz)
    return Summary(
        period=period,
        repairs=await repo.repair_numbers(svc.db, to_db(start), to_db(end)),
        purchases=await repo.purchase_numbers(svc.db, period.first, period.last),
        patrols=await repo.patrol_numbers(svc.db, period.first, period.last),
        menu_weeks=await repo.menu_weeks(svc.db, period.first, period.span_last),
        parts_used=await stock_repo.parts_used(svc.db, to_db(start), to_db(end)),  # issue 16
    )
