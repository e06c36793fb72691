"""receive_image end to end: a user sends pictures to the real bot through the fake Telegram.

No feature owns a photo step in the foundation, so the test adds a tiny handler the way a
feature does (``@requires`` turns the DomainError into the reply)."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from telegram import Update
from telegram.ext import ApplicationHandlerStop, MessageHandler, filters

from bot.app import App
from bot.config import Settings
from bot.context import BotContext
from bot.domain.people import Person
from bot.telegram.media import receive_image
from handlers.common import requires, say
from tests.conftest import Cast
from tests.fakebot import FakeTelegram
from tests.images import bomb_png, jpeg_bytes, pdf_bytes, png_bytes


@requires()
async def _store_picture(update: Update, context: BotContext, person: Person) -> None:
    photo = await receive_image(update, context, folder="repairs")
    await say(update, f"已保存：{photo.path} file_id={photo.file_id}")


async def _picture_step(update: Update, context: BotContext) -> Any:
    await _store_picture(update, context)
    raise ApplicationHandlerStop  # the feature's step consumed the message


@pytest.fixture
def picture_bot(bot: App) -> App:
    bot.add_handler(MessageHandler(filters.PHOTO | filters.Document.ALL, _picture_step), group=-1)
    return bot


def _stored(settings: Settings, text: str) -> Image.Image:
    rel = text.split("：", 1)[1].split()[0]
    assert rel.startswith("repairs/2026/11/") and rel.endswith(".jpg")
    data = (settings.data_dir / rel).read_bytes()
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


async def test_phone_photo_arrives_upright_small_and_without_gps(
    picture_bot: App,
    tg: FakeTelegram,
    people: Cast,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.telegram.media")
    message = await tg.send_photo(
        people.teacher, jpeg_bytes(3000, 2000, orientation=6, gps=True), width=1280, height=853
    )
    reply = await tg.message(people.teacher.id, "已保存")
    img = _stored(settings, reply["text"])
    assert img.size == (1067, 1600)  # turned upright, long side 1600
    assert len(img.getexif()) == 0
    assert f"file_id={message['photo'][-1]['file_id']}" in reply["text"]  # the largest size
    assert tg.token not in caplog.text


async def test_image_sent_as_file_is_taken_like_a_photo(
    picture_bot: App, tg: FakeTelegram, people: Cast, settings: Settings
) -> None:
    await tg.send_document(
        people.repairer, png_bytes(800, 600), file_name="漏水.png", mime_type="image/png"
    )
    reply = await tg.message(people.repairer.id, "已保存")
    assert "file_id=None" in reply["text"]
    assert _stored(settings, reply["text"]).size == (800, 600)


@pytest.mark.parametrize(
    ("data", "file_name", "mime", "expected"),
    [
        (pdf_bytes(), "发票.pdf", "application/pdf", "不支持 PDF"),
        (pdf_bytes(), "scan.jpg", "image/jpeg", "这不是图片"),
        (bomb_png(), "big.png", "image/png", "图片太大了"),
    ],
)
async def test_wrong_files_get_a_clear_answer_and_nothing_is_stored(
    picture_bot: App,
    tg: FakeTelegram,
    people: Cast,
    settings: Settings,
    data: bytes,
    file_name: str,
    mime: str,
    expected: str,
) -> None:
    await tg.send_document(people.teacher, data, file_name=file_name, mime_type=mime)
    await tg.message(people.teacher.id, expected)
    assert not _any_repairs_file(settings.data_dir)


def _any_repairs_file(data_dir: Path) -> bool:
    return any(p.is_file() for p in (data_dir / "repairs").rglob("*"))
