"""Reading an API request's body: JSON, or a form (multipart or urlencoded) with its files.

Every malformed body becomes an ApplicationError with a stable code, never a server error.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

from .errors import ApplicationError, PayloadTooLarge, ValidationFailed

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
FILE_FIELDS = ("photos", "documents")


def _too_large() -> PayloadTooLarge:
    return PayloadTooLarge("request_too_large", _("The request is too large."))


def _read_form(request, list_fields: frozenset[str]) -> tuple[dict, list, list]:
    raw: dict = {}
    try:
        for key in FILE_FIELDS:
            # Text where a file belongs (a file name, a path): the file would be lost unseen.
            if any(value.strip() for value in request.POST.getlist(key)):
                message = _("Attach the file itself, not its name.")
                raise ValidationFailed("not_a_file", message, fields={key: [message]})
        for key in request.POST:
            # An empty form field means "not given", as an HTML form sends every input.
            values = [v for v in request.POST.getlist(key) if v.strip()]
            if key in list_fields:
                raw[key] = [part.strip() for v in values for part in v.split(",") if part.strip()]
            elif values:
                raw[key] = values[-1]
        return raw, request.FILES.getlist("photos"), request.FILES.getlist("documents")
    except TooManyFilesSent as exc:
        raise ValidationFailed(
            "too_many_photos",
            _("At most %(n)d photos.") % {"n": settings.PHANANH_MAX_PHOTOS},
            fields={"photos": [_("Too many files.")]},
        ) from exc
    except RequestDataTooBig as exc:
        raise _too_large() from exc
    except MultiPartParserError as exc:
        raise ApplicationError("malformed_request", _("The form data could not be read.")) from exc


def read_body(request, *, list_fields: frozenset[str] = frozenset()) -> tuple[dict, list, list]:
    """The fields, photos and documents of a request; a JSON body carries no files.

    `list_fields` take several values in a form: repeated, or comma-separated.
    """
    if (request.content_type or "") in FORM_TYPES:
        return _read_form(request, list_fields)
    try:
        body = request.body
    except RequestDataTooBig as exc:
        raise _too_large() from exc
    try:
        raw = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ApplicationError("malformed_json", _("The body is not valid JSON.")) from exc
    if not isinstance(raw, dict):
        raise ApplicationError("malformed_json", _("The body must be a JSON object."))
    return raw, [], []
