"""Kênh Zalo: the OA's events as received, and each user's conversation with its draft report."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ZaloInbox(models.Model):
    """An event the webhook accepted: its id refuses a replay; its payload waits for the task."""

    # The message id (`message.msg_id`), or a digest of the signed body for an event without one.
    event_id = models.CharField(max_length=128, unique=True)
    name = models.CharField(max_length=40)
    user_id = models.CharField(max_length=64, blank=True)
    # Emptied once handled: the text and the photos' addresses are the user's.
    payload = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    handled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.event_id


class ZaloConversation(models.Model):
    """One Zalo user's conversation with the OA, and the report they are writing (the draft)."""

    user_id = models.CharField(max_length=64, unique=True)
    description = models.TextField(blank=True)
    address = models.CharField(max_length=300, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    # What the OA asked last: "" (collecting), "consent" or "confirm".
    step = models.CharField(max_length=10, blank=True)
    consent_version = models.CharField(max_length=10, blank=True)
    # When the draft was last touched: it expires PHANANH_ZALO_DRAFT_HOURS later. None: no draft.
    draft_updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.user_id


class ZaloDraftPhoto(models.Model):
    """A photo of a draft, downloaded from Zalo and checked as the intake checks photos."""

    conversation = models.ForeignKey(ZaloConversation, on_delete=models.CASCADE, related_name="photos")
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.conversation_id}/{self.pk}"


# --- Liên thông: partner systems (the national petition system) ------------------------------


class SyncWhat(models.TextChoices):
    REQUEST = "request", _("Report")
    RESULT = "result", _("Result")


class SyncState(models.TextChoices):
    # Waiting for its turn (a result also waits for its report to be delivered first).
    PENDING = "pending", _("Waiting")
    # Claimed by a worker, being sent; a claim older than PHANANH_PETITION_STALE_SECONDS is a
    # dead worker's and is taken again.
    SENDING = "sending", _("Sending")
    # The last attempt failed; tried again at `next_attempt_at`.
    FAILED = "failed", _("Failed, will retry")
    # The partner took it (it answered its id): never sent again.
    DELIVERED = "delivered", _("Delivered")
    # Given up after the last attempt, or refused for good: only a resend puts it back.
    DEAD = "dead", _("Given up")


# What a worker may take now (with a due `next_attempt_at`), and what an operator may resend.
CLAIMABLE_SYNC_STATES = (SyncState.PENDING, SyncState.FAILED)
RESENDABLE_SYNC_STATES = (SyncState.FAILED, SyncState.DEAD)


class PartnerSync(models.Model):
    """Liên thông: one thing to send to a partner system (a report, or its result), the outbox row.

    Written once per event that asks for it (unique per system and event), before anything is
    sent, so that a worker killed mid-send loses nothing; its id makes the Idempotency-Key, so
    that a send repeated after a lost answer is the same request to the partner. A report's row
    then follows the partner's handling (`upstream_status`, the updates it recorded).
    """

    system = models.CharField(max_length=20)
    report = models.ForeignKey("reports.Report", on_delete=models.CASCADE, related_name="+")
    # The event that asked for it: the report accepted, or its result verified.
    event = models.ForeignKey("workflow.Event", on_delete=models.PROTECT, related_name="+")
    what = models.CharField(max_length=10, choices=SyncWhat.choices)
    state = models.CharField(max_length=10, choices=SyncState.choices, default=SyncState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # The partner's id: of the service request (a report), of the update (a result).
    upstream_id = models.CharField(max_length=100, blank=True)
    last_http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_answer = models.CharField(max_length=500, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    # A delivered report's handling there, as last read: "open" or "closed" ("" before).
    upstream_status = models.CharField(max_length=20, blank=True)
    followed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["system", "event"], name="partner_sync_once_per_event")
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="partner_sync_due")]

    def __str__(self) -> str:
        return f"{self.system} {self.what} #{self.pk}: {self.state}"

    @property
    def idempotency_key(self) -> str:
        return f"phananh-{self.system}-{self.what}-{self.pk}"


class PartnerAttempt(models.Model):
    """One attempt at sending a `PartnerSync` row: the sync log (nhật ký liên thông)."""

    sync = models.ForeignKey(PartnerSync, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField(default=timezone.now)
    # What was sent: the form without the API key.
    sent = models.JSONField(default=dict)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # The partner's answer, cut to its first 2,000 characters.
    answer = models.TextField(blank=True)
    upstream_id = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.sync_id} at {self.at:%Y-%m-%d %H:%M:%S}"


class PartnerUpdate(models.Model):
    """An update the partner gave about a report we sent, recorded once here as an event."""

    sync = models.ForeignKey(PartnerSync, on_delete=models.CASCADE, related_name="updates")
    update_id = models.CharField(max_length=100)
    event = models.ForeignKey("workflow.Event", null=True, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sync", "update_id"], name="partner_update_once")]

    def __str__(self) -> str:
        return f"{self.sync_id}/{self.update_id}"
