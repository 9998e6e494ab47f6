"""Tệp xuất: a report list too long to write while the person waits, written by a task instead.

A year of a province's reports is hundreds of thousands of rows: minutes of writing, longer than
a web worker may take on one request. Above PHANANH_EXPORT_INLINE_ROWS the download becomes an
`ExportFile` that `build_export` writes with the same filters, scope and language as the page,
and the person downloads it from the exports page when it is ready.
"""

from __future__ import annotations

import logging
import uuid

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.utils import timezone, translation

from phananh.core.errors import Forbidden
from phananh.org.access import NoStatistics, statistics_unit
from phananh.stats import exports
from phananh.stats.models import ExportFile

logger = logging.getLogger(__name__)
State = ExportFile.State


def queue(user, kind: str, params: dict[str, str], title: str) -> ExportFile:
    """Ask for the file; `build_export` writes it once the request's transaction commits."""
    from django.db import transaction

    from .tasks import build_export

    export = ExportFile.objects.create(
        requested_by=user, kind=kind, params=params, language=translation.get_language() or "vi", title=title
    )
    transaction.on_commit(lambda: build_export.enqueue(export.pk))
    return export


class _Counted:
    """The rows as they go by, counted."""

    def __init__(self, rows):
        self.rows, self.count = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


def build(export_id: int) -> int:
    """Write the file of a queued export; returns its rows. Run twice, it writes one file."""
    from .views.dashboard import describe, read_choice

    export = ExportFile.objects.select_related("requested_by").filter(pk=export_id).first()
    if export is None or export.state != State.QUEUED:
        return 0  # deleted, or written already by an earlier run
    user = export.requested_by
    with translation.override(export.language):
        try:
            # The person's scope now, not when they asked: a moved or retired account reads less.
            choice = read_choice(export.params, statistics_unit(user))
            title, subtitle = describe(choice)
            rows = _Counted(
                exports.report_rows(
                    period=choice.period, scope_user=user, unit=choice.unit, **choice.figures_filters()
                )
            )
            out = exports.reports_xlsx(rows, title=title, subtitle=subtitle)
        except (NoStatistics, PermissionDenied, Forbidden):
            ExportFile.objects.filter(pk=export.pk).update(state=State.FAILED, finished_at=timezone.now())
            return 0
        except Exception:
            logger.exception("export %s could not be written", export.pk)
            ExportFile.objects.filter(pk=export.pk).update(state=State.FAILED, finished_at=timezone.now())
            raise
    field = export.file.field
    with out:
        name = field.storage.save(field.generate_filename(export, f"{uuid.uuid4().hex}.xlsx"), File(out))
    done = ExportFile.objects.filter(pk=export.pk, state=State.QUEUED).update(
        state=State.READY, file=name, rows=rows.count, finished_at=timezone.now()
    )
    if not done:
        # Another run finished first (a task recovered after its worker seemed dead): keep theirs.
        field.storage.delete(name)
        return 0
    return rows.count
