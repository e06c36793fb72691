"""Scheduled work for menus. Filled in by the menus issue."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application


async def start(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Called from post_init: (re)create this feature's jobs from the database."""
