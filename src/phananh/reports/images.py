"""Turn an uploaded photo into a clean stored copy, a thumbnail and its GPS position.

Photos come from phones and from hostile clients alike. So the format is decided by the
bytes only (never the file name or the declared type), sizes are bounded before any pixel
is decoded, and the stored copy is rebuilt from pixel data alone: a citizen's phone model,
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
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageCms

from phananh.core.errors import PayloadTooLarge, ValidationFailed

# Registering twice only re-registers the same plugin, so importing this module is harmless.
pillow_heif.register_heif_opener()

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
    max_pixels = settings.PHANANH_MAX_PHOTO_PIXELS
    too_large = fail(
        "image_too_large",
        _("This photo has too many pixels (at most %(limit)s megapixels).")
        % {"limit": f"{max_pixels / 1_000_000:g}"},
    )
    corrupt = fail("corrupt_image", _("This photo is damaged or incomplete and cannot be read."))

    stored_format, extension, content_type = _OUTPUT[source_format]
    # Pillow's own bomb check only warns below 2 * MAX_IMAGE_PIXELS; make the warning an
    # error here, for this call only, so that no huge decode is ever started.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[source_format]) as opened:
                width, height = opened.size  # from the header: nothing decoded yet
                if width <= 0 or height <= 0:
                    raise corrupt
                if width * height > max_pixels:
                    raise too_large
                side = settings.PHANANH_STORED_PHOTO_MAX_SIDE
                if source_format == "JPEG" and (reduced := _at_most(width, height, side)):
                    # The JPEG decoder can give the picture at 1/2, 1/4 or 1/8 of its size for a
                    # fraction of the work and memory (draft mode): it picks the largest of these
                    # still at least as large as the stored copy, which is resized from there.
                    opened.draft(None, reduced)
                opened.load()  # the first frame only: animations are not kept
                exif = _exif(opened)
                image = _normalise_mode(opened, opened.info.get("icc_profile"))
                transpose = _ORIENTATION.get(_safe_int(exif.get(ExifTags.Base.Orientation)))
                if transpose is not None:
                    image = image.transpose(transpose)
                image.thumbnail((side, side), Image.Resampling.LANCZOS)
                if stored_format == "JPEG":
                    image = _flatten(image)
                image = _fresh(image)
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise too_large from None
        except ValidationFailed:
            raise
        except Exception as exc:  # any decoder failure on hostile input is a damaged file
            raise corrupt from exc

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
    if image.mode.startswith("I;16") or image.mode == "I":
        # 16-bit grey: scale to 8 bits instead of letting convert() clip everything to white.
        image = image.convert("I").point(lambda v: v / 256).convert("L")
    has_alpha = image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
        image.mode in ("P", "L", "RGB") and "transparency" in image.info
    )
    target = "RGBA" if has_alpha else "RGB"
    if icc_profile and image.mode in ("RGB", "RGBA", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            srgb = ImageCms.createProfile("sRGB")
            output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
            converted = ImageCms.profileToProfile(image, source, srgb, outputMode=output_mode)
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
