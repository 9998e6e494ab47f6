"""Đăng nhập: staff sign in with their password, then their second factor, and land where their day starts.

1. The password (`StaffLoginView`). An account without two-step verification is signed in;
   one with it (or one that must have it) is not yet: the session holds a pending sign-in.
2. The code from the authenticator app or a recovery code (`second_factor`); or, for an account
   that must use one and has no app yet, the enrolment (`enrol`): the secret as a QR code, one
   code to confirm, then the recovery codes, shown once.
Every check counts in the sign-in limits (`org.throttle`); once they are used up the page says
so, and no password or code is checked until the window ends.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from phananh.org.models import Role
from phananh.org.second_factor import (
    authenticator,
    enrolment_confirm,
    enrolment_device,
    must_use_second_factor,
    needs_second_factor,
    qr_svg,
    recovery_codes_left,
    second_factor_verify,
    secret_text,
    used_a_recovery_code,
)
from phananh.org.sessions import can_sign_in, pending_next, pending_start, pending_user, sign_in_complete
from phananh.org.throttle import TooManyAttempts

# Where each role lands after signing in: the first of these pages that exists. The steering
# committee's dashboard and the call centre's call page come with their own issues, under these
# names; until then the statistics page and the inbox stand in.
LANDINGS = {
    Role.STEERING: ("backoffice:dashboard", "portal:public_stats"),
    Role.CALL_AGENT: ("backoffice:calls", "backoffice:home"),
}
# The recovery codes made in this session, kept only until the page that shows them once.
NEW_RECOVERY_CODES = "phananh_new_recovery_codes"


def landing_url(user) -> str:
    for name in LANDINGS.get(user.role, ()):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return reverse("backoffice:home")


class StaffAuthenticationForm(AuthenticationForm):
    """Django's sign-in form; a locked account or address is said so, not "wrong password".

    An account that may not sign in (no role or unit, and no admin site) gets the answer of a
    wrong password, as in the API: the page does not tell which usernames exist.
    """

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not can_sign_in(user):
            raise self.get_invalid_login_error()

    def clean(self):
        try:
            return super().clean()
        except TooManyAttempts as locked:
            raise ValidationError(locked.message, code="too_many_attempts") from None


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Verification code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


class StaffLoginView(LoginView):
    template_name = "backoffice/login.html"
    authentication_form = StaffAuthenticationForm

    def get_redirect_url(self):
        # The list's own address is where the login sends everyone by default: not a page the
        # person asked for, so it does not override their landing.
        url = super().get_redirect_url()
        return "" if url == reverse("backoffice:home") else url

    def get_default_redirect_url(self):
        return landing_url(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["locked"] = context["form"].has_error(NON_FIELD_ERRORS, "too_many_attempts")
        return context

    def form_valid(self, form):
        user = form.get_user()
        if not needs_second_factor(user):
            sign_in_complete(self.request, user)
            return HttpResponseRedirect(self.get_success_url())
        pending_start(self.request, user, next_url=self.get_redirect_url())
        if authenticator(user) is None:
            return redirect("backoffice:enrol")
        return redirect("backoffice:second_factor")


def _signed_in(request, user, device) -> HttpResponseRedirect:
    next_url = pending_next(request)
    sign_in_complete(request, user, device=device)
    return HttpResponseRedirect(next_url or landing_url(user))


def _start_again(request) -> HttpResponseRedirect:
    messages.info(request, _("Sign in again: the time for the second step has passed."))
    return redirect("backoffice:login")


@never_cache
@require_http_methods(["GET", "POST"])
def second_factor(request):
    """Xác thực hai bước: the code from the app (or a recovery code) after the password."""
    user = pending_user(request)
    if user is None:
        return _start_again(request)
    if authenticator(user) is None:
        return redirect("backoffice:enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = second_factor_verify(request, user, form.cleaned_data["code"])
        except TooManyAttempts as locked:
            form.add_error("code", ValidationError(locked.message, code="too_many_attempts"))
        else:
            if device is not None:
                if used_a_recovery_code(device):
                    left = recovery_codes_left(user)
                    messages.warning(
                        request,
                        _(
                            "You signed in with a recovery code; %(left)d are left. "
                            "Make new ones on your account's security page."
                        )
                        % {"left": left},
                    )
                return _signed_in(request, user, device)
            form.add_error("code", _("The code is not correct, or was already used. Try the newest code."))
    return render(request, "backoffice/second_factor.html", {"form": form, "pending": user})


def _enrolling_user(request):
    """Who enrols: the pending sign-in, or the signed-in staff member turning it on."""
    if request.user.is_authenticated:
        return request.user
    return pending_user(request)


@never_cache
@require_http_methods(["GET", "POST"])
def enrol(request):
    """Cài đặt ứng dụng xác thực: show the secret, confirm it with one code, then the recovery codes."""
    user = _enrolling_user(request)
    if user is None:
        return _start_again(request)
    if authenticator(user) is not None:
        # One app at a time; a lost phone is an administrator's reset.
        if request.user.is_authenticated:
            return redirect("backoffice:security")
        return redirect("backoffice:second_factor")
    device = enrolment_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = enrolment_confirm(request, device=device, code=form.cleaned_data["code"])
        except TooManyAttempts as locked:
            form.add_error("code", ValidationError(locked.message, code="too_many_attempts"))
        else:
            if codes is not None:
                if request.user.is_authenticated:
                    otp_login(request, device)
                    then = reverse("backoffice:security")
                else:
                    then = _signed_in(request, user, device)["Location"]
                # The codes first, shown once; then where the person was going.
                request.session[NEW_RECOVERY_CODES] = {"codes": codes, "then": then}
                return redirect("backoffice:recovery_codes")
            form.add_error("code", _("The code is not correct. Type the code the app shows now."))
    context = {
        "form": form,
        "enrolling": user,
        "required": must_use_second_factor(user),
        "signing_in": not request.user.is_authenticated,
        "secret": secret_text(device),
        "qr": qr_svg(device),
    }
    return render(request, "backoffice/enrol.html", context)
