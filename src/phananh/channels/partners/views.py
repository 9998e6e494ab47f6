"""Liên thông: the IOC's page of what was sent to partner systems, each row's log, and "Gửi lại".

For IOC operators and administrators, who can fix what made the partner refuse (a key, a service
code) and put a row back in the queue. The page shows what was sent without any personal data
(none is sent) and the partner's answers as they came.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from phananh.backoffice.decorators import staff_required
from phananh.org.access import is_ioc
from phananh.org.models import Role

from ..models import RESENDABLE_SYNC_STATES, PartnerSync, SyncState
from .outbox import SYSTEM_LABELS, sync_resend

PAGE_SIZE = 50


def _may_see(user) -> bool:
    return is_ioc(user) or user.role == Role.ADMIN


def _label(row: PartnerSync) -> str:
    return str(SYSTEM_LABELS.get(row.system, row.system))


def ioc_or_admin(view):
    @staff_required
    def wrapper(request, *args, **kwargs):
        if not _may_see(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@require_GET
@ioc_or_admin
def sync_list(request):
    """Every row sent or to send, newest first; `?state=` keeps one state."""
    rows = PartnerSync.objects.select_related("report").order_by("-created_at", "-id")
    state = request.GET.get("state", "")
    if state in SyncState.values:
        rows = rows.filter(state=state)
    else:
        state = ""
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page:
        row.system_label = _label(row)
    return render(
        request,
        "channels/partners.html",
        {
            "page": page,
            "state": state,
            "states": SyncState.choices,
            "resendable": RESENDABLE_SYNC_STATES,
            "endpoint": settings.PHANANH_PETITION_URL,
        },
    )


@require_GET
@ioc_or_admin
def sync_log(request, pk: int):
    """One row and every attempt at sending it: what was sent, when, the answer."""
    row = get_object_or_404(PartnerSync.objects.select_related("report"), pk=pk)
    row.system_label = _label(row)
    return render(
        request,
        "channels/partner_log.html",
        {
            "row": row,
            "attempts": row.log.all(),
            "updates": row.updates.select_related("event").order_by("received_at", "id"),
            "resendable": RESENDABLE_SYNC_STATES,
        },
    )


@require_POST
@ioc_or_admin
def sync_resend_view(request, pk: int):
    """Gửi lại: a failed or given-up row back in the queue; a delivered one never."""
    row = get_object_or_404(PartnerSync, pk=pk)
    if sync_resend(sync=row):
        messages.success(request, _("Put back in the queue: it is sent at the next run, within a minute."))
    else:
        text = _("Not resent: the partner system holds it already, or it is being sent. Nothing goes twice.")
        messages.error(request, text)
    if request.POST.get("next") == "log":
        return redirect("partners:log", pk=row.pk)
    return redirect("partners:list")
