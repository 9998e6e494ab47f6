"""Decompression bombs: a photo is decoded only when its decoding fits the memory budget.

What decoding costs is worked out from the header (size, mode, format; a JPEG's scans and
sampling), so a picture that would take more than PHANANH_PHOTO_DECODE_MB (192 MB) is refused
before a pixel is decoded, with the most pixels a photo of its kind may have. Ordinary phone
photos (12 MP JPEG, 12 and 24 MP HEIC, 50 MP JPEG) go through as before. The server's own
memory under these attacks is measured in tests/deploy/test_photo_memory.py.
"""

from __future__ import annotations

import io
import re
import time

import pillow_heif
import pytest
from django.utils import translation
from PIL import Image

from phananh.core.errors import ValidationFailed
from phananh.reports import decoding
from phananh.reports.images import MAX_JPEG_SCANS, decoding_cost, process_photo
from tests.reports.test_images import RED, close, encode, reopen

pillow_heif.register_heif_opener()


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield


def refusal(data: bytes) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as refused:
        process_photo(data)
    return refused.value


def cpu_seconds(work) -> float:
    started = time.process_time()
    work()
    return time.process_time() - started


def test_the_png_of_the_attack_is_refused_from_its_header(settings):
    # Given the attack: 7000 × 7000 pixels of one colour, 150 kB of PNG, 196 MB once decoded
    assert settings.PHANANH_PHOTO_DECODE_MB == 192
    bomb = encode(Image.new("RGB", (7000, 7000), RED), "PNG")
    assert len(bomb) < 200_000

    # When it is sent, it is refused without decoding (it took 3.7 s of CPU and 540 MB), with
    # the most pixels a colour PNG may have
    refused = []
    assert cpu_seconds(lambda: refused.append(refusal(bomb))) < 0.1
    assert refused[0].code == "image_too_large"
    assert refused[0].message == "This photo has too many pixels (at most 42 megapixels)."


def test_the_limit_depends_on_what_decoding_the_photo_costs():
    # The same 7000 × 7000 pixels in grey take a quarter of the memory once decoded (one byte
    # a pixel instead of four): under the budget, so the photo is kept
    grey = encode(Image.new("L", (7000, 7000), 90), "PNG")
    photo = process_photo(grey)
    assert (photo.width, photo.height) == (2000, 2000)
    assert (
        decoding_cost(grey).total
        < decoding.budget_bytes()
        < decoding_cost(encode(Image.new("RGB", (7000, 7000), RED), "PNG")).total
    )
    # A WebP costs 16 bytes a pixel (libwebp's animation decoder, which Pillow uses for all)
    webp = encode(Image.new("RGB", (4000, 3000), RED), "WEBP")
    assert refusal(webp).message == "This photo has too many pixels (at most 10.7 megapixels)."


def test_a_smaller_budget_lowers_every_limit(settings):
    settings.PHANANH_PHOTO_DECODE_MB = 96
    data = encode(Image.new("RGB", (5000, 4000), RED), "PNG")
    assert refusal(data).message == "This photo has too many pixels (at most 17.7 megapixels)."
    settings.PHANANH_PHOTO_DECODE_MB = 192
    assert process_photo(data).width == 2000


def test_the_limit_is_written_the_vietnamese_way_in_vietnamese():
    with translation.override("vi"):
        error = refusal(encode(Image.new("RGB", (7000, 7000), RED), "PNG"))
    assert error.message == "Ảnh có quá nhiều điểm ảnh (tối đa 42 megapixel)."


# --- Ordinary phone photos ------------------------------------------------------------------------


def test_a_24_megapixel_heic_from_a_recent_iphone_is_kept():
    # iPhone 15 and later save 24 MP (5712 × 4284) HEIC by default: about 145 MB to decode
    heic = encode(Image.linear_gradient("L").resize((5712, 4284)).convert("RGB"), "HEIF", quality=50)
    assert decoding_cost(heic).total < decoding.budget_bytes()
    photo = process_photo(heic)
    assert (photo.width, photo.height) == (2000, 1500)
    assert reopen(photo.content).format == "JPEG"


def test_a_50_megapixel_jpeg_is_decoded_at_a_quarter_of_its_sides():
    # A 50 MP phone's JPEG is decoded at a quarter of its sides: the limit is that of the
    # picture as sent, PHANANH_MAX_PHOTO_PIXELS
    data = encode(Image.new("RGB", (8160, 6120), RED), "JPEG", quality=90)
    assert decoding_cost(data).total < 64 * decoding.MB
    photo = process_photo(data)
    assert (photo.width, photo.height) == (2000, 1500)
    assert close(reopen(photo.content).getpixel((1000, 750)), RED)


def test_a_progressive_jpeg_counts_its_coefficients():
    # libjpeg keeps every coefficient of a JPEG of several scans, whatever size it outputs: 6
    # bytes a pixel at full colour resolution (4:4:4), so 30 MP is too many...
    image = Image.new("RGB", (6324, 4743), RED)
    progressive = encode(image, "JPEG", progressive=True, subsampling=0)
    assert refusal(progressive).message == "This photo has too many pixels (at most 24.6 megapixels)."
    # ...while the same picture in one scan is decoded at a quarter of its sides
    assert process_photo(encode(image, "JPEG", subsampling=0)).width == 2000


# --- JPEG scans -----------------------------------------------------------------------------------


def progressive_with_scans(extra: int, size=(1600, 1200)) -> bytes:
    """A progressive JPEG with its smallest scan sent `extra` more times (libjpeg takes them)."""
    data = encode(Image.new("RGB", size, (120, 130, 140)), "JPEG", progressive=True)
    starts = [m.start() for m in re.finditer(rb"\xff\xda", data)]
    ends = [*starts[1:], len(data) - 2]
    smallest = min(range(1, len(starts)), key=lambda i: ends[i] - starts[i])
    return data[:-2] + data[starts[smallest] : ends[smallest]] * extra + b"\xff\xd9"


def test_a_jpeg_of_too_many_scans_is_refused_before_decoding():
    # A thousand scans of 31 bytes each made a 125 kB file cost 12 s of CPU at 16 MP
    bomb = progressive_with_scans(1000, size=(4000, 4000))
    refused = []
    assert cpu_seconds(lambda: refused.append(refusal(bomb))) < 0.2
    assert refused[0].code == "image_too_complex"
    assert refused[0].message == (
        "This JPEG is saved in more than 100 passes and would take too long to read: "
        "save it again as an ordinary JPEG."
    )
    # At the limit it is a photo like another
    assert process_photo(progressive_with_scans(MAX_JPEG_SCANS - 10)).width == 1600


def test_scans_are_counted_in_the_picture_only():
    baseline = encode(Image.new("RGB", (64, 48), RED), "JPEG")
    progressive = encode(Image.new("RGB", (64, 48), RED), "JPEG", progressive=True)
    assert decoding.jpeg_scans(baseline, 100) == 1
    assert decoding.jpeg_scans(progressive, 100) == 10
    # A thumbnail inside a metadata segment (as in EXIF) has scans of its own, not counted
    segment = b"\xff\xe2" + (len(progressive) + 2).to_bytes(2, "big") + progressive
    with_thumbnail = baseline[:2] + segment + baseline[2:]
    assert decoding.jpeg_scans(with_thumbnail, 100) == 1
    assert process_photo(with_thumbnail).width == 64
    # The count stops past the limit
    assert decoding.jpeg_scans(progressive_with_scans(500), 100) == 101


# --- Bands ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "mode"),
    [((4321, 2345), "RGB"), ((2999, 1800), "RGB"), ((5000, 3000), "RGBA"), ((3000, 2600), "L")],
)
def test_bringing_a_picture_down_in_bands_gives_the_whole_picture_s_result(size, mode):
    # A picture of noise, where a seam between bands would show
    noise = Image.effect_noise(size, 80).convert("L")
    source = noise if mode == "L" else Image.merge("RGB", (noise, noise.rotate(180), noise)).convert(mode)
    if mode == "RGBA":
        source.putalpha(noise.rotate(180))
    side = 2000
    factor = decoding.reduction(*size, side)
    reduced = source.reduce(factor) if factor > 1 else source
    whole = reduced.resize(decoding.fitted_size(*reduced.size, side), Image.Resampling.LANCZOS)

    banded = decoding.shrink(*size, lambda top, bottom: source.crop((0, top, size[0], bottom)), mode, side)

    assert banded.size == whole.size and banded.mode == mode
    difference = [
        max(abs(a - b) for a, b in zip(band, whole_band, strict=True))
        for band, whole_band in zip(
            (banded.getchannel(i).tobytes() for i in range(len(mode))),
            (whole.getchannel(i).tobytes() for i in range(len(mode))),
            strict=True,
        )
    ]
    assert max(difference) <= 1


def test_the_fitted_size_is_pillow_s_thumbnail_size():
    for size in ((4032, 3024), (4400, 2200), (7000, 3), (3, 7000), (2001, 1999), (8191, 5461)):
        image = Image.new("L", size)
        image.thumbnail((2000, 2000))
        assert decoding.fitted_size(*size, 2000) == image.size


def test_a_palette_png_is_converted_a_band_at_a_time():
    # 1 byte a pixel decoded; converted to RGB band by band, never as a whole (4 bytes a pixel)
    image = Image.new("P", (6000, 4000), 0)
    image.putpalette(RED)
    data = encode(image, "PNG")
    cost = decoding_cost(data)
    assert cost.pixel_bytes == 6000 * 4000
    stored = reopen(process_photo(data).content)
    assert stored.mode == "RGB" and close(stored.getpixel((10, 10)), RED)


def test_damaged_heic_stays_a_damaged_photo():
    heic = encode(Image.new("RGB", (640, 480), RED), "HEIF")
    assert refusal(heic[: len(heic) * 2 // 3]).code == "corrupt_image"
    assert process_photo(io.BytesIO(heic).getvalue()).width == 640
