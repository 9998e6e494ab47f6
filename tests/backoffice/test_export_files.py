"""A report list too long to write during the request is written by a task and downloaded later.

Given the province of `tests/stats/test_exports.py` (five reports this year) and a limit of two
rows per request: Đinh Văn Quang (steering committee) asks for the report list, is sent to his
exported files, where it is first "being prepared", then ready with the same rows as the list
written at once; nobody else can download it; it is gone after the keeping time.
"""

# ruff: noqa: F811  (the shared `province` fixture is imported, then asked for by name)

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from phananh.backoffice.tasks import build_export
from phananh.stats.exports import delete_old_files
from phananh.stats.models import ExportFile
from phananh.stats.tasks import delete_old_exports
from tests import staff
from tests.stats.test_exports import download, province, sheet  # noqa: F401

from .conftest import page_text

pytestmark = pytest.mark.django_db
LIST = reverse("backoffice:export_files")


def signed_in(user) -> Client:
    return staff.signed_in(Client(), user)


def workbook_rows(data: bytes) -> list[tuple]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    return [tuple(row) for row in book.active.iter_rows(values_only=True)]


def test_a_long_list_is_prepared_in_the_background_then_downloaded(
    province, people, settings, django_capture_on_commit_callbacks, media_files
):
    written_at_once = sheet(download(people["quang"], "phan-anh"))
    settings.PHANANH_EXPORT_INLINE_ROWS = 2

    with django_capture_on_commit_callbacks(execute=False) as waiting:
        asked = download(people["quang"], "phan-anh")
    assert asked.status_code == 302 and asked["Location"] == LIST
    quang = signed_in(people["quang"])
    assert "Đang chuẩn bị" in page_text(quang.get(LIST))

    for callback in waiting:  # the transaction commits: the task runs
        callback()
    page = quang.get(LIST)
    export = ExportFile.objects.get()
    assert export.state == ExportFile.State.READY and export.rows == len(province)
    assert "Sẵn sàng" in page_text(page) and "hx-trigger" not in page.content.decode()
    got = quang.get(reverse("backoffice:export_file", args=[export.pk]))
    assert got.status_code == 200 and "attachment" in got["Content-Disposition"]
    assert workbook_rows(b"".join(got.streaming_content)) == written_at_once
    assert len(media_files()) == 1


def test_only_the_asker_downloads_and_a_second_run_writes_nothing(
    province, people, settings, media_files, django_capture_on_commit_callbacks
):
    settings.PHANANH_EXPORT_INLINE_ROWS = 2
    with django_capture_on_commit_callbacks(execute=True):
        download(people["quang"], "phan-anh")
    export = ExportFile.objects.get()
    url = reverse("backoffice:export_file", args=[export.pk])

    assert signed_in(people["lan"]).get(url).status_code == 404
    assert f'data-id="{export.pk}"' in signed_in(people["quang"]).get(LIST).content.decode()
    assert f'data-id="{export.pk}"' not in signed_in(people["lan"]).get(LIST).content.decode()
    assert build_export.call(export.pk) == 0  # a second run (a worker thought dead) writes nothing
    assert len(media_files()) == 1


def test_a_units_export_holds_its_subtree_only(
    province, people, settings, django_capture_on_commit_callbacks
):
    settings.PHANANH_EXPORT_INLINE_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        download(people["hung"], "phan-anh")
    export = ExportFile.objects.get(requested_by=people["hung"])
    rows = workbook_rows(export.file.read())

    assert sorted(r[0] for r in rows[3:]) == sorted([province[1].tracking_code, province[5].tracking_code])


def test_a_person_who_lost_the_right_gets_a_failed_file_not_the_figures(
    province, people, settings, django_capture_on_commit_callbacks
):
    settings.PHANANH_EXPORT_INLINE_ROWS = 2
    with django_capture_on_commit_callbacks(execute=False) as waiting:
        download(people["quang"], "phan-anh")
    people["quang"].role = ""
    people["quang"].save()
    for callback in waiting:
        callback()

    export = ExportFile.objects.get()
    assert export.state == ExportFile.State.FAILED and not export.file


def test_files_are_deleted_after_their_keeping_time(
    province, people, settings, media_files, django_capture_on_commit_callbacks
):
    settings.PHANANH_EXPORT_INLINE_ROWS = 2
    settings.PHANANH_EXPORT_KEEP_DAYS = 7
    with django_capture_on_commit_callbacks(execute=True):
        download(people["quang"], "phan-anh")
    assert len(media_files()) == 1 and delete_old_files() == 0

    ExportFile.objects.update(created_at=timezone.now() - timedelta(days=8))
    assert delete_old_exports.call() == 1 and delete_old_exports.call() == 0
    assert not ExportFile.objects.exists() and media_files() == []
