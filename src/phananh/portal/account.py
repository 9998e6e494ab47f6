"""Tài khoản người dân: sign in by a code sent by SMS or a link sent by email, "Phản ánh của tôi",
and claiming an earlier report with its secret.

The account lives in the session under its own key (`CITIZEN`), never as Django's user: staff
pages and the admin site see an anonymous visitor (docs/decisions.md).
"""

from __future__ import annotations

import logging

from authlib.integrations.base_client import OAuthError
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from phananh.citizens import openid, services
from phananh.citizens.models import Citizen
from phananh.core.errors import ApplicationError
from phananh.core.net import client_address
from phananh.org.throttle import sign_in_attempt
from phananh.reports.selectors import report_by_tracking_code

logger = logging.getLogger(__name__)

CITIZEN = "citizen_id"
# The number a code was sent to, waiting for the code.
PENDING_PHONE = "citizen_pending_phone"


def signed_in_citizen(request) -> Citizen | None:
    citizen_id = request.session.get(CITIZEN)
    return Citizen.objects.filter(pk=citizen_id).first() if citizen_id else None


def citizen_id(request) -> int | None:
    return request.session.get(CITIZEN)


def _sign_in(request, citizen: Citizen) -> None:
    # A new session key with the new right, as at a staff sign-in.
    request.session.cycle_key()
    request.session[CITIZEN] = citizen.pk
    request.session.pop(PENDING_PHONE, None)


def _no_store(response):
    response["Cache-Control"] = "private, no-store"
    return response


def _sign_in_page(request, *, status: int = 200, **extra):
    context = {
        "errors": {},
        "values": {},
        "minutes": settings.PHANANH_CITIZEN_CODE_MINUTES,
        "oidc_name": settings.PHANANH_OIDC_NAME if openid.enabled() else "",
        **extra,
    }
    return _no_store(render(request, "portal/account/sign_in.html", context, status=status))


@require_safe
def sign_in(request):
    """Đăng nhập: optional; reporting never needs it."""
    if signed_in_citizen(request):
        return redirect("portal:my_reports")
    return _sign_in_page(request)


@require_POST
def send_sms_code(request):
    typed = request.POST.get("phone", "")
    try:
        phone = services.phone_checked(typed)
        services.sms_code_send(phone=phone, client=client_address(request))
    except ApplicationError as exc:
        return _sign_in_page(
            request, status=exc.status, errors=exc.fields, values={"phone": typed[:40]}, message=exc.message
        )
    request.session[PENDING_PHONE] = phone
    return redirect("portal:account_code")


@require_http_methods(["GET", "POST"])
def enter_code(request):
    """Nhập mã: the six digits received by SMS."""
    phone = request.session.get(PENDING_PHONE)
    if not phone:
        return redirect("portal:sign_in")
    context = {"phone": phone, "minutes": settings.PHANANH_CITIZEN_CODE_MINUTES, "errors": {}}
    if request.method == "POST":
        try:
            # Guesses from one client at many numbers are limited too, as staff sign-ins are.
            with sign_in_attempt(request, f"citizen:{phone}") as attempt:
                citizen = services.sms_code_check(phone=phone, code=request.POST.get("code", ""))
                attempt.succeeded()
        except ApplicationError as exc:
            context.update(errors=exc.fields, message=exc.message)
            return _no_store(render(request, "portal/account/code.html", context, status=exc.status))
        _sign_in(request, citizen)
        return redirect("portal:my_reports")
    return _no_store(render(request, "portal/account/code.html", context))


@require_POST
def send_email_link(request):
    typed = request.POST.get("email", "")
    try:
        email = services.email_checked(typed)
        services.email_link_send(
            email=email,
            client=client_address(request),
            link_for=lambda token: request.build_absolute_uri(reverse("portal:account_link", args=[token])),
        )
    except ApplicationError as exc:
        return _sign_in_page(
            request, status=exc.status, errors=exc.fields, values={"email": typed[:254]}, message=exc.message
        )
    context = {"email": email, "minutes": settings.PHANANH_CITIZEN_LINK_MINUTES}
    return _no_store(render(request, "portal/account/link_sent.html", context))


@require_http_methods(["GET", "POST"])
def email_link(request, token: str):
    """The link of the message. Opening it asks for a tap (mail programs and link checkers open
    links by themselves); the tap signs in and uses the link up."""
    if request.method == "GET":
        return _no_store(render(request, "portal/account/link.html", {"token": token}))
    try:
        citizen = services.email_link_check(token)
    except ApplicationError as exc:
        context = {"token": token, "message": exc.message, "invalid": True}
        return _no_store(render(request, "portal/account/link.html", context, status=exc.status))
    _sign_in(request, citizen)
    return redirect("portal:my_reports")


@require_POST
def sign_out(request):
    request.session.pop(CITIZEN, None)
    request.session.cycle_key()
    messages.success(request, _("You are signed out."))
    return redirect("portal:home")


def _my_page(request, citizen: Citizen, *, status: int = 200, **extra):
    context = {
        "citizen": citizen,
        "reports": list(services.reports_of(citizen)),
        "errors": {},
        "values": {},
        **extra,
    }
    return _no_store(render(request, "portal/account/my_reports.html", context, status=status))


@require_safe
def my_reports(request):
    """Phản ánh của tôi: every report of the account, its status, and a way to each one's page
    where the reporter's actions are open without the secret."""
    citizen = signed_in_citizen(request)
    if citizen is None:
        return redirect("portal:sign_in")
    return _my_page(request, citizen)


@require_POST
def claim(request):
    """Nhận phản ánh: an earlier report, by its tracking code and secret."""
    citizen = signed_in_citizen(request)
    if citizen is None:
        return redirect("portal:sign_in")
    code = request.POST.get("tracking_code", "").strip()[:40]
    values = {"tracking_code": code}
    report = report_by_tracking_code(code) if code else None
    try:
        # Each try is a guess at a secret: limited as sign-in attempts are, per report however
        # its code is typed, and per client address.
        with sign_in_attempt(request, f"claim:{report.tracking_code if report else code.upper()}") as attempt:
            if report is None:
                message = _("No report has this tracking code.")
                raise ApplicationError(
                    "unknown_report", message, fields={"tracking_code": [message]}, status=404
                )
            services.report_claim(
                citizen=citizen, report=report, secret=request.POST.get("secret", "").strip()
            )
            attempt.succeeded()
    except ApplicationError as exc:
        return _my_page(
            request, citizen, status=exc.status, errors=exc.fields, values=values, message=exc.message
        )
    messages.success(request, _("Report %(code)s is now in your account.") % {"code": report.tracking_code})
    return redirect("portal:my_reports")


@require_POST
def delete_account(request):
    """Xóa tài khoản, after a tick: the reports stay and can still be followed with their secret."""
    citizen = signed_in_citizen(request)
    if citizen is None:
        return redirect("portal:sign_in")
    if request.POST.get("confirm") != "yes":
        message = _("Tick the box to confirm that you want your account deleted.")
        return _my_page(request, citizen, status=422, delete_error=message)
    services.account_delete(citizen)
    request.session.pop(CITIZEN, None)
    request.session.cycle_key()
    messages.success(request, _("Your account is deleted. Your reports go on being handled."))
    return redirect("portal:home")


# --- OpenID Connect ------------------------------------------------------------------------------


def _oidc_failed(request, status: int = 400):
    message = _("Signing in with %(provider)s did not complete. Try again, or sign in with a code.")
    return _sign_in_page(request, status=status, message=message % {"provider": settings.PHANANH_OIDC_NAME})


@require_safe
def oidc_start(request):
    """To the provider's sign-in page; it sends the person back to `oidc_done`."""
    if not openid.enabled():
        raise Http404
    try:
        return openid.provider().authorize_redirect(
            request, request.build_absolute_uri(reverse("portal:oidc_done"))
        )
    except (OAuthError, OSError, ValueError):
        logger.exception("The OpenID Connect provider could not be reached")
        return _oidc_failed(request, status=502)


@require_safe
def oidc_done(request):
    """Back from the provider: the code is exchanged and the ID token checked (signature, issuer,
    audience, expiry, nonce) before the account is signed in."""
    if not openid.enabled():
        raise Http404
    if "error" in request.GET:  # the person cancelled at the provider
        return _oidc_failed(request, status=403)
    try:
        token = openid.provider().authorize_access_token(request)
        claims = token.get("userinfo") or {}
        if not claims.get("sub") or not claims.get("iss"):
            raise ValueError("no subject in the ID token")
    except (OAuthError, ValueError, KeyError):
        logger.warning("OpenID Connect sign-in refused", exc_info=True)
        return _oidc_failed(request, status=403)
    except OSError:
        logger.exception("The OpenID Connect provider could not be reached")
        return _oidc_failed(request, status=502)
    _sign_in(request, openid.account_for(claims))
    return redirect("portal:my_reports")
