"""Phiên đăng nhập của cán bộ: how a session begins, and every way it ends.

A sign-in is complete only after the password and, when the account needs one, the second
factor; between the two the session holds a *pending* sign-in (who, until when), not a user.

A session ends (the person is signed out at their next request) when:
- it is older than `SESSION_COOKIE_AGE` (a working day), however busy;
- nobody used it for `PHANANH_SESSION_IDLE_MINUTES` (the console's own polling is not use);
- the account can no longer sign in: deactivated, or its role or unit removed (and it cannot
  open the admin site either);
- the account needs a second factor and this session did not pass one: a session from before
  two-step verification was required, one whose role was just changed to an IOC role, or one
  whose authenticator an administrator reset.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth import login as auth_login
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from .access import is_staff_member
from .second_factor import is_verified, needs_second_factor
from .throttle import signed_in

SIGNED_IN_AT = "phananh_signed_in_at"
SEEN_AT = "phananh_seen_at"
PENDING = "phananh_pending_sign_in"
# How long the second step may wait after the password (the time to find one's phone).
PENDING_SECONDS = 10 * 60
# The last-seen time is written at most this often: not one session write per request.
SEEN_PRECISION_SECONDS = 60
# The header htmx sends with a page's own polling (the console's tab counts): not a person's use.
BACKGROUND_HEADER = "X-PhanAnh-Background"


def can_sign_in(user) -> bool:
    """An active staff member (role and unit), or an account that opens the admin site."""
    return bool(user.is_active and (is_staff_member(user) or user.is_staff or user.is_superuser))


def pending_start(request, user, *, next_url: str = "") -> None:
    """The password was right; the second factor is still to come."""
    request.session[PENDING] = {
        "user": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[0]),
        "until": int(time.time()) + PENDING_SECONDS,
        "next": next_url,
    }


def pending_user(request):
    """The account whose password was given in this session and is waiting for its second step."""
    pending = request.session.get(PENDING)
    if not pending or pending.get("until", 0) < time.time():
        return None
    user = get_user_model().objects.select_related("unit").filter(pk=pending["user"]).first()
    if user is None or not can_sign_in(user):
        return None
    user.backend = pending["backend"]
    return user


def pending_next(request) -> str:
    return (request.session.get(PENDING) or {}).get("next", "")


def pending_cancel(request) -> None:
    request.session.pop(PENDING, None)


def sign_in_complete(request, user, *, device=None) -> None:
    """Đăng nhập xong: the session now belongs to `user`, verified by `device` if one was used."""
    auth_login(request, user, backend=getattr(user, "backend", None))
    if device is not None:
        otp_login(request, device)
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[SEEN_AT] = now
    request.session.pop(PENDING, None)
    signed_in(user.get_username())


def _ended(request, user, now: int) -> str | None:
    """Why this signed-in session ends now, in words for the person; None if it goes on."""
    if not can_sign_in(user):
        return _("Your account can no longer sign in. Ask an administrator if this is a mistake.")
    signed_in_at = request.session.setdefault(SIGNED_IN_AT, now)
    if now - signed_in_at > settings.SESSION_COOKIE_AGE:
        return _("Your session has ended after a working day. Sign in again.")
    seen_at = request.session.get(SEEN_AT, now)
    if now - seen_at > settings.PHANANH_SESSION_IDLE_MINUTES * 60:
        return _("Your session has ended after %(minutes)d minutes without activity. Sign in again.") % {
            "minutes": settings.PHANANH_SESSION_IDLE_MINUTES
        }
    if not is_verified(user) and needs_second_factor(user):
        return _("Sign in again with your verification code.")
    return None


class StaffSessionMiddleware:
    """Sign out a session that has ended (see the module's docstring) before any view sees it.

    Placed after Django's authentication, django-otp's and the messages middleware, so that the
    person reads on the login page why they were signed out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def _used_by_the_person(request) -> bool:
        return request.headers.get(BACKGROUND_HEADER) != "1"

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            now = int(time.time())
            reason = _ended(request, user, now)
            if reason:
                logout(request)
                messages.info(request, reason)
            elif (
                self._used_by_the_person(request)
                and now - request.session.get(SEEN_AT, 0) >= SEEN_PRECISION_SECONDS
            ):
                request.session[SEEN_AT] = now
        return self.get_response(request)
