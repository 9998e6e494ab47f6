"""The bell: a person's notifications, newest first; opening the list marks them read."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from phananh.notify.models import Notification

from ..decorators import staff_required

PAGE_SIZE = 25


@staff_required
@require_http_methods(["GET", "POST"])
def notification_list(request):
    mine = Notification.objects.filter(recipient=request.user)
    if request.method == "POST":
        # "Mark all as read", for when more arrived than one page shows.
        mine.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("backoffice:notifications")
    page = Paginator(mine.select_related("report"), PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    # Read once they are shown; the page still marks which ones were new.
    mine.filter(pk__in=[n.pk for n in items if n.read_at is None]).update(read_at=timezone.now())
    return render(
        request,
        "backoffice/notifications.html",
        {"page": page, "items": items, "unread_left": mine.filter(read_at__isnull=True).count()},
    )
