"""The admin site (/quan-tri/): signed in through the staff login page, second factor included.

The admin's own login form would be a second door, with its own password check and no second
step: it sends people to the staff login page instead, which counts failures and asks for the
code. A session that did not pass the second factor does not open the admin.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from .second_factor import is_verified


class StaffAdminSite(admin.AdminSite):
    def login(self, request, extra_context=None):
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"))

    def has_permission(self, request):
        # Every account that opens the admin must use a second factor (see `second_factor`).
        return super().has_permission(request) and is_verified(request.user)
