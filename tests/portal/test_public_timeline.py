"""One public timeline: the tracking page, the tracking API, the public page and the public API
say the same thing of the same report, step for step.
"""

# The shared fixtures are imported by name, then asked for by name: not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import pytest

from phananh.workflow.models import PUBLIC_EVENT_KINDS, EventKind
from phananh.workflow.services import transition
from tests.portal.test_pages import Page
from tests.portal.test_public_support import handle, people, phong_ht, send, so_xd, so_yt, submit  # noqa: F401
from tests.reporter import answer, reporter_of

pytestmark = pytest.mark.django_db

COMMENT = "Tôi là Bích Ngọc, nhà số 15, điện thoại 0912345678"
INTERNAL = "Nội bộ"


def _rate(report, value: str, comment: str = "") -> None:
    transition(
        report=report, actor=reporter_of(report), action="rate", data={"value": value, "comment": comment}
    )


def _handle_again(report, people) -> None:
    lan, tuan, binh = people["lan"], people["tuan"], people["binh"]
    transition(report=report, actor=tuan, action="submit_result", data={"result": "Đã vá lại toàn bộ."})
    transition(report=report, actor=binh, action="approve_result", data={})
    transition(report=report, actor=lan, action="verify", data={"note": f"{INTERNAL}: kiểm tra lần hai"})
    transition(report=report, actor=lan, action="publish", data={"public": True})
    transition(report=report, actor=lan, action="close", data={})


@pytest.fixture
def travelled(people, so_xd):
    """A report that went through every public step a published report can have.

    (A merged report is never published: the merge step is on the tracking side only.)
    """
    lan = people["lan"]
    report = send("Ổ gà lớn trước cổng chợ Đông Kinh")
    transition(report=report, actor=lan, action="reject", data={"reason": "ngoai-pham-vi"})
    transition(report=report, actor=lan, action="reopen", data={"reason": "Đúng thẩm quyền tỉnh"})
    transition(report=report, actor=lan, action="request_info", data={"question": "Ổ gà ở số nhà nào?"})
    answer(report=report, text="Trước số nhà 12")
    handle(report, people, so_xd)
    _rate(report, "unsatisfied", COMMENT)
    transition(report=report, actor=lan, action="reopen", data={"reason": "Người dân chưa hài lòng"})
    report.refresh_from_db()
    _handle_again(report, people)
    _rate(report, "satisfied")
    report.refresh_from_db()
    return report


def _page_steps(client, address: str) -> list[str]:
    page = Page(client.get(address))
    assert page.status == 200, address
    return [li.text for li in page.get("timeline").iter() if li.tag == "li"]


def _api_steps(client, address: str) -> list[dict]:
    response = client.get(address)
    assert response.status_code == 200, address
    return [
        {k: step[k] for k in ("kind", "label", "at", "status", "note")}
        for step in response.json()["timeline"]
    ]


def test_the_four_public_views_show_the_same_timeline(client, travelled):
    code = travelled.tracking_code

    # When anyone looks at the report on each of the four public views
    tracking_page = _page_steps(client, f"/tra-cuu/{code}/")
    public_page = _page_steps(client, f"/phan-anh/{code}/")
    tracking_api = _api_steps(client, f"/api/v1/reports/{code}")
    public_api = _api_steps(client, f"/api/v1/public/reports/{code}")

    # Then the pages show the same steps, and so do the two APIs
    assert tracking_page == public_page
    assert tracking_api == public_api
    # And each page line is its API step: the same label, with the same public note
    assert len(tracking_page) == len(tracking_api)
    for line, step in zip(tracking_page, tracking_api, strict=True):
        assert step["label"] in line
        assert not step["note"] or " ".join(step["note"].split()) in line

    # Every kind of public step is there, in order, and nothing internal
    kinds = [step["kind"] for step in tracking_api]
    assert set(kinds) == PUBLIC_EVENT_KINDS - {EventKind.MERGED}
    assert kinds[:4] == ["submitted", "rejected", "reopened", "info_requested"]
    assert kinds[-2:] == ["closed", "rated"]
    # The public notes: the question asked, the reason for the rejection, the ratings' values
    notes = {step["kind"]: step["note"] for step in tracking_api if step["note"]}
    assert notes["info_requested"] == "Ổ gà ở số nhà nào?"
    assert notes["rejected"]
    assert [s["note"] for s in tracking_api if s["kind"] == "rated"] == ["Không hài lòng", "Hài lòng"]
    # Never the rating's comment, the reporter's answer, or a staff member's note
    everything = " ".join(tracking_page + public_page) + str(tracking_api) + str(public_api)
    for private in (COMMENT, "Trước số nhà 12", INTERNAL):
        assert private not in everything


def test_the_reporter_sees_the_same_steps_and_their_own_answer(client, travelled):
    # Given the reporter opened their private link (the secret is checked once, then remembered)
    session = client.session
    session["reporter_of"] = [travelled.tracking_code]
    session.save()

    mine = _page_steps(client, f"/tra-cuu/{travelled.tracking_code}/")
    client.logout()
    everyone = _page_steps(client, f"/phan-anh/{travelled.tracking_code}/")

    # Then they see every public step, their own answer on theirs, and nothing more
    assert len(mine) == len(everyone)
    differs = [(m, e) for m, e in zip(mine, everyone, strict=True) if m != e]
    assert len(differs) == 1 and "Trước số nhà 12" in differs[0][0]
