"""Liên thông: the IOC's page of rows sent to the national petition system, each row's log, and
the resend button (Gửi lại). The IOC and administrators see it; unit staff and visitors do not."""

from __future__ import annotations

import pytest
from django.test import Client

from phananh.channels.models import PartnerSync
from phananh.channels.partners import follow, outbox
from tests.deploy.servers import free_port
from tests.staff import signed_in

from .partners import accepted

pytestmark = pytest.mark.django_db

PAGE = "/can-bo/lien-thong/"


@pytest.fixture
def given_up(settings, petition, regulation, people, so_xd, step):
    """A regulation report whose sending was given up: the partner was down for every attempt."""
    settings.PHANANH_PETITION_MAX_ATTEMPTS = 1
    settings.PHANANH_PETITION_URL = f"http://127.0.0.1:{free_port()}/open311/v2/"
    accepted(regulation, people, so_xd, step)
    [partner_system] = outbox.partners()
    outbox.deliver_due(partner_system)
    row = PartnerSync.objects.get()
    assert row.state == "dead"
    settings.PHANANH_PETITION_URL = petition.base
    return row


@pytest.mark.parametrize("name", ["lan", "an"])
def test_the_ioc_and_administrators_see_the_rows_in_vietnamese(given_up, people, name):
    page = signed_in(None, people[name]).get(PAGE)

    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>Liên thông hệ thống</h1>" in html
    assert given_up.report.tracking_code in html
    assert 'class="sync-dead"' in html  # shown in red
    assert "Đã bỏ" in html and ">Gửi lại</button>" in html and "Lần thử" in html
    assert "no answer:" in html  # the error as it came, for whoever fixes the link


def test_the_ioc_sees_the_link_in_the_navigation_and_unit_staff_do_not(people):
    assert 'id="partners-link"' in signed_in(None, people["lan"]).get("/can-bo/").content.decode()
    assert 'id="partners-link"' not in signed_in(None, people["hung"]).get("/can-bo/").content.decode()


def test_on_a_phone_the_ioc_reaches_the_page_from_the_undelivered_messages(people):
    # The header hides the link on a phone (backoffice.css); the undelivered messages' page has it.
    page = signed_in(None, people["lan"]).get("/can-bo/gui-tin/").content.decode()
    assert '<a href="/can-bo/lien-thong/" id="partners-from-deliveries">Liên thông hệ thống</a>' in page


@pytest.mark.parametrize("name", ["hung", "charlie", "minh", "quang"])
def test_unit_staff_and_other_roles_are_refused(given_up, people, name):
    client = signed_in(None, people[name])
    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}{given_up.pk}/").status_code == 403
    assert client.post(f"{PAGE}{given_up.pk}/gui-lai/").status_code == 403
    given_up.refresh_from_db()
    assert (given_up.state, given_up.attempts) == ("dead", 1)


def test_a_visitor_is_sent_to_the_login(given_up):
    answer = Client().get(PAGE)
    assert answer.status_code == 302 and answer["Location"].startswith("/can-bo/dang-nhap/")
    assert Client().post(f"{PAGE}{given_up.pk}/gui-lai/").status_code == 302
    given_up.refresh_from_db()
    assert given_up.state == "dead"


def test_the_log_shows_what_was_sent_and_the_answer(given_up, people):
    page = signed_in(None, people["lan"]).get(f"{PAGE}{given_up.pk}/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "Nhật ký liên thông" in html
    assert "quy-dinh-hanh-chinh" in html  # the service code sent
    assert "Thủ tục cấp giấy phép xây dựng" in html
    assert "api_key" not in html and "0912 345 678" not in html
    assert given_up.idempotency_key in html


def test_the_filter_keeps_one_state(given_up, people):
    client = signed_in(None, people["lan"])
    assert given_up.report.tracking_code in client.get(PAGE, {"state": "dead"}).content.decode()
    assert given_up.report.tracking_code not in client.get(PAGE, {"state": "delivered"}).content.decode()


def test_resend_puts_a_given_up_row_back_and_the_next_run_delivers_it(given_up, petition, people):
    client = signed_in(Client(enforce_csrf_checks=True), people["lan"])
    # Without the form's token the post is refused
    assert client.post(f"{PAGE}{given_up.pk}/gui-lai/").status_code == 403
    page = client.get(PAGE)
    token = (
        page.cookies["csrftoken"].value if "csrftoken" in page.cookies else client.cookies["csrftoken"].value
    )

    answer = client.post(f"{PAGE}{given_up.pk}/gui-lai/", {"csrfmiddlewaretoken": token}, follow=True)

    assert answer.redirect_chain[-1][0] == PAGE
    assert "Đã đưa vào hàng đợi" in answer.content.decode()
    given_up.refresh_from_db()
    assert (given_up.state, given_up.attempts) == ("pending", 0)
    [partner_system] = outbox.partners()
    outbox.deliver_due(partner_system)
    given_up.refresh_from_db()
    assert given_up.state == "delivered"

    # A delivered row has no resend button, and a resend posted anyway changes nothing
    assert ">Gửi lại</button>" not in client.get(PAGE).content.decode()
    answer = client.post(f"{PAGE}{given_up.pk}/gui-lai/", {"csrfmiddlewaretoken": token}, follow=True)
    assert "Không gửi lại" in answer.content.decode()
    given_up.refresh_from_db()
    assert given_up.state == "delivered"
    assert len(petition.requests) == 1


def test_the_report_page_shows_what_went_to_the_partner_and_what_it_answered(
    petition, regulation, people, so_xd, step
):
    accepted(regulation, people, so_xd, step)
    [partner_system] = outbox.partners()
    outbox.deliver_due(partner_system)
    request_id = PartnerSync.objects.get().upstream_id
    petition.add_update(request_id, "closed", "Bộ Xây dựng đã sửa Thông tư.")
    follow.follow_all(partner_system)

    page = signed_in(None, people["lan"]).get(f"/can-bo/phan-anh/{regulation.tracking_code}/")

    html = page.content.decode()
    assert "Đã gửi sang hệ thống liên thông" in html and "Cập nhật từ hệ thống liên thông" in html
    assert "Hệ thống tiếp nhận phản ánh, kiến nghị quốc gia" in html
    assert f"<dd>{request_id}</dd>" in html
    assert "<dd>Bộ Xây dựng đã sửa Thông tư.</dd>" in html
    assert "<dd>closed</dd>" in html
