from django.db import models
from django.utils.translation import gettext_lazy as _


class TriageModel(models.Model):
    """Mô hình gợi ý: one trained model of suggestions (field, lead unit, urgency).

    The fitted model itself is a file in Django's storage (`path`), written by this app only, so
    that every app node loads the same one; the row says which one is current and how it did on
    the held-out, newer part of the decisions it learned from.
    """

    version = models.CharField(_("version"), max_length=40, unique=True)
    trained_at = models.DateTimeField(_("trained at"))
    examples = models.PositiveIntegerField(_("examples"), default=0)
    decisions = models.PositiveIntegerField(_("decisions learned from"), default=0)
    evaluation = models.JSONField(_("evaluation"), default=dict, blank=True)
    path = models.CharField(_("file"), max_length=300)
    is_current = models.BooleanField(_("current"), default=False)

    class Meta:
        verbose_name = _("triage model")
        verbose_name_plural = _("triage models")
        ordering = ["-trained_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=models.Q(is_current=True), name="one_current_triage_model"
            )
        ]

    def __str__(self):
        return self.version


class Suggestion(models.Model):
    """Gợi ý phân loại: what the model suggested for one report (field, lead unit, urgency).

    Computed after the report is saved, off the request, and again when the reporter adds
    information; read by the IOC's forms and the staff API.
    """

    report = models.OneToOneField("reports.Report", on_delete=models.CASCADE, related_name="suggestion")
    payload = models.JSONField(default=dict)
    model_version = models.CharField(max_length=40)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")

    def __str__(self):
        return f"{self.report_id} ({self.model_version})"
