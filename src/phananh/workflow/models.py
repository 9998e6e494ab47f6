from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .statuses import Status


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Report submitted")


# Events the reporter and the public may see on the timeline; the rest is internal.
PUBLIC_EVENT_KINDS = {EventKind.SUBMITTED}


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
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    note = models.TextField(_("note"), blank=True)
    status_before = models.CharField(max_length=30, choices=Status.choices, blank=True)
    status_after = models.CharField(max_length=30, choices=Status.choices, blank=True)
    is_public = models.BooleanField(default=False)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.report_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Events are append-only: write a new event instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Events are append-only and cannot be deleted.")
