"""Who may open the back office: a staff member with a role and a unit."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode, urlsplit

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import resolve_url

from phananh.org.access import is_staff_member


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def staff_required(view):
    """Send a visitor to the login page; refuse (403) an account that is not a staff member.

    An htmx request whose session ran out gets an HX-Redirect, so that the whole page goes to
    the login instead of a login form appearing inside the report panel.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            if is_htmx(request):
                # Back to the page the form was on, not to the URL the form posted to.
                page = urlsplit(request.headers.get("HX-Current-URL", "")).path or request.path
                response = HttpResponse(status=204)
                response["HX-Redirect"] = f"{resolve_url('backoffice:login')}?{urlencode({'next': page})}"
                return response
            return redirect_to_login(request.get_full_path())
        if not is_staff_member(user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
