"""Giới hạn đăng nhập: failed sign-in attempts, counted per account and per address.

Every check of a password or of a second-factor code first takes a place in two counters in
Django's shared cache (Redis when `REDIS_URL` is set): one for the account, whatever address
the attempts come from, and one for the client's address, whatever usernames it tries. The
counter is incremented *before* the check, atomically (Redis `INCRBY`), so that parallel
requests cannot all read "9 failures" and all go on to check a password: the eleventh place is
refused whoever asks for it, even with the right password. A check that succeeds gives its
place back; a failure keeps it until the window ends.

A complete sign-in (password and, when asked, the second factor) clears the account's count;
the address's count only loses the places its successful checks took, so that an attacker who
signs in to an account of their own does not wipe out their guesses at others.
"""

from __future__ import annotations

import hashlib
import logging
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from phananh.core.errors import ApplicationError
from phananh.core.net import client_address

logger = logging.getLogger(__name__)


class TooManyAttempts(ApplicationError):
    """Đăng nhập sai quá nhiều lần: the account or the address is locked for the window."""

    status = 429


def window_seconds() -> int:
    return settings.PHANANH_SIGNIN_WINDOW_MINUTES * 60


def _digest(value: str) -> str:
    # Hashed so that any username (spaces, non-ASCII, any length) makes a valid cache key.
    return hashlib.sha256(value.encode()).hexdigest()


def account_key(username: str) -> str:
    # Case and surrounding spaces do not start a new count ("LAN" is lan).
    return f"signin:account:{_digest(username.strip().casefold())}"


def address_key(address: str) -> str:
    return f"signin:address:{_digest(address)}"


def _take(key: str, seconds: int | None = None) -> int:
    """Add one to the counter at `key` and return the new count, atomically."""
    seconds = seconds or window_seconds()
    for _attempt in range(3):
        # add() starts the window if there is none; incr() is one atomic INCRBY on Redis (and
        # under a lock in local memory), and keeps the window's expiry.
        cache.add(key, 0, timeout=seconds)
        try:
            count = cache.incr(key)
        except ValueError:
            continue  # the window ended between add() and incr(): start a new one
        if count == 1:
            # The first of a window. Should the key have expired between Redis's existence
            # check and its INCRBY, INCRBY made a key without expiry: give it one.
            cache.touch(key, seconds)
        return count
    raise RuntimeError(f"the cache did not keep the sign-in counter {key}")


def within_limit(key: str, limit: int, *, seconds: int) -> bool:
    """Take one place in the counter at `key`, whose window lasts `seconds`: False once more
    than `limit` were taken in the window. For actions that are limited whether they succeed
    or not (sending a sign-in code)."""
    return _take(key, seconds) <= limit


def _give_back(key: str) -> None:
    try:
        count = cache.decr(key)
    except ValueError:
        return  # the window ended meanwhile: nothing to give back
    if count <= 0:
        # A key that expired between Redis's existence check and its DECRBY would stay at -1
        # for ever; none is needed at zero anyway.
        cache.delete(key)


@dataclass
class Attempt:
    """One check of a password or a code, holding its places until it is known to succeed."""

    keys: tuple[str, ...]
    done: bool = False

    def succeeded(self) -> None:
        """The check passed: it was no guess, so it gives its places back."""
        if not self.done:
            self.done = True
            for key in self.keys:
                _give_back(key)


def locked_error() -> TooManyAttempts:
    minutes = settings.PHANANH_SIGNIN_WINDOW_MINUTES
    return TooManyAttempts(
        "too_many_attempts",
        _("Too many failed sign-in attempts. Try again in %(minutes)d minutes.") % {"minutes": minutes},
    )


@contextmanager
def sign_in_attempt(request, username: str):
    """Take a place for one check of `username`'s password or code, from this request's address.

    Raises `TooManyAttempts` (without checking anything) when the account or the address used
    up its places in this window. The block calls `attempt.succeeded()` when the check passed;
    a block that ends otherwise, by an exception too, counts as a failure.
    """
    address = client_address(request) if request is not None else ""
    limits = [(account_key(username), settings.PHANANH_SIGNIN_MAX_FAILURES_PER_ACCOUNT)]
    if address:
        limits.append((address_key(address), settings.PHANANH_SIGNIN_MAX_FAILURES_PER_ADDRESS))
    taken = []
    for key, limit in limits:
        taken.append(key)
        if _take(key) > limit:
            # Refused before any check, so nothing was tried: every place is given back. The
            # count may pass the limit for a moment, but only a place taken at or under the
            # limit lets a check go on, so no more checks than the limit ever run at once.
            for other in taken:
                _give_back(other)
            logger.warning(
                "Sign-in refused: too many failures for account %r or address %s", username, address
            )
            raise locked_error()
    yield Attempt(keys=tuple(taken))


def signed_in(username: str) -> None:
    """A whole sign-in succeeded: the account's failures are forgotten."""
    cache.delete(account_key(username))


def unlock(*, username: str = "", address: str = "") -> None:
    """Mở khóa: forget the failures of an account or of an address now (administrators)."""
    if username:
        cache.delete(account_key(username))
    if address:
        cache.delete(address_key(address))


def failures(*, username: str = "", address: str = "") -> int:
    """How many places the account or the address has used in this window."""
    key = account_key(username) if username else address_key(address)
    return int(cache.get(key, 0))
