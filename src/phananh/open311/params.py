"""Reading the parameters of GeoReport v2 calls: each wrong one is a 400 in the spec's error shape."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from phananh.reports.codes import normalise_tracking_code

from .keys import client_for_key
from .models import Open311Client
from .render import Open311Error

# The specification's default window, and the longest one may ask for.
WINDOW = timedelta(days=90)
# At most this many requests or updates in one answer (as FixMyStreet).
PAGE_CAP = 1000
# At most this many ids in one `service_request_id` list.
MAX_IDS = 100
MAX_PARAMETER = 4000


def bad(parameter: str, message: str) -> Open311Error:
    return Open311Error(400, f"{parameter}: {message}")


def check_jurisdiction(params) -> None:
    given = params.get("jurisdiction_id", "")
    expected = settings.PHANANH_OPEN311_JURISDICTION
    if given and expected and given != expected:
        raise Open311Error(404, _("This server does not serve that jurisdiction_id."))


def client(params, *, required: bool) -> Open311Client | None:
    """The client of `api_key`; a key that is wrong or revoked is refused even where none is needed."""
    key = params.get("api_key", "")
    if not key:
        if required:
            raise Open311Error(403, _("An api_key is required."))
        return None
    found = client_for_key(key)
    if found is None:
        raise Open311Error(403, _("This api_key is not valid or was revoked."))
    return found


def moment(params, name: str) -> datetime | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        value = parse_datetime(raw) if len(raw) > 10 else None
        if value is None and (day := parse_date(raw)):
            value = datetime(day.year, day.month, day.day)
    except ValueError:
        value = None
    if value is None:
        raise bad(name, _("Give a date and time in ISO 8601, e.g. 2026-01-31T08:00:00+07:00."))
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def window(params) -> tuple[datetime, datetime]:
    """[start, end] from `start_date` and `end_date`: the last 90 days by default, 90 days at most."""
    start, end = moment(params, "start_date"), moment(params, "end_date")
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - WINDOW
    if end is None:
        end = start + WINDOW
    if start > end:
        raise bad("start_date", _("The start_date is after the end_date."))
    if end - start > WINDOW:
        raise bad("end_date", _("A search may not span more than 90 days."))
    return start, end


def ids(params) -> list[str] | None:
    """The tracking codes of a `service_request_id` list; None when it is not given."""
    raw = params.get("service_request_id", "")
    if not raw.strip():
        return None
    if len(raw) > MAX_PARAMETER:
        raise bad("service_request_id", _("At most %(count)d ids at once.") % {"count": MAX_IDS})
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if len(items) > MAX_IDS:
        raise bad("service_request_id", _("At most %(count)d ids at once.") % {"count": MAX_IDS})
    return [code for item in items if (code := normalise_tracking_code(item))]


def statuses(params) -> list[str]:
    raw = params.get("status", "")
    chosen = [item.strip().lower() for item in raw.split(",") if item.strip()]
    if any(item not in ("open", "closed") for item in chosen):
        raise bad("status", _("Allowed values: open, closed."))
    return chosen
