"""Đăng nhập: staff sign in with their own account and land where their day starts."""

from __future__ import annotations

from django.contrib.auth.views import LoginView
from django.urls import NoReverseMatch, reverse

from phananh.org.models import Role

# Where each role lands after signing in: the first of these pages that exists. The steering
# committee's dashboard and the call centre's call page come with their own issues, under these
# names; until then the statistics page and the inbox stand in.
LANDINGS = {
    Role.STEERING: ("backoffice:dashboard", "portal:public_stats"),
    Role.CALL_AGENT: ("backoffice:calls", "backoffice:home"),
}


def landing_url(user) -> str:
    for name in LANDINGS.get(user.role, ()):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return reverse("backoffice:home")


class StaffLoginView(LoginView):
    template_name = "backoffice/login.html"

    def get_redirect_url(self):
        # The list's own address is where the login sends everyone by default: not a page the
        # person asked for, so it does not override their landing.
        url = super().get_redirect_url()
        return "" if url == reverse("backoffice:home") else url

    def get_default_redirect_url(self):
        return landing_url(self.request.user)
