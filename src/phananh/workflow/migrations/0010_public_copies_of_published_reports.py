"""Reports published before redaction existed get a public copy: what the public read until now.

Their public copy is their text as it was shown (title, description, address, the latest
result, the questions of the public timeline) and their public photos point at the original
files, so that nothing changes for them; the next publication of such a report goes through the
redaction form like any other. `search_text` already holds those same words.
"""

from collections import defaultdict

from django.db import migrations
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

BATCH = 1000


def copy_public_texts(apps, schema_editor):
    Report = apps.get_model("reports", "Report")
    Attachment = apps.get_model("reports", "Attachment")
    Event = apps.get_model("workflow", "Event")
    latest_result = Event.objects.filter(report=OuterRef("pk"), kind="result_submitted").order_by(
        "-created_at", "-id"
    )
    Report.objects.filter(is_public=True).update(
        public_title=F("title"),
        public_description=F("description"),
        public_address=F("address"),
        public_result=Coalesce(Subquery(latest_result.values("note")[:1]), Value("")),
    )
    notes = defaultdict(dict)
    questions = Event.objects.filter(report__is_public=True, kind="info_requested").values_list(
        "report_id", "pk", "data"
    )
    for report_id, pk, data in questions.iterator(chunk_size=BATCH):
        text = (data or {}).get("public_note") or ""
        if text:
            notes[report_id][str(pk)] = text
    ids = list(notes)
    for start in range(0, len(ids), BATCH):
        reports = list(Report.objects.filter(pk__in=ids[start : start + BATCH]))
        for report in reports:
            report.public_notes = notes[report.pk]
        Report.objects.bulk_update(reports, ["public_notes"])
    result_of_report = Event.objects.filter(report=OuterRef("report"), kind="result_submitted").order_by(
        "-created_at", "-id"
    )
    Attachment.objects.filter(report__is_public=True, kind="photo").filter(
        Q(event__kind="submitted") | Q(event=Subquery(result_of_report.values("pk")[:1]))
    ).update(public_file=F("file"), public_thumbnail=F("thumbnail"))


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0013_redaction"),
        ("workflow", "0009_reporter_rights_events"),
    ]

    operations = [migrations.RunPython(copy_public_texts, migrations.RunPython.noop)]
