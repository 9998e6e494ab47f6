"""The one authentication backend: Django's model backend, every call counted by `throttle`.

Every way to sign in reaches a password through `django.contrib.auth.authenticate()`: the
staff login page, the admin site (which sends people to that page), the API's token endpoint,
and whatever is added later. Counting in the backend means none of them can forget the limit.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from .throttle import sign_in_attempt


class ThrottledModelBackend(ModelBackend):
    """Username and password, refused with `TooManyAttempts` once the account or address is locked.

    The exception is not Django's `PermissionDenied`, so that it reaches the caller, which says
    so in its own way (a message on the page, 429 in the API) instead of "wrong password".
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        with sign_in_attempt(request, username) as attempt:
            user = super().authenticate(request, username=username, password=password, **kwargs)
            if user is not None:
                attempt.succeeded()
        return user
