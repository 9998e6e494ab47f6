"""Kênh Zalo: the OA's events as received, and each user's conversation with its draft report."""

from django.db import models
from django.utils import timezone


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
