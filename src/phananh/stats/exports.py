"""Xuất Excel: the dashboard's tables as XLSX workbooks, written with openpyxl's write-only mode.

Each workbook has one sheet: a title row naming the period, a row naming the filters, then the
column headers (Vietnamese on a Vietnamese page) and the rows, each column with its number
format. Rows go to a temporary file as they are written, so a million reports take no more
memory than ten (`bench/export.py`); the report list reads them with a database cursor.

The report list holds no personal data: no reporter's name, phone, e-mail or address, and no
title or description either, since a reporter often writes their name and house into those.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from phananh.org.models import Unit
from phananh.reports.models import Category, Channel, RatingValue

from .models import STEP_KINDS, ReportFigures, Stage
from .scores import COMPONENTS, UnitScore
from .selectors import Period
from .summary import Summary, UnitRow, figure_rows

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Number formats: whole numbers with a thousands separator, shares as percentages, hours, dates.
COUNT, SHARE, HOURS, SCORE = "#,##0", "0.0%", "#,##0.0", "0.0"
WHEN = "dd/mm/yyyy hh:mm"
# "Received" as a number of reports; alone, the word is the time a report was sent.
RECEIVED = pgettext_lazy("number of reports", "Received")
HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")
STEP_NAMES = {
    "reception": gettext_lazy("reception"),
    "handling": gettext_lazy("handling"),
    "approval": gettext_lazy("approval"),
    "verification": gettext_lazy("verification"),
}
COMPONENT_NAMES = {
    "on_time": gettext_lazy("On time"),
    "satisfaction": gettext_lazy("Satisfied"),
    "returns": gettext_lazy("Not returned"),
    "overdue": gettext_lazy("Not overdue"),
    "reception": gettext_lazy("Timely reception"),
}


@dataclass(frozen=True)
class Column:
    header: str
    width: int = 14
    number_format: str | None = None


def write_xlsx(
    *, sheet: str, title: str, subtitle: str, columns: Sequence[Column], rows: Iterable[Sequence]
) -> tempfile.SpooledTemporaryFile:
    """The workbook in a temporary file, rewound, for a `FileResponse` to stream and close."""
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet[:31])
    for index, column in enumerate(columns):
        ws.column_dimensions[_letter(index)].width = column.width
    ws.freeze_panes = "A4"
    ws.append([_styled(ws, title, Font(bold=True, size=14))])
    ws.append([_styled(ws, subtitle, Font(italic=True))])
    ws.append([_header(ws, column.header) for column in columns])
    # One cell per column, reused row after row: the writer serialises each row at once.
    cells = [WriteOnlyCell(ws) for _column in columns]
    for cell, column in zip(cells, columns, strict=True):
        if column.number_format:
            cell.number_format = column.number_format
    for row in rows:
        ws.append([_fill(ws, cell, value) for cell, value in zip(cells, row, strict=True)])
    # Closed by the response that streams it; small workbooks never touch the disk.
    out = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115
    book.save(out)
    out.seek(0)
    return out


@dataclass(frozen=True)
class Formatted:
    """A value with a number format of its own, for a sheet whose rows hold different kinds of number."""

    value: object
    number_format: str


def _fill(ws, cell: WriteOnlyCell, value) -> WriteOnlyCell:
    if isinstance(value, Formatted):
        own = WriteOnlyCell(ws, value=value.value)
        own.number_format = value.number_format
        return own
    cell.value = value
    return cell


def _letter(index: int) -> str:
    return get_column_letter(index + 1)


def _styled(ws, value, font: Font) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    cell.font = font
    return cell


def _header(ws, text: str) -> WriteOnlyCell:
    cell = _styled(ws, str(text), Font(bold=True))
    cell.fill = HEADER_FILL
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _local(moment: datetime | None) -> datetime | None:
    # Excel has no time zones: a time is written as read on the deployment's clock.
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


# --- the summary --------------------------------------------------------------------------------


def summary_lines(s: Summary) -> list[tuple[str, float | int | None, str]]:
    """(label, value, number format) of each figure of the summary, in the dashboard's order."""
    lines = [
        (str(RECEIVED), s.received, COUNT),
        (_("Waiting for reception"), s.waiting, COUNT),
        (_("Accepted"), s.accepted, COUNT),
        (_("Dispatched"), s.dispatched, COUNT),
        (_("Rejected"), s.rejected.total, COUNT),
        (_("Merged into another report"), s.merged, COUNT),
        (_("In progress"), s.in_progress, COUNT),
        (_("Overdue now"), s.overdue_open, COUNT),
        (_("Resolved"), s.resolved, COUNT),
        (_("Resolved on time"), s.resolved_on_time, COUNT),
        (_("Resolved late"), s.resolved_late, COUNT),
        (_("On-time rate"), s.on_time_rate, SHARE),
    ]
    for kind in STEP_KINDS:
        label = _("Average hours of %(step)s") % {"step": STEP_NAMES[kind]}
        lines.append((label, s.steps[kind].average_hours, HOURS))
    for value, label in RatingValue.choices:
        lines.append((str(label), getattr(s.ratings, value).share, SHARE))
    lines.append((_("Units taking part"), s.participating_units, COUNT))
    return lines


def summary_xlsx(s: Summary, *, title: str, subtitle: str):
    # A figure without a value (no report resolved yet) is a dash, not a misleading 0.
    rows = (
        (label, Formatted(value if value is not None else "—", number_format))
        for label, value, number_format in summary_lines(s)
    )
    return write_xlsx(
        sheet=_("Summary"),
        title=title,
        subtitle=subtitle,
        columns=[Column(_("Figure"), 34), Column(_("Value"), 14)],
        rows=rows,
    )


# --- the unit table and the scores --------------------------------------------------------------


def unit_columns() -> list[Column]:
    return [
        Column(_("Unit"), 34),
        Column(str(RECEIVED), 11, COUNT),
        Column(_("Resolved"), 11, COUNT),
        Column(_("On-time rate"), 11, SHARE),
        Column(_("Resolved late"), 11, COUNT),
        Column(_("Overdue now"), 11, COUNT),
        *(Column(_("Average hours of %(step)s") % {"step": STEP_NAMES[k]}, 13, HOURS) for k in STEP_KINDS),
        Column(_("Satisfied"), 11, SHARE),
        Column(_("Returns"), 11, COUNT),
    ]


def unit_values(row: UnitRow, returns: int) -> tuple:
    s = row.summary
    name = _("%(unit)s (its own reports)") % {"unit": row.name} if row.direct else row.name
    return (
        name,
        s.received,
        s.resolved,
        s.on_time_rate,
        s.resolved_late,
        s.overdue_open,
        *(s.steps[k].average_hours for k in STEP_KINDS),
        s.ratings.satisfied.share,
        returns,
    )


def units_xlsx(rows: list[UnitRow], returns: dict[int, int], *, title: str, subtitle: str):
    return write_xlsx(
        sheet=_("Units"),
        title=title,
        subtitle=subtitle,
        columns=unit_columns(),
        rows=(unit_values(r, returns.get(r.unit_id, 0)) for r in rows),
    )


def scores_xlsx(scores: list[UnitScore], *, title: str, subtitle: str):
    columns = [
        Column(_("Rank"), 8, COUNT),
        Column(_("Unit"), 34),
        Column(_("Score"), 10, SCORE),
        *(Column(str(COMPONENT_NAMES[name]), 13, SHARE) for name in COMPONENTS),
    ]
    rows = ((s.rank, s.row.name, s.score, *(s.components[name] for name in COMPONENTS)) for s in scores)
    return write_xlsx(sheet=_("Unit scores"), title=title, subtitle=subtitle, columns=columns, rows=rows)


# --- the report list ----------------------------------------------------------------------------

REPORT_FIELDS = (
    "report__tracking_code",
    "received_at",
    "category_id",
    "channel",
    "lead_unit_id",
    "commune_id",
    "stage",
    "open_deadline",
    "resolved_at",
    "late",
    "rating",
)


def report_columns() -> list[Column]:
    return [
        Column(_("Tracking code"), 14),
        Column(_("Received"), 17, WHEN),
        Column(_("Field"), 24),
        Column(_("Channel"), 12),
        Column(_("Lead unit"), 30),
        Column(_("Commune or ward"), 24),
        Column(_("Stage"), 18),
        Column(_("Overdue now"), 10),
        Column(_("Resolved"), 17, WHEN),
        Column(_("Late"), 8),
        Column(_("Rating"), 14),
    ]


def received_reports(*, period: Period, scope_user=None, **filters) -> QuerySet[ReportFigures]:
    """The reports that `summary` counts as "received" in the period, with the same filters."""
    start, end = period.bounds()
    return figure_rows(scope_user=scope_user, **filters).filter(received_at__gte=start, received_at__lt=end)


def report_rows(*, period: Period, scope_user=None, **filters) -> Iterator[tuple]:
    """The reports received in the period, oldest first, as rows of `report_columns`."""
    qs = received_reports(period=period, scope_user=scope_user, **filters)
    names = _names()
    now = timezone.now()
    yes, no = _("Yes"), _("No")
    for row in qs.order_by("received_at", "pk").values_list(*REPORT_FIELDS).iterator(chunk_size=2000):
        code, received, field, channel, lead, commune, stage, deadline, resolved, late, rating = row
        yield (
            code,
            _local(received),
            names["field"].get(field, ""),
            names["channel"].get(channel, channel),
            names["unit"].get(lead, ""),
            names["unit"].get(commune, ""),
            names["stage"].get(stage, stage),
            yes if deadline and deadline < now else no,
            _local(resolved),
            (yes if late else no) if resolved else "",
            names["rating"].get(rating, ""),
        )


def _names() -> dict[str, dict]:
    # A province has a few thousand units and fields: held once rather than joined per row.
    units = Unit.objects.values_list("pk", "short_name", "name")
    return {
        "field": dict(Category.objects.values_list("pk", "name")),
        "unit": {pk: short or name for pk, short, name in units},
        "channel": {value: str(label) for value, label in Channel.choices},
        "stage": {value: str(label) for value, label in Stage.choices},
        "rating": {value: str(label) for value, label in RatingValue.choices},
    }


def reports_xlsx(rows: Iterable[tuple], *, title: str, subtitle: str):
    return write_xlsx(sheet=_("Reports"), title=title, subtitle=subtitle, columns=report_columns(), rows=rows)


def filename(kind: str, period: Period) -> str:
    return f"{kind}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"


def delete_old_files() -> int:
    """Delete the exported files older than PHANANH_EXPORT_KEEP_DAYS, rows and stored files."""
    from datetime import timedelta

    from django.conf import settings

    from .models import ExportFile

    before = timezone.now() - timedelta(days=settings.PHANANH_EXPORT_KEEP_DAYS)
    old = list(ExportFile.objects.filter(created_at__lt=before))
    for export in old:
        if export.file:
            export.file.delete(save=False)
    ExportFile.objects.filter(pk__in=[e.pk for e in old]).delete()
    return len(old)
