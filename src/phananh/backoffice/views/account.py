"""Bảo mật tài khoản: a staff member's two-step verification and recovery codes."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from phananh.org.second_factor import (
    authenticator,
    must_use_second_factor,
    recovery_codes_left,
    recovery_codes_make,
)

from .auth import NEW_RECOVERY_CODES

# Signed in is enough (the sessions middleware signs out an account that can no longer sign in):
# an administrator made with `createsuperuser`, without role or unit, keeps their codes here too.


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def security(request):
    """Whether the account uses an authenticator app, how many recovery codes remain, new ones."""
    user = request.user
    app = authenticator(user)
    if request.method == "POST" and app is not None:
        # New codes replace the old; they are shown once, on the next page.
        codes = recovery_codes_make(user)
        request.session[NEW_RECOVERY_CODES] = {"codes": codes, "then": reverse("backoffice:security")}
        return redirect("backoffice:recovery_codes")
    context = {
        "app": app,
        "required": must_use_second_factor(user),
        "codes_left": recovery_codes_left(user) if app else 0,
    }
    return render(request, "backoffice/security.html", context)


@login_required
@never_cache
def recovery_codes(request):
    """Mã dự phòng: the codes just made, shown this once (a reload shows how many remain)."""
    new = request.session.pop(NEW_RECOVERY_CODES, None)
    if not new:
        return redirect("backoffice:security")
    return render(request, "backoffice/recovery_codes.html", {"codes": new["codes"], "then": new["then"]})
