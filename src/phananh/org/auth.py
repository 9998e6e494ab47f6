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
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from phananh.core.errors import ApplicationError, Forbidden

from .access import is_staff_member
from .models import ApiToken, User
from .second_factor import authenticator, needs_second_factor, second_factor_verify
from .throttle import signed_in

# `last_used_at` tells administrators which tokens are stale; it is not an audit trail, so a
# write at most once a minute spares one UPDATE on almost every call.
LAST_USED_PRECISION = timedelta(minutes=1)


class InvalidCredentials(ApplicationError):
    status = 401


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _second_factor(request, user: User, otp: str):
    """The device that accepts `otp`; raises the API's answer when it is missing or wrong."""
    if authenticator(user) is None:
        # Enrolment shows a secret and recovery codes: a page's work, not an API call's.
        raise Forbidden(
            "otp_enrolment_required",
            _("This account must use two-step verification: sign in once on the staff pages to set it up."),
        )
    if not otp:
        raise InvalidCredentials(
            "otp_required",
            _("Give the code from your authenticator app (or a recovery code) in the field otp."),
        )
    device = second_factor_verify(request, user, otp)
    if device is None:
        raise InvalidCredentials("otp_invalid", _("The verification code is not correct."))
    return device


def token_issue(*, request, username: str, password: str, name: str = "", otp: str = "") -> str:
    """Đăng nhập: check the credentials of a staff member and return a new bearer token.

    Unknown user, wrong password, inactive account or an account without role or unit all
    get the same answer, so that the answer does not tell which usernames exist. An account
    with two-step verification also needs `otp`, checked only after the password was right.
    Every check counts in the sign-in limits (`throttle`): 429 once they are used up.
    """
    user = authenticate(request, username=username, password=password)
    if user is None or not is_staff_member(user):
        raise InvalidCredentials("invalid_credentials", _("The username or password is not correct."))
    if needs_second_factor(user):
        _second_factor(request, user, otp)
    signed_in(user.get_username())
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
