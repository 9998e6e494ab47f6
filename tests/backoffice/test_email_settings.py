"""Cài đặt thông báo: each staff member chooses which notifications also come by email."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from phananh.notify.models import StaffEmailSettings
from phananh.notify.staff_email import EMAIL_KINDS, STAFF_EMAIL_KINDS

from .conftest import page_text

pytestmark = pytest.mark.django_db

URL = "/can-bo/cai-dat/thong-bao/"


def ticked(response) -> set[str]:
    form = response.context["form"]
    return set(form["kinds"].value() or [])


def test_the_url_is_the_named_route():
    assert reverse("backoffice:email_settings") == URL


def test_it_requires_a_signed_in_staff_member(client, people, login):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("backoffice:login"))
    assert client.post(URL, {"kinds": ["assigned"]}).status_code == 302
    assert not StaffEmailSettings.objects.exists()


def test_by_default_every_kind_is_ticked(people, login):
    response = login(people["tuan"]).get(URL)

    assert response.status_code == 200
    assert ticked(response) == set(EMAIL_KINDS)
    text = page_text(response)
    for kind in EMAIL_KINDS:
        assert f'value="{kind}"' in text


def test_every_kind_shows_its_label(people, login):
    response = login(people["tuan"]).get(URL)
    text = page_text(response)
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        for _kind, label in STAFF_EMAIL_KINDS:
            assert escape(str(label)) in text


def test_saving_keeps_the_choices_and_shows_them(people, login):
    client = login(people["hung"])

    response = client.post(URL, {"kinds": ["assigned", "deadline_passed"]})

    assert response.status_code == 302
    assert response["Location"] == URL
    assert StaffEmailSettings.objects.get(user=people["hung"]).kinds == ["assigned", "deadline_passed"]
    assert ticked(client.get(URL)) == {"assigned", "deadline_passed"}

    # Unticking everything is a choice too: no email at all.
    client.post(URL, {"kinds": []})
    assert StaffEmailSettings.objects.get(user=people["hung"]).kinds == []
    assert ticked(client.get(URL)) == set()


def test_an_unknown_kind_is_refused(people, login):
    response = login(people["hung"]).post(URL, {"kinds": ["submitted"]})

    assert response.status_code == 200
    assert not StaffEmailSettings.objects.exists()


def test_the_notifications_page_links_to_the_settings(people, login):
    response = login(people["lan"]).get(reverse("backoffice:notifications"))

    assert f'href="{URL}"' in page_text(response)
