from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Open311Client(models.Model):
    """Khóa API Open311: a partner system allowed to send reports through the GeoReport v2 server.

    Administrators issue one key per client and revoke it when the client stops. The key is shown
    once, when it is issued; only its SHA-256 is stored, so a copy of the database holds no key
    that works. `key_prefix` (its first characters) lets people tell keys apart.
    """

    name = models.CharField(_("client"), max_length=150)
    contact = models.CharField(_("contact"), max_length=254, blank=True)
    key_prefix = models.CharField(_("key starts with"), max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")
        ordering = ["name", "id"]

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"


class Open311Request(models.Model):
    """Which client sent a report through Open311: the client may follow it by its id, even
    before it is published (its status only, never its texts or the reporter's data)."""

    report = models.OneToOneField("reports.Report", on_delete=models.CASCADE, related_name="open311_request")
    client = models.ForeignKey(Open311Client, on_delete=models.PROTECT, related_name="requests")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("report sent through Open311")
        verbose_name_plural = _("reports sent through Open311")

    def __str__(self):
        return f"{self.report_id} ← {self.client_id}"


class Open311Update(models.Model):
    """An update a client posted on a report it sent (servicerequestupdates), remembered by the
    client's own `update_id` so that a resend is not recorded twice."""

    client = models.ForeignKey(Open311Client, on_delete=models.PROTECT, related_name="updates")
    update_id = models.CharField(max_length=100)
    report = models.ForeignKey("reports.Report", on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey("workflow.Event", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("update from an Open311 client")
        verbose_name_plural = _("updates from Open311 clients")
        constraints = [
            models.UniqueConstraint(fields=["client", "update_id"], name="open311_update_once_per_client")
        ]

    def __str__(self):
        return f"{self.client_id}/{self.update_id}"
