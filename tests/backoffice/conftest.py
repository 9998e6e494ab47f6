"""Back-office fixtures: the workflow's named people and units, signed-in clients, page helpers.

lan operates the IOC; hung (focal point), binh (leader) and tuan (handler, in the division)
work for Sở Xây dựng; charlie, of Sở Y tế, should see none of Sở Xây dựng's reports.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.staff import signed_in

# The workflow's people and units.
from tests.workflow.conftest import act, people, phong_ht, road, so_xd, so_yt, submit  # noqa: F401


@pytest.fixture
def login(db):
    """A client signed in as this person (with the second factor, when the account needs one)."""

    def login(user) -> Client:
        return signed_in(Client(), user)

    return login


def report_url(report) -> str:
    return reverse("backoffice:report", args=[report.tracking_code])


def action_url(report, action: str) -> str:
    return reverse("backoffice:action", args=[report.tracking_code, action])


def page_text(response) -> str:
    return response.content.decode()


def status_shown(response) -> str:
    """The status label in the report panel's badge."""
    badge = r'<span class="status[^"]*" id="report-status"[^>]*>([^<]+)</span>'
    match = re.search(badge, page_text(response))
    assert match, "the report panel shows a status badge"
    return match.group(1).strip()


def action_forms_shown(response) -> list[str]:
    """The names of the action forms under "What you can do", in order.

    The reveal of the contact and the review of a rating have their forms in their own cards.
    """
    card = page_text(response).split('id="actions"')[1].split("</section>")[0]
    return re.findall(r'<form method="post" action="/can-bo/phan-anh/[^/]+/thao-tac/([a-z_]+)/"', card)


def listed_codes(response) -> list[str]:
    """Tracking codes in the list, in their order."""
    return re.findall(r'<li class="item[^"]*" data-code="([^"]+)"', page_text(response))
