import json
import pytest
from django.test import Client

BASE = {"description": "Ổ gà", "consent": True, "anonymous": True}


def post(c, body, **kw):
    return c.post(
        "/api/v1/reports",
        data=json.dumps(body) if not isinstance(body, (bytes, str)) else body,
        content_type="application/json",
        **kw,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {**BASE, "category": "moi-truong\x00"},
        {**BASE, "description": "abc\ud800"},
        {**BASE, "commune": 10**30},
        {**BASE, "commune": "99999999999999999999"},
        {"consent": True, "anonymous": True, "latitude": 21.8},
        {**BASE, "description": "x" * 3_000_000},
        "[" * 100000,
        {**BASE, "channel": ["api"]},
        {**BASE, "kind": ["field"]},
        {**BASE, "title": "x\x00y", "address": "\u202e"},
    ],
)
def test_probe(body):
    c = Client(raise_request_exception=False)
    r = post(c, body)
    print(repr(body)[:60], r.status_code, r.content[:300])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/api/v1/reports/PA-26-%00ABCDE", "/api/v1/reports/pa-26-%20abc", "/api/v1/units?kind=%00"]
)
def test_probe_get(path):
    c = Client(raise_request_exception=False)
    r = c.get(path)
    print(path, r.status_code, r.content[:300])
