"""Gửi tin: messages to reporters and followers that could not be sent, and "retry now".

For IOC operators and administrators: they can fix what made a channel fail (a token, a
gateway) and send again. Addresses show masked; the message text is not shown.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from phananh.notify.delivery import delivery_retry
from phananh.notify.models import UNDELIVERED_STATUSES, Delivery
from phananh.org.models import Role

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
    return render(request, "backoffice/deliveries.html", {"page": page, "items": list(page.object_list)})
