"""Tracking codes and reporter secrets."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from django.utils import timezone

from phananh.org.access import Reporter

# No 0/O, 1/I/L: a code is read out over the phone and typed on a small keyboard.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6


def new_tracking_code() -> str:
    """`PA-26-7K3Q9M`: the year, then six random characters (31⁶ ≈ 887 million a year).

    Random rather than sequential, so that nobody can walk through other people's reports.
    """
    body = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"PA-{timezone.localdate():%y}-{body}"


_SHAPE = re.compile(rf"^PA-\d{{2}}-[{ALPHABET}]{{{CODE_LENGTH}}}$")


def normalise_tracking_code(value: str) -> str | None:
    """What people type, as a code: lower case and stray spaces are forgiven.

    None when it cannot be a tracking code at all, so that no query is made with it.
    """
    code = "".join(value.split()).upper()
    return code if _SHAPE.match(code) else None


def new_secret() -> str:
    return secrets.token_urlsafe(24)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, secret_hash: str) -> bool:
    return bool(secret) and hmac.compare_digest(hash_secret(secret), secret_hash)


def prove_reporter(report, secret) -> Reporter | None:
    """The reporter of `report` as an actor, when `secret` is the report's; None otherwise."""
    if not isinstance(secret, str) or not secret_matches(secret, report.secret_hash):
        return None
    return Reporter(report_id=report.pk)
