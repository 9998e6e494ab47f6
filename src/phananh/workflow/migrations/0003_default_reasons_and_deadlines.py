"""Default rejection reasons (SPEC §4) and deadline rules (QĐ 1207 of Hà Nội and SPEC §5).

Both are data: administrators edit them afterwards.
"""

from decimal import Decimal

from django.db import migrations

REASONS = [
    ("ngoai-dia-ban", "Ngoài địa bàn tỉnh", "Nội dung phản ánh không thuộc địa bàn của tỉnh."),
    ("trung-lap", "Trùng lặp", "Nội dung đã được phản ánh trước đó và đang được xử lý."),
    (
        "thieu-thong-tin",
        "Không đủ thông tin",
        "Phản ánh chưa đủ thông tin (nội dung, địa điểm) để xác minh, xử lý.",
    ),
    (
        "khieu-nai-to-cao",
        "Khiếu nại, tố cáo",
        "Khiếu nại, tố cáo được giải quyết theo Luật Khiếu nại và Luật Tố cáo; vui lòng gửi đơn tới "
        "Ban Tiếp công dân hoặc cơ quan có thẩm quyền.",
    ),
    (
        "tu-van-phap-luat",
        "Yêu cầu tư vấn pháp luật",
        "Hệ thống không tư vấn pháp luật; vui lòng liên hệ Trung tâm Trợ giúp pháp lý nhà nước của tỉnh.",
    ),
    (
        "ngoai-pham-vi",
        "Không thuộc phạm vi tiếp nhận",
        "Nội dung không thuộc phạm vi tiếp nhận của hệ thống phản ánh, kiến nghị.",
    ),
    (
        "noi-dung-khong-phu-hop",
        "Nội dung không phù hợp",
        "Phản ánh có nội dung xúc phạm, không phù hợp thuần phong mỹ tục hoặc không có nội dung.",
    ),
]

# (step, urgency or "", amount, unit)
RULES = [
    ("reception", "", Decimal(8), "working_hours"),
    ("reception", "urgent", Decimal(1), "hours"),
    ("handling", "", Decimal(5), "working_days"),
    ("handling", "complex", Decimal(10), "working_days"),
    ("handling", "urgent", Decimal(4), "working_hours"),
    ("approval", "", Decimal(1), "working_days"),
    ("verification", "", Decimal(1), "working_days"),
]


def add_defaults(apps, schema_editor):
    RejectionReason = apps.get_model("workflow", "RejectionReason")
    DeadlineRule = apps.get_model("workflow", "DeadlineRule")
    for order, (code, name, message) in enumerate(REASONS, start=1):
        RejectionReason.objects.get_or_create(
            code=code, defaults={"name": name, "message": message, "sort_order": order * 10}
        )
    for step, urgency, amount, unit in RULES:
        DeadlineRule.objects.get_or_create(
            step=step, urgency=urgency, category=None, defaults={"amount": amount, "unit": unit}
        )


class Migration(migrations.Migration):
    dependencies = [("workflow", "0002_steps_dispatches_rules")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
