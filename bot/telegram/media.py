"""Receive a picture from a user: a photo, or an image sent as a file.

Every feature that takes photos (repair reports, purchase receipts, patrol check-ins) calls
``await receive_image(update, context)`` and gets a ``Photo`` whose ``path`` points to a
normalised JPEG under BOT_DATA_DIR (upright, <= 1600 px, no GPS/EXIF). A PDF, a corrupt file
or an image bomb raises DomainError with a clear Chinese message, which ``@requires`` shows.

Telegram's ``File.file_path`` is a URL containing the bot token: it is never logged here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import PurePosixPath

from telegram import Document, Message, PhotoSize, Update
from telegram.error import BadRequest, TelegramError

from bot.context import BotContext
from bot.domain.errors import DomainError
from bot.domain.messages import Photo
from bot.render.images import normalize_image_async
from bot.texts import media as t
from storage.files import save_bytes

log = logging.getLogger(__name__)

# Bots may download files up to 20 MB through the Bot API; refuse larger ones up front.
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic", ".heif"}
)


@dataclass(frozen=True)
class ImageSource:
    """What to download: the Telegram object, and the file_id worth keeping (photos only:
    for a document we keep only our normalised JPEG)."""

    media: PhotoSize | Document
    keep_file_id: str | None


def _is_image_document(doc: Document) -> bool:
    if doc.mime_type:
        return doc.mime_type.lower().startswith("image/")
    return PurePosixPath(doc.file_name or "").suffix.lower() in IMAGE_SUFFIXES


def pick_image(message: Message) -> ImageSource:
    """The largest size of a photo, or an image document; DomainError for anything else."""
    if message.photo:
        largest = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        return ImageSource(largest, largest.file_id)
    if message.document is not None:
        if not _is_image_document(message.document):
            raise DomainError(t.NOT_A_PHOTO_DOCUMENT)
        return ImageSource(message.document, None)
    raise DomainError(t.NO_PHOTO)


async def download(source: ImageSource) -> bytes:
    """The file's bytes, refusing files above the Bot API's 20 MB download limit."""
    size = source.media.file_size
    if size is not None and size > MAX_DOWNLOAD_BYTES:
        raise DomainError(t.FILE_TOO_LARGE)
    try:
        tg_file = await source.media.get_file()
        data = await tg_file.download_as_bytearray()
    except BadRequest as exc:
        if "too big" in str(exc).lower():
            raise DomainError(t.FILE_TOO_LARGE) from None
        log.warning("image download refused: %s", type(exc).__name__)
        raise DomainError(t.DOWNLOAD_FAILED) from None
    except TelegramError as exc:
        # Only the type: the exception text may hold the file URL, and so the token.
        log.warning("image download failed: %s", type(exc).__name__)
        raise DomainError(t.DOWNLOAD_FAILED) from None
    if len(data) > MAX_DOWNLOAD_BYTES:
        raise DomainError(t.FILE_TOO_LARGE)
    return bytes(data)


async def receive_image(update: Update, context: BotContext, *, folder: str = "photos") -> Photo:
    """Download, normalise and store the picture in ``update``; return it as a Photo."""
    message = update.effective_message
    if message is None:
        raise DomainError(t.NO_PHOTO)
    source = pick_image(message)
    data = await download(source)
    image = await normalize_image_async(data)
    services = context.services
    rel = await save_bytes(
        services.settings.data_dir, folder, image.jpeg, ".jpg", now=services.local_now()
    )
    log.info(
        "stored image %s (%dx%d, %d bytes) as %s",
        source.media.file_unique_id,
        image.width,
        image.height,
        len(image.jpeg),
        rel,
    )
    return Photo(file_id=source.keep_file_id, path=rel)
