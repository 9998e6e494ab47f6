"""Tracking codes, reporter secrets and the private links that prove the reporter."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from django.core import signing
from django.utils import timezone
from django.utils.crypto import salted_hmac

from phananh.org.access import Reporter

# No 0/O, 1/I/L: a code is read out over the phone and typed on a small keyboard.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
# The codes' source of randomness, the operating system's; a test may seed its own in its place.
random_source = secrets.SystemRandom()


def new_tracking_code() -> str:
    """`PA-26-7K3Q9M`: the year, then six random characters (31⁶ ≈ 887 million a year).

    Random rather than sequential, so that nobody can walk through other people's reports.
    Not checked against the codes in use: the unique constraint on the report refuses a code
    drawn twice, and the submission draws another (see workflow.submission).
    """
    body = "".join(random_source.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"PA-{timezone.localdate():%y}-{body}"


_SHAPE = re.compile(rf"^PA(\d{{2}})([{ALPHABET}]{{{CODE_LENGTH}}})$")
# What people put between the parts of a code, or around it, when they copy or retype it.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015_.\u00b7/]+")


def normalise_tracking_code(value: str) -> str | None:
    """What people type, as a code: `pa26pkum4x`, `PA 26 PKUM4X`, `pa-26-pkum4x` are `PA-26-PKUM4X`.

    Lower case, spaces and dashes anywhere (or none) are forgiven. None when it cannot be a
    tracking code at all, so that no query is made with it.
    """
    match = _SHAPE.match(_SEPARATORS.sub("", value).upper())
    return f"PA-{match[1]}-{match[2]}" if match else None


def new_secret() -> str:
    return secrets.token_urlsafe(24)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, secret_hash: str) -> bool:
    return bool(secret) and hmac.compare_digest(hash_secret(secret), secret_hash)


# The private link in a message names the report and is bound to its secret, which is stored
# only hashed and so cannot be written into a message sent later. Long enough for a reporter who
# reads a message weeks after it came (a rating stays possible after the report closed).
PRIVATE_LINK_MAX_AGE = timedelta(days=90)
_PRIVATE_LINK_SALT = "phananh.reports.private-link"


def _secret_fingerprint(report) -> str:
    # Not the hash itself: a token is readable by whoever holds it.
    return salted_hmac(_PRIVATE_LINK_SALT, report.secret_hash, algorithm="sha256").hexdigest()[:16]


def private_link_token(report) -> str:
    """A signed token that proves the reporter of `report`, like the secret, for a while."""
    return signing.dumps([report.pk, _secret_fingerprint(report)], salt=_PRIVATE_LINK_SALT)


def token_matches(token: str, report) -> bool:
    """True when `token` was made for `report`, with its current secret, and has not expired."""
    try:
        report_id, fingerprint = signing.loads(token, salt=_PRIVATE_LINK_SALT, max_age=PRIVATE_LINK_MAX_AGE)
    except (signing.BadSignature, TypeError, ValueError):
        return False
    return report_id == report.pk and hmac.compare_digest(str(fingerprint), _secret_fingerprint(report))


def prove_reporter(report, secret=None, *, token=None) -> Reporter | None:
    """The reporter of `report` as an actor, when `secret` is the report's or `token` a valid
    private link's for it; None otherwise."""
    if isinstance(secret, str) and secret_matches(secret, report.secret_hash):
        return Reporter(report_id=report.pk)
    if isinstance(token, str) and token and token_matches(token, report):
        return Reporter(report_id=report.pk)
    return None
