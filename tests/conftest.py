"""Shared fixtures: named people and places, and real image bytes.

The demo province is Lạng Sơn; `ioc` is the root unit and `ward` a real ward under it.
"""

from __future__ import annotations

import io

import pytest
from django.test import Client
from PIL import Image

from phananh.org.models import UnitKind
from phananh.org.services import unit_create
from phananh.reports.models import Category, FieldQuestion, QuestionKind
from phananh.workflow.deadlines import forget_deadline_data


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The demo data sets eight passwords; real hashing would cost seconds per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    # Tasks enqueued after commit run in the test itself; the workers have their own tests.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _deadline_data_read_afresh():
    # Each process keeps the deadline rules; a test's rows are rolled back without a signal.
    forget_deadline_data()
    yield
    forget_deadline_data()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Every test writes its files in its own folder, so a test can count what was stored.
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def media_files(_media_in_tmp):
    """The list of files stored under MEDIA_ROOT, as a callable."""

    def files():
        return sorted(p for p in _media_in_tmp.rglob("*") if p.is_file())

    return files


@pytest.fixture
def ioc(db):
    return unit_create(code="ioc", name="Trung tâm IOC tỉnh Lạng Sơn", kind=UnitKind.IOC)


@pytest.fixture
def ward(ioc):
    return unit_create(
        code="phuong-luong-van-tri",
        name="UBND Phường Lương Văn Tri",
        area_name="Phường Lương Văn Tri",
        kind=UnitKind.WARD,
        admin_code=6124,
        parent=ioc,
    )


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def sidewalk(db):
    """A field with extra questions: Lấn chiếm vỉa hè asks what is on the sidewalk (required), how
    many metres, and when (several answers)."""
    field = Category.objects.create(code="lan-chiem-via-he", name="Lấn chiếm vỉa hè", sort_order=5)
    FieldQuestion.objects.create(
        category=field,
        code="loai",
        label="Loại lấn chiếm",
        kind=QuestionKind.SINGLE,
        choices="hang-quan | Hàng quán\nxe | Xe đỗ\nvat-lieu | Vật liệu xây dựng",
        required=True,
        sort_order=1,
    )
    FieldQuestion.objects.create(
        category=field,
        code="chieu-dai",
        label="Chiều dài lấn chiếm (m)",
        kind=QuestionKind.NUMBER,
        sort_order=2,
    )
    FieldQuestion.objects.create(
        category=field,
        code="thoi-gian",
        label="Thời điểm",
        kind=QuestionKind.MULTIPLE,
        choices="sang | Buổi sáng\nchieu | Buổi chiều\ntoi | Buổi tối",
        sort_order=3,
    )
    return field


def exif_with_gps(lat: float, lon: float) -> Image.Exif:
    """EXIF with a GPS position and a camera model, as a phone writes it."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Secret Model 12"  # Model

    def dms(value: float):
        value = abs(value)
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        seconds = round(((value - degrees) * 60 - minutes) * 60, 4)
        return (degrees, minutes, seconds)

    gps = exif.get_ifd(0x8825)
    gps[1] = "N" if lat >= 0 else "S"
    gps[2] = dms(lat)
    gps[3] = "E" if lon >= 0 else "W"
    gps[4] = dms(lon)
    return exif


def jpeg_bytes(width: int = 64, height: int = 48, *, gps: tuple[float, float] | None = None) -> bytes:
    image = Image.new("RGB", (width, height), (200, 30, 30))
    buffer = io.BytesIO()
    if gps:
        image.save(buffer, "JPEG", exif=exif_with_gps(*gps))
    else:
        image.save(buffer, "JPEG")
    return buffer.getvalue()


def png_bytes(width: int = 32, height: int = 32) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height), (0, 128, 0, 200)).save(buffer, "PNG")
    return buffer.getvalue()


# Debian's Chromium through Playwright, shared by the portal's and the back office's browser tests.
from tests.browser import browser, offsite_requests, phone, policy_violations, script_errors  # noqa: E402, F401
