from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """Where a report stands now, for statistics: the parts that add up to "received"."""

    # Not yet accepted or refused by the IOC (also while the reporter is asked before acceptance).
    WAITING = "waiting", _("Waiting for reception")
    # Accepted and not resolved: at the IOC for dispatch, at a unit, or waiting for approval.
    IN_PROGRESS = "in_progress", _("In progress")
    # The IOC verified the result (resolved or closed).
    RESOLVED = "resolved", _("Resolved")
    REJECTED = "rejected", _("Rejected")
    MERGED = "merged", _("Merged into another report")


STEP_KINDS = ("reception", "handling", "approval", "verification")


class ReportFigures(models.Model):
    """The figures of one report, read off its timeline (số liệu thống kê của một phản ánh).

    A narrow copy of what statistics need, so that a year of a province's reports is summed
    without reading their texts, events and steps. `stats.facts.refresh` rewrites a row from the
    report's own rows after each of its events (and a periodic job catches up on any it missed):
    it never holds anything the raw rows do not say.
    """

    report = models.OneToOneField(
        "reports.Report", primary_key=True, on_delete=models.CASCADE, related_name="figures"
    )
    received_at = models.DateTimeField(db_index=True)
    # When the IOC verified the result (cleared by a reopening or a rework).
    resolved_at = models.DateTimeField(null=True, db_index=True)
    # The report's latest rating and when it was given.
    rated_at = models.DateTimeField(null=True, db_index=True)
    rating = models.CharField(max_length=20, blank=True)
    stage = models.CharField(max_length=20, choices=Stage.choices)
    dispatched = models.BooleanField(default=False)
    # The reason code of the latest rejection, while the report stays rejected.
    rejection_reason = models.CharField(max_length=60, blank=True)
    # Some finished step ran past its deadline (extensions granted included).
    late = models.BooleanField(default=False)
    # The earliest deadline of a running (not paused) step: overdue once it has passed.
    open_deadline = models.DateTimeField(null=True, blank=True, db_index=True)
    category = models.ForeignKey(
        "reports.Category", null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    lead_unit = models.ForeignKey(
        "org.Unit", null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    commune = models.ForeignKey(
        "org.Unit",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    channel = models.CharField(max_length=20)
    # Per step kind: finished steps, how many were late, and their hours on the wall clock.
    reception_steps = models.PositiveSmallIntegerField(default=0)
    reception_late = models.PositiveSmallIntegerField(default=0)
    reception_hours = models.FloatField(default=0)
    handling_steps = models.PositiveSmallIntegerField(default=0)
    handling_late = models.PositiveSmallIntegerField(default=0)
    handling_hours = models.FloatField(default=0)
    approval_steps = models.PositiveSmallIntegerField(default=0)
    approval_late = models.PositiveSmallIntegerField(default=0)
    approval_hours = models.FloatField(default=0)
    verification_steps = models.PositiveSmallIntegerField(default=0)
    verification_late = models.PositiveSmallIntegerField(default=0)
    verification_hours = models.FloatField(default=0)
    refreshed_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("report figures")
        verbose_name_plural = _("report figures")

    def __str__(self):
        return f"{self.report_id}: {self.stage}"


class FiguresSweep(models.Model):
    """How far the periodic catch-up has read the timeline (one row)."""

    swept_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("figures sweep")
        verbose_name_plural = _("figures sweeps")

    def __str__(self):
        return f"swept at {self.swept_at}"


class MonthFigures(models.Model):
    """The sums of one month for one field × lead unit × rejection reason × channel (a rollup).

    Built by `stats.rollup.rebuild` from `ReportFigures`, each sum in the month of its own date
    (see `stats.tallies`). A month some report's figures changed in is marked `DirtyMonth` and
    read from `ReportFigures` until the periodic job rebuilds it, so no answer is ever stale.
    """

    month = models.DateField()
    category = models.ForeignKey(
        "reports.Category", null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    lead_unit = models.ForeignKey(
        "org.Unit", null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    rejection_reason = models.CharField(max_length=60, blank=True)
    channel = models.CharField(max_length=20, blank=True)
    received = models.IntegerField(default=0)
    waiting = models.IntegerField(default=0)
    in_progress = models.IntegerField(default=0)
    resolved_received = models.IntegerField(default=0)
    rejected = models.IntegerField(default=0)
    merged = models.IntegerField(default=0)
    dispatched = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    resolved_late = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    acceptable = models.IntegerField(default=0)
    unsatisfied = models.IntegerField(default=0)
    reception_steps = models.IntegerField(default=0)
    reception_late = models.IntegerField(default=0)
    reception_hours = models.FloatField(default=0)
    handling_steps = models.IntegerField(default=0)
    handling_late = models.IntegerField(default=0)
    handling_hours = models.FloatField(default=0)
    approval_steps = models.IntegerField(default=0)
    approval_late = models.IntegerField(default=0)
    approval_hours = models.FloatField(default=0)
    verification_steps = models.IntegerField(default=0)
    verification_late = models.IntegerField(default=0)
    verification_hours = models.FloatField(default=0)

    class Meta:
        verbose_name = _("monthly figures")
        verbose_name_plural = _("monthly figures")
        indexes = [models.Index(fields=["month"], name="month_figures_month")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.category_id}/{self.lead_unit_id}"


class MonthPlaces(models.Model):
    """The reports received in one month in one cell of 0.01° (about 1 km): the heat map's rollup.

    Built with `MonthFigures` (`stats.rollup.rebuild`) and read for the whole province only; a
    filtered map counts the per-report rows.
    """

    month = models.DateField()
    latitude = models.DecimalField(max_digits=5, decimal_places=2)
    longitude = models.DecimalField(max_digits=5, decimal_places=2)
    received = models.IntegerField()

    class Meta:
        verbose_name = _("monthly places")
        verbose_name_plural = _("monthly places")
        indexes = [models.Index(fields=["month"], name="month_places_month")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.latitude},{self.longitude}: {self.received}"


class DirtyMonth(models.Model):
    """A month whose rollup no longer matches the per-report figures (marked at `marked_at`)."""

    month = models.DateField(unique=True)
    marked_at = models.DateTimeField()

    class Meta:
        verbose_name = _("month to rebuild")
        verbose_name_plural = _("months to rebuild")

    def __str__(self):
        return f"{self.month:%Y-%m}"


class ScoreWeights(models.Model):
    """Trọng số chấm điểm: the weights of the unit score, from a year on (`docs/statistics.md`).

    The row of the latest `from_year` not after the year evaluated applies, so that changing the
    weights for next year's evaluation leaves the rankings of past years as they were announced.
    """

    from_year = models.PositiveSmallIntegerField(_("from year"), unique=True)
    on_time = models.PositiveSmallIntegerField(_("on-time resolution"), default=40)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"), default=25)
    returns = models.PositiveSmallIntegerField(_("reports not returned"), default=10)
    overdue = models.PositiveSmallIntegerField(_("open reports not overdue"), default=15)
    reception = models.PositiveSmallIntegerField(_("timely reception"), default=10)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("unit score weights")
        verbose_name_plural = _("unit score weights")
        ordering = ["-from_year"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(on_time__gt=0)
                | models.Q(satisfaction__gt=0)
                | models.Q(returns__gt=0)
                | models.Q(overdue__gt=0)
                | models.Q(reception__gt=0),
                name="score_weights_not_all_zero",
            )
        ]

    def __str__(self):
        return f"{self.from_year}"


class ExportFile(models.Model):
    """Tệp xuất: a report list too long to write while the person waits, written by a task.

    Only the person who asked may download it, for PHANANH_EXPORT_KEEP_DAYS days; then the
    periodic job deletes it (`stats.exports.delete_old_files`).
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Could not be prepared")

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    # The dashboard's filters as they were in the address, read again by the task.
    params = models.JSONField(default=dict)
    language = models.CharField(max_length=10)
    title = models.CharField(max_length=255)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    rows = models.PositiveIntegerField(null=True)
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("exported file")
        verbose_name_plural = _("exported files")
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="export_by_person")]

    def __str__(self):
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M} ({self.state})"
