"""The GeoReport v2 answers as JSON or XML, with the elements the specification names.

XML is built with the standard library's ElementTree (never by joining strings), so text from
reports is always escaped. Lists inside an item take the singular of their name as the tag of
each element (`attributes` → `attribute`), as the specification's examples do.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.utils import timezone

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
FORMATS = ("json", "xml")

# The tag of each element of a list, by the list's own tag.
_ITEM_TAGS = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "keywords": "keyword",
}


class Open311Error(Exception):
    """An answer in the specification's error shape: `[{"code": 400, "description": "..."}]`."""

    def __init__(self, status: int, description: str, *, more: list[str] | None = None):
        super().__init__(description)
        self.status = status
        self.descriptions = [str(description), *(str(m) for m in more or [])]


def _time(value: datetime) -> str:
    """ISO 8601 with its zone, in the province's time (+07:00)."""
    return (
        timezone.localtime(value).isoformat(timespec="seconds")
        if timezone.is_aware(value)
        else value.isoformat()
    )


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return _time(value)
    if isinstance(value, float | Decimal | int):
        return str(value)
    return str(value)


def _fill(element: ET.Element, value) -> None:
    if value is None:
        return
    if isinstance(value, dict):
        for key, inner in value.items():
            _fill(ET.SubElement(element, key), inner)
    elif isinstance(value, list | tuple):
        tag = _ITEM_TAGS.get(element.tag, "item")
        for inner in value:
            _fill(ET.SubElement(element, tag), inner)
    else:
        element.text = _text(value)


def xml_document(root: str, item: str | None, data) -> bytes:
    """`data` as XML: a list of items, each an `item` element under `root`, or one dict as `root`."""
    element = ET.Element(root)
    if item is None:
        _fill(element, data)
    else:
        for row in data:
            _fill(ET.SubElement(element, item), row)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


class _Encoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, datetime):
            return _time(o)
        if isinstance(o, Decimal):
            return float(o)
        return super().default(o)


def respond(fmt: str, data, *, root: str, item: str | None, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(xml_document(root, item, data), content_type=XML_TYPE, status=status)
    body = json.dumps(data, cls=_Encoder, ensure_ascii=False)
    return HttpResponse(body.encode(), content_type=JSON_TYPE, status=status)


def error_response(fmt: str, error: Open311Error) -> HttpResponse:
    errors = [{"code": error.status, "description": text} for text in error.descriptions]
    return respond(
        fmt if fmt in FORMATS else "json", errors, root="errors", item="error", status=error.status
    )
