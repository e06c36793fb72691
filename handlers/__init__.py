"""Telegram-facing handlers: read the update, check the role, call one service, reply."""
