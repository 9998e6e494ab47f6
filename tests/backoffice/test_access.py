"""Only staff members with a role and a unit get into the back office."""

from __future__ import annotations

import pytest
from django.test import Client

from phananh.org.models import User
from tests.staff import SECOND_STEP, recovery_code, signed_in

from .conftest import report_url

pytestmark = pytest.mark.django_db

LOGIN = "/can-bo/dang-nhap/"


def urls_of(report) -> list[tuple[str, str]]:
    code = report.tracking_code
    return [
        ("get", "/can-bo/"),
        ("get", "/can-bo/?tab=all"),
        ("get", "/can-bo/ban-do.json"),
        ("get", "/can-bo/thong-bao/"),
        ("get", f"/can-bo/phan-anh/{code}/"),
        ("post", f"/can-bo/phan-anh/{code}/thao-tac/accept/"),
        ("post", f"/can-bo/phan-anh/{code}/lien-he/"),
        ("get", "/can-bo/tep/1/"),
        ("get", "/can-bo/tep/1/thumb/"),
    ]


def test_a_visitor_is_sent_to_the_login_page_from_every_page(people, submit):
    # Given a report and a visitor who has not signed in
    report = submit()
    visitor = Client()
    for method, url in urls_of(report):
        # When they open a back-office page
        response = getattr(visitor, method)(url)
        # Then they are sent to the login page, which brings them back afterwards
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{LOGIN}?next=/can-bo/"), url


def test_an_htmx_request_after_the_session_ended_sends_the_whole_page_to_the_login(people, submit):
    report = submit()
    response = Client().post(
        f"/can-bo/phan-anh/{report.tracking_code}/thao-tac/accept/",
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{report_url(report)}"},
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"{LOGIN}?next=%2Fcan-bo%2Fphan-anh%2F{report.tracking_code}%2F"


@pytest.mark.parametrize("role, with_unit", [("", True), ("operator", False)])
def test_an_account_without_a_role_or_a_unit_is_refused(people, submit, ioc, role, with_unit):
    # Given an account that is not a staff member: no role, or no unit
    outsider = User.objects.create_user(
        username="outsider", password="x", role=role, unit=ioc if with_unit else None, is_staff=True
    )
    report = submit()
    client = signed_in(Client(), outsider)
    for method, url in urls_of(report):
        # Then every page answers 403 Forbidden
        assert getattr(client, method)(url).status_code == 403, url


def test_staff_sign_in_with_their_password_and_land_on_their_list(people):
    client = Client()
    page = client.get(LOGIN)
    assert page.status_code == 200
    assert 'id="login-form"' in page.content.decode()

    response = client.post(LOGIN, {"username": "hung", "password": "x"})

    assert response.status_code == 302
    assert response["Location"] == "/can-bo/"
    assert client.get("/can-bo/").status_code == 200


def test_the_ioc_signs_in_with_the_password_then_the_code(people):
    client = Client()

    # After the right password, Lan of the IOC is asked for her code, and not signed in yet
    response = client.post(LOGIN, {"username": "lan", "password": "x"})
    assert response["Location"] == SECOND_STEP
    assert client.get("/can-bo/")["Location"].startswith(LOGIN)

    # With the code she lands on her list
    response = client.post(SECOND_STEP, {"code": recovery_code(people["lan"])})
    assert response.status_code == 302
    assert response["Location"] == "/can-bo/"
    assert client.get("/can-bo/").status_code == 200


def test_an_account_without_a_role_gets_the_answer_of_a_wrong_password(people, ioc):
    User.objects.create_user(username="khach", password="x", role="", unit=ioc)
    client = Client()

    response = client.post(LOGIN, {"username": "khach", "password": "x"})

    assert response.status_code == 200
    assert 'id="login-error"' in response.content.decode()
    assert client.get("/can-bo/").status_code == 302


def test_a_wrong_password_shows_the_form_again_with_an_error(people):
    response = Client().post(LOGIN, {"username": "lan", "password": "wrong"})
    assert response.status_code == 200
    assert 'id="login-error"' in response.content.decode()


def test_sign_in_returns_to_the_page_asked_for(people, submit):
    report = submit()
    client = Client()
    client.post(LOGIN, {"username": "lan", "password": "x", "next": report_url(report)})
    response = client.post(SECOND_STEP, {"code": recovery_code(people["lan"])})
    assert response["Location"] == report_url(report)


def test_sign_out_ends_the_session(people, login):
    client = login(people["hung"])
    assert client.get("/can-bo/").status_code == 200

    response = client.post("/can-bo/dang-xuat/")

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert client.get("/can-bo/").status_code == 302
