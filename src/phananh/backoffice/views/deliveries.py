"""Gửi tin: messages to reporters and followers that could not be sent, and "retry now".

For IOC operators and administrators: they can fix what made a channel fail (a token, a
gateway) and send again. Addresses show masked; the message text is not shown. What a message
was, to whom and why it failed are shown in words (`notify.delivery_labels`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from phananh.notify.delivery import delivery_retry
from phananh.notify.delivery_labels import STAFF_PURPOSE_PREFIX, error_label, purpose_label, recipient_label
from phananh.notify.models import UNDELIVERED_STATUSES, Delivery
from phananh.org.models import Role, User

from ..decorators import staff_required

PAGE_SIZE = 50
MAY_RETRY = (Role.OPERATOR, Role.ADMIN)


@staff_required
@require_http_methods(["GET", "POST"])
def delivery_list(request):
    if request.user.role not in MAY_RETRY:
        raise PermissionDenied
    undelivered = Delivery.objects.filter(status__in=UNDELIVERED_STATUSES)
    if request.method == "POST":
        delivery = get_object_or_404(undelivered, pk=request.POST.get("delivery") or 0)
        if delivery_retry(delivery=delivery):
            messages.success(request, _("The message will be sent again now."))
        return redirect("backoffice:deliveries")
    rows = undelivered.select_related("report").order_by("-created_at", "-id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "backoffice/deliveries.html", {"page": page, "items": _described(page.object_list)}
    )


@dataclass
class Undelivered:
    """One row of the page: the delivery, and what it was, to whom and why it failed, in words."""

    delivery: Delivery
    purpose: str
    recipient: str
    error: str


def _described(deliveries) -> list[Undelivered]:
    deliveries = list(deliveries)
    # Staff messages go to the account's email: name the person, as colleagues know them.
    emails = {d.to_address for d in deliveries if d.purpose.startswith(STAFF_PURPOSE_PREFIX)}
    staff = {u.email: u.get_full_name() for u in User.objects.filter(email__in=emails)} if emails else {}
    rows = []
    for d in deliveries:
        recipient = recipient_label(d.purpose)
        if d.to_address in staff and d.purpose.startswith(STAFF_PURPOSE_PREFIX):
            recipient = f"{recipient}: {staff[d.to_address]}"
        rows.append(Undelivered(d, purpose_label(d.purpose), recipient, error_label(d.last_error)))
    return rows
