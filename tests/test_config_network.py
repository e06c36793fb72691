"""BOT_PROXY and the webhook settings: read, checked, and never echoed with their secrets."""

from __future__ import annotations

import logging

import pytest

from bot.app import build_application
from bot.config import ConfigError, load_settings
from bot.logs import RedactTokenFilter
from bot.network import WatchedRequest
from tests.fakebot import TOKEN

BASE = {"BOT_TOKEN": TOKEN}


def test_network_settings_default_to_direct_polling() -> None:
    s = load_settings(BASE, dotenv=None)
    assert s.proxy is None and s.webhook_url is None and s.webhook_secret is None


@pytest.mark.parametrize(
    "proxy",
    ["http://127.0.0.1:7890", "https://proxy.school.cn:443", "socks5://u:p%40ss@10.0.0.2:1080"],
)
def test_proxy_urls_of_each_kind_are_accepted(proxy: str) -> None:
    assert load_settings({**BASE, "BOT_PROXY": proxy}, dotenv=None).proxy == proxy


@pytest.mark.parametrize(
    "proxy",
    ["127.0.0.1:7890", "ftp://host:21", "socks4://h:1", "http://user:S3cret@:80", "http://h:x"],
)
def test_a_malformed_proxy_is_one_clear_line_without_the_password(proxy: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({**BASE, "BOT_PROXY": proxy}, dotenv=None)
    assert "BOT_PROXY" in str(caught.value) and "S3cret" not in str(caught.value)


def test_socks5_proxy_builds_both_request_objects() -> None:
    """httpx needs socksio for socks5 (python-telegram-bot[socks]); fail here, not at 2 am."""
    settings = load_settings({**BASE, "BOT_PROXY": "socks5://u:pw@127.0.0.1:1080"}, dotenv=None)
    app = build_application(settings)
    assert isinstance(app.bot.request, WatchedRequest)
    assert isinstance(app.bot._request[0], WatchedRequest)  # the getUpdates one


def test_webhook_settings_are_read_with_their_path_and_listen_address() -> None:
    s = load_settings(
        {**BASE, "BOT_WEBHOOK_URL": "https://bot.school.cn/houqin/hook",
         "BOT_WEBHOOK_SECRET": "abc_DEF-123", "BOT_WEBHOOK_LISTEN": "0.0.0.0:8080"},
        dotenv=None,
    )  # fmt: skip
    assert s.webhook_path == "houqin/hook"
    assert s.webhook_listen == ("0.0.0.0", 8080)
    assert "abc_DEF-123" not in repr(s)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"BOT_WEBHOOK_URL": "http://bot.school.cn/h", "BOT_WEBHOOK_SECRET": "x"}, "https"),
        ({"BOT_WEBHOOK_URL": "https://bot.school.cn/h"}, "BOT_WEBHOOK_SECRET is required"),
        ({"BOT_WEBHOOK_URL": "https://b.cn/h", "BOT_WEBHOOK_SECRET": "有空格 的"}, "A-Z"),
        ({"BOT_WEBHOOK_URL": "https://b.cn/h", "BOT_WEBHOOK_SECRET": "x",
          "BOT_WEBHOOK_LISTEN": "8443"}, "host:port"),
        ({"BOT_WEBHOOK_SECRET": "x"}, "need BOT_WEBHOOK_URL"),
    ],
)  # fmt: skip
def test_webhook_mistakes_are_one_clear_line(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({**BASE, **env}, dotenv=None)
    assert named in str(caught.value)


def test_proxy_password_and_webhook_secret_are_redacted_from_logs() -> None:
    settings = load_settings(
        {**BASE, "BOT_PROXY": "socks5://houqin:Pr%2Fxy@10.0.0.2:1080",
         "BOT_WEBHOOK_URL": "https://b.cn/h", "BOT_WEBHOOK_SECRET": "hook_Secret"},
        dotenv=None,
    )  # fmt: skip
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1,
        "via %s (password Pr/xy), secret hook_Secret, token %s",
        (settings.proxy, TOKEN), None,
    )  # fmt: skip
    RedactTokenFilter(*settings.secrets).filter(record)
    line = record.getMessage()
    assert "Pr/xy" not in line and "Pr%2Fxy" not in line and "hook_Secret" not in line
    assert TOKEN not in line and "houqin:" not in line
