"""Administrators issue an Open311 key (shown once), see its use, and revoke it; they give a field
its questions."""

# ruff: noqa: F811

from __future__ import annotations

import re

import pytest

from phananh.open311.models import Open311Client
from phananh.reports.models import Category, FieldQuestion
from tests.org.test_demo_and_admin import admin_client  # noqa: F401

from .conftest import BASE


def test_a_key_is_shown_once_works_and_stops_when_revoked(admin_client):
    answer = admin_client.post(
        "/quan-tri/open311/open311client/add/",
        {"name": "Cổng dịch vụ công tỉnh bạn", "contact": "it@example.vn"},
        follow=True,
    )
    page = answer.content.decode()
    key = re.search(r"chỉ hiển thị một lần này: ([A-Za-z0-9_-]{40,})", page)[1]
    client = Open311Client.objects.get(name="Cổng dịch vụ công tỉnh bạn")
    assert client.created_by.username == "quantri"
    assert key not in str(vars(client))  # only its hash is kept
    assert (
        admin_client.get(f"/quan-tri/open311/open311client/{client.pk}/change/").content.decode().count(key)
        == 0
    )

    assert admin_client.get(f"{BASE}requests.json", {"api_key": key}).status_code == 200
    client.refresh_from_db()
    assert client.last_used_at is not None

    admin_client.post(
        "/quan-tri/open311/open311client/",
        {"action": "revoke", "_selected_action": [client.pk]},
    )
    client.refresh_from_db()
    assert client.revoked_at is not None
    assert admin_client.get(f"{BASE}requests.json", {"api_key": key}).status_code == 403


def test_the_demo_key_in_the_readme_works(admin_client):
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    key = re.search(r"\*\*`(demo-open311-[a-z0-9-]+)`\*\*", readme)[1]
    assert admin_client.get(f"{BASE}requests.json", {"api_key": key}).status_code == 200
    services = {s["service_code"]: s for s in admin_client.get(f"{BASE}services.json").json()}
    assert services["trat-tu-do-thi"]["metadata"] is True


def test_an_administrator_gives_a_field_a_question(admin_client):
    field = Category.objects.get(code="moi-truong")
    admin_client.post(
        f"/quan-tri/reports/category/{field.pk}/change/",
        {
            "code": field.code,
            "name": field.name,
            "sort_order": field.sort_order,
            "is_active": "on",
            "questions-TOTAL_FORMS": "1",
            "questions-INITIAL_FORMS": "0",
            "questions-0-code": "loai-o-nhiem",
            "questions-0-label": "Loại ô nhiễm",
            "questions-0-kind": "single",
            "questions-0-required": "on",
            "questions-0-is_active": "on",
            "questions-0-sort_order": "1",
            "questions-0-choices": "khoi | Khói, bụi\nnuoc | Nước thải\nrac | Rác",
        },
    )
    question = FieldQuestion.objects.get(category=field)
    assert question.options() == [("khoi", "Khói, bụi"), ("nuoc", "Nước thải"), ("rac", "Rác")]
    definition = admin_client.get(f"{BASE}services/moi-truong.json").json()
    assert definition["attributes"][0]["code"] == "loai-o-nhiem"


pytestmark = pytest.mark.django_db
