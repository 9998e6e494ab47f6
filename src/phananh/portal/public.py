"""Public pages: the home page and what is published."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render


def home(request):
    return render(request, "portal/home.html", {"hotline": settings.PHANANH_HOTLINE})
