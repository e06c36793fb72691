"""Time in one place: a replaceable clock (tests control it) and the DB timestamp format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """Real time. Jobs and services ask the clock, never ``datetime.now()`` directly."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock(Clock):
    """A clock that moves only when told; used by tests of schedules and escalations."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._now += delta


def to_db(when: datetime) -> str:
    """UTC ISO-8601 with seconds: sorts as text, reads as text."""
    if when.tzinfo is None:
        raise ValueError("naive datetime given to to_db")
    return when.astimezone(UTC).isoformat(timespec="seconds")


def from_db(text: str) -> datetime:
    return datetime.fromisoformat(text)
