"""Khóa API Open311: issued to a client, shown once, stored hashed, revoked by administrators."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from .models import Open311Client

# `last_used_at` says which keys are still in use; it is no audit trail, so a write at most once
# a minute spares an UPDATE on almost every call.
LAST_USED_PRECISION = timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def client_issue(*, name: str, contact: str = "", created_by=None, key: str | None = None):
    """A new client and its key, in clear for this one answer. `key` is for the demo's fixed key."""
    key = key or secrets.token_urlsafe(32)
    client = Open311Client.objects.create(
        name=name, contact=contact, created_by=created_by, key_prefix=key[:8], key_hash=hash_key(key)
    )
    return client, key


def client_revoke(*, client: Open311Client) -> None:
    Open311Client.objects.filter(pk=client.pk, revoked_at=None).update(revoked_at=timezone.now())


def client_for_key(key: str) -> Open311Client | None:
    """The client whose key this is, when it is not revoked; notes when it was last used."""
    if not key or len(key) > 200:
        return None
    client = Open311Client.objects.filter(key_hash=hash_key(key), revoked_at=None).first()
    if client is None:
        return None
    now = timezone.now()
    if client.last_used_at is None or client.last_used_at < now - LAST_USED_PRECISION:
        Open311Client.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
    return client
