"""Turn an uploaded photo into a clean stored copy, a thumbnail and its GPS position.

Photos come from phones and from hostile clients alike. So the format is decided by the
bytes only (never the file name or the declared type), sizes and the memory of decoding are
bounded before any pixel is decoded (`decoding`), and the stored copy is rebuilt from pixel
data alone: a citizen's phone model,
serial numbers, capture time and location must not be republished with the photo. The GPS
position is the one piece of metadata we keep, read before stripping and returned apart, so
that the report form can offer it as the place of the problem.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass

import pillow_heif
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from phananh.core.errors import PayloadTooLarge, ValidationFailed

from . import decoding

# Registering twice only re-registers the same plugin, so importing this module is harmless.
pillow_heif.register_heif_opener()
# PNG text chunks are thrown away, yet Pillow decompresses up to 64 MB of them by default.
PngImagePlugin.MAX_TEXT_MEMORY = 4 * decoding.MB
# A camera writes one scan, a progressive encoder about ten; see decoding.jpeg_scans.
MAX_JPEG_SCANS = 100

_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"}
# Pillow format name -> (stored format, extension, content type). HEIC is stored as JPEG
# because browsers other than Safari cannot show it.
_OUTPUT = {
    "JPEG": ("JPEG", "jpg", "image/jpeg"),
    "HEIF": ("JPEG", "jpg", "image/jpeg"),
    "PNG": ("PNG", "png", "image/png"),
    "WEBP": ("WEBP", "webp", "image/webp"),
}
# The same table as ImageOps.exif_transpose, applied to EXIF we have already parsed.
_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


@dataclass(frozen=True)
class ProcessedPhoto:
    content: bytes  # the stored copy: orientation applied, re-encoded, no metadata at all
    extension: str  # "jpg", "png" or "webp"
    content_type: str  # "image/jpeg", "image/png" or "image/webp"
    width: int
    height: int
    thumbnail: bytes  # JPEG, longest side <= PHANANH_THUMBNAIL_SIDE, no metadata
    gps: tuple[float, float] | None  # (lat, lon) from EXIF before stripping


def sniff_format(data: bytes) -> str | None:
    """The Pillow format name that the leading bytes announce, or None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp":
        # ISO BMFF: major brand, minor version, then compatible brands up to the box's end.
        # AVIF shares the container, so a HEVC brand must be named somewhere.
        box_end = min(int.from_bytes(data[:4], "big"), len(data), 256)
        brands = {data[8:12]} | {data[i : i + 4] for i in range(16, box_end - 3, 4)}
        if brands & _HEIC_BRANDS:
            return "HEIF"
    return None


def process_photo(data: bytes, *, field: str = "photos") -> ProcessedPhoto:
    """Validate and clean one uploaded photo; raise ValidationFailed or PayloadTooLarge."""

    def fail(code: str, message: str) -> ValidationFailed:
        return ValidationFailed(code, message, fields={field: [message]})

    max_bytes = settings.PHANANH_MAX_PHOTO_BYTES
    if len(data) > max_bytes:
        message = _("This photo is larger than %(limit)s.") % {"limit": filesizeformat(max_bytes)}
        raise PayloadTooLarge("file_too_large", message, fields={field: [message]})
    source_format = sniff_format(data)
    if source_format is None:
        raise fail("unsupported_file_type", _("This file is not a JPEG, PNG, WebP or HEIC photo."))

    def too_large(limit: int) -> ValidationFailed:
        limit = min(limit, settings.PHANANH_MAX_PHOTO_PIXELS)
        return fail(
            "image_too_large",
            _("This photo has too many pixels (at most %(limit)s megapixels).")
            % {"limit": _megapixels(limit)},
        )

    corrupt = fail("corrupt_image", _("This photo is damaged or incomplete and cannot be read."))
    too_many_scans = fail(
        "image_too_complex",
        _(
            "This JPEG is saved in more than %(limit)d passes and would take too long to read: "
            "save it again as an ordinary JPEG."
        )
        % {"limit": MAX_JPEG_SCANS},
    )

    try:
        return decoding.on_the_decoder_thread(_clean, data, source_format)
    except _TooLarge as refused:
        raise too_large(refused.limit) from None
    except _TooManyScans:
        raise too_many_scans from None
    except _Damaged as damaged:
        raise corrupt from damaged.__cause__


def _clean(data: bytes, source_format: str) -> ProcessedPhoto:
    """The pixel work, on the process's decoder thread; its messages are the caller's to write
    (in the request's language)."""
    stored_format, extension, content_type = _OUTPUT[source_format]
    side = settings.PHANANH_STORED_PHOTO_MAX_SIDE
    # Pillow's own bomb check only warns below 2 * MAX_IMAGE_PIXELS; make the warning an
    # error here, for this call only, so that no huge decode is ever started.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            decode = _decode_heif if source_format == "HEIF" else _decode_with_pillow
            image, exif, icc_profile = decode(data, source_format, side)
            image = _normalise_mode(image, icc_profile)
            transpose = _ORIENTATION.get(_safe_int(exif.get(ExifTags.Base.Orientation)))
            if transpose is not None:
                image = image.transpose(transpose)
            if stored_format == "JPEG":
                image = _flatten(image)
            image = _fresh(image)
        except (_TooLarge, _TooManyScans):
            raise
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise _TooLarge(settings.PHANANH_MAX_PHOTO_PIXELS) from None
        except Exception as exc:  # any decoder failure on hostile input is a damaged file
            raise _Damaged from exc

    # The stored copy without a second pass to optimise its Huffman tables: half the time to
    # encode for a file a few per cent larger.
    content = _encode(image, stored_format, optimize=False)

    thumb = _flatten(image)  # the stored copy itself when it has no transparency: not changed below
    thumb_side = settings.PHANANH_THUMBNAIL_SIDE
    if thumb_size := _at_most(thumb.width, thumb.height, thumb_side):
        # Averaged down by a whole factor first (reducing_gap 1: 2,000 px to 400 is a 5 × 5
        # box), then Lanczos for the rest: a quarter of the time of Lanczos over the whole
        # copy, and a box average aliases no more than Lanczos at these factors.
        thumb = thumb.resize(_within(thumb_size, thumb_side), Image.Resampling.LANCZOS, reducing_gap=1.0)
    thumbnail = _encode(_fresh(thumb), "JPEG", quality=80)

    return ProcessedPhoto(
        content=content,
        extension=extension,
        content_type=content_type,
        width=image.width,
        height=image.height,
        thumbnail=thumbnail,
        gps=_gps(exif),
    )


def _megapixels(pixels: int) -> str:
    """Megapixels to one decimal, rounded down, written the reader's way (32,1 in Vietnamese)."""
    tenths = pixels // 100_000
    return number_format(tenths // 10 if tenths % 10 == 0 else tenths / 10)


class _TooLarge(Exception):
    def __init__(self, limit: int):
        self.limit = limit  # the most pixels a photo like this one may have


class _TooManyScans(Exception):
    pass


class _Damaged(Exception):
    pass


def decoding_cost(data: bytes) -> decoding.Cost:
    """What decoding this photo would take, from its header: for the benchmark and the tests."""
    source_format = sniff_format(data)
    if source_format is None:
        raise ValueError("not a photo")
    with Image.open(io.BytesIO(data), formats=[source_format]) as opened:
        return _cost(opened, data, source_format, settings.PHANANH_STORED_PHOTO_MAX_SIDE)


def _cost(opened: Image.Image, data: bytes, source_format: str, side: int) -> decoding.Cost:
    """What decoding the opened photo will take; a JPEG is set to decode at a reduced size.

    Raises _TooLarge or _TooManyScans for a photo this server does not decode."""
    sent = opened.size  # from the header: nothing decoded yet
    if sent[0] <= 0 or sent[1] <= 0:
        raise ValueError("no pixels")
    if sent[0] * sent[1] > settings.PHANANH_MAX_PHOTO_PIXELS:
        raise _TooLarge(settings.PHANANH_MAX_PHOTO_PIXELS)
    if source_format == "HEIF":
        return decoding.heif_cost(
            *sent,
            file_bytes=len(data),
            bit_depth=_safe_int(opened.info.get("bit_depth")) or 8,
            chroma=_safe_int(opened.info.get("chroma")),
            alpha="A" in opened.mode,
        )
    coefficients = 0
    if source_format == "JPEG":
        scans = decoding.jpeg_scans(data, MAX_JPEG_SCANS)
        if scans > MAX_JPEG_SCANS:
            raise _TooManyScans
        if scans > 1:  # progressive, or one scan per colour: every coefficient is kept
            sampling = [(h, v) for _id, h, v, _table in getattr(opened, "layer", [])]
            coefficients = decoding.jpeg_coefficient_bytes(*sent, sampling)
        if reduced := _at_most(*sent, side):
            # The JPEG decoder can give the picture at 1/2, 1/4 or 1/8 of its size for a
            # fraction of the work and memory (draft mode): it picks the largest of these
            # still at least as large as the stored copy, which is resized from there.
            opened.draft(None, reduced)
    return decoding.pillow_cost(
        sent, opened.size, opened.mode, source_format, file_bytes=len(data), coefficients=coefficients
    )


def _within_budget(cost: decoding.Cost) -> None:
    if not cost.fits():
        raise _TooLarge(cost.pixel_limit())


Decoded = tuple[Image.Image, Image.Exif, bytes | None]  # the picture brought down, EXIF, profile


def _decode_with_pillow(data: bytes, source_format: str, side: int) -> Decoded:
    """JPEG, PNG and WebP: the picture at most `side` px on its longest side, its EXIF and its
    colour profile. Nothing is decoded before the cost is known to fit the budget."""
    with Image.open(io.BytesIO(data), formats=[source_format]) as opened:
        _within_budget(_cost(opened, data, source_format, side))
        opened.load()  # the first frame only: animations are not kept
        exif = _exif(opened)
        icc_profile = opened.info.get("icc_profile")
        mode = decoding.working_mode(opened)
        width, height = opened.size

        def band(top: int, bottom: int) -> Image.Image:
            return decoding.to_mode(opened.crop((0, top, width, bottom)), mode)

        if max(width, height) <= side and opened.mode == mode:
            return opened, exif, icc_profile  # already the stored size (a JPEG's draft, often)
        image = decoding.shrink(width, height, band, mode, side)
        opened.close()  # the decoded picture goes now, before the stored copy is finished
    return image, exif, icc_profile


def _decode_heif(data: bytes, _format: str, side: int) -> Decoded:
    """HEIC: libheif decodes the whole picture (it cannot reduce on load), and Pillow reads it
    from libheif's buffer a band at a time instead of copying it whole (4 bytes a pixel more)."""
    with Image.open(io.BytesIO(data), formats=["HEIF"]) as opened:
        _within_budget(_cost(opened, data, "HEIF", side))
        # pillow_heif has set the EXIF orientation to 1: libheif turns the picture itself.
        width, height = opened.size
        exif = _exif(opened)
        icc_profile = opened.info.get("icc_profile")
    # Opened again through pillow_heif itself, once Pillow's copy of the file is let go.
    heif = pillow_heif.open_heif(io.BytesIO(data), convert_hdr_to_8bit=True)
    picture = heif[heif.primary_index]
    pixels, stride, raw_mode = picture.data, picture.stride, picture.mode
    if picture.size != (width, height):
        raise ValueError("the picture is not the size its header says")
    mode = "RGBA" if "A" in raw_mode else "L" if raw_mode == "L" else "RGB"

    def band(top: int, bottom: int) -> Image.Image:
        rows = pixels[top * stride : bottom * stride]
        return decoding.to_mode(
            Image.frombuffer(raw_mode, (width, bottom - top), rows, "raw", raw_mode, stride, 1), mode
        )

    # libheif's buffer goes with this function's variables, before the stored copy is finished.
    return decoding.shrink(width, height, band, mode, side), exif, icc_profile


def _at_most(width: int, height: int, side: int) -> tuple[int, int] | None:
    """The size of the stored copy, rounded up, when the longest side is above `side`."""
    if max(width, height) <= side:
        return None
    scale = side / max(width, height)
    return math.ceil(width * scale), math.ceil(height * scale)


def _within(size: tuple[int, int], side: int) -> tuple[int, int]:
    """`size` (from `_at_most`, rounded up) brought inside a square of `side`."""
    return min(size[0], side), min(size[1], side)


def _exif(image: Image.Image) -> Image.Exif:
    """The parsed EXIF, or an empty one: broken metadata must not cost the citizen the photo."""
    try:
        return image.getexif()
    except Exception:
        return Image.Exif()


def _safe_int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError, ZeroDivisionError):
        return None


def _gps(exif: Image.Exif) -> tuple[float, float] | None:
    """(lat, lon) in decimal degrees from the GPS IFD, or None if absent or not believable."""
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        lat = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "NS", 90)
        lon = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "EW", 180)
    except Exception:
        return None
    # 0, 0 is what some cameras write when they have no fix; nobody reports from there.
    if lat is None or lon is None or (lat == 0 and lon == 0):
        return None
    return round(lat, 7), round(lon, 7)


def _degrees(value: object, ref: object, refs: str, limit: float) -> float | None:
    """Degrees, minutes, seconds (rationals) and a hemisphere letter -> signed degrees."""
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    ref = ref.strip("\x00 ").upper() if isinstance(ref, str) else ""
    if ref not in (refs[0], refs[1]):  # without a hemisphere the sign is a guess
        return None
    parts = list(value) if isinstance(value, tuple | list) else [value]
    if not 1 <= len(parts) <= 3:
        return None
    numbers = [float(p) for p in parts]  # type: ignore[arg-type]
    if not all(math.isfinite(n) and n >= 0 for n in numbers):
        return None
    degrees = sum(n / 60**i for i, n in enumerate(numbers))
    if degrees > limit:
        return None
    return -degrees if ref == refs[1] else degrees


def _normalise_mode(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """RGB or RGBA in sRGB: the profile is dropped from the file, so its colours are applied."""
    target = "RGBA" if image.mode == "RGBA" else "RGB"
    if icc_profile and image.mode in ("RGB", "RGBA", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            srgb = ImageCms.createProfile("sRGB")
            converted = ImageCms.profileToProfile(image, source, srgb, outputMode=target)
            if converted is not None:
                image = converted
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # an unusable profile: keep the pixels as they are
    return image if image.mode == target else image.convert(target)


def _flatten(image: Image.Image) -> Image.Image:
    """RGB, with any transparency laid on white (JPEG has no alpha); an RGB image as it is."""
    if image.mode == "RGB":
        return image
    if image.mode != "RGBA":
        return image.convert("RGB")
    background = Image.new("RGB", image.size, (255, 255, 255))
    background.paste(image, mask=image.getchannel("A"))
    return background


def _fresh(image: Image.Image) -> Image.Image:
    """A new image holding only the pixels: no info dict, EXIF, XMP, ICC or text chunks."""
    return Image.frombytes(image.mode, image.size, image.tobytes())


def _encode(image: Image.Image, fmt: str, *, quality: int = 85, optimize: bool = True) -> bytes:
    buffer = io.BytesIO()
    if fmt == "PNG":
        image.save(buffer, format="PNG", optimize=False)
    elif fmt == "WEBP":
        image.save(buffer, format="WEBP", quality=quality, method=4)
    else:
        image.save(buffer, format="JPEG", quality=quality, optimize=optimize)
    return buffer.getvalue()
