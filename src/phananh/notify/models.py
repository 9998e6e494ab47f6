from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An in-app message to a staff member (the bell): what happened to which report."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    report = models.ForeignKey(
        "reports.Report", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    event = models.ForeignKey(
        "workflow.Event", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=40)
    text = models.CharField(max_length=300)
    urgent = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A task that runs twice for the same event notifies each person once.
            models.UniqueConstraint(fields=["recipient", "event", "kind"], name="one_notification_per_event")
        ]

    def __str__(self):
        return f"{self.recipient_id}: {self.text}"


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    ZALO = "zalo", _("Zalo")


class DeliveryStatus(models.TextChoices):
    # Queued; its first attempt is due at next_attempt_at.
    PENDING = "pending", _("Pending")
    # Claimed by a worker that is sending it now (claimed_at says since when).
    SENDING = "sending", _("Sending")
    # Accepted by the mail server, the SMS gateway or Zalo: never sent again.
    SENT = "sent", _("Sent")
    # An attempt failed; another one is due at next_attempt_at.
    FAILED = "failed", _("Failed (will retry)")
    # A permanent refusal, or the last attempt failed: nobody tries again unless staff ask.
    DEAD = "dead", _("Failed (gave up)")


# A worker may claim these once next_attempt_at has passed.
CLAIMABLE_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
# The back office lists these and lets an operator retry them.
UNDELIVERED_STATUSES = (DeliveryStatus.FAILED, DeliveryStatus.DEAD)


class Delivery(models.Model):
    """One message to one address through one channel (email, SMS, Zalo), and how sending it went.

    The row is written before anything is sent, so a worker that dies mid-send loses nothing;
    `dedupe_key` makes the same message for the same event and recipient queue once.
    """

    channel = models.CharField(max_length=10, choices=DeliveryChannel.choices)
    # An email address, a phone number or a Zalo user id: personal data, never shown whole.
    to_address = models.CharField(max_length=254)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    report = models.ForeignKey(
        "reports.Report", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    event = models.ForeignKey(
        "workflow.Event", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    purpose = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    dedupe_key = models.CharField(max_length=255, unique=True)
    # Extra email headers, e.g. List-Unsubscribe for followers' messages.
    headers = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self):
        return f"{self.channel} {self.purpose} #{self.pk}: {self.status}"

    @property
    def masked_address(self) -> str:
        return mask_address(self.to_address)


def mask_address(address: str) -> str:
    """Enough of an address to tell two apart, not to write to: l***@example.vn, 09******78."""
    if "@" in address:
        local, _at, domain = address.rpartition("@")
        return f"{local[:1]}***@{domain}"
    if len(address) <= 4:
        return "*" * len(address)
    return f"{address[:2]}{'*' * (len(address) - 4)}{address[-2:]}"


class MessageChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    ZALO = "zalo", _("Zalo")


class MessageTemplate(models.Model):
    """The text of a message to reporters, per purpose and channel; administrators edit it.

    `subject` and `body` are Django templates: {{ code }}, {{ status }}, {{ link }}, {{ note }}...
    """

    purpose = models.CharField(_("purpose"), max_length=40)
    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["purpose", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["purpose", "channel"], name="one_template_per_purpose")
        ]

    def __str__(self):
        return f"{self.purpose} ({self.channel})"


class StaffEmailSettings(models.Model):
    """Which notifications a staff member also wants by email (the bell always has them all)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_settings"
    )
    # Notification kinds (event kinds, "deadline_near", "deadline_passed") wanted by email.
    kinds = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("email settings")
        verbose_name_plural = _("email settings")

    def __str__(self):
        return str(self.user)


class ZaloToken(models.Model):
    """The Official Account's access and refresh tokens, one row shared by every node.

    Zalo gives a new refresh token with each access token and takes the old one back: the row is
    locked while it is renewed, so that two nodes never spend the same refresh token.
    """

    access_token = models.TextField(blank=True)
    refresh_token = models.TextField(blank=True)
    # When the access token stops working, as Zalo said (`expires_in`); None: not known.
    expires_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return "Zalo OA token"


class ZaloUnfollower(models.Model):
    """A Zalo user who unfollowed the OA: nothing is sent to them until they follow it again."""

    user_id = models.CharField(max_length=64, unique=True)
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.user_id
