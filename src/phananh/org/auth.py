"""Bearer tokens for the staff API: issued at sign-in, checked on every call, revoked on sign-out.

A token is 32 random bytes shown once; only its sha256 is stored, so that a copy of the
database does not hold working tokens. A token works while it is not revoked and its owner
is an active staff member (active, with a role and a unit): deactivating an account stops
all of its tokens at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import authenticate
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from phananh.core.errors import ApplicationError
from phananh.core.net import client_address

from .access import is_staff_member
from .models import ApiToken, User

# Failed sign-ins allowed for one username from one address within the window; the next
# attempt is refused with 429 until the window ends, even with the right password.
MAX_FAILED_LOGINS = 10
FAILED_LOGIN_WINDOW = timedelta(minutes=15)
# `last_used_at` tells administrators which tokens are stale; it is not an audit trail, so a
# write at most once a minute spares one UPDATE on almost every call.
LAST_USED_PRECISION = timedelta(minutes=1)


class InvalidCredentials(ApplicationError):
    status = 401


class TooManyAttempts(ApplicationError):
    status = 429


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _failures_key(username: str, address: str) -> str:
    # Hashed so that any username (spaces, non-ASCII, any length) makes a valid cache key.
    digest = hashlib.sha256(f"{username.strip().casefold()}\n{address}".encode()).hexdigest()
    return f"phananh:login-failures:{digest}"


def _count_failure(key: str) -> None:
    seconds = int(FAILED_LOGIN_WINDOW.total_seconds())
    # add() starts the window with the first failure; incr() keeps its expiry.
    if not cache.add(key, 1, timeout=seconds):
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=seconds)


def token_issue(*, request, username: str, password: str, name: str = "") -> str:
    """Đăng nhập: check the credentials of a staff member and return a new bearer token.

    Unknown user, wrong password, inactive account or an account without role or unit all
    get the same answer, so that the answer does not tell which usernames exist.
    """
    key = _failures_key(username, client_address(request))
    if cache.get(key, 0) >= MAX_FAILED_LOGINS:
        raise TooManyAttempts(
            "too_many_attempts",
            _("Too many failed sign-in attempts. Try again in %(minutes)d minutes.")
            % {"minutes": FAILED_LOGIN_WINDOW.seconds // 60},
        )
    user = authenticate(request, username=username, password=password)
    if user is None or not is_staff_member(user):
        _count_failure(key)
        raise InvalidCredentials("invalid_credentials", _("The username or password is not correct."))
    cache.delete(key)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        ApiToken.objects.create(user=user, key_hash=hash_token(token), name=name)
        User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    return token


def token_revoke(*, api_token: ApiToken) -> None:
    """Đăng xuất: the token stops working at once; the row stays for the record."""
    ApiToken.objects.filter(pk=api_token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def token_user(token: str) -> ApiToken | None:
    """The live token with this value, its user loaded; None if unknown, revoked or its user cannot act."""
    if not token:
        return None
    api_token = (
        ApiToken.objects.select_related("user__unit")
        .filter(key_hash=hash_token(token), revoked_at__isnull=True)
        .first()
    )
    if api_token is None or not is_staff_member(api_token.user):
        return None
    now = timezone.now()
    if api_token.last_used_at is None or now - api_token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        api_token.last_used_at = now
    return api_token


class StaffTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` from POST /api/v1/auth/token.

    Sets `request.auth` and `request.user` to the staff member and `request.api_token` to the
    token row (for sign-out). No session or cookie is involved, hence no CSRF token either.
    """

    def authenticate(self, request, token: str) -> User | None:
        api_token = token_user(token)
        if api_token is None:
            return None
        request.user = api_token.user
        request.api_token = api_token
        return api_token.user


staff_token = StaffTokenAuth()
