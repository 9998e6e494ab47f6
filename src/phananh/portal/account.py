"""Tài khoản người dân: sign in by a code sent by SMS or a link sent by email, "Phản ánh của tôi",
and claiming an earlier report with its secret.

The account lives in the session under its own key (`CITIZEN`), never as Django's user: staff
pages and the admin site see an anonymous visitor (docs/decisions.md).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from phananh.citizens import services
from phananh.citizens.models import Citizen
from phananh.core.errors import ApplicationError
from phananh.core.net import client_address
from phananh.org.throttle import sign_in_attempt
from phananh.reports.selectors import report_by_tracking_code

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
    context = {"errors": {}, "values": {}, "minutes": settings.PHANANH_CITIZEN_CODE_MINUTES, **extra}
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
    try:
        # Each try is a guess at a secret: limited as sign-in attempts are.
        with sign_in_attempt(request, f"claim:{code.upper()}") as attempt:
            report = report_by_tracking_code(code) if code else None
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
