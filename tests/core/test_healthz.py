"""GET /healthz, as a load balancer or a monitor sees it."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper

pytestmark = pytest.mark.django_db


def test_healthz_is_ok_when_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["status"] == "ok"


def unreachable(self, sql, params=None):
    raise OperationalError("could not connect to server: Connection refused")


def test_healthz_is_503_when_the_database_is_unreachable(client, monkeypatch):
    # Given a database that no longer answers: every query fails as a lost server does
    monkeypatch.setattr(CursorWrapper, "execute", unreachable)

    # When the load balancer asks
    response = client.get("/healthz")

    # Then it is told to send no traffic here
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["status"] == "error"


def test_healthz_recovers_when_the_database_is_back(client, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(CursorWrapper, "execute", unreachable)
        assert client.get("/healthz").status_code == 503

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
