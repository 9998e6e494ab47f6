"""Tracking codes and reporter secrets."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.utils import timezone

# No 0/O, 1/I/L: a code is read out over the phone and typed on a small keyboard.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6


def new_tracking_code() -> str:
    """`PA-26-7K3Q9M`: the year, then six random characters (31⁶ ≈ 887 million a year).

    Random rather than sequential, so that nobody can walk through other people's reports.
    """
    body = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"PA-{timezone.localdate():%y}-{body}"


def normalise_tracking_code(value: str) -> str:
    """Accept what people type: lower case and stray spaces are forgiven."""
    return "".join(value.split()).upper()


def new_secret() -> str:
    return secrets.token_urlsafe(24)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, secret_hash: str) -> bool:
    return bool(secret) and hmac.compare_digest(hash_secret(secret), secret_hash)
