"""Photos and exports on disk under BOT_DATA_DIR, addressed by a relative path.

The database stores only the relative path (``photos/2026/11/3f2a….jpg``), so the data
directory can be moved or restored from a backup. Writes are atomic (temp file + rename): a
crash never leaves half a photo behind a path the database already points to. File I/O runs
in a worker thread so a slow disk does not stall the bot.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import tempfile
from datetime import datetime
from pathlib import Path, PurePosixPath

_FOLDER = re.compile(r"^[a-z0-9_-]+(/[a-z0-9_-]+)*$")
_SUFFIX = re.compile(r"^\.[a-z0-9]{1,8}$")


class UnsafePathError(ValueError):
    """A stored path points outside the data directory (or is not a plain relative path)."""


def resolve(data_dir: Path, rel: str) -> Path:
    """The absolute path of ``rel`` inside ``data_dir``; refuses anything escaping it."""
    pure = PurePosixPath(rel)
    if not rel or pure.is_absolute() or "\\" in rel or ".." in pure.parts or "\x00" in rel:
        raise UnsafePathError(f"not a safe relative path: {rel!r}")
    root = data_dir.resolve()
    path = (root / pure).resolve()
    if not path.is_relative_to(root) or path == root:
        raise UnsafePathError(f"path escapes the data directory: {rel!r}")
    return path


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _new_relative_path(folder: str, suffix: str, when: datetime) -> str:
    if not _FOLDER.match(folder):
        raise UnsafePathError(f"folder must be lower-case letters, digits, - or _: {folder!r}")
    suffix = suffix.lower() if suffix.startswith(".") else f".{suffix.lower()}"
    if not _SUFFIX.match(suffix):
        raise UnsafePathError(f"bad file suffix: {suffix!r}")
    name = secrets.token_hex(16) + suffix
    return f"{folder}/{when:%Y}/{when:%m}/{name}"


async def save_bytes(
    data_dir: Path, folder: str, data: bytes, suffix: str, *, now: datetime | None = None
) -> str:
    """Store ``data`` as ``data_dir/folder/YYYY/MM/<random><suffix>``; return the path
    relative to ``data_dir`` (POSIX separators, as stored in the database).

    ``now`` (pass ``svc.local_now()``) picks the month folder; default: the local clock.
    """
    rel = _new_relative_path(folder, suffix, now or datetime.now().astimezone())
    await asyncio.to_thread(lambda: _write_atomically(resolve(data_dir, rel), data))
    return rel


async def read_bytes(data_dir: Path, rel: str) -> bytes:
    """The content of a stored file. FileNotFoundError if it is gone (e.g. a pruned photo)."""
    return await asyncio.to_thread(lambda: resolve(data_dir, rel).read_bytes())


async def delete_file(data_dir: Path, rel: str) -> bool:
    """Remove a stored file; False if it was already gone."""

    def unlink() -> bool:
        try:
            resolve(data_dir, rel).unlink()
        except FileNotFoundError:
            return False
        return True

    return await asyncio.to_thread(unlink)
