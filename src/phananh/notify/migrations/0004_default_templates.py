"""Default messages to reporters, in Vietnamese; administrators edit them afterwards."""

from django.db import migrations

FOOTER = "\n\nTheo dõi phản ánh: {{ link }}"
MESSAGES = {
    "report_received": (
        "Đã nhận phản ánh {{ code }}",
        "Phản ánh của bạn đã được gửi tới Trung tâm điều hành. Mã tra cứu: {{ code }}.",
    ),
    "report_rejected": (
        "Phản ánh {{ code }} không đủ điều kiện tiếp nhận",
        "Phản ánh {{ code }} không đủ điều kiện tiếp nhận. {{ note }}",
    ),
    "report_dispatched": (
        "Phản ánh {{ code }} đã được chuyển xử lý",
        "Phản ánh {{ code }} đã được chuyển tới đơn vị có thẩm quyền để xử lý.",
    ),
    "info_requested": (
        "Đề nghị bổ sung thông tin cho phản ánh {{ code }}",
        "Trung tâm điều hành đề nghị bạn bổ sung thông tin cho phản ánh {{ code }}: {{ note }}",
    ),
    "result_published": (
        "Phản ánh {{ code }} đã có kết quả xử lý",
        "Phản ánh {{ code }} đã được xử lý. Mời bạn xem kết quả và đánh giá.",
    ),
    "report_reopened": (
        "Phản ánh {{ code }} được mở lại",
        "Phản ánh {{ code }} được mở lại để tiếp tục xử lý.",
    ),
}


def add_defaults(apps, schema_editor):
    MessageTemplate = apps.get_model("notify", "MessageTemplate")
    for purpose, (subject, body) in MESSAGES.items():
        for channel in ("email", "sms", "zalo"):
            MessageTemplate.objects.get_or_create(
                purpose=purpose,
                channel=channel,
                defaults={"subject": subject if channel == "email" else "", "body": body + FOOTER},
            )


class Migration(migrations.Migration):
    dependencies = [("notify", "0003_templates_and_preferences")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
