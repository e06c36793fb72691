"""The rooms do not lean on each other: a forbidden import anywhere fails here.

handlers answer updates through services (never storage); jobs never import handlers (what
both need is in ``bot/telegram``); the domain is framework-free (no telegram, no settings).
Read from the source with ``ast``, so an import inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# package (a folder or a module) -> the modules it must never import (with their submodules)
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "handlers": ("storage",),
    "jobs": ("handlers",),
    "bot.domain": (
        "telegram",
        "bot.config",
        "bot.services",
        "bot.telegram",
        "bot.texts",
        "storage",
        "handlers",
        "jobs",
    ),
    "bot.protocol": ("telegram", "storage", "handlers", "jobs"),
    "bot.callbacks": ("telegram", "storage", "handlers", "jobs"),
    "bot.router": ("telegram", "storage", "handlers", "jobs", "bot.telegram"),
    "bot.services": ("telegram", "bot.telegram", "handlers", "jobs"),
    "bot.texts": ("telegram", "storage", "handlers", "jobs", "bot.services"),
    "bot.telegram": ("handlers", "jobs"),
    "storage": ("handlers", "jobs", "bot.services", "bot.telegram", "bot.texts"),
}
# PTB's persistence interface is implemented in storage: the one telegram import it needs.
ALLOWED = {("storage.persistence", "telegram.ext")}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports; ``from bot import texts`` counts as ``bot.texts``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _sources() -> list[Path]:
    return sorted(
        p
        for folder in ("bot", "handlers", "jobs", "storage")
        for p in (ROOT / folder).rglob("*.py")
    )


def violations() -> list[str]:
    found = []
    for path in _sources():
        module = _module_name(path)
        for package, banned in FORBIDDEN.items():
            if not _within(module, package):
                continue
            for name in sorted(_imports(path)):
                for bad in banned:
                    if _within(name, bad) and not any(
                        _within(module, m) and _within(name, n) for m, n in ALLOWED
                    ):
                        found.append(f"{module} imports {name} ({package} must not import {bad})")
    return sorted(set(found))


def test_no_room_imports_what_it_must_not() -> None:
    assert violations() == []


@pytest.mark.parametrize(
    ("module", "source", "rule"),
    [
        ("handlers.x", "from storage import people", "handlers must not import storage"),
        ("jobs.x", "import handlers.repairs", "jobs must not import handlers"),
        ("bot.domain.x", "from bot import config", "bot.domain must not import bot.config"),
        ("bot.domain.x", "def f():\n    from telegram import Update", "must not import telegram"),
    ],
)
def test_the_checker_sees_a_forbidden_import(
    tmp_path: Path, module: str, source: str, rule: str
) -> None:
    """The rule test cannot pass by reading nothing: each kind of import is caught."""
    path = tmp_path / "x.py"
    path.write_text(source, encoding="utf-8")
    package = module.rsplit(".", 1)[0]
    names = _imports(path)
    assert any(_within(n, bad) for n in names for bad in FORBIDDEN[package]), rule
