"""Decoding a photo within a memory budget (giải nén ảnh trong giới hạn bộ nhớ).

A compressed picture says little of what it costs to decode: 190 kB of PNG can hold 49 million
pixels, 200 MB once decoded. So the memory the decoders will take is worked out from the header
alone (size, mode, format, and for a JPEG its scans and sampling) before any pixel is decoded,
and a photo whose decoding would take more than `PHANANH_PHOTO_DECODE_MB` is refused. The
decoded picture is then brought down to the stored size a band of rows at a time, so that no
second full-size copy is ever made (converting a palette PNG to RGB, say, would be one).

What each decoder holds per pixel was measured with Pillow 13, libjpeg-turbo, libwebp and
libheif 1.23 on noise (their worst case) and is rounded up here; docs/performance.md has the
measurements and the per-format limits they give.
"""

from __future__ import annotations

import math
import os
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from PIL import Image

MB = 1024 * 1024


# Pillow keeps a pixel of these modes in 1 or 2 bytes, of every other mode in 4.
_PILLOW_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2}
# libwebp's animation decoder, which Pillow uses for every WebP, keeps the canvas twice and
# Pillow copies the frame twice more: 16 bytes a pixel (15.3 measured). No way to decode less.
_WEBP_BYTES = 16
# The stored copy's own work once the picture is at most the stored side, when the decoded
# picture is gone: resizing, colour conversion, turning upright, the copy without metadata and
# the encoders, in copies of the stored picture at its largest (side × side, 4 bytes a pixel).
_STORED_COPIES = 3
# What Python, the upload's bytes and the decoders' tables take beside the pixels.
_OVERHEAD = 8 * MB
# Bands of about half a million pixels: small against the budget, large enough that the per-band
# cost of Python is nothing against the pixels'.
_BAND_PIXELS = 1 << 19
# Lanczos reaches 3 source pixels on each side per output pixel, times the reduction.
_LANCZOS_REACH = 3


def on_the_decoder_thread(work: Callable, *args):
    """`work(*args)` on the one thread of this process that decodes photos, waiting for its turn.

    One photo at a time: a worker with threads (PHANANH_WEB_THREADS) must not decode two large
    pictures at once. And always on the same thread, because the C allocator keeps an arena per
    thread: memory a decoder freed on one thread is not used again by the next on another, so
    three request threads taking turns peaked at 560 MB where one decoding thread peaks at 215.
    """
    return _decoder().submit(work, *args).result()


_DECODER: tuple[int, ThreadPoolExecutor] | None = None
_DECODER_LOCK = threading.Lock()


def _decoder() -> ThreadPoolExecutor:
    global _DECODER
    with _DECODER_LOCK:
        # A process forked from one that decoded has the executor but not its thread.
        if _DECODER is None or _DECODER[0] != os.getpid():
            _DECODER = (os.getpid(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="photo-decoder"))
        return _DECODER[1]


def budget_bytes() -> int:
    return settings.PHANANH_PHOTO_DECODE_MB * MB


def stored_work_bytes() -> int:
    side = settings.PHANANH_STORED_PHOTO_MAX_SIDE
    return _STORED_COPIES * side * side * 4


@dataclass(frozen=True)
class Cost:
    """What decoding one photo will take, worked out from its header."""

    sent_pixels: int  # the picture's pixels as sent
    pixel_bytes: int  # what grows with them: the decoded picture, the decoder's own buffers
    other_bytes: int  # what the stored side bounds: the band in work, the picture brought down

    @property
    def total(self) -> int:
        # The decoded picture is let go before the stored copy is finished.
        return max(self.pixel_bytes + self.other_bytes, stored_work_bytes()) + _OVERHEAD

    def fits(self) -> bool:
        return self.total <= budget_bytes()

    def pixel_limit(self) -> int:
        """The most pixels a photo like this one may have: for the message that refuses it."""
        room = max(budget_bytes() - _OVERHEAD - self.other_bytes, 0)
        return int(room * self.sent_pixels / max(self.pixel_bytes, 1))


def reduction(width: int, height: int, side: int) -> int:
    """The whole factor the picture is averaged down by first: the largest that keeps it at least
    `side` on its longest side; Lanczos then does the rest."""
    return max(max(width, height) // side, 1)


@dataclass(frozen=True)
class Plan:
    """How a picture is brought down to the stored size, a band of rows at a time."""

    width: int
    height: int
    factor: int  # averaged down by this whole factor first (1: not at all)
    reduced: tuple[int, int]  # the size after that
    size: tuple[int, int]  # the stored size, reached by Lanczos from `reduced`
    out_rows: int  # rows of the stored size made from one band

    @classmethod
    def of(cls, width: int, height: int, side: int) -> Plan:
        factor = reduction(width, height, side)
        reduced = (math.ceil(width / factor), math.ceil(height / factor))
        size = fitted_size(*reduced, side)
        plan = cls(width, height, factor, reduced, size, 1)
        source_rows = max(_BAND_PIXELS // width, 1)
        out_rows = int((source_rows / factor - 2 * plan.reach) / plan.scale)
        return cls(width, height, factor, reduced, size, max(out_rows, 1))

    @property
    def scale(self) -> float:
        return self.reduced[1] / self.size[1]

    @property
    def reach(self) -> float:
        """Rows of the reduced picture that Lanczos reads beyond a band, on each side."""
        return 0 if self.size == self.reduced else _LANCZOS_REACH * max(self.scale, 1) + 2

    def band_pixels(self) -> int:
        """The most pixels of the picture one band takes."""
        reduced_rows = math.ceil(self.out_rows * self.scale + 2 * self.reach) + 2
        return min(reduced_rows * self.factor, self.height) * self.width

    def working_bytes(self) -> int:
        """The stored picture being made, and a band in work: cut out, converted to the working
        mode, averaged down (premultiplied by its alpha first when it has one), resized."""
        return 4 * self.size[0] * self.size[1] + 4 * 4 * self.band_pixels()


def pillow_cost(
    sent: tuple[int, int],
    decoded: tuple[int, int],
    mode: str,
    fmt: str,
    *,
    file_bytes: int,
    coefficients: int = 0,
) -> Cost:
    """Decoding with Pillow a picture of `sent` pixels to `decoded` (smaller after a JPEG's
    draft), in `mode`; `coefficients` is a JPEG's coefficient buffer."""
    per_pixel = _WEBP_BYTES if fmt == "WEBP" else _PILLOW_BYTES.get(mode, 4)
    # Pillow hands libwebp a copy of the whole file; JPEG and PNG are read in small blocks.
    copies = 1 if fmt == "WEBP" else 0
    side = settings.PHANANH_STORED_PHOTO_MAX_SIDE
    return Cost(
        sent_pixels=sent[0] * sent[1],
        pixel_bytes=decoded[0] * decoded[1] * per_pixel + coefficients,
        other_bytes=Plan.of(*decoded, side).working_bytes() + copies * file_bytes,
    )


def heif_cost(
    width: int, height: int, *, file_bytes: int, bit_depth: int, chroma: int | None, alpha: bool
) -> Cost:
    """libheif decodes the whole picture to planes of samples (luma, the two chroma planes at a
    quarter, half or the whole of its size for 4:2:0, 4:2:2 and 4:4:4, alpha), 2 bytes a sample
    above 8 bits, then converts them to interleaved 8-bit RGB(A), which we read in bands: both
    are held at once. pillow_heif reads the file into bytes of its own, and libheif its boxes."""
    chroma_planes = {420: 0.5, 422: 1.0, 444: 2.0}.get(chroma or 0, 0.0)
    sample_bytes = 2 if bit_depth > 8 else 1
    planes = (1 + chroma_planes + (1 if alpha else 0)) * sample_bytes
    interleaved = 4 if alpha else 3 if chroma else 1
    side = settings.PHANANH_STORED_PHOTO_MAX_SIDE
    return Cost(
        sent_pixels=width * height,
        pixel_bytes=math.ceil(width * height * (planes + interleaved)),
        other_bytes=Plan.of(width, height, side).working_bytes() + 2 * file_bytes,
    )


# --- JPEG: scans and coefficient buffers --------------------------------------------------------

# A marker: 0xFF then anything but a stuffed zero, a restart marker or another 0xFF (fill).
_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_SOS, _EOI = 0xDA, 0xD9


def jpeg_scans(data: bytes, limit: int) -> int:
    """How many scans the first picture of a JPEG has, counted up to `limit` + 1.

    A baseline JPEG from a camera has one; a progressive one about ten. Each scan is a pass over
    the whole picture, and one can take 30 bytes: a thousand scans of a 16 MP picture took
    12 s of CPU to decode from a 125 kB file. Markers are walked by their lengths (an EXIF
    thumbnail inside APP1 holds scans of its own), and only the compressed data after each
    scan header is searched, where a real marker is the only 0xFF not followed by 0x00.
    """
    scans, position = 0, 2
    while scans <= limit:
        found = _MARKER.search(data, position)
        if found is None:
            return scans
        marker = data[found.start() + 1]
        if marker == _EOI:
            return scans
        if marker == _SOS:
            scans += 1
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            position = found.end()
            continue
        length = int.from_bytes(data[found.end() : found.end() + 2], "big")
        position = found.end() + max(length, 2)
    return scans


def jpeg_coefficient_bytes(width: int, height: int, sampling: list[tuple[int, int]]) -> int:
    """The buffer libjpeg keeps for a JPEG of several scans: every DCT coefficient of the whole
    picture (2 bytes each, 64 to an 8 × 8 block of each component), whatever the reduced size it
    outputs. `sampling` is each component's (horizontal, vertical) factor."""
    if not sampling:
        sampling = [(1, 1)] * 3
    h_max = max(h for h, _ in sampling)
    v_max = max(v for _, v in sampling)
    # libjpeg pads each component to whole MCUs: 8 × h_max by 8 × v_max pixels.
    mcu_columns = math.ceil(width / (8 * h_max))
    mcu_rows = math.ceil(height / (8 * v_max))
    blocks = sum(mcu_columns * h * mcu_rows * v for h, v in sampling)
    return blocks * 64 * 2


# --- Bringing the picture down, a band at a time ------------------------------------------------

Band = Callable[[int, int], Image.Image]  # rows top..bottom of the picture, in the working mode


def working_mode(image: Image.Image) -> str:
    """The mode the picture is brought down in: RGB or RGBA, or as it is when Pillow can
    resample it and the colour profile still has to be applied (L, CMYK)."""
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
        image.mode in ("P", "L", "RGB") and "transparency" in image.info
    ):
        return "RGBA"
    if image.mode in ("RGB", "L", "CMYK"):
        return image.mode
    if image.mode.startswith("I"):
        return "L"  # 16-bit grey, scaled to 8 bits
    return "RGB"


def to_mode(image: Image.Image, mode: str) -> Image.Image:
    if image.mode == mode:
        return image
    if image.mode.startswith("I"):
        # 16-bit grey: scaled to 8 bits instead of letting convert() clip everything to white.
        image = image.convert("I").point(lambda v: v / 256).convert("L")
        return image if mode == "L" else image.convert(mode)
    return image.convert(mode)


def fitted_size(width: int, height: int, side: int) -> tuple[int, int]:
    """Pillow's `thumbnail` size: inside side × side, the aspect ratio kept as closely as whole
    pixels allow."""
    if width <= side and height <= side:
        return width, height
    aspect = width / height
    if aspect >= 1:
        return side, _round_aspect(side / aspect, lambda n: 0 if n == 0 else abs(aspect - side / n))
    return _round_aspect(side * aspect, lambda n: abs(aspect - n / side)), side


def _round_aspect(number: float, key) -> int:
    return max(min(math.floor(number), math.ceil(number), key=key), 1)


def shrink(width: int, height: int, band: Band, mode: str, side: int) -> Image.Image:
    """The picture at most `side` px on its longest side, in `mode`, built from `band`.

    Each band is averaged down by a whole factor, then resized by Lanczos with the rows its
    kernel reaches beyond the band, so that the result is that of resizing the whole picture,
    while only the band and the stored picture are in memory beside the decoded one.
    """
    plan = Plan.of(width, height, side)
    factor, (reduced_width, reduced_height) = plan.factor, plan.reduced

    def reduced_band(top: int, bottom: int) -> Image.Image:
        part = band(top * factor, min(bottom * factor, height))
        return part if factor == 1 else part.reduce(factor)

    out = Image.new(mode, plan.size)
    for out_top in range(0, plan.size[1], plan.out_rows):
        out_bottom = min(out_top + plan.out_rows, plan.size[1])
        if plan.size == plan.reduced:
            out.paste(reduced_band(out_top, out_bottom), (0, out_top))
            continue
        first, last = out_top * plan.scale, min(out_bottom * plan.scale, reduced_height)
        top = max(0, math.floor(first - plan.reach))
        bottom = min(reduced_height, math.ceil(last + plan.reach))
        part = reduced_band(top, bottom).resize(
            (plan.size[0], out_bottom - out_top),
            Image.Resampling.LANCZOS,
            box=(0, first - top, reduced_width, last - top),
        )
        out.paste(part, (0, out_top))
    return out
