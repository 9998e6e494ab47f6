"""Xác thực hai bước: a code from an authenticator app (TOTP) after the password.

Built on django-otp: a staff member's authenticator app is a `TOTPDevice`, their recovery codes
(mã dự phòng) the tokens of one `StaticDevice`, each good once. The IOC's roles and the
administrators must use it (`PHANANH_REQUIRE_2FA_ROLES`, and every account that can open the
admin site); anyone else may turn it on, and is then asked for it too.

Every check of a code takes its place in the sign-in limits first (`throttle`), like a password.
"""

from __future__ import annotations

import logging
from base64 import b32encode

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp import verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import ApiToken
from .throttle import sign_in_attempt

logger = logging.getLogger(__name__)

# Ten codes, each good once: enough for the days a phone is lost, few enough to write down.
RECOVERY_CODES = 10
TOTP_DIGITS = 6


def must_use_second_factor(user) -> bool:
    """Whether this account may not sign in without a second factor (IOC roles, administrators)."""
    return bool(user.is_staff or user.is_superuser or user.role in settings.PHANANH_REQUIRE_2FA_ROLES)


def authenticator(user) -> TOTPDevice | None:
    """The account's confirmed authenticator app, if it enrolled one."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def needs_second_factor(user) -> bool:
    """Whether signing in asks this account for a code (or to enrol an app first)."""
    return must_use_second_factor(user) or authenticator(user) is not None


def is_verified(user) -> bool:
    """Whether this request's session passed the second factor (django-otp's middleware says)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def normalise(code: str) -> str:
    # Codes are read from a phone or a sheet of paper: spaces and dashes are for the eye only.
    return "".join(code.split()).replace("-", "").lower()


def _check(user, code: str) -> Device | None:
    code = normalise(code)
    if not code:
        return None
    if code.isdigit() and len(code) == TOTP_DIGITS:
        device = authenticator(user)
    else:
        device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return None
    # django-otp locks the device's row (SELECT ... FOR UPDATE) while it checks: a code accepted
    # once is refused to a second request that carried it at the same moment.
    return verify_token(user, device.persistent_id, code)


def second_factor_verify(request, user, code: str) -> Device | None:
    """The device that accepts `code` (the app's or a recovery code, then used up), or None.

    Raises `throttle.TooManyAttempts` without checking when the account or address is locked.
    """
    with sign_in_attempt(request, user.get_username()) as attempt:
        device = _check(user, code)
        if device is not None:
            attempt.succeeded()
    return device


def used_a_recovery_code(device: Device) -> bool:
    return isinstance(device, StaticDevice)


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def enrolment_device(user) -> TOTPDevice:
    """The app being enrolled: one unconfirmed device, kept while the page is reloaded.

    Its secret is shown until a code from the app confirms it; an account that already has an
    app gets a new one only after an administrator reset the old one.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def recovery_codes_make(user) -> list[str]:
    """Mã dự phòng: new recovery codes for the account; the old ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    logger.info("New recovery codes for staff account %s", user.pk)
    return [f"{code[:4]}-{code[4:]}" for code in codes]


def enrolment_confirm(request, *, device: TOTPDevice, code: str) -> list[str] | None:
    """A code from the app confirms the enrolment: the recovery codes to show once, or None.

    Any other app the account had stops working; the new recovery codes replace the old.
    """
    user = device.user
    with sign_in_attempt(request, user.get_username()) as attempt:
        accepted = normalise(code).isdigit() and verify_token(user, device.persistent_id, normalise(code))
        if not accepted:
            return None
        attempt.succeeded()
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        device.confirmed = True
        codes = recovery_codes_make(user)
    logger.info("Staff account %s enrolled an authenticator app", user.pk)
    return codes


@transaction.atomic
def second_factor_reset(user) -> int:
    """Đặt lại xác thực hai bước (administrators): the app and the recovery codes are removed.

    For a lost phone: the account's API tokens are revoked too (a staff app on that phone keeps
    one), and its sessions verified by the old app end at their next request (see `sessions`).
    If its role requires a second factor, its next sign-in enrols a new app. Returns the
    number of devices removed.
    """
    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    removed += StaticDevice.objects.filter(user=user).delete()[0]
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    logger.info("Second factor of staff account %s reset", user.pk)
    return removed


def secret_text(device: TOTPDevice) -> str:
    """The secret as an app asks it to be typed: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address of the app's secret as an inline SVG QR code (no style attribute)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, light="#fff", title="QR")
