"""The demo's call centre: the outcomes administrators keep, the agent's extension, a few calls."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from phananh.calls.models import AgentExtension, Call, CallOutcome, Direction
from phananh.calls.services import call_record
from phananh.org.models import User
from phananh.reports.models import Report

OUTCOMES = [
    ("tiep-nhan-phan-anh", "Tiếp nhận phản ánh mới"),
    ("tra-cuu-tinh-trang", "Tra cứu tình trạng phản ánh"),
    ("huong-dan", "Hướng dẫn, giải đáp"),
    ("xac-minh-dung", "Xác minh: đúng như phản ánh"),
    ("xac-minh-khong-dung", "Xác minh: không đúng như phản ánh"),
    ("khong-lien-lac-duoc", "Không liên lạc được"),
    ("ngoai-pham-vi", "Ngoài phạm vi tiếp nhận"),
]
AGENT, EXTENSION = "tongdai", "101"


def seed_calls() -> int:
    """The outcome list, the agent's extension and, once, a few calls; the number of calls made."""
    outcomes = {}
    for position, (code, name) in enumerate(OUTCOMES):
        outcomes[code], _created = CallOutcome.objects.get_or_create(
            code=code, defaults={"name": name, "position": position}
        )
    agent = User.objects.filter(username=AGENT).first()
    if agent is None:
        return 0
    AgentExtension.objects.get_or_create(agent=agent, defaults={"number": EXTENSION})
    if Call.objects.exists():
        return 0
    now = timezone.now()
    report = Report.objects.filter(reporter_phone="0912345678").order_by("created_at").first()
    calls = [
        (Direction.INBOUND, "0912345678", 50, 180, "tiep-nhan-phan-anh", "Báo đèn đường hỏng.", report),
        (Direction.OUTBOUND, "0912345678", 26, 95, "xac-minh-dung", "Người dân xác nhận nội dung.", report),
        (Direction.INBOUND, "0912345678", 3, 60, "tra-cuu-tinh-trang", "Hỏi tiến độ xử lý.", report),
        (Direction.INBOUND, "0203888999", 2, 40, "huong-dan", "Hỏi cách gửi phản ánh qua cổng.", None),
    ]
    for direction, number, hours_ago, seconds, outcome, note, linked in calls:
        call_record(
            agent=agent,
            direction=direction,
            number=number,
            started_at=now - timedelta(hours=hours_ago),
            duration_seconds=seconds,
            outcome=outcomes[outcome],
            note=note,
            report=linked,
        )
    return len(calls)
