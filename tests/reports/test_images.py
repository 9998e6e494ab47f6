"""The photo pipeline on real images made in memory: what a citizen or an officer would notice."""

from __future__ import annotations

import io
import struct
import warnings
import zlib

import pillow_heif
import pytest
from django.utils import translation
from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo
from PIL.TiffImagePlugin import IFDRational

from phananh.core.errors import PayloadTooLarge, ValidationFailed
from phananh.reports.images import ProcessedPhoto, process_photo, sniff_format


@pytest.fixture(autouse=True)
def _english_messages():
    # The messages asserted below are the English source strings; Vietnamese is the default.
    with translation.override("en"):
        yield


pillow_heif.register_heif_opener()

RED, BLUE = (220, 20, 20), (20, 20, 220)
# Lạng Sơn city centre: 21.8537 N = 21° 51' 13.32", 106.7615 E = 106° 45' 41.4".
LAT_DMS = (IFDRational(21), IFDRational(51), IFDRational(1332, 100))
LON_DMS = (IFDRational(106), IFDRational(45), IFDRational(414, 10))


def two_halves(size=(60, 40), mode="RGB", left=RED, right=BLUE) -> Image.Image:
    """Left half one colour, right half another: shows where the picture's left side ended up."""
    image = Image.new(mode, size, right)
    image.paste(Image.new(mode, (size[0] // 2, size[1]), left), (0, 0))
    return image


def phone_exif(*, orientation=6, lat=LAT_DMS, lat_ref="N", lon=LON_DMS, lon_ref="E") -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Apple"  # Make
    exif[0x0110] = "iPhone 15 Pro"  # Model
    exif[0x0131] = "SecretPhoneSoftware"  # Software
    if orientation:
        exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    for tag, value in ((1, lat_ref), (2, lat), (3, lon_ref), (4, lon)):
        if value is not None:
            gps[tag] = value
    return exif


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def reopen(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_no_metadata(data: bytes) -> None:
    image = reopen(data)
    assert not image.getexif(), dict(image.getexif())
    for key in ("exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment", "Author", "Comment"):
        assert key not in image.info, key
    for secret in (b"Exif", b"Apple", b"iPhone", b"SecretPhoneSoftware", b"SECRET", b"tEXt", b"iTXt"):
        assert secret not in data, secret


def close(pixel, colour, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


# --- Phone photos ---------------------------------------------------------------------------


def test_jpeg_is_turned_upright_stripped_and_its_gps_kept():
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(
        two_halves(),
        "JPEG",
        exif=phone_exif(orientation=6),
        icc_profile=icc,
        xmp=b"<x:xmpmeta>SECRET-XMP</x:xmpmeta>",
        comment=b"SECRET-COMMENT",
    )
    assert reopen(data).getexif()[0x010F] == "Apple"  # the input really carries metadata

    photo = process_photo(data)

    assert isinstance(photo, ProcessedPhoto)
    assert (photo.extension, photo.content_type) == ("jpg", "image/jpeg")
    # Orientation 6 = the camera was turned a quarter clockwise: the picture's left is now its top.
    assert (photo.width, photo.height) == (40, 60)
    stored = reopen(photo.content)
    assert stored.format == "JPEG" and stored.mode == "RGB" and stored.size == (40, 60)
    assert close(stored.getpixel((20, 5)), RED)
    assert close(stored.getpixel((20, 55)), BLUE)
    assert_no_metadata(photo.content)

    lat, lon = photo.gps
    assert lat == pytest.approx(21.8537, abs=1e-4)
    assert lon == pytest.approx(106.7615, abs=1e-4)


def test_thumbnail_is_a_small_clean_upright_jpeg():
    data = encode(two_halves((1600, 1200)), "JPEG", exif=phone_exif(orientation=6))
    photo = process_photo(data)
    thumb = reopen(photo.thumbnail)
    assert thumb.format == "JPEG" and thumb.mode == "RGB"
    assert thumb.size == (300, 400)  # longest side 400, still upright
    assert close(thumb.getpixel((150, 20)), RED)
    assert_no_metadata(photo.thumbnail)


def test_settings_bound_the_stored_copy_and_the_thumbnail(settings):
    settings.PHANANH_STORED_PHOTO_MAX_SIDE = 300
    settings.PHANANH_THUMBNAIL_SIDE = 100
    photo = process_photo(encode(two_halves((1200, 600)), "PNG"))
    assert (photo.width, photo.height) == (300, 150)
    assert reopen(photo.content).size == (300, 150)
    assert reopen(photo.thumbnail).size == (100, 50)


def test_large_photo_is_downscaled_to_the_default_max_side():
    photo = process_photo(encode(two_halves((5000, 2500)), "JPEG", quality=50))
    assert (photo.width, photo.height) == (2000, 1000)
    assert max(reopen(photo.thumbnail).size) == 400


def test_small_photo_is_not_enlarged():
    photo = process_photo(encode(two_halves((50, 30)), "JPEG"))
    assert (photo.width, photo.height) == (50, 30)
    assert reopen(photo.thumbnail).size == (50, 30)


@pytest.mark.parametrize(
    ("orientation", "size", "top_left"),
    [(1, (60, 40), RED), (3, (60, 40), BLUE), (8, (40, 60), BLUE), (2, (60, 40), BLUE)],
)
def test_other_orientations(orientation, size, top_left):
    photo = process_photo(encode(two_halves(), "JPEG", exif=phone_exif(orientation=orientation)))
    stored = reopen(photo.content)
    assert stored.size == size
    assert close(stored.getpixel((3, 3)), top_left)


def test_heic_from_an_iphone_is_stored_as_an_upright_jpeg_with_its_gps():
    data = encode(two_halves((64, 32)), "HEIF", exif=phone_exif(orientation=6).tobytes(), quality=90)
    assert sniff_format(data) == "HEIF"

    photo = process_photo(data)

    assert (photo.extension, photo.content_type) == ("jpg", "image/jpeg")
    stored = reopen(photo.content)
    assert stored.format == "JPEG" and stored.size == (32, 64)  # rotated once, not twice
    assert close(stored.getpixel((16, 4)), RED, tolerance=60)
    assert close(stored.getpixel((16, 60)), BLUE, tolerance=60)
    assert_no_metadata(photo.content)
    assert photo.gps == pytest.approx((21.8537, 106.7615), abs=1e-4)


def test_png_keeps_its_transparency_and_loses_its_text():
    image = Image.new("RGBA", (40, 20), (0, 128, 0, 255))
    image.paste((0, 0, 0, 0), (0, 0, 10, 10))
    image.putpixel((11, 0), (255, 0, 0, 128))
    info = PngInfo()
    info.add_text("Author", "Nguyen Van A, 0912 345 678")
    info.add_itxt("Comment", "SECRET địa chỉ nhà riêng")
    data = encode(image, "PNG", pnginfo=info, exif=phone_exif(orientation=1))
    assert reopen(data).info["Author"].startswith("Nguyen")

    photo = process_photo(data)

    assert (photo.extension, photo.content_type) == ("png", "image/png")
    stored = reopen(photo.content)
    assert stored.format == "PNG" and stored.mode == "RGBA" and stored.size == (40, 20)
    assert stored.getpixel((0, 0))[3] == 0
    assert stored.getpixel((11, 0)) == (255, 0, 0, 128)
    assert stored.getpixel((20, 15)) == (0, 128, 0, 255)
    assert_no_metadata(photo.content)
    assert b"Nguyen" not in photo.content
    assert photo.gps == pytest.approx((21.8537, 106.7615), abs=1e-4)
    # JPEG has no alpha: the thumbnail shows transparent areas on white, not black.
    thumb = reopen(photo.thumbnail)
    assert thumb.mode == "RGB" and close(thumb.getpixel((3, 3)), (255, 255, 255), tolerance=30)


def test_webp_stays_webp_without_metadata():
    image = two_halves(mode="RGBA", left=RED + (255,), right=BLUE + (255,))
    image.putpixel((59, 39), (0, 0, 0, 0))
    data = encode(image, "WEBP", exif=phone_exif(orientation=8), quality=90)

    photo = process_photo(data)

    assert (photo.extension, photo.content_type) == ("webp", "image/webp")
    stored = reopen(photo.content)
    assert stored.format == "WEBP" and stored.size == (40, 60)
    assert stored.mode == "RGBA"
    assert close(stored.getpixel((20, 55)), RED)  # orientation 8: the left side is now the bottom
    assert_no_metadata(photo.content)
    assert b"EXIF" not in photo.content and b"ICCP" not in photo.content
    assert photo.gps == pytest.approx((21.8537, 106.7615), abs=1e-4)


# --- Odd but legitimate pictures ------------------------------------------------------------


def test_cmyk_jpeg_becomes_rgb_with_the_right_colours():
    data = encode(Image.new("RGB", (30, 30), RED).convert("CMYK"), "JPEG", quality=95)
    assert reopen(data).mode == "CMYK"
    stored = reopen(process_photo(data).content)
    assert stored.mode == "RGB" and close(stored.getpixel((15, 15)), RED)


def test_palette_png_with_transparency_becomes_rgba():
    image = Image.new("P", (20, 20), 1)
    image.putpalette([0, 0, 0, 255, 255, 0] + [0] * 762)
    image.putpixel((0, 0), 0)
    stored = reopen(process_photo(encode(image, "PNG", transparency=0)).content)
    assert stored.mode == "RGBA"
    assert stored.getpixel((0, 0))[3] == 0 and stored.getpixel((5, 5)) == (255, 255, 0, 255)


def test_sixteen_bit_grey_png_is_scaled_not_clipped_to_white():
    image = Image.new("I;16", (10, 10), 32768)  # middle grey in 16 bits
    data = encode(image, "PNG")
    stored = reopen(process_photo(data).content)
    assert stored.mode == "RGB"
    assert close(stored.getpixel((5, 5)), (128, 128, 128), tolerance=2)


def test_grey_png_with_alpha_becomes_rgba():
    image = Image.new("LA", (10, 10), (200, 255))
    image.putpixel((0, 0), (0, 0))
    stored = reopen(process_photo(encode(image, "PNG")).content)
    assert stored.mode == "RGBA" and stored.getpixel((0, 0))[3] == 0
    assert stored.getpixel((5, 5)) == (200, 200, 200, 255)


def test_animation_keeps_only_its_first_frame():
    frames = [Image.new("RGB", (20, 20), RED), Image.new("RGB", (20, 20), BLUE)]
    for fmt in ("PNG", "WEBP"):
        data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
        assert getattr(reopen(data), "n_frames", 1) == 2
        stored = reopen(process_photo(data).content)
        assert getattr(stored, "n_frames", 1) == 1
        assert close(stored.getpixel((10, 10)), RED)


# --- GPS ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exif_kwargs", "expected"),
    [
        ({"lat_ref": "S", "lon_ref": "W"}, (-21.8537, -106.7615)),
        ({"lat": (IFDRational(215, 10),), "lon": (IFDRational(105), IFDRational(30))}, (21.5, 105.5)),
        ({"lat_ref": None}, None),  # without a hemisphere the sign is unknown
        ({"lon": None}, None),
        ({"lat_ref": "X"}, None),
        ({"lat": (IFDRational(95), IFDRational(0), IFDRational(0))}, None),  # beyond the pole
        ({"lon": (IFDRational(181), IFDRational(0), IFDRational(0))}, None),
        ({"lat": (IFDRational(21), IFDRational(1, 0), IFDRational(0))}, None),  # division by zero
        ({"lat": (IFDRational(0),), "lon": (IFDRational(0),)}, None),  # "no fix" written as 0, 0
    ],
)
def test_gps_is_read_only_when_believable(exif_kwargs, expected):
    photo = process_photo(encode(two_halves(), "JPEG", exif=phone_exif(orientation=1, **exif_kwargs)))
    if expected is None:
        assert photo.gps is None
    else:
        assert photo.gps == pytest.approx(expected, abs=1e-4)


def test_photo_without_exif_has_no_gps():
    assert process_photo(encode(two_halves(), "JPEG")).gps is None


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_garbled_exif_does_not_cost_the_photo():
    data = encode(two_halves(), "JPEG", exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xff\x01")
    photo = process_photo(data)
    assert photo.gps is None and (photo.width, photo.height) == (60, 40)
    assert_no_metadata(photo.content)


# --- Refused files --------------------------------------------------------------------------


def refusal(data: bytes, *, field: str = "photos") -> ValidationFailed:
    with pytest.raises(ValidationFailed) as info:
        process_photo(data, field=field)
    return info.value


def tiny_png_header(width: int, height: int, idat: bytes = b"") -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


UNSUPPORTED = {
    "text named .jpg": b"This is not a photo, just text.\n",
    "empty": b"",
    "gif": encode(Image.new("RGB", (10, 10), RED), "GIF"),
    "bmp": encode(Image.new("RGB", (10, 10), RED), "BMP"),
    "tiff": encode(Image.new("RGB", (10, 10), RED), "TIFF"),
    "avif": encode(Image.new("RGB", (16, 16), RED), "AVIF"),
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "html": b"<!doctype html><html><body>hi</body></html>",
    "pdf": b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n",
    "zip": b"PK\x03\x04" + b"\x00" * 40,
}


@pytest.mark.parametrize("name", list(UNSUPPORTED))
def test_other_files_are_refused_by_content(name):
    error = refusal(UNSUPPORTED[name], field="photos[2]")
    assert error.code == "unsupported_file_type" and error.status == 422
    assert error.fields == {"photos[2]": ["This file is not a JPEG, PNG, WebP or HEIC photo."]}


def make_corrupt() -> dict[str, bytes]:
    jpeg = encode(Image.effect_noise((200, 200), 64).convert("RGB"), "JPEG")
    png = encode(Image.effect_noise((200, 200), 64), "PNG")
    heic = encode(two_halves((64, 64)), "HEIF")
    webp = encode(two_halves((64, 64)), "WEBP")
    return {
        "truncated jpeg": jpeg[: len(jpeg) // 2],
        "jpeg magic then junk": b"\xff\xd8\xff\xe0" + b"\x13\x37" * 500,
        "truncated png": png[: len(png) // 2],
        "png with a bad checksum": png[:40] + bytes([png[40] ^ 0xFF]) + png[41:],
        "png header only": b"\x89PNG\r\n\x1a\n",
        "zero-size png": tiny_png_header(0, 0),
        "heic header then junk": heic[:40] + b"\x00" * 200,
        "truncated heic": heic[: len(heic) // 2],
        "webp header then junk": b"RIFF\x00\x01\x00\x00WEBPVP8 " + b"\x01" * 300,
        "truncated webp": webp[: len(webp) // 2],
    }


CORRUPT = make_corrupt()


@pytest.mark.parametrize("name", list(CORRUPT))
def test_damaged_images_are_refused(name):
    error = refusal(CORRUPT[name])
    assert error.code == "corrupt_image" and error.status == 422
    assert error.fields == {"photos": ["This photo is damaged or incomplete and cannot be read."]}


def test_too_many_bytes_is_refused_before_anything_else(settings):
    settings.PHANANH_MAX_PHOTO_BYTES = 1000
    for data in (encode(Image.effect_noise((100, 100), 64).convert("RGB"), "JPEG"), b"x" * 1001):
        assert len(data) > 1000
        with pytest.raises(PayloadTooLarge) as info:
            process_photo(data, field="photo")
        assert info.value.code == "file_too_large" and info.value.status == 413
        assert list(info.value.fields) == ["photo"]
    # Exactly at the limit is allowed through to the format check.
    assert refusal(b"x" * 1000).code == "unsupported_file_type"


def test_too_many_pixels_is_refused_from_the_header_alone():
    # 8000 x 8000 = 64 MP: over our 50 MP, under Pillow's own bomb threshold. The pixel data
    # is a few rows only, so any attempt to decode would fail as "corrupt" instead.
    data = tiny_png_header(8000, 8000, zlib.compress(b"\x00" * 8001 * 4))
    error = refusal(data)
    assert error.code == "image_too_large" and error.status == 422
    assert "50 megapixels" in error.message


def test_pillow_own_bomb_check_is_reported_the_same_way(settings):
    settings.PHANANH_MAX_PHOTO_PIXELS = 10**12  # let Pillow's check be the one that fires
    before = list(warnings.filters)
    for side in (10_000, 20_000):  # a warning (> 89 MP) and an error (> 179 MP) in Pillow
        error = refusal(tiny_png_header(side, side, zlib.compress(b"\x00" * (side + 1))))
        assert error.code == "image_too_large"
    assert warnings.filters == before  # the stricter filter did not leak out


def test_real_compressed_bomb_is_refused_quickly(settings):
    # A genuine, complete PNG of zeros: 4 MP decompress from a few kilobytes.
    settings.PHANANH_MAX_PHOTO_PIXELS = 1_000_000
    data = encode(Image.new("L", (2000, 2000)), "PNG")
    assert len(data) < 20_000
    assert refusal(data).code == "image_too_large"
    assert refusal(encode(Image.new("RGB", (1200, 1000)), "JPEG")).code == "image_too_large"
    assert process_photo(encode(Image.new("RGB", (1000, 1000)), "JPEG")).width == 1000


def test_file_name_and_declared_type_play_no_part():
    # A PNG is a PNG whatever the client said: only the bytes are looked at.
    png = encode(two_halves(), "PNG")
    assert sniff_format(png) == "PNG"
    assert process_photo(png).content_type == "image/png"
    assert sniff_format(b"GIF89a" + png) is None


def test_multi_picture_jpeg_from_a_stereo_or_depth_camera_keeps_the_main_picture():
    data = encode(Image.new("RGB", (60, 40), RED), "MPO", save_all=True, append_images=[two_halves()])
    assert reopen(data).format == "MPO"
    photo = process_photo(data)
    assert photo.content_type == "image/jpeg"
    stored = reopen(photo.content)
    assert stored.format == "JPEG" and close(stored.getpixel((50, 20)), RED)
