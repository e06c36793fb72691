"""Menus handlers. Filled in by the menus issue."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add this feature's handlers (private-chat and group handlers separately)."""
