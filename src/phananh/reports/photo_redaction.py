"""The public copy of a photo: the original with black rectangles over what must not be seen.

The operator draws the rectangles in the browser (faces, number plates, papers) as fractions
of the photo's width and height; the copy is drawn here, on the server, from the ORIGINAL,
never from anything the browser sends, so that what is published is exactly the original
minus the rectangles. The copy and its thumbnail are files of their own; the original stays
private.
"""

from __future__ import annotations

import io
import math
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image, ImageDraw

from .files import stored_file_response
from .models import Attachment

# More rectangles than this on one photo is not a redaction any more: keep the photo private.
MAX_RECTANGLES = 50
_CONTENT_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


@dataclass(frozen=True)
class PublicCopy:
    content: bytes  # JPEG, no metadata
    thumbnail: bytes  # JPEG, longest side <= PHANANH_THUMBNAIL_SIDE


def pixel_box(rectangle: dict, width: int, height: int) -> tuple[int, int, int, int]:
    """A rectangle in fractions as the pixels it covers (left, top, right, bottom, inclusive).

    Rounded outwards: a rectangle covers at least what the operator drew, never less.
    """
    x, y = max(0.0, rectangle["x"]), max(0.0, rectangle["y"])
    right = min(1.0, x + rectangle["width"])
    bottom = min(1.0, y + rectangle["height"])
    return (
        min(width - 1, math.floor(x * width)),
        min(height - 1, math.floor(y * height)),
        max(0, math.ceil(right * width) - 1),
        max(0, math.ceil(bottom * height) - 1),
    )


def render_public_copy(original: bytes, rectangles: list[dict]) -> PublicCopy:
    """The original photo (as stored: cleaned, bounded in size) with each rectangle filled black."""
    with Image.open(io.BytesIO(original)) as opened:
        opened.load()
        image = opened.convert("RGBA") if opened.mode in ("RGBA", "LA", "P") else opened.convert("RGB")
    if image.mode == "RGBA":
        # JPEG has no transparency: laid on white, as the thumbnails are.
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        image = background
    draw = ImageDraw.Draw(image)
    for rectangle in rectangles:
        draw.rectangle(pixel_box(rectangle, image.width, image.height), fill=(0, 0, 0))
    content = _jpeg(image, quality=85)
    side = settings.PHANANH_THUMBNAIL_SIDE
    thumb = image
    if max(image.size) > side:
        scale = side / max(image.size)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        thumb = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=1.0)
    return PublicCopy(content=content, thumbnail=_jpeg(thumb, quality=80))


def _jpeg(image: Image.Image, *, quality: int) -> bytes:
    buffer = io.BytesIO()
    # Pixels only: a new image carries no EXIF, XMP or ICC from anywhere.
    Image.frombytes(image.mode, image.size, image.tobytes()).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def store_public_copy(copy: PublicCopy, written: list[str]) -> tuple[str, str]:
    """Write the copy and its thumbnail under new random names; `written` collects them for clean-up."""
    names = []
    for content in (copy.content, copy.thumbnail):
        path = f"reports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.jpg"
        names.append(default_storage.save(path, ContentFile(content)))
        written.append(names[-1])
    return names[0], names[1]


def read_original(attachment: Attachment) -> bytes:
    with attachment.file.open("rb") as handle:
        return handle.read()


def public_photo_response(attachment: Attachment, *, thumbnail: bool = False):
    """The public copy (or its thumbnail) of a published photo; Http404 when it has none.

    Whoever calls this has already decided the photo is public. Copies made before redaction
    existed are the original files themselves, of whatever type they are.
    """
    from django.http import Http404

    stored = attachment.public_thumbnail if thumbnail else attachment.public_file
    if not stored:
        raise Http404
    extension = stored.name.rsplit(".", 1)[-1].lower()
    return stored_file_response(
        stored,
        filename=f"{attachment.report.tracking_code}-{attachment.pk}.{extension}",
        content_type=_CONTENT_TYPES.get(extension, "application/octet-stream"),
        cache_control="public, max-age=3600",
    )
