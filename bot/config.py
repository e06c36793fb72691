"""Settings read once from the environment (and an optional ``.env`` file).

Every setting of every feature lives here so that the README table and the code agree.
The token is kept out of ``repr`` so that it never reaches a log by accident.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.escalation import RepairEscalation
from bot.domain.periods import DEFAULT_TERMS, Term, parse_terms
from bot.domain.purchase_kinds import (
    DEFAULT_PURCHASE_CATEGORIES,
    CategoryMap,
    parse_category_map,
)
from bot.domain.timeofday import read_time_of_day

TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,}$")
DEFAULT_API_SERVER = "https://api.telegram.org"


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line for stderr."""


@dataclass(frozen=True)
class Settings:
    token: str = field(repr=False)
    api_server: str = DEFAULT_API_SERVER
    data_dir: Path = Path("data")
    admin_ids: frozenset[int] = frozenset()
    timezone: ZoneInfo = ZoneInfo("Asia/Shanghai")
    invite_days: int = 7
    repair_escalation: RepairEscalation = RepairEscalation()
    public_chat_id: int | None = None
    public_post_time: time = time(18, 0)
    price_alert_percent: int = 15
    certificate_items: tuple[str, ...] = (
        "猪肉",
        "牛肉",
        "羊肉",
        "五花肉",
        "排骨",
        "肉",
        "鸡",
        "鸭",
        "鹅",
        "蛋",
        "鱼",
        "虾",
        "蟹",
        "带鱼",
        "水产",
    )
    patrol_times: tuple[time, ...] = (time(7, 0), time(14, 0), time(21, 30))
    patrol_grace_minutes: int = 60
    menu_push_time: time = time(17, 0)
    terms: tuple[Term, ...] = DEFAULT_TERMS
    digest_time: time = time(8, 0)  # Monday: last week's digest to supervisors and admins
    purchase_categories: CategoryMap = DEFAULT_PURCHASE_CATEGORIES
    log_level: str = "INFO"
    sandbox_port: int = 8080  # the try-out's web chat (python -m bot without a token)
    # Mainland networks: every Bot API call through a proxy (its URL may hold a password).
    proxy: str | None = field(default=None, repr=False)
    # Webhook mode instead of polling when a URL is given; the secret is checked on every
    # request (Telegram's X-Telegram-Bot-Api-Secret-Token header).
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_listen: tuple[str, int] = ("127.0.0.1", 8443)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "houqin.sqlite3"

    @property
    def base_url(self) -> str:
        return f"{self.api_server}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.api_server}/file/bot"

    @property
    def webhook_path(self) -> str:
        """The path Telegram posts to, as in ``BOT_WEBHOOK_URL`` (behind a reverse proxy)."""
        return urlsplit(self.webhook_url or "").path.strip("/")

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never reach a log: the token, the webhook secret, proxy credentials."""
        found = [self.token, self.webhook_secret or ""]
        if self.proxy:
            parts = urlsplit(self.proxy)
            found += [unquote(parts.password or ""), parts.password or ""]
        return tuple(s for s in found if s)


def read_dotenv(path: Path) -> dict[str, str]:
    """A minimal ``KEY=value`` reader: comments, blank lines, optional quotes."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


def _parse_time(name: str, text: str) -> time:
    value = read_time_of_day(text)
    if value is None:
        raise ConfigError(f"{name}: expected a time of day as HH:MM or HH:MM:SS, got {text!r}")
    return value


def _parse_int(name: str, text: str, *, minimum: int = 0) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise ConfigError(f"{name}: expected a whole number, got {text!r}") from None
    if value < minimum:
        raise ConfigError(f"{name}: must be at least {minimum}, got {value}")
    return value


def _parse_escalation(text: str) -> RepairEscalation:
    """``urgent_accept_hours=2,normal_done_hours=72`` style overrides."""
    base = RepairEscalation()
    overrides: dict[str, float] = {}
    known = set(base.__dataclass_fields__)
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or key not in known:
            raise ConfigError(
                f"BOT_REPAIR_ESCALATION: unknown item {part!r}; known: {', '.join(sorted(known))}"
            )
        try:
            number = float(value)
        except ValueError:
            raise ConfigError(f"BOT_REPAIR_ESCALATION: {key} needs a number") from None
        if number <= 0:
            raise ConfigError(f"BOT_REPAIR_ESCALATION: {key} must be positive")
        overrides[key] = number
    return RepairEscalation(**{**base.__dict__, **overrides})


def token_given(
    environ: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")
) -> bool:
    """Whether BOT_TOKEN is set at all (malformed still counts: that is an error, not the
    try-out)."""
    env: dict[str, str] = read_dotenv(dotenv) if dotenv else {}
    env.update(os.environ if environ is None else environ)
    return bool(env.get("BOT_TOKEN", "").strip())


PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as a secret_token


def _parse_proxy(text: str) -> str:
    try:
        parts = urlsplit(text)
        valid = parts.scheme in PROXY_SCHEMES and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a port that is not a number
        valid = False
    if not valid:  # the text may hold a password: never echo it
        raise ConfigError(
            "BOT_PROXY must be a URL such as http://host:port or socks5://user:pass@host:port "
            f"(scheme one of {', '.join(PROXY_SCHEMES)})"
        )
    return text


def _parse_webhook(url: str | None, secret: str | None, listen: str | None) -> dict[str, object]:
    if url is None:
        if secret or listen:
            raise ConfigError("BOT_WEBHOOK_SECRET/BOT_WEBHOOK_LISTEN need BOT_WEBHOOK_URL")
        return {}
    if not re.match(r"^https://[^/\s]+", url):
        raise ConfigError(f"BOT_WEBHOOK_URL must be an https:// URL (Telegram's rule), got {url!r}")
    if secret is None or not _SECRET_RE.match(secret):
        raise ConfigError(
            "BOT_WEBHOOK_SECRET is required with BOT_WEBHOOK_URL: 1-256 characters of "
            "A-Z, a-z, 0-9, _ and -"
        )
    values: dict[str, object] = {"webhook_url": url, "webhook_secret": secret}
    if listen is not None:
        host, sep, port = listen.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError(f"BOT_WEBHOOK_LISTEN must be host:port, got {listen!r}")
        values["webhook_listen"] = (host.strip("[]"), int(port))
    return values


def load_settings(
    environ: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")
) -> Settings:
    """Build Settings from the environment; the environment wins over ``.env``."""
    env: dict[str, str] = read_dotenv(dotenv) if dotenv else {}
    env.update(os.environ if environ is None else environ)

    def get(name: str) -> str | None:
        value = env.get(name)
        return value.strip() if value and value.strip() else None

    token = get("BOT_TOKEN")
    if token is None:
        raise ConfigError("BOT_TOKEN is not set: put the token from @BotFather in the environment")
    if not TOKEN_RE.match(token):
        raise ConfigError(
            "BOT_TOKEN is malformed: expected <digits>:<secret> as given by BotFather"
        )

    kwargs: dict[str, object] = {"token": token}
    if server := get("BOT_API_SERVER"):
        if not re.match(r"^https?://[^/\s]+", server):
            raise ConfigError(f"BOT_API_SERVER must be an http(s) URL, got {server!r}")
        kwargs["api_server"] = server.rstrip("/")
    if data_dir := get("BOT_DATA_DIR"):
        kwargs["data_dir"] = Path(data_dir)
    if admins := get("BOT_ADMIN_IDS"):
        try:
            kwargs["admin_ids"] = frozenset(int(a) for a in admins.split(",") if a.strip())
        except ValueError:
            raise ConfigError(
                f"BOT_ADMIN_IDS: expected comma-separated user ids, got {admins!r}"
            ) from None
    if tz := get("BOT_TIMEZONE"):
        try:
            kwargs["timezone"] = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"BOT_TIMEZONE: unknown time zone {tz!r}") from None
    if days := get("BOT_INVITE_DAYS"):
        kwargs["invite_days"] = _parse_int("BOT_INVITE_DAYS", days, minimum=1)
    if esc := get("BOT_REPAIR_ESCALATION"):
        kwargs["repair_escalation"] = _parse_escalation(esc)
    if chat := get("BOT_PUBLIC_CHAT_ID"):
        try:
            kwargs["public_chat_id"] = int(chat)
        except ValueError:
            raise ConfigError(f"BOT_PUBLIC_CHAT_ID: expected a chat id, got {chat!r}") from None
    if post := get("BOT_PUBLIC_POST_TIME"):
        kwargs["public_post_time"] = _parse_time("BOT_PUBLIC_POST_TIME", post)
    if pct := get("BOT_PRICE_ALERT_PERCENT"):
        kwargs["price_alert_percent"] = _parse_int("BOT_PRICE_ALERT_PERCENT", pct, minimum=1)
    if items := get("BOT_CERTIFICATE_ITEMS"):
        kwargs["certificate_items"] = tuple(i.strip() for i in items.split(",") if i.strip())
    if times := get("BOT_PATROL_TIMES"):
        kwargs["patrol_times"] = tuple(
            _parse_time("BOT_PATROL_TIMES", t) for t in times.split(",") if t.strip()
        )
    if grace := get("BOT_PATROL_GRACE_MINUTES"):
        kwargs["patrol_grace_minutes"] = _parse_int("BOT_PATROL_GRACE_MINUTES", grace, minimum=1)
    if push := get("BOT_MENU_PUSH_TIME"):
        kwargs["menu_push_time"] = _parse_time("BOT_MENU_PUSH_TIME", push)
    if port := get("BOT_SANDBOX_PORT"):
        kwargs["sandbox_port"] = _parse_int("BOT_SANDBOX_PORT", port, minimum=1)
    if terms := get("BOT_TERMS"):
        try:
            kwargs["terms"] = parse_terms(terms)
        except ValueError as exc:
            raise ConfigError(f"BOT_TERMS: {exc} (e.g. 09-01..01-31,02-15..07-10)") from None
    if digest := get("BOT_DIGEST_TIME"):
        kwargs["digest_time"] = _parse_time("BOT_DIGEST_TIME", digest)
    if kinds := get("BOT_PURCHASE_CATEGORIES"):
        try:
            kwargs["purchase_categories"] = parse_category_map(kinds)
        except ValueError as exc:
            raise ConfigError(f"BOT_PURCHASE_CATEGORIES: {exc}") from None
    if level := get("BOT_LOG_LEVEL"):
        kwargs["log_level"] = level.upper()
    if proxy := get("BOT_PROXY"):
        kwargs["proxy"] = _parse_proxy(proxy)
    kwargs.update(_parse_webhook(get("BOT_WEBHOOK_URL"), get("BOT_WEBHOOK_SECRET"),
                                 get("BOT_WEBHOOK_LISTEN")))  # fmt: skip
    return Settings(**kwargs)  # type: ignore[arg-type]
