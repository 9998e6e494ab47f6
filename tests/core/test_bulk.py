"""Rows written in bulk (the deadline sweep's notifications and emails) read back as if saved one by one."""

from __future__ import annotations

import pytest
from django.utils import timezone

from phananh.core.bulk import insert_rows
from phananh.notify.models import Delivery, DeliveryStatus

pytestmark = pytest.mark.django_db


def test_each_id_answered_is_the_row_given_and_left_out_columns_get_their_defaults():
    before = timezone.now()
    rows = [
        {
            "channel": "email",
            "to_address": f"can-bo-{i}@so-xd.example.vn",
            "subject": f"PA-26-00000{i}: quá hạn",
            "body": "Bước “Xử lý” đã quá hạn.\nMở phản ánh: …",
            "purpose": "staff_deadline_passed",
            "dedupe_key": f"staff:{i}",
            "headers": {"X-Lan": "Nguyễn Thị Lan"} if i == 2 else {},
        }
        for i in range(3)
    ]

    ids = insert_rows(Delivery, rows)

    assert len(ids) == len(set(ids)) == 3
    for pk, row in zip(ids, rows, strict=True):
        saved = Delivery.objects.get(pk=pk)
        assert (saved.to_address, saved.subject, saved.body, saved.dedupe_key, saved.headers) == (
            row["to_address"],
            row["subject"],
            row["body"],
            row["dedupe_key"],
            row["headers"],
        )
        # what the model would have written for the columns the rows left out
        assert saved.status == DeliveryStatus.PENDING and saved.attempts == 0 and saved.last_error == ""
        assert saved.report_id is None and saved.sent_at is None
        assert saved.created_at >= before
    # and the next row saved the usual way takes an id of its own
    later = Delivery.objects.create(
        channel="email", to_address="x@example.vn", body="-", purpose="p", dedupe_key="k"
    )
    assert later.pk not in ids


def test_nothing_to_write_writes_nothing_and_an_unknown_column_is_refused():
    assert insert_rows(Delivery, []) == []
    # (named by the helper on PostgreSQL, by the model's constructor elsewhere)
    with pytest.raises((ValueError, TypeError), match="colour"):
        insert_rows(Delivery, [{"channel": "email", "colour": "red"}])
    assert not Delivery.objects.exists()
