"""Theo dõi: following a report by email, with a confirmation, an unsubscribe link and a rate limit.

Mail goes to Django's locmem outbox (`mailoutbox`); news of a report goes through the delivery log.
Hoa follows the report and confirms; Khanh asks but never confirms; Minh Anh confirmed and later
unsubscribed; Phúc sent a duplicate that was merged into the report.
"""

from __future__ import annotations

import re
import time
from unittest import mock

import pytest
from django.core import signing
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from phananh.notify import followers as follow
from phananh.notify.models import Delivery, DeliveryStatus
from phananh.reports.models import Follower, Report
from phananh.reports.statuses import Status
from phananh.workflow.services import transition
from tests.portal.test_pages import Page
from tests.workflow import conftest as workflow

pytestmark = pytest.mark.django_db

# The workflow's named people and units (tests/workflow/conftest.py), as this module's fixtures.
people, submit = workflow.people, workflow.submit
so_xd, phong_ht, so_yt = workflow.so_xd, workflow.phong_ht, workflow.so_yt

HOA = "hoa.tran@example.vn"


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The rate limit lives in the cache, which outlives a test.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run something as a request does: the mail queued after the commit goes out at its end."""

    def committed(do, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return do(*args, **kwargs)

    return committed


def do(report, user, action, **data):
    report.refresh_from_db()
    return transition(report=report, actor=user, action=action, data=data)


def follow_url(report) -> str:
    return f"/theo-doi/{report.tracking_code}/"


def ask(report, email, client=None, ip="203.0.113.7"):
    return (client or Client()).post(follow_url(report), {"email": email}, REMOTE_ADDR=ip)


def link(message, path: str) -> str:
    """The address of the first link in a message's text that starts with `path`."""
    match = re.search(rf"https?://[^/\s]+({re.escape(path)}[^\s]+/)", message.body)
    assert match, f"no link to {path} in the message"
    return match.group(1)


def confirmed_follower(report, email) -> Follower:
    return Follower.objects.create(report=report, email=email, confirmed_at=timezone.now())


# --- Asking and confirming ----------------------------------------------------------------


def test_hoa_follows_a_report_after_confirming_her_address(submit, committed, mailoutbox):
    report = submit()

    # When Hoa asks to follow the report
    response = committed(ask, report, HOA)

    # Then she is told to check her mail, and one message with a confirmation link is sent
    assert response.status_code == 200
    assert Page(response).find("follow-requested") is not None
    assert [m.to for m in mailoutbox] == [[HOA]]
    message = mailoutbox[0]
    assert report.tracking_code in message.subject
    confirm = link(message, "/theo-doi/xac-nhan/")
    unsubscribe = link(message, "/theo-doi/huy/")
    assert message.extra_headers["List-Unsubscribe"].endswith(f"{unsubscribe}>")
    # And she does not follow it until she confirms
    follower = Follower.objects.get(report=report)
    assert follower.email == HOA and follower.confirmed_at is None

    # When she opens the link
    page = Page(Client().get(confirm))

    # Then she follows the report
    assert page.status == 200
    assert page.find("follow-confirmed") is not None
    follower.refresh_from_db()
    assert follower.confirmed_at is not None and follower.unsubscribed_at is None


def test_the_answer_is_the_same_whether_or_not_the_address_already_follows(submit, committed, mailoutbox):
    report = submit()
    confirmed_follower(report, HOA)

    known = committed(ask, report, HOA.upper())
    unknown = committed(ask, report, "someone.else@example.vn")

    def shown(response):
        return Page(response).get("follow-requested").text

    assert (known.status_code, shown(known)) == (unknown.status_code, shown(unknown))
    # And the one who already follows gets no second confirmation, nor a second follower row
    assert [m.to for m in mailoutbox] == [["someone.else@example.vn"]]
    assert Follower.objects.filter(report=report, email__iexact=HOA).count() == 1


def test_asking_again_before_confirming_sends_a_new_link_to_the_same_follower(submit, committed, mailoutbox):
    report = submit()

    committed(ask, report, HOA)
    committed(ask, report, HOA)

    assert len(mailoutbox) == 2
    assert Follower.objects.filter(report=report).count() == 1


def test_an_expired_confirmation_link_is_refused(submit):
    report = submit()
    follower = Follower.objects.create(report=report, email=HOA)
    eight_days_ago = time.time() - 8 * 24 * 3600
    with mock.patch("time.time", return_value=eight_days_ago):
        token = follow.confirm_token(follower)

    page = Page(Client().get(f"/theo-doi/xac-nhan/{token}/"))

    assert page.status == 400
    assert page.find("link-error") is not None
    follower.refresh_from_db()
    assert follower.confirmed_at is None


@pytest.mark.parametrize(
    "forge",
    [
        lambda f: follow.confirm_token(f)[:-2] + "xx",  # damaged signature
        lambda f: follow.unsubscribe_token(f),  # a link of another kind
        lambda f: signing.dumps({"f": f.pk, "t": int(time.time())}, salt="another.salt"),
        lambda f: signing.dumps({"f": f.pk + 1000, "t": int(time.time())}, salt=follow.CONFIRM_SALT),
        lambda f: "not-a-token",
    ],
)
def test_a_forged_confirmation_link_is_refused(submit, forge):
    report = submit()
    follower = Follower.objects.create(report=report, email=HOA)

    response = Client().get(f"/theo-doi/xac-nhan/{forge(follower)}/")

    assert response.status_code == 400
    follower.refresh_from_db()
    assert follower.confirmed_at is None


def test_a_confirmation_link_sent_before_unsubscribing_does_not_subscribe_again(submit):
    report = submit()
    follower = Follower.objects.create(report=report, email=HOA)
    token = follow.confirm_token(follower)
    Follower.objects.filter(pk=follower.pk).update(
        confirmed_at=timezone.now(), unsubscribed_at=timezone.now() + timezone.timedelta(seconds=5)
    )

    assert Client().get(f"/theo-doi/xac-nhan/{token}/").status_code == 400
    follower.refresh_from_db()
    assert follower.unsubscribed_at is not None


def test_an_address_that_unsubscribed_can_follow_again_with_a_new_link(submit, committed, mailoutbox):
    report = submit()
    committed(ask, report, HOA)
    first_link = link(mailoutbox[0], "/theo-doi/xac-nhan/")
    Client().get(first_link)
    Client().post(link(mailoutbox[0], "/theo-doi/huy/"))
    assert Follower.objects.get().unsubscribed_at is not None
    # The old link does not undo the unsubscription
    assert Client().get(first_link).status_code == 400

    committed(ask, report, HOA)
    assert len(mailoutbox) == 2
    Client().get(link(mailoutbox[1], "/theo-doi/xac-nhan/"))

    follower = Follower.objects.get()
    assert follower.confirmed_at is not None and follower.unsubscribed_at is None


def test_an_address_that_is_not_one_is_refused_next_to_the_field(submit, mailoutbox, committed):
    report = submit()

    page = Page(committed(ask, report, "not an address"))

    assert page.status == 422
    assert page.error_after("follow-email")
    assert page.get("follow-email").attrs["value"] == "not an address"
    assert not Follower.objects.exists()
    assert not mailoutbox


def test_a_rejected_or_merged_report_cannot_be_followed(people, submit, mailoutbox, committed):
    rejected = submit()
    do(rejected, people["lan"], "reject", reason="ngoai-pham-vi")
    original = submit()
    merged = submit()
    do(merged, people["lan"], "merge", into=original.tracking_code)

    for report in (rejected, merged):
        assert committed(ask, report, HOA).status_code == 409
    assert committed(ask, original, HOA).status_code == 200
    assert ask(Report(tracking_code="PA-26-ZZZZZZ"), HOA).status_code == 404


def test_a_closed_report_can_be_followed_once_published(people, so_xd, submit):
    report = submit()
    do(report, people["lan"], "accept", category="ha-tang-do-thi", lead_unit=so_xd.pk)
    do(report, people["hung"], "assign", handler=people["tuan"].pk)
    do(report, people["tuan"], "submit_result", result="Đã vá.")
    do(report, people["binh"], "approve_result")
    do(report, people["lan"], "verify")
    do(report, people["lan"], "close")
    report.refresh_from_db()
    assert not follow.can_be_followed(report)

    do(report, people["lan"], "publish", public=True)
    report.refresh_from_db()

    assert follow.can_be_followed(report)


def test_the_follow_form_posts_the_address_with_its_csrf_token(submit):
    report = submit()
    browser = Client(enforce_csrf_checks=True)

    page = Page(browser.get(f"/tra-cuu/{report.tracking_code}/"))

    form = page.get("follow-form")
    assert form.attrs["action"] == follow_url(report)
    names = [e.attrs.get("name") for e in form.iter() if e.tag == "input"]
    assert names == ["csrfmiddlewaretoken", "email"]
    assert page.get("follow-email").attrs["type"] == "email"
    # And a post without the token is refused
    assert browser.post(follow_url(report), {"email": HOA}).status_code == 403


# --- The rate limit -----------------------------------------------------------------------


def test_one_client_cannot_flood_an_address(submit, committed, mailoutbox):
    report = submit()

    answers = [committed(ask, report, HOA).status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    assert len(mailoutbox) == 3
    # Another address from the same client still works
    assert committed(ask, report, "khanh@example.vn").status_code == 200


def test_many_clients_cannot_flood_one_address_either(submit, committed, mailoutbox):
    report = submit()

    answers = [committed(ask, report, HOA, ip=f"198.51.100.{n}").status_code for n in range(7)]

    assert answers == [200] * 5 + [429] * 2
    assert len(mailoutbox) == 5


def test_one_client_cannot_try_addresses_without_end(submit, committed):
    report = submit()

    answers = [committed(ask, report, f"person{n}@example.vn").status_code for n in range(21)]

    assert answers.count(429) == 1 and answers[-1] == 429


# --- News of the report -------------------------------------------------------------------


@pytest.fixture
def followed(people, submit):
    """A report accepted by the IOC, followed by Hoa; Khanh never confirmed; Minh Anh unsubscribed;
    Phúc's duplicate was merged into it, and so was an anonymous one."""
    report = submit()
    do(report, people["lan"], "accept", category="ha-tang-do-thi")
    confirmed_follower(report, HOA)
    Follower.objects.create(report=report, email="khanh@example.vn")
    Follower.objects.create(
        report=report, email="minhanh@example.vn", confirmed_at=timezone.now(), unsubscribed_at=timezone.now()
    )
    duplicate = submit("Ổ gà đường Bà Triệu, gần trường học", reporter_email="phuc@example.vn")
    do(duplicate, people["lan"], "merge", into=report.tracking_code)
    anonymous = submit("Ổ gà to ở Bà Triệu", reporter_phone="", anonymous=True)
    do(anonymous, people["lan"], "merge", into=report.tracking_code)
    report.refresh_from_db()
    return report


def test_a_public_step_is_mailed_to_confirmed_followers_only(people, so_xd, followed, committed, mailoutbox):
    # When the IOC dispatches the report to Sở Xây dựng
    committed(do, followed, people["lan"], "dispatch", unit=so_xd.pk)

    # Then Hoa and Phúc (the merged duplicate's reporter) are told, no one else
    assert sorted(m.to[0] for m in mailoutbox) == ["hoa.tran@example.vn", "phuc@example.vn"]
    for message in mailoutbox:
        assert followed.tracking_code in message.subject
        assert f"/tra-cuu/{followed.tracking_code}/" in message.body
        # Each message has its own working unsubscribe link
        unsubscribe = link(message, "/theo-doi/huy/")
        assert message.extra_headers["List-Unsubscribe"] == f"<http://127.0.0.1:8000{unsubscribe}>"
        assert follow.follower_for_unsubscribe(unsubscribe.split("/")[-2]).report_id == followed.pk
    assert len({link(m, "/theo-doi/huy/") for m in mailoutbox}) == 2
    # Each went through the delivery log, once per event and follower, with its headers
    deliveries = Delivery.objects.filter(purpose="follower_event", status=DeliveryStatus.SENT)
    assert sorted(d.to_address for d in deliveries) == ["hoa.tran@example.vn", "phuc@example.vn"]
    for delivery in deliveries:
        assert delivery.dedupe_key.startswith(f"follower:{delivery.event_id}:")
        assert delivery.headers["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/theo-doi/huy/")
        assert delivery.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_rejection_reason_is_in_the_message(people, submit, committed, mailoutbox):
    report = submit()
    confirmed_follower(report, HOA)

    committed(do, report, people["lan"], "reject", reason="ngoai-pham-vi")

    assert len(mailoutbox) == 1
    note = report.events.get(kind="rejected").data["public_note"]
    assert note and note in mailoutbox[0].body


def test_internal_steps_are_not_mailed(people, so_xd, followed, committed, mailoutbox):
    do(followed, people["lan"], "dispatch", unit=so_xd.pk)

    # Assigning a handler and the leader's approval are internal steps
    committed(do, followed, people["hung"], "assign", handler=people["tuan"].pk)
    committed(do, followed, people["tuan"], "submit_result", result="Đã vá.")
    mailed_for_result = len(mailoutbox)
    committed(do, followed, people["binh"], "approve_result")

    assert mailed_for_result == 2  # the result submitted is public: Hoa and Phúc
    assert len(mailoutbox) == mailed_for_result


def test_hoa_unsubscribes_with_one_click_from_the_message(people, so_xd, followed, committed, mailoutbox):
    committed(do, followed, people["lan"], "dispatch", unit=so_xd.pk)
    to_hoa = next(m for m in mailoutbox if m.to == [HOA])
    unsubscribe = link(to_hoa, "/theo-doi/huy/")
    # A mail program posts without a CSRF token and without a session (RFC 8058)
    mail_program = Client(enforce_csrf_checks=True)

    # Opening the link only asks to confirm: link checkers open links too
    page = Page(mail_program.get(unsubscribe))
    assert page.find("unfollow-send") is not None
    assert Follower.objects.get(email=HOA).unsubscribed_at is None

    response = mail_program.post(unsubscribe, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert Follower.objects.get(email=HOA).unsubscribed_at is not None
    assert Page(mail_program.get(unsubscribe)).find("already-unfollowed") is not None
    # And the next public step reaches Phúc only
    mailoutbox.clear()
    committed(do, followed, people["hung"], "assign", handler=people["tuan"].pk)
    committed(do, followed, people["tuan"], "submit_result", result="Đã vá.")
    assert [m.to for m in mailoutbox] == [["phuc@example.vn"]]


def test_a_forged_unsubscribe_link_is_refused(followed):
    follower = Follower.objects.get(email=HOA)
    forged = follow.confirm_token(follower)  # right follower, wrong kind of link

    assert Client().post(f"/theo-doi/huy/{forged}/").status_code == 400
    assert Client().get("/theo-doi/huy/nonsense/").status_code == 400
    assert Follower.objects.get(email=HOA).unsubscribed_at is None


def test_the_same_step_is_not_mailed_twice_when_its_task_runs_again(
    people, so_xd, followed, committed, mailoutbox
):
    event = committed(do, followed, people["lan"], "dispatch", unit=so_xd.pk)

    assert follow.email_followers(event.pk) == 0
    assert len(mailoutbox) == 2
    assert Delivery.objects.filter(purpose="follower_event").count() == 2


def test_an_address_that_follows_twice_gets_one_message(people, so_xd, submit, committed, mailoutbox):
    report = submit()
    do(report, people["lan"], "accept", category="ha-tang-do-thi")
    confirmed_follower(report, HOA)
    duplicate = submit("Ổ gà gần trường học Bà Triệu", reporter_email=HOA.upper())
    do(duplicate, people["lan"], "merge", into=report.tracking_code)

    committed(do, report, people["lan"], "dispatch", unit=so_xd.pk)

    assert [m.to for m in mailoutbox] == [[HOA]]
    assert Report.objects.get(pk=report.pk).status == Status.DISPATCHED
