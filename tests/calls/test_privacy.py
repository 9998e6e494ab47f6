"""The call log and the reporter's rights: erasing a reporter's data reaches the calls about
their report, and leaves other callers' calls alone.

Given: Hoa (0912345678) reported a pothole; minh called her back to verify it and noted her name;
another citizen called from 0987654321 about something else.
"""

from __future__ import annotations

import pytest

from phananh.calls.models import Call, Direction
from phananh.calls.services import call_record
from phananh.org.access import Reporter
from phananh.privacy.erasure import personal_data_erase

pytestmark = pytest.mark.django_db


def test_erasing_the_reporters_data_blanks_their_number_and_name_in_the_linked_calls(people, submit):
    report = submit("Ổ gà lớn trên đường Bà Triệu", reporter_name="Hoàng Thị Hoa")
    minh = people["minh"]
    verification = call_record(
        agent=minh,
        direction=Direction.OUTBOUND,
        number="0912345678",
        report=report,
        note="Chị Hoàng Thị Hoa xác nhận, gọi lại số 0912345678",
    )
    other = call_record(agent=minh, direction=Direction.INBOUND, number="0987654321", note="Hỏi đường")

    assert personal_data_erase(report=report, reporter=Reporter(report_id=report.pk), via="page")

    verification.refresh_from_db()
    assert verification.number == ""
    assert "Hoa" not in verification.note and "0912345678" not in verification.note
    assert (verification.direction, verification.report) == (Direction.OUTBOUND, report)
    other.refresh_from_db()
    assert (other.number, other.note) == ("0987654321", "Hỏi đường")
    assert Call.objects.count() == 2
