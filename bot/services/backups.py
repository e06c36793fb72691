"""``/backup``: the latest backup, made now with SQLite's online backup API when the last
one is older than a day (the nightly one is usually there)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.domain.errors import DomainError
from bot.domain.people import Person
from bot.domain.roles import Role
from bot.services.container import Services
from bot.texts import common as tc
from storage import backup

RECENT = timedelta(hours=24)


@dataclass(frozen=True)
class Backup:
    path: Path
    made: datetime  # local time
    fresh: bool  # made just now


def _made_at(path: Path, svc: Services) -> datetime | None:
    try:
        stamp = datetime.strptime(path.stem.removeprefix("houqin-"), "%Y%m%d-%H%M%S")
    except ValueError:
        return None
    return stamp.replace(tzinfo=svc.settings.timezone)


async def latest_or_new(svc: Services, by: Person) -> Backup:
    if not by.has(Role.ADMIN):
        raise DomainError(tc.role_required([Role.ADMIN]))
    data_dir = svc.settings.data_dir
    newest = await asyncio.to_thread(backup.latest, data_dir)
    made = _made_at(newest, svc) if newest is not None else None
    if newest is not None and made is not None and svc.local_now() - made < RECENT:
        return Backup(newest, made, fresh=False)
    now = svc.local_now()
    target = backup.folder(data_dir) / backup.name_for(now)
    await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
    await svc.db.online_backup(target)
    return Backup(target, now, fresh=True)
