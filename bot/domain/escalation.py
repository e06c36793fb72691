"""How long a repair may wait before reminders go out. A domain rule that settings fill in
(``BOT_REPAIR_ESCALATION``); it lives here so the domain never imports ``bot.config``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RepairEscalation:
    """How long a repair may wait before reminders go out (hours)."""

    urgent_accept_hours: float = 1
    normal_accept_hours: float = 24
    urgent_done_hours: float = 48  # 紧急: done within 2 days
    normal_done_hours: float = 168  # 一般/不急: done within 7 days
    verify_days: float = 7  # a done job not verified by then is verified automatically
