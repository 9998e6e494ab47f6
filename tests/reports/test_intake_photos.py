"""A phone photo of 12 megapixels, decoded by the JPEG decoder at half size (draft mode) to make
the stored copy, keeps every guarantee of the full decode: upright, clean of metadata, its GPS
position read first, and a picture of too many pixels refused before anything is decoded.
"""

from __future__ import annotations

import pytest
from django.utils import translation
from PIL import Image, ImageCms

from phananh.core.errors import ValidationFailed
from phananh.reports.images import process_photo
from tests.reports.test_images import (
    BLUE,
    RED,
    assert_no_metadata,
    close,
    encode,
    phone_exif,
    reopen,
    two_halves,
)

# A 12 MP phone photo, 4000 x 3000: twice the stored copy's longest side, so decoded at half size.
PHONE = (4000, 3000)


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield


def phone_jpeg(*, size=PHONE, orientation=6) -> bytes:
    """Left half red, right half blue, with everything a phone and an editor write around it."""
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description>SECRET owner</rdf:Description></x:xmpmeta>'
    return encode(
        two_halves(size),
        "JPEG",
        quality=90,
        exif=phone_exif(orientation=orientation),
        icc_profile=icc,
        xmp=xmp,
        comment=b"SECRET serial 4711",
    )


def test_a_12_megapixel_photo_is_stored_at_the_maximum_side_upright_and_clean(settings):
    data = phone_jpeg()
    # The photo as sent carries all of it
    for secret in (b"Exif", b"iPhone", b"SECRET owner", b"SECRET serial"):
        assert secret in data

    photo = process_photo(data)

    # Stored at 2,000 px on its longest side, turned upright (orientation 6: left is now top)
    assert settings.PHANANH_STORED_PHOTO_MAX_SIDE == 2000
    assert (photo.width, photo.height) == (1500, 2000)
    stored = reopen(photo.content)
    assert stored.format == "JPEG" and stored.size == (1500, 2000)
    assert close(stored.getpixel((750, 100)), RED)
    assert close(stored.getpixel((750, 1900)), BLUE)
    # ...with no EXIF, ICC profile, XMP or comment in the copy or the thumbnail
    for copy in (photo.content, photo.thumbnail):
        assert_no_metadata(copy)
        assert b"SECRET" not in copy and b"ICC_PROFILE" not in copy and b"adobe" not in copy
    assert reopen(photo.thumbnail).size == (300, 400)
    # ...and its place read before the metadata went
    assert photo.gps == pytest.approx((21.8537, 106.7615), abs=1e-4)


def test_a_photo_not_an_exact_multiple_of_the_stored_size_is_still_bounded():
    # An iPhone's 4032 x 3024: decoded at 2016 x 1512, then resized to the maximum
    photo = process_photo(phone_jpeg(size=(4032, 3024), orientation=1))
    assert (photo.width, photo.height) == (2000, 1500)
    assert_no_metadata(photo.content)


def test_the_pixel_limit_counts_the_photo_as_sent_not_as_decoded(settings):
    # 12 MP against a 10 MP limit: refused, although half-size decoding would make 3 MP of it
    settings.PHANANH_MAX_PHOTO_PIXELS = 10_000_000
    with pytest.raises(ValidationFailed) as refused:
        process_photo(phone_jpeg())
    assert refused.value.code == "image_too_large"
    assert "10 megapixels" in refused.value.message


def test_a_cmyk_photo_decoded_at_reduced_size_keeps_its_colours():
    image = Image.new("RGB", (4400, 2200), RED).convert("CMYK")
    stored = reopen(process_photo(encode(image, "JPEG", quality=90)).content)
    assert stored.mode == "RGB" and stored.size == (2000, 1000)
    assert close(stored.getpixel((1000, 500)), RED)
