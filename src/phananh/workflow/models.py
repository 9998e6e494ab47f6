from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from phananh.reports.statuses import Status, Urgency

from .calendar import DURATION_UNITS


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Report submitted")
    ACCEPTED = "accepted", _("Accepted and classified")
    REJECTED = "rejected", _("Rejected")
    MERGED = "merged", _("Merged into another report")
    DUPLICATE_MERGED = "duplicate_merged", _("A duplicate report was merged into this one")
    INFO_REQUESTED = "info_requested", _("More information requested from the reporter")
    INFO_PROVIDED = "info_provided", _("The reporter added information")
    DISPATCHED = "dispatched", _("Dispatched for handling")
    RETURNED = "returned", _("Returned by the unit")
    ASSIGNED = "assigned", _("Assigned to a handler")
    EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
    EXTENSION_DECIDED = "extension_decided", _("Extension decided")
    RESULT_SUBMITTED = "result_submitted", _("Result submitted")
    RESULT_APPROVED = "result_approved", _("Result approved by the unit leader")
    RESULT_SENT_BACK = "result_sent_back", _("Result sent back by the unit leader")
    VERIFIED = "verified", _("Result verified by the IOC")
    REWORK = "rework", _("Sent back for rework")
    PUBLISHED = "published", _("Published")
    KEPT_PRIVATE = "kept_private", _("Kept private")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    CONTACT_REVEALED = "contact_revealed", _("Reporter's contact revealed to the unit")
    RATED = "rated", _("Rated by the reporter")
    REVIEW_DISMISSED = "review_dismissed", _("Rating reviewed; the report stays closed")
    # The reporter's rights (privacy): internal steps, which say what was done and never the data.
    DATA_EXPORTED = "data_exported", _("The reporter downloaded their data")
    PERSONAL_DATA_ERASED = "personal_data_erased", _("Consent withdrawn: the reporter's personal data erased")
    ANONYMISED = "anonymised", _("Personal data erased at the end of the retention period")
    # Partner systems (Open311 peers, the national petition system): internal steps.
    PARTNER_SENT = "partner_sent", _("Sent to a partner system")
    PARTNER_UPDATE = "partner_update", _("Update from a partner system")


# Events the reporter and the public may see on the timeline; the rest is internal.
PUBLIC_EVENT_KINDS = frozenset(
    {
        EventKind.SUBMITTED,
        EventKind.ACCEPTED,
        EventKind.REJECTED,
        EventKind.MERGED,
        EventKind.INFO_REQUESTED,
        EventKind.INFO_PROVIDED,
        EventKind.DISPATCHED,
        EventKind.RESULT_SUBMITTED,
        EventKind.VERIFIED,
        EventKind.PUBLISHED,
        EventKind.CLOSED,
        EventKind.REOPENED,
        EventKind.RATED,
    }
)


class Event(models.Model):
    """One step on a report's timeline (dòng thời gian): who did what, when, with which note.

    The timeline is the audit trail: an event is written once and never edited or deleted;
    a correction is a new event.
    """

    report = models.ForeignKey("reports.Report", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=40, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Who acted when it was not a staff account: "reporter", "system", a channel name.
    actor_label = models.CharField(max_length=60, blank=True)
    # The unit the actor acted for, when it was a staff member.
    unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    note = models.TextField(_("note"), blank=True)
    status_before = models.CharField(max_length=30, choices=Status.choices, blank=True)
    status_after = models.CharField(max_length=30, choices=Status.choices, blank=True)
    is_public = models.BooleanField(default=False)
    # What the action decided: units, deadlines, reason codes... (no personal data).
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["created_at", "id"]
        # The statistics count events of one kind in a period by unit (returns) among millions:
        # with the unit in the index, from the index alone.
        indexes = [models.Index(fields=["kind", "created_at", "unit"], name="event_kind_time_unit")]

    def __str__(self):
        return f"{self.report_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Events are append-only: write a new event instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Events are append-only and cannot be deleted.")


class StepKind(models.TextChoices):
    RECEPTION = "reception", _("Reception and dispatch")
    HANDLING = "handling", _("Handling")
    APPROVAL = "approval", _("Leader's approval")
    VERIFICATION = "verification", _("IOC verification")


class Step(models.Model):
    """A stretch of work with a deadline (bước xử lý): reception, handling, approval, verification.

    `deadline` includes granted extensions and pauses; `original_deadline` is the first one,
    moved only by pauses (the reporter's delay is nobody's fault). `on_time` is decided when the
    step finishes, against `deadline`.
    """

    report = models.ForeignKey("reports.Report", on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("step"), max_length=20, choices=StepKind.choices)
    unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    duration_unit = models.CharField(max_length=20, choices=[(u, u) for u in DURATION_UNITS])
    started_at = models.DateTimeField()
    deadline = models.DateTimeField(_("deadline"), db_index=True)
    original_deadline = models.DateTimeField(_("original deadline"))
    paused_at = models.DateTimeField(null=True, blank=True)
    remaining_at_pause = models.DurationField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True, db_index=True)
    on_time = models.BooleanField(null=True)
    outcome = models.CharField(max_length=30, blank=True)
    # When the deadline sweeper reminds the step: PHANANH_REMINDER_SHARE of the time from its
    # start to its deadline. Set with the deadline (`deadlines.reminder_moment`), so that the
    # sweeper asks an index which steps are due instead of computing it for every running step.
    # Empty on steps that had finished before it existed.
    remind_at = models.DateTimeField(null=True, blank=True)
    # Set once by the deadline sweeper, so that each reminder goes out exactly once.
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["started_at", "id"]
        # The sweeper's two questions, each over the running steps it has not yet acted on: the
        # indexes hold only those, and a step leaves them when it is reminded, escalated,
        # paused or finished, so a sweep reads the due steps and nothing else.
        indexes = [
            models.Index(
                fields=["remind_at", "id"],
                name="step_reminder_due",
                condition=models.Q(finished_at=None, paused_at=None, reminded_at=None),
            ),
            models.Index(
                fields=["deadline", "id"],
                name="step_escalation_due",
                condition=models.Q(finished_at=None, paused_at=None, escalated_at=None),
            ),
        ]

    def __str__(self):
        return f"{self.report_id} {self.kind} → {self.deadline:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.finished_at is None

    @property
    def extended(self) -> bool:
        return self.deadline != self.original_deadline


class DispatchRole(models.TextChoices):
    LEAD = "lead", _("Lead unit")
    COOPERATING = "cooperating", _("Cooperating unit")


class Dispatch(models.Model):
    """Chuyển xử lý: a unit sent the report to another one, to lead or to cooperate.

    The active lead dispatch says who holds the report and who dispatched it, which is where a
    return goes back to and who decides an extension.
    """

    report = models.ForeignKey("reports.Report", on_delete=models.CASCADE, related_name="dispatches")
    from_unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="dispatches_received")
    role = models.CharField(max_length=20, choices=DispatchRole.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatches")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.report_id}: {self.from_unit_id} → {self.to_unit_id} ({self.role})"


class ExtensionRequest(models.Model):
    """Gia hạn: a unit asks for more time on its handling step; the dispatcher decides."""

    report = models.ForeignKey("reports.Report", on_delete=models.CASCADE, related_name="extensions")
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_deadline = models.DateTimeField()
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    approved = models.BooleanField(null=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.report_id} → {self.requested_deadline:%Y-%m-%d}"


class RejectionReason(models.Model):
    """A reason to refuse a report (lý do không tiếp nhận), managed by administrators.

    `message` is what the reporter is told, e.g. where a complaint must be lodged instead.
    """

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=150)
    message = models.TextField(_("message to the reporter"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("rejection reason")
        verbose_name_plural = _("rejection reasons")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class DeadlineDataQuerySet(models.QuerySet):
    """Rules and calendar days are kept in every process (see deadlines.deadline_data): writes
    that skip save() and delete() tell the processes too."""

    def update(self, **kwargs):
        rows = super().update(**kwargs)
        _deadline_data_changed()
        return rows

    def bulk_create(self, *args, **kwargs):
        created = super().bulk_create(*args, **kwargs)
        _deadline_data_changed()
        return created

    def bulk_update(self, *args, **kwargs):
        rows = super().bulk_update(*args, **kwargs)
        _deadline_data_changed()
        return rows


def _deadline_data_changed():
    from .deadlines import deadline_data_changed  # deadlines imports this module

    deadline_data_changed()


class CalendarDayKind(models.TextChoices):
    DAY_OFF = "day_off", _("Day off")
    WORKING_DAY = "working_day", _("Make-up working day")


class CalendarDay(models.Model):
    """A day the deployment adds to the national calendar: an extra day off or a make-up day."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=CalendarDayKind.choices)
    name = models.CharField(_("name"), max_length=150, blank=True)

    objects = DeadlineDataQuerySet.as_manager()

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()}"


class DeadlineRule(models.Model):
    """How long a step may take, for an urgency and a field; the most specific rule wins.

    A rule with no urgency or no field applies to all of them.
    """

    step = models.CharField(_("step"), max_length=20, choices=StepKind.choices)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, blank=True)
    category = models.ForeignKey(
        "reports.Category", verbose_name=_("field"), null=True, blank=True, on_delete=models.CASCADE
    )
    amount = models.DecimalField(_("amount"), max_digits=6, decimal_places=2)
    unit = models.CharField(
        _("unit"),
        max_length=20,
        choices=[
            ("working_hours", _("working hours")),
            ("working_days", _("working days")),
            ("hours", _("hours (any day and hour)")),
        ],
    )

    objects = DeadlineDataQuerySet.as_manager()

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        ordering = ["step", "urgency", "category"]

    def __str__(self):
        return f"{self.step} {self.urgency or '*'} {self.category or '*'}: {self.amount} {self.unit}"


class RoutingRule(models.Model):
    """Who usually handles a field in a commune (đơn vị thường xử lý), managed by administrators.

    The rule for (field, commune) is suggested first, then the field's default (no commune).
    It is only a suggestion: the operator still chooses the lead unit.
    """

    category = models.ForeignKey(
        "reports.Category", verbose_name=_("field"), on_delete=models.CASCADE, related_name="+"
    )
    commune = models.ForeignKey(
        "org.Unit",
        verbose_name=_("commune or ward"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Leave empty for the field's default in every commune."),
    )
    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["category", "commune"]
        constraints = [
            models.UniqueConstraint(fields=["category", "commune"], name="routing_rule_per_commune"),
            # NULLs are distinct in a unique constraint: one default per field needs its own.
            models.UniqueConstraint(
                fields=["category"], condition=models.Q(commune=None), name="routing_rule_default"
            ),
        ]

    def __str__(self):
        return f"{self.category} · {self.commune or '*'} → {self.unit}"
