"""Photo normalisation: upright, small, metadata-free, and safe against bad files."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageFile

from bot.domain.errors import DomainError
from bot.render.images import MAX_SIDE, normalize_image, normalize_image_async
from bot.texts import media as t
from tests.images import (
    MARK,
    bomb_png,
    corrupt_jpeg,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
    wide_gamut_icc,
)


def _open(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def _near(pixel: tuple[int, ...], color: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, color, strict=False))


def test_sideways_phone_photo_is_turned_upright() -> None:
    # Orientation 6: the sensor stored it landscape; viewers rotate 90° clockwise.
    result = normalize_image(jpeg_bytes(800, 600, orientation=6))
    assert (result.width, result.height) == (600, 800)
    img = _open(result.jpeg)
    assert img.size == (600, 800)
    # The marker that was top-left in storage is now top-right, as a viewer shows it.
    assert _near(img.getpixel((img.width - 10, 10)), MARK)  # type: ignore[arg-type]
    assert not _near(img.getpixel((10, 10)), MARK)  # type: ignore[arg-type]
    assert Image.open(io.BytesIO(result.jpeg)).getexif().get(0x0112) is None


def test_gps_position_and_all_exif_are_stripped() -> None:
    source = jpeg_bytes(640, 480, gps=True)
    assert Image.open(io.BytesIO(source)).getexif().get_ifd(0x8825)  # the fixture has GPS
    result = normalize_image(source)
    out = Image.open(io.BytesIO(result.jpeg))
    assert len(out.getexif()) == 0
    assert "exif" not in out.info
    assert "icc_profile" not in out.info
    assert b"Exif" not in result.jpeg
    assert b"TestPhone" not in result.jpeg


def test_large_photo_is_scaled_to_1600_on_the_long_side() -> None:
    result = normalize_image(jpeg_bytes(4000, 3000))
    assert (result.width, result.height) == (1600, 1200)
    img = _open(result.jpeg)
    assert img.format == "JPEG"
    assert img.size == (1600, 1200)
    assert img.mode == "RGB"


def test_small_photo_keeps_its_size() -> None:
    result = normalize_image(jpeg_bytes(320, 240))
    assert (result.width, result.height) == (320, 240)


def test_tall_png_is_converted_to_jpeg_within_limits() -> None:
    result = normalize_image(png_bytes(900, 2400))
    assert max(result.width, result.height) == MAX_SIDE
    assert (result.width, result.height) == (600, 1600)
    assert _open(result.jpeg).format == "JPEG"


def test_transparent_png_becomes_white_not_black() -> None:
    result = normalize_image(png_bytes(200, 100, alpha=True))
    img = _open(result.jpeg)
    assert _near(img.getpixel((100, 50)), (255, 255, 255), tolerance=8)  # type: ignore[arg-type]


def test_palette_and_greyscale_images_are_accepted() -> None:
    for mode in ("P", "L", "LA", "CMYK"):
        img = Image.new("RGB", (300, 200), (10, 200, 30)).convert(mode)
        buf = io.BytesIO()
        img.save(buf, "TIFF" if mode == "CMYK" else "PNG")
        result = normalize_image(buf.getvalue())
        assert (result.width, result.height) == (300, 200)
        assert _open(result.jpeg).mode == "RGB"


def test_pdf_is_refused_with_a_clear_message() -> None:
    with pytest.raises(DomainError) as err:
        normalize_image(pdf_bytes())
    assert str(err.value) == t.NOT_AN_IMAGE
    assert "JPG/PNG" in str(err.value)


def test_random_text_is_refused_as_not_an_image() -> None:
    with pytest.raises(DomainError, match="这不是图片"):
        normalize_image("采购单：大米 10 袋".encode())


def test_empty_file_is_refused() -> None:
    with pytest.raises(DomainError):
        normalize_image(b"")


def test_truncated_jpeg_is_refused() -> None:
    with pytest.raises(DomainError) as err:
        normalize_image(corrupt_jpeg())
    assert str(err.value) == t.IMAGE_CORRUPT


def test_heic_file_gets_a_specific_hint() -> None:
    fake_heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    with pytest.raises(DomainError) as err:
        normalize_image(fake_heic)
    assert str(err.value) == t.HEIC_NOT_SUPPORTED


def test_image_bomb_is_refused_before_its_pixels_are_decoded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_decoding(self: ImageFile.ImageFile) -> None:
        raise AssertionError("the bomb's pixels must not be decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    with pytest.raises(DomainError) as err:
        normalize_image(bomb_png())
    assert str(err.value) == t.IMAGE_TOO_LARGE


def test_image_just_over_the_pixel_limit_is_refused() -> None:
    # 7200 x 7200 = 51.8 MP: above our limit but below Pillow's own hard error (2x).
    with pytest.raises(DomainError, match="图片太大了"):
        normalize_image(bomb_png(7200))


async def test_async_variant_gives_the_same_result() -> None:
    result = await normalize_image_async(jpeg_bytes(2000, 1000))
    assert (result.width, result.height) == (1600, 800)


def test_bomb_is_refused_even_if_pillows_own_guard_is_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    with pytest.raises(DomainError, match="图片太大了"):
        normalize_image(bomb_png())


def _with_profile(color: tuple[int, int, int], profile: bytes) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), color).save(buf, "JPEG", quality=95, icc_profile=profile)
    return buf.getvalue()


def test_colour_profile_is_applied_then_dropped() -> None:
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    result = normalize_image(_with_profile((200, 120, 40), srgb))
    img = _open(result.jpeg)
    assert "icc_profile" not in img.info
    assert _near(img.getpixel((32, 32)), (200, 120, 40), tolerance=6)  # type: ignore[arg-type]


def test_wide_gamut_iphone_colours_are_converted_to_srgb() -> None:
    # The same numbers mean a more saturated orange in Display P3; in sRGB that orange is
    # about (214, 116, 0). Dropping the profile without converting would dull the photo.
    result = normalize_image(_with_profile((200, 120, 40), wide_gamut_icc()))
    img = _open(result.jpeg)
    assert "icc_profile" not in img.info
    assert _near(img.getpixel((32, 32)), (214, 116, 0), tolerance=8)  # type: ignore[arg-type]


def test_broken_colour_profile_does_not_refuse_the_photo() -> None:
    result = normalize_image(_with_profile((10, 200, 30), b"not an icc profile at all"))
    assert _near(_open(result.jpeg).getpixel((32, 32)), (10, 200, 30), tolerance=8)  # type: ignore[arg-type]


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_gives_the_viewer_dimensions(orientation: int) -> None:
    result = normalize_image(jpeg_bytes(400, 200, orientation=orientation))
    expected = (200, 400) if orientation >= 5 else (400, 200)
    assert (result.width, result.height) == expected


def test_huge_jpeg_is_decoded_in_draft_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[int, int]] = []
    real_load = ImageFile.ImageFile.load

    def spy(self: ImageFile.ImageFile) -> object:
        seen.append(self.size)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    result = normalize_image(jpeg_bytes(6400, 4800))
    assert (result.width, result.height) == (1600, 1200)
    assert seen and seen[0] == (3200, 2400)  # libjpeg decoded at half size


def test_animated_gif_keeps_its_first_frame() -> None:
    frames = [Image.new("RGB", (120, 80), c) for c in ((250, 0, 0), (0, 0, 250))]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100)
    img = _open(normalize_image(buf.getvalue()).jpeg)
    assert _near(img.getpixel((60, 40)), (250, 0, 0))  # type: ignore[arg-type]


def test_cmyk_jpeg_and_16_bit_scan_keep_their_colours() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (3300, 2000), (10, 200, 30)).convert("CMYK").save(buf, "JPEG")
    cmyk = normalize_image(buf.getvalue())
    assert (cmyk.width, cmyk.height) == (1600, 970)
    assert _near(_open(cmyk.jpeg).getpixel((5, 5)), (10, 200, 30), tolerance=8)  # type: ignore[arg-type]
    buf = io.BytesIO()
    Image.new("I;16", (300, 200), 30000).save(buf, "PNG")
    scan = _open(normalize_image(buf.getvalue()).jpeg)
    assert _near(scan.getpixel((5, 5)), (117, 117, 117), tolerance=4)  # type: ignore[arg-type]


def _pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as img:
        return img.convert("RGB").tobytes()


def test_small_upright_photo_keeps_its_pixels_and_loses_its_metadata() -> None:
    original = jpeg_bytes(1280, 960, gps=True)
    with Image.open(io.BytesIO(original)) as img:
        assert img.getexif()  # the test's photo does carry EXIF and GPS
    out = normalize_image(original)
    assert _pixels(out.jpeg) == _pixels(original)  # not re-encoded: no second loss
    with Image.open(io.BytesIO(out.jpeg)) as img:
        assert not img.getexif() and "exif" not in img.info
        assert {name for name, _ in getattr(img, "applist", [])} <= {"APP0", "APP14"}


def test_comments_between_the_scans_of_a_progressive_photo_are_dropped() -> None:
    with Image.open(io.BytesIO(jpeg_bytes(1000, 750))) as img:
        out = io.BytesIO()
        img.save(out, "JPEG", progressive=True, comment=b"teacher-home-address")
    data = out.getvalue()
    second_scan = data.find(b"\xff\xda", data.find(b"\xff\xda") + 2)
    hidden = data[:second_scan] + b"\xff\xfe\x00\x08hidden" + data[second_scan:] + b"trailer"
    clean = normalize_image(hidden).jpeg
    assert b"hidden" not in clean and b"teacher-home" not in clean and b"trailer" not in clean
    assert _pixels(clean) == _pixels(data)


def test_truncated_small_photo_is_still_refused() -> None:
    data = jpeg_bytes(1280, 960)
    with pytest.raises(DomainError) as err:
        normalize_image(data[: len(data) * 2 // 3])
    assert err.value.message == t.IMAGE_CORRUPT
