"""Đăng nhập của người dân: a one-time code by SMS or a one-time link by email, and the
reports of an account (sent while signed in, or claimed with their secret).

No account enumeration: proving a number or an address the first time creates its account,
so asking for a code gets the same answer and sends the same message whoever asks; only
someone who receives the code learns anything. Sending is limited per number or email
address and per client address (counters in the shared cache, `org.throttle`); a code lives a
few minutes, serves once, and allows a few guesses; a link lives a little longer, and serves once.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from phananh.core.errors import ApplicationError, Conflict, Forbidden, ValidationFailed
from phananh.notify.channels.sms import send_text
from phananh.org.throttle import TooManyAttempts, within_limit
from phananh.reports.codes import prove_reporter
from phananh.reports.intake import normalise_phone
from phananh.reports.models import Report

from .models import Citizen, CitizenReport, CodeKind, LinkHow, SignInCode

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
SEND_WINDOW_SECONDS = 60 * 60


def _hash(text: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), text.encode(), hashlib.sha256).hexdigest()


def _code_hash(address: str, code: str) -> str:
    return _hash(f"sms:{address}:{code}")


def _token_hash(token: str) -> str:
    return _hash(f"email-link:{token}")


def phone_checked(typed) -> str:
    phone = normalise_phone(typed if isinstance(typed, str) else "")
    if phone is None:
        message = _("Enter a Vietnamese phone number, such as 0912 345 678.")
        raise ValidationFailed("invalid_phone", message, fields={"phone": [message]})
    return phone


def email_checked(typed) -> str:
    email = (typed if isinstance(typed, str) else "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        message = _("Enter a valid email address.")
        raise ValidationFailed("invalid_email", message, fields={"email": [message]}) from None
    return email


def _forget_old_codes() -> None:
    """Codes name a number or an address: none is kept a day after it expired."""
    SignInCode.objects.filter(expires_at__lt=timezone.now() - timedelta(days=1)).delete()


def _check_rate(address: str, client: str) -> None:
    """One place per code sent, for the number or email address and for the client's address."""
    limits = [(f"citizen-code:to:{_hash(address)}", settings.PHANANH_CITIZEN_CODES_PER_RECIPIENT)]
    if client:
        limits.append((f"citizen-code:client:{_hash(client)}", settings.PHANANH_CITIZEN_CODES_PER_CLIENT))
    for key, limit in limits:
        if not within_limit(key, limit, seconds=SEND_WINDOW_SECONDS):
            logger.warning("Citizen sign-in code refused: too many sent to this recipient or from %s", client)
            raise TooManyAttempts(
                "too_many_codes",
                _("Too many codes were asked for. Try again in an hour, or report without an account."),
            )


def sms_code_send(*, phone: str, client: str) -> None:
    """Gửi mã: a six-digit code to `phone` (already normalised), valid for a few minutes."""
    _check_rate(phone, client)
    _forget_old_codes()
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    minutes = settings.PHANANH_CITIZEN_CODE_MINUTES
    SignInCode.objects.create(
        kind=CodeKind.SMS,
        address=phone,
        code_hash=_code_hash(phone, code),
        expires_at=timezone.now() + timedelta(minutes=minutes),
    )
    text = _(
        "PhanAnh: your sign-in code is %(code)s, valid for %(minutes)d minutes. Do not give it to anyone."
    )
    try:
        send_text(phone, text % {"code": code, "minutes": minutes})
    except Exception:
        # The same answer as a sent code: the person asks again if none arrives.
        logger.exception("The sign-in code could not be sent by SMS")


def email_link_send(*, email: str, client: str, link_for) -> None:
    """Gửi liên kết: a one-time sign-in link to `email`; `link_for(token)` makes its address."""
    _check_rate(email, client)
    _forget_old_codes()
    token = secrets.token_urlsafe(32)
    minutes = settings.PHANANH_CITIZEN_LINK_MINUTES
    SignInCode.objects.create(
        kind=CodeKind.EMAIL,
        address=email,
        code_hash=_token_hash(token),
        expires_at=timezone.now() + timedelta(minutes=minutes),
    )
    body = _(
        "To sign in to PhanAnh, open this link within %(minutes)d minutes:\n\n%(link)s\n\n"
        "It works once. If you did not ask for it, ignore this message."
    ) % {"minutes": minutes, "link": link_for(token)}
    try:
        send_mail(_("Your PhanAnh sign-in link"), body, None, [email])
    except Exception:
        logger.exception("The sign-in link could not be sent by email")


def _wrong_code() -> ApplicationError:
    message = _("The code is wrong or no longer valid. Check the last message, or ask for a new code.")
    return ValidationFailed("invalid_code", message, fields={"code": [message]})


def _use(row: SignInCode) -> bool:
    """Mark the code used, once: two requests with the same code cannot both sign in."""
    return bool(SignInCode.objects.filter(pk=row.pk, used_at=None).update(used_at=timezone.now()))


def _account(*, phone: str | None = None, email: str | None = None) -> Citizen:
    lookup = {"phone": phone} if phone else {"email": email}
    try:
        with transaction.atomic():
            citizen, _created = Citizen.objects.get_or_create(**lookup)
    except IntegrityError:  # made at the same moment by another request
        citizen = Citizen.objects.get(**lookup)
    Citizen.objects.filter(pk=citizen.pk).update(last_sign_in_at=timezone.now())
    return citizen


def sms_code_check(*, phone: str, code) -> Citizen:
    """The account of `phone` when `code` is the last code sent to it, unused, in time and within
    the guesses; every check uses a guess of that code."""
    code = "".join((code if isinstance(code, str) else "").split())
    row = (
        SignInCode.objects.filter(
            kind=CodeKind.SMS, address=phone, used_at=None, expires_at__gt=timezone.now()
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if row is None:
        raise _wrong_code()
    # The guess is counted before the comparison, in the database: parallel guesses each count.
    SignInCode.objects.filter(pk=row.pk).update(guesses=F("guesses") + 1)
    row.refresh_from_db(fields=["guesses"])
    if row.guesses > settings.PHANANH_CITIZEN_CODE_GUESSES:
        raise _wrong_code()
    if not hmac.compare_digest(row.code_hash, _code_hash(phone, code)) or not _use(row):
        raise _wrong_code()
    return _account(phone=phone)


def email_link_check(token) -> Citizen:
    """The account of the address the link `token` was sent to; the link then serves no more."""
    if not isinstance(token, str) or not token:
        raise _invalid_link()
    row = SignInCode.objects.filter(
        kind=CodeKind.EMAIL, code_hash=_token_hash(token), used_at=None, expires_at__gt=timezone.now()
    ).first()
    if row is None or not _use(row):
        raise _invalid_link()
    return _account(email=row.address)


def _invalid_link() -> ApplicationError:
    return Forbidden(
        "invalid_link",
        _("This sign-in link is not valid any more: it was used, or it expired. Ask for a new one."),
    )


# --- the account's reports --------------------------------------------------------------


def report_link(*, citizen: Citizen, report: Report) -> None:
    """A report sent while signed in belongs to the account."""
    CitizenReport.objects.get_or_create(
        report=report, defaults={"citizen": citizen, "how": LinkHow.SUBMITTED}
    )
    if not citizen.name and report.reporter_name:
        # The name given once is filled in next time.
        Citizen.objects.filter(pk=citizen.pk, name="").update(name=report.reporter_name[:120])


def report_claim(*, citizen: Citizen, report: Report, secret) -> None:
    """Nhận phản ánh: an earlier report joins the account, when `secret` is its secret."""
    if prove_reporter(report, secret if isinstance(secret, str) else None) is None:
        message = _(
            "The tracking code and the secret do not match. Copy the secret from the message you got."
        )
        raise Forbidden("invalid_secret", message, fields={"secret": [message]})
    link, created = CitizenReport.objects.get_or_create(
        report=report, defaults={"citizen": citizen, "how": LinkHow.CLAIMED}
    )
    if not created and link.citizen_id != citizen.pk:
        raise Conflict("claimed_by_another", _("This report already belongs to another account."))


def owns(citizen_id: int | None, report: Report) -> bool:
    return bool(citizen_id) and CitizenReport.objects.filter(citizen_id=citizen_id, report=report).exists()


def reports_of(citizen: Citizen):
    return (
        Report.objects.filter(citizen_link__citizen=citizen)
        .select_related("category")
        .order_by("-created_at", "-pk")
    )


def accounts_until(moment) -> int:
    """Tài khoản người dân: the accounts made before `moment` (the statistics' `reporter_accounts`)."""
    return Citizen.objects.filter(created_at__lt=moment).count()


def account_delete(citizen: Citizen) -> None:
    """Xóa tài khoản: the account, its links to reports and the codes sent to its number and
    address go. The reports stay, with the contact given on each (erased report by report)."""
    addresses = [address for address in (citizen.phone, citizen.email) if address]
    with transaction.atomic():
        SignInCode.objects.filter(address__in=addresses).delete()
        citizen.delete()


def report_unlink(report_ids: list[int]) -> int:
    """The reporter erased their personal data: the reports leave the account."""
    deleted, _by_model = CitizenReport.objects.filter(report_id__in=report_ids).delete()
    return deleted
