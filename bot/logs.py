"""Logging set-up that keeps the bot token out of every log line.

httpx logs each request URL at INFO, and Telegram URLs carry the token
(``/bot<token>/sendMessage``, ``/file/bot<token>/...``); a filter on the root handler
redacts it wherever it appears, and httpx is turned down to WARNING besides.
"""

from __future__ import annotations

import logging
import re

_TOKEN_LIKE = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{20,}")
# user:password@ in a URL (BOT_PROXY=socks5://user:pass@host:1080), whatever logs it.
_URL_CREDENTIALS = re.compile(r"(?<=://)[^/@\s]+@")


def redact(text: str, token: str | None = None, *secrets: str) -> str:
    for secret in (token, *secrets):
        if secret:
            text = text.replace(secret, "<secret>" if secret != token else "<token>")
    text = _URL_CREDENTIALS.sub("<credentials>@", text)
    return _TOKEN_LIKE.sub("<token>", text)


class RedactTokenFilter(logging.Filter):
    def __init__(self, token: str, *secrets: str) -> None:
        super().__init__()
        self.token = token
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message, self.token, *self.secrets)
        if record.exc_info and record.exc_info[1] is not None:
            # Tracebacks are formatted later; render now so they can be redacted too.
            formatter = logging.Formatter()
            trace = formatter.formatException(record.exc_info)
            clean = clean + "\n" + redact(trace, self.token, *self.secrets)
            record.exc_info = None
            record.exc_text = None
        if clean != message or record.args:
            record.msg, record.args = clean, None
        return True


def setup_logging(level: str, token: str, *secrets: str) -> None:
    """``secrets``: the webhook secret and proxy password, redacted like the token."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactTokenFilter(token, *secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
