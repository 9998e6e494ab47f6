"""Tổng đài: the hotline's call log, the outcomes a call may end with, and the agents' extensions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    # A citizen called the hotline (hỗ trợ): to report, to ask about a report, for help.
    INBOUND = "inbound", _("Inbound support")
    # An agent called a reporter back to check what they reported (xác minh).
    OUTBOUND = "outbound", _("Outbound verification")


class CallOutcome(models.Model):
    """Kết quả cuộc gọi: one entry of the list of outcomes, which administrators keep."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(_("offered to agents"), default=True)
    position = models.PositiveSmallIntegerField(_("position in the list"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("call outcome")
        verbose_name_plural = _("call outcomes")

    def __str__(self):
        return self.name


class AgentExtension(models.Model):
    """The switchboard's extension (số máy lẻ) of an agent: the hook tells whose phone rings."""

    number = models.CharField(_("extension"), max_length=20, unique=True)
    agent = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        related_name="extension",
    )

    class Meta:
        verbose_name = _("agent extension")
        verbose_name_plural = _("agent extensions")

    def __str__(self):
        return self.number


class Call(models.Model):
    """Cuộc gọi: one call of the hotline, typed by an agent or reported by the switchboard.

    A call the switchboard reports carries its own id (`pbx_call_id`) and the time of each of
    its steps: it rings, may be answered, and hangs up; its duration is the time talked.
    """

    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    # The citizen's number, as 0xxxxxxxxx when it reads as a Vietnamese number.
    number = models.CharField(_("number"), max_length=20, db_index=True)
    started_at = models.DateTimeField(_("start"), db_index=True)
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)
    outcome = models.ForeignKey(
        CallOutcome, verbose_name=_("outcome"), null=True, blank=True, on_delete=models.PROTECT
    )
    note = models.TextField(_("note"), blank=True)
    report = models.ForeignKey(
        "reports.Report",
        verbose_name=_("report"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="calls",
    )
    # Set by the switchboard's hook only.
    pbx_call_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    extension = models.CharField(_("extension"), max_length=20, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")

    def __str__(self):
        return f"{self.get_direction_display()} {self.number} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_ringing(self) -> bool:
        return self.pbx_call_id is not None and self.answered_at is None and self.ended_at is None
