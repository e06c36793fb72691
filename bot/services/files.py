"""Stored files (photos, exports) as handlers see them: by their path under BOT_DATA_DIR."""

from __future__ import annotations

from bot.services.container import Services
from storage import files


async def read(svc: Services, rel: str) -> bytes:
    """The content of a stored file. FileNotFoundError if it is gone (e.g. a pruned photo)."""
    return await files.read_bytes(svc.settings.data_dir, rel)
