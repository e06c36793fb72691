"""Settings: defaults, overrides, and one clear line for every mistake."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings, token_given
from tests.fakebot import TOKEN

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_apply_when_only_the_token_is_given() -> None:
    s = load_settings({"BOT_TOKEN": TOKEN}, dotenv=None)
    assert s.api_server == "https://api.telegram.org"
    assert str(s.timezone) == "Asia/Shanghai"
    assert s.patrol_times == (time(7), time(14), time(21, 30))
    assert s.public_post_time == time(18) and s.price_alert_percent == 15
    assert s.invite_days == 7 and s.public_chat_id is None


def test_settings_are_read_from_the_environment_and_dotenv(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        f'BOT_TOKEN="{TOKEN}"\nBOT_ADMIN_IDS=1, 2\n# comment\nBOT_PATROL_TIMES=06:30,13:00:30\n'
        "BOT_REPAIR_ESCALATION=urgent_accept_hours=2\n",
        encoding="utf-8",
    )
    s = load_settings({"BOT_PUBLIC_CHAT_ID": "-100123", "BOT_ADMIN_IDS": "7"}, dotenv=env_file)
    assert s.admin_ids == frozenset({7})  # the environment wins over .env
    assert s.public_chat_id == -100123
    assert s.patrol_times == (time(6, 30), time(13, 0, 30))
    assert s.repair_escalation.urgent_accept_hours == 2


def test_token_is_not_shown_in_repr() -> None:
    assert TOKEN not in repr(load_settings({"BOT_TOKEN": TOKEN}, dotenv=None))


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "BOT_TOKEN is not set"),
        ({"BOT_TOKEN": "not-a-token"}, "BOT_TOKEN is malformed"),
        ({"BOT_TOKEN": TOKEN, "BOT_TIMEZONE": "Mars/Base"}, "BOT_TIMEZONE"),
        ({"BOT_TOKEN": TOKEN, "BOT_PATROL_TIMES": "25:00"}, "BOT_PATROL_TIMES"),
        ({"BOT_TOKEN": TOKEN, "BOT_ADMIN_IDS": "abc"}, "BOT_ADMIN_IDS"),
        ({"BOT_TOKEN": TOKEN, "BOT_PRICE_ALERT_PERCENT": "x"}, "BOT_PRICE_ALERT_PERCENT"),
        ({"BOT_TOKEN": TOKEN, "BOT_REPAIR_ESCALATION": "soon=1"}, "BOT_REPAIR_ESCALATION"),
    ],
)
def test_bad_settings_are_refused_with_a_clear_message(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(env, dotenv=None)


def test_malformed_token_exits_with_code_2_and_one_line(tmp_path: Path) -> None:
    """(No token at all starts the try-out instead: tests/test_sandbox_tryout.py.)"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env["BOT_TOKEN"] = "12345"
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "BOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_sandbox_port_is_read_and_checked() -> None:
    assert load_settings({"BOT_TOKEN": TOKEN}, dotenv=None).sandbox_port == 8080
    assert (
        load_settings({"BOT_TOKEN": TOKEN, "BOT_SANDBOX_PORT": "9090"}, dotenv=None).sandbox_port
        == 9090
    )
    with pytest.raises(ConfigError, match="BOT_SANDBOX_PORT"):
        load_settings({"BOT_TOKEN": TOKEN, "BOT_SANDBOX_PORT": "http"}, dotenv=None)


def test_a_token_in_dotenv_counts_as_given(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"BOT_TOKEN={TOKEN}\n", encoding="utf-8")
    assert token_given({}, tmp_path / ".env")
    assert not token_given({}, tmp_path / "missing.env")
    assert not token_given({"BOT_TOKEN": "  "}, None)
