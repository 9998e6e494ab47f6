"""The action forms follow the workflow's schemas: one declaration of each action's fields.

Every action a staff member can take gets a form whose inputs are exactly its schema's fields
(and the files, for an action that takes them), labelled with the fields' titles; what is posted
goes to the transition service, whose answers (403 before 422) land next to the inputs.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.http import QueryDict
from django.utils import timezone, translation

from phananh.backoffice.forms import FILE_INPUTS, STAFF_ACTIONS, read_action, schema_fields
from phananh.org.access import Reporter
from phananh.workflow.actions import ACTIONS
from phananh.workflow.services import transition

from .conftest import action_url, page_text, report_url

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def forms_on(html: str) -> dict[str, str]:
    """Each action form of a page: its name → its HTML."""
    return {
        m.group(1): html[m.start() :].split("</form>")[0]
        for m in re.finditer(r'<form method="post" action="[^"]+" id="form-([a-z_]+)"', html)
    }


def input_names(form_html: str) -> set[str]:
    # The redaction part of the publish form names an input per text and per photo
    # ("redacted-description", "photo-12-public"): counted by the field they belong to.
    return set(re.findall(r'name="([a-z_]+)[^"]*"', form_html)) - {"csrfmiddlewaretoken", "version", "photo"}


# Fields drawn by the redaction part of the publish form, not as one labelled input: one box per
# text of the public copy and one drawing tool per photo (the report of `every_form` has none).
REDACTION = {("publish", "redacted"), ("publish", "public_photos")}
# What the model suggested travels back in a hidden input beside the chips (no label to show).
HIDDEN = {("accept", "suggested"), ("dispatch", "suggested")}


def vi(text: str) -> str:
    with translation.override("vi"):
        return translation.gettext(text)


@pytest.fixture
def every_form(people, login, submit, act, road, so_xd):
    """Walk one report through the whole workflow; keep the first form drawn for each action."""
    lan, hung, binh, tuan = (people[n] for n in ("lan", "hung", "binh", "tuan"))
    report, seen = submit(), {}

    def look(*users):
        for user in users:
            for action, html in forms_on(page_text(login(user).get(report_url(report)))).items():
                seen.setdefault(action, html)

    look(lan)
    act(report, lan, "accept", category=road.code, urgency="normal")
    look(lan)  # the IOC dispatches, with a deadline
    act(report, lan, "dispatch", unit=so_xd.pk)
    look(hung)
    act(report, hung, "request_extension", deadline=timezone.now() + timedelta(days=60), reason="Cần vật tư")
    look(lan)
    act(report, lan, "decide_extension", approve=True)
    act(report, hung, "assign", handler=tuan.pk)
    look(tuan)
    act(report, tuan, "submit_result", result="Đã vá ổ gà.")
    look(binh)
    act(report, binh, "approve_result")
    look(lan)
    act(report, lan, "verify")
    look(lan)
    act(report, lan, "close")
    transition(report=report, actor=Reporter(report.pk), action="rate", data={"value": "unsatisfied"})
    look(lan, hung, binh, tuan)
    return seen


def test_every_staff_action_has_a_form_whose_inputs_are_its_schemas_fields(every_form):
    assert set(every_form) == set(STAFF_ACTIONS)
    # The reporter's own actions are never drawn in the back office
    assert {"provide_info", "rate"}.isdisjoint(every_form)
    for action, html in every_form.items():
        expected = set(schema_fields(action)) | (set(FILE_INPUTS) if ACTIONS[action].takes_files else set())
        expected -= {name for (drawn_in, name) in REDACTION if drawn_in == action and name == "public_photos"}
        assert input_names(html) == expected, action
        assert ('enctype="multipart/form-data"' in html) == ACTIONS[action].takes_files, action


def test_each_input_is_labelled_with_its_fields_title_in_vietnamese(every_form):
    for action, html in every_form.items():
        for name, info in schema_fields(action).items():
            if (action, name) in REDACTION | HIDDEN:
                continue
            assert info.title, f"{action}.{name} has a title"
            label = vi(info.title)
            assert label != info.title, f"{action}.{name} is translated"
            assert re.search(
                rf">{re.escape(label)}( <span class=\"req\">\*</span>)?</(label|legend)>", html
            ), f"{action}.{name}"


def test_required_fields_are_marked_as_the_schema_says(every_form):
    html = every_form["dispatch"]
    assert re.search(r'<label for="dispatch-unit">[^<]+ <span class="req">\*</span>', html)
    assert re.search(r'<label for="dispatch-deadline">[^<]+</label>', html)


def test_a_missing_and_a_wrong_value_answer_422_next_to_their_inputs(people, login, submit):
    report = submit()

    response = login(people["lan"]).post(
        action_url(report, "accept"), {"category": "", "lead_unit": "abc", "version": 0}, headers=HTMX
    )

    assert response.status_code == 422
    html = page_text(response)
    required, number = vi("This field is required."), vi("This must be a number.")
    assert f'<ul class="errors" id="accept-category-errors"><li>{required}</li></ul>' in html
    assert f'<ul class="errors" id="accept-lead_unit-errors"><li>{number}</li></ul>' in html
    assert '<details class="action" id="action-accept" open>' in html
    report.refresh_from_db()
    assert report.status == "submitted"


def test_a_wrong_date_answers_422_next_to_the_date(people, login, submit, act, road):
    report = submit()
    act(report, people["lan"], "accept", category=road.code)

    response = login(people["lan"]).post(
        action_url(report, "dispatch"), {"unit": "1", "deadline": "ngày mai", "version": 1}, headers=HTMX
    )

    assert response.status_code == 422
    errors = page_text(response).split('id="dispatch-deadline-errors">')[1].split("</ul>")[0]
    assert errors == f"<li>{vi('Enter a date and a time.')}</li>"


@pytest.mark.parametrize("action", ["accept", "rate"])
def test_someone_not_allowed_gets_403_and_no_field_errors(people, login, submit, act, road, so_xd, action):
    report = submit()
    act(report, people["lan"], "accept", category=road.code, lead_unit=so_xd.pk)
    who = people["hung"] if action == "accept" else people["lan"]

    # Nothing filled in: the answer is still "not yours", not the missing fields
    response = login(who).post(action_url(report, action), {"version": report.version}, headers=HTMX)

    assert response.status_code == 403
    html = page_text(response)
    assert 'class="errors"' not in html
    assert vi("Your role cannot take this action.") in html


def test_reading_a_post_collects_the_schemas_fields_and_leaves_out_empty_values():
    post = QueryDict(mutable=True)
    post.setlist("cooperating_units", ["3", "4", ""])
    post.update({"category": "ha-tang", "lead_unit": "", "note": "  ", "urgency": "urgent", "other": "x"})

    posted = read_action("accept", post=post, files=QueryDict())

    assert posted.data == {"category": "ha-tang", "urgency": "urgent", "cooperating_units": ["3", "4"]}
    assert posted.photos == [] and posted.documents == []
