"""Demo data, and what administrators can and cannot do with fields and units."""

import importlib
from base64 import b32encode

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import Client

from phananh.demo.data import DEMO_PASSWORD, DEMO_TOTP_KEY
from phananh.org.models import Role, Unit, UnitKind, User
from phananh.org.second_factor import authenticator, must_use_second_factor
from phananh.reports.models import Category, Report
from tests.staff import LOGIN, SECOND_STEP, totp_code

pytestmark = pytest.mark.django_db


def test_demo_data_has_lang_son_and_one_account_for_every_role(capsys):
    call_command("seed_demo")

    assert Unit.objects.filter(kind=UnitKind.IOC, parent=None).count() == 1
    assert Unit.objects.filter(kind__in=[UnitKind.COMMUNE, UnitKind.WARD]).count() == 65
    assert Unit.objects.filter(kind=UnitKind.DEPARTMENT).count() >= 10
    assert Unit.objects.filter(kind=UnitKind.COMPANY).count() >= 3
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    for user in User.objects.all():
        assert authenticate(username=user.username, password=DEMO_PASSWORD) == user
        assert user.unit is not None
    assert Report.objects.count() == 5
    # Two went through the whole workflow: the public pages have results to show.
    published = Report.objects.filter(is_public=True, status="closed")
    assert published.count() == 2
    assert all(r.ratings.count() == 1 for r in published)


def test_demo_data_can_be_loaded_twice_without_duplicates(capsys):
    call_command("seed_demo")
    counts = (Unit.objects.count(), User.objects.count(), Report.objects.count())

    call_command("seed_demo")

    assert (Unit.objects.count(), User.objects.count(), Report.objects.count()) == counts


def test_the_readme_prints_every_demo_account_and_its_password():
    from pathlib import Path

    from phananh.demo.data import ACCOUNTS

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert DEMO_PASSWORD in readme
    for username, *_rest in ACCOUNTS:
        assert f"`{username}`" in readme


# The field's page has its extra questions inline: a form that sends none says so.
NO_QUESTIONS = {"questions-TOTAL_FORMS": "0", "questions-INITIAL_FORMS": "0"}


@pytest.fixture
def admin_client(db):
    """The demo's administrator, signed in on the login page with the demo key's code."""
    call_command("seed_demo")
    client = Client()
    assert client.post(LOGIN, {"username": "quantri", "password": DEMO_PASSWORD})["Location"] == SECOND_STEP
    code = totp_code(authenticator(User.objects.get(username="quantri")))
    assert client.post(SECOND_STEP, {"code": code}).status_code == 302
    assert client.get("/quan-tri/").status_code == 200
    return client


def test_the_demo_ioc_and_administrator_use_the_demo_key_printed_in_the_readme(db):
    from pathlib import Path

    call_command("seed_demo")
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    demo_key = b32encode(DEMO_TOTP_KEY).decode()
    assert " ".join(demo_key[i : i + 4] for i in range(0, 32, 4)) in readme

    for user in User.objects.all():
        app = authenticator(user)
        if must_use_second_factor(user):
            assert app is not None and app.bin_key == DEMO_TOTP_KEY, user.username
        else:
            assert app is None, user.username
    assert {u.username for u in User.objects.all() if must_use_second_factor(u)} == {
        "dieuphoi",
        "tongdai",
        "quantri",
    }


def test_an_administrator_adds_and_renames_fields(admin_client):
    response = admin_client.post(
        "/quan-tri/reports/category/add/",
        {
            "code": "ha-tang-vien-thong",
            "name": "Hạ tầng giao thông, viễn thông",
            "sort_order": 200,
            "is_active": "on",
            **NO_QUESTIONS,
        },
    )
    assert response.status_code == 302
    category = Category.objects.get(code="ha-tang-vien-thong")

    admin_client.post(
        f"/quan-tri/reports/category/{category.pk}/change/",
        {
            "code": "ha-tang-vien-thong",
            "name": "Hạ tầng viễn thông",
            "sort_order": 200,
            "is_active": "on",
            **NO_QUESTIONS,
        },
    )
    category.refresh_from_db()
    assert category.name == "Hạ tầng viễn thông"


def test_a_field_in_use_can_be_retired_but_not_deleted(admin_client):
    used = Report.objects.filter(category__isnull=False).first().category
    unused = Category.objects.create(code="thu-nghiem", name="Thử nghiệm")

    page = admin_client.get(f"/quan-tri/reports/category/{used.pk}/delete/")
    assert page.status_code == 403
    admin_client.post(f"/quan-tri/reports/category/{used.pk}/delete/", {"post": "yes"})
    assert Category.objects.filter(pk=used.pk).exists()

    admin_client.post(
        f"/quan-tri/reports/category/{used.pk}/change/",
        {"code": used.code, "name": used.name, "sort_order": used.sort_order, **NO_QUESTIONS},
    )
    used.refresh_from_db()
    assert used.is_active is False

    # A field nobody used can still be removed.
    admin_client.post(f"/quan-tri/reports/category/{unused.pk}/delete/", {"post": "yes"})
    assert not Category.objects.filter(pk=unused.pk).exists()


def test_a_retired_field_is_not_offered_for_new_reports(admin_client):
    Category.objects.filter(code="moi-truong").update(is_active=False)

    codes = [c["code"] for c in admin_client.get("/api/v1/categories").json()]

    assert "moi-truong" not in codes
    assert len(codes) == 14


def test_units_are_edited_in_the_admin_and_their_path_follows(admin_client):
    division = Unit.objects.get(code="so-xay-dung-ha-tang")
    target = Unit.objects.get(code="so-nong-nghiep-moi-truong")

    response = admin_client.post(
        f"/quan-tri/org/unit/{division.pk}/change/",
        {
            "name": division.name,
            "short_name": division.short_name,
            "code": division.code,
            "kind": division.kind,
            "parent": target.pk,
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    division.refresh_from_db()
    assert division.path == f"{target.path}{division.pk}/"


def test_names_are_written_family_name_first(db):
    # Given an account made before names had one field: Django's first and last name
    from django.apps import apps

    migration = importlib.import_module("phananh.org.migrations.0004_names_as_written_and_commune_centres")
    User.objects.create(username="lan", first_name="Lan", last_name="Hoàng Thị")

    # When the deployment is migrated
    migration.names_as_written(apps, None)

    # Then the account reads as Vietnamese officials write it
    lan = User.objects.get(username="lan")
    assert lan.full_name == "Hoàng Thị Lan"
    assert lan.get_full_name() == "Hoàng Thị Lan"
    assert lan.get_short_name() == "Lan"
