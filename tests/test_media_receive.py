"""receive_image without Telegram: real PTB message objects, a stand-in for the download."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from telegram import Chat, Document, Message, PhotoSize, Update, User
from telegram.error import BadRequest, NetworkError

from bot.domain.errors import DomainError
from bot.telegram.media import MAX_DOWNLOAD_BYTES, pick_image, receive_image
from bot.texts import media as t
from tests.images import bomb_png, corrupt_jpeg, jpeg_bytes, pdf_bytes, png_bytes

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
TOKEN_URL = "https://api.telegram.org/file/bot123456:SECRET-token/photos/file_1.jpg"


class FakeFile:
    def __init__(self, data: bytes | Exception) -> None:
        self.data = data
        self.file_path = TOKEN_URL

    async def download_as_bytearray(self) -> bytearray:
        if isinstance(self.data, Exception):
            raise self.data
        return bytearray(self.data)


class FakeBot:
    """Answers getFile with the bytes registered for a file_id; records what was asked."""

    def __init__(self) -> None:
        self.files: dict[str, bytes | Exception] = {}
        self.requested: list[str] = []

    async def get_file(self, file_id: str, **_: Any) -> FakeFile:
        self.requested.append(file_id)
        return FakeFile(self.files[file_id])


def _message(bot: FakeBot, **kwargs: Any) -> Message:
    message = Message(
        message_id=1,
        date=NOW,
        chat=Chat(id=42, type=Chat.PRIVATE),
        from_user=User(id=42, first_name="张三", is_bot=False),
        **kwargs,
    )
    for part in (*message.photo, message.document):
        if part is not None:
            part.set_bot(bot)  # type: ignore[arg-type]
    return message


def _photo_sizes(bot: FakeBot, data: bytes) -> tuple[PhotoSize, ...]:
    bot.files["small"] = jpeg_bytes(90, 60)
    bot.files["large"] = data
    return (
        PhotoSize("small", "u-small", 90, 60, file_size=2_000),
        PhotoSize("large", "u-large", 1280, 960, file_size=len(data)),
    )


def _context(tmp_path: Path) -> Any:
    settings = SimpleNamespace(data_dir=tmp_path)
    services = SimpleNamespace(
        settings=settings, local_now=lambda: NOW.astimezone(ZoneInfo("Asia/Shanghai"))
    )
    return SimpleNamespace(services=services)


def _read(path: Path) -> bytes:
    return path.read_bytes()


def _stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def _update(message: Message) -> Update:
    return Update(update_id=1, message=message)


async def test_photo_is_stored_as_normalised_jpeg_with_its_file_id(tmp_path: Path) -> None:
    bot = FakeBot()
    message = _message(bot, photo=_photo_sizes(bot, jpeg_bytes(2000, 1500, gps=True)))
    photo = await receive_image(_update(message), _context(tmp_path))
    assert bot.requested == ["large"]  # the largest size, not the thumbnail
    assert photo.file_id == "large"
    assert photo.path is not None and photo.path.startswith("photos/2026/11/")
    stored = Image.open(io.BytesIO(_read(tmp_path / photo.path)))
    assert stored.format == "JPEG"
    assert stored.size == (1600, 1200)
    assert len(stored.getexif()) == 0


async def test_image_sent_as_a_file_is_accepted_like_a_photo(tmp_path: Path) -> None:
    bot = FakeBot()
    bot.files["doc"] = png_bytes(640, 480)
    doc = Document("doc", "u-doc", file_name="报修.png", mime_type="image/png", file_size=9_000)
    message = _message(bot, document=doc)
    photo = await receive_image(_update(message), _context(tmp_path), folder="repairs")
    assert photo.file_id is None  # Telegram's copy is the unnormalised file
    assert photo.path is not None and photo.path.startswith("repairs/")
    assert Image.open(io.BytesIO(_read(tmp_path / photo.path))).size == (640, 480)


async def test_pdf_document_is_refused_before_downloading(tmp_path: Path) -> None:
    bot = FakeBot()
    bot.files["pdf"] = pdf_bytes()
    doc = Document("pdf", "u-pdf", file_name="发票.pdf", mime_type="application/pdf")
    with pytest.raises(DomainError) as err:
        await receive_image(_update(_message(bot, document=doc)), _context(tmp_path))
    assert str(err.value) == "请发送照片或图片文件，不支持 PDF 等其他文件。"
    assert bot.requested == []


async def test_pdf_disguised_as_an_image_is_refused_after_decoding(tmp_path: Path) -> None:
    bot = FakeBot()
    bot.files["fake"] = pdf_bytes()
    doc = Document("fake", "u-fake", file_name="scan.jpg", mime_type="image/jpeg")
    with pytest.raises(DomainError, match="这不是图片"):
        await receive_image(_update(_message(bot, document=doc)), _context(tmp_path))
    assert _stored_files(tmp_path) == []


@pytest.mark.parametrize(
    ("data", "expected"), [(corrupt_jpeg(), t.IMAGE_CORRUPT), (bomb_png(), t.IMAGE_TOO_LARGE)]
)
async def test_corrupt_file_and_image_bomb_get_clear_messages(
    tmp_path: Path, data: bytes, expected: str
) -> None:
    bot = FakeBot()
    message = _message(bot, photo=_photo_sizes(bot, data))
    with pytest.raises(DomainError) as err:
        await receive_image(_update(message), _context(tmp_path))
    assert str(err.value) == expected


async def test_file_over_20_mb_is_refused_without_downloading(tmp_path: Path) -> None:
    bot = FakeBot()
    doc = Document("huge", "u-huge", mime_type="image/jpeg", file_size=MAX_DOWNLOAD_BYTES + 1)
    with pytest.raises(DomainError) as err:
        await receive_image(_update(_message(bot, document=doc)), _context(tmp_path))
    assert str(err.value) == t.FILE_TOO_LARGE
    assert bot.requested == []


async def test_document_without_mime_type_is_judged_by_its_name() -> None:
    bot = FakeBot()
    assert pick_image(_message(bot, document=Document("a", "ua", file_name="IMG_1.JPG"))).media
    with pytest.raises(DomainError):
        pick_image(_message(bot, document=Document("b", "ub", file_name="清单.xlsx")))


async def test_text_message_without_picture_is_refused() -> None:
    with pytest.raises(DomainError) as err:
        pick_image(_message(FakeBot(), text="水龙头坏了"))
    assert str(err.value) == t.NO_PHOTO


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (BadRequest("File is too big"), t.FILE_TOO_LARGE),
        (NetworkError(f"failed to fetch {TOKEN_URL}"), t.DOWNLOAD_FAILED),
    ],
)
async def test_download_failures_are_explained_and_the_url_is_not_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, error: Exception, expected: str
) -> None:
    bot = FakeBot()
    message = _message(bot, photo=_photo_sizes(bot, b""))
    bot.files["large"] = error
    caplog.set_level("DEBUG")
    with pytest.raises(DomainError) as err:
        await receive_image(_update(message), _context(tmp_path))
    assert str(err.value) == expected
    assert "SECRET" not in caplog.text
    assert err.value.__cause__ is None and err.value.__suppress_context__
