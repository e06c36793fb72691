"""Big pictures are decoded small, a bounded number at a time, and still look right."""

from __future__ import annotations

import asyncio
import io
import threading

import pytest
from PIL import Image, ImageFile

from bot.domain.errors import DomainError
from bot.render import images
from bot.render.images import normalize_image, normalize_image_async
from tests.images import jpeg_bytes


def _near(pixel: object, color: tuple[int, int, int], tolerance: int = 12) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, color, strict=False))


def test_a_12_megapixel_photo_is_decoded_straight_at_half_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[tuple[int, int]] = []
    real_load = ImageFile.ImageFile.load

    def spy(self: ImageFile.ImageFile) -> object:
        seen.append(self.size)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    result = normalize_image(jpeg_bytes(4032, 3024))
    assert (result.width, result.height) == (1600, 1200)
    assert seen[0] == (2016, 1512)  # not 4032x3024: a quarter of the memory


def test_a_big_transparent_png_is_flattened_on_white_without_seams() -> None:
    # Left half transparent, right half opaque red, and a blue line across a band border.
    picture = Image.new("RGBA", (4000, 3000), (0, 0, 0, 0))
    picture.paste((220, 20, 20, 255), (2000, 0, 4000, 3000))
    picture.paste((20, 20, 220, 255), (0, 1020, 4000, 1030))  # crosses row 1024, a band border
    buf = io.BytesIO()
    picture.save(buf, "PNG")
    result = normalize_image(buf.getvalue())
    assert (result.width, result.height) == (1600, 1200)
    out = Image.open(io.BytesIO(result.jpeg))
    out.save("/tmp/speed_png_flattened.jpg")  # looked at: white left, red right, blue line
    assert _near(out.getpixel((400, 300)), (255, 255, 255))
    assert _near(out.getpixel((1200, 300)), (220, 20, 20))
    assert _near(out.getpixel((400, 410)), (20, 20, 220), tolerance=30)
    # The rows just above and below a band border are the same colour (no seam).
    assert _near(out.getpixel((400, 204)), out.getpixel((400, 205)), tolerance=4)  # type: ignore[arg-type]


def test_a_png_too_big_to_decode_in_full_is_refused() -> None:
    buf = io.BytesIO()
    Image.new("L", (6000, 4500)).save(buf, "PNG")  # 27 MP: fine as a JPEG, not as a PNG
    with pytest.raises(DomainError, match="图片太大了"):
        normalize_image(buf.getvalue())


async def test_only_two_pictures_are_decoded_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    images.start_image_jobs(2)
    release = threading.Event()
    lock = threading.Lock()
    active, most = 0, 0
    real = images.normalize_image

    def counting(data: bytes) -> images.NormalizedImage:
        nonlocal active, most
        with lock:
            active += 1
            most = max(most, active)
        release.wait(timeout=10)
        with lock:
            active -= 1
        return real(data)

    monkeypatch.setattr(images, "normalize_image", counting)
    photo = jpeg_bytes(640, 480)
    jobs = [asyncio.create_task(normalize_image_async(photo)) for _ in range(5)]
    for _ in range(1000):  # until two have started
        if active >= 2:
            break
        await asyncio.sleep(0.01)
    for _ in range(20):  # every job had its chance to start
        await asyncio.sleep(0)
    assert active == 2
    release.set()
    results = await asyncio.gather(*jobs)
    assert most == 2 and len(results) == 5
