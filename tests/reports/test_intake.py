"""The shared validator, on what people really type; the API documents the very same schema."""

from decimal import Decimal

import pytest

from phananh.core.errors import ValidationFailed
from phananh.reports.intake import ReportIn, normalise_phone, validate_submission
from phananh.reports.models import Report
from tests.reports.test_api_intake import lan_report, post_json

pytestmark = pytest.mark.django_db


def submission(**values):
    return validate_submission(
        {"description": "Ổ gà", "consent": True, "reporter_phone": "0912345678", **values}, channel="web"
    )


def test_coordinates_typed_with_the_vietnamese_decimal_comma_are_understood():
    result = submission(latitude="21,8537", longitude="106,7615")

    assert (result.latitude, result.longitude) == (Decimal("21.853700"), Decimal("106.761500"))


def test_a_comma_between_two_numbers_is_not_a_coordinate():
    with pytest.raises(ValidationFailed) as exc:
        submission(latitude="21,85,37", longitude="106.7615")

    assert exc.value.fields["latitude"]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0912 345 678", "0912345678"),
        ("+84 912.345.678", "0912345678"),
        ("84912345678", "0912345678"),
        ("(0205) 3812 345", "02053812345"),
        ("12345", None),
        ("09123456789012", None),
    ],
)
def test_phone_numbers_are_read_as_vietnamese_numbers(typed, stored):
    assert normalise_phone(typed) == stored


def test_an_anonymous_report_keeps_no_contact_even_when_one_was_typed():
    result = submission(anonymous=True, reporter_name="Lan", reporter_email="lan@example.vn")

    assert (result.reporter_name, result.reporter_phone, result.reporter_email) == ("", "", "")


def problems(**values) -> set[tuple[str, str]]:
    """The (field, code) of every problem found in Lan's submission changed by `values`."""
    with pytest.raises(ValidationFailed) as exc:
        submission(**values)
    return {(e["field"], e["code"]) for e in exc.value.errors}


def test_a_longitude_without_its_latitude_is_reported_under_the_latitude_with_the_other_problems():
    # Given Lan's submission with no description and a longitude but no latitude
    with pytest.raises(ValidationFailed) as exc:
        submission(description="", longitude="106,7615")

    # Then both problems come at once, the missing coordinate under the latitude she must fill in
    assert exc.value.code == "invalid_input"
    assert {(e["field"], e["code"]) for e in exc.value.errors} == {
        ("description", "description_required"),
        ("latitude", "coordinate_missing"),
    }
    assert set(exc.value.fields) == {"description", "latitude"}


def test_a_place_abroad_is_reported_under_the_latitude():
    # Given Lan's phone placed the pin in Paris
    assert problems(latitude="48.85", longitude="2.35") == {("latitude", "location_outside_vietnam")}


def test_a_wrong_latitude_is_not_also_reported_as_a_missing_one():
    assert problems(latitude="abc", longitude="106.7615") == {("latitude", "invalid_type")}


def test_the_description_limit_is_the_provinces_current_setting(settings):
    # Given the province lowered the limit to 20 characters after the server started
    settings.PHANANH_MAX_DESCRIPTION_CHARS = 20

    # Then a 21-character description is refused, with the limit in the message
    with pytest.raises(ValidationFailed) as exc:
        submission(description="Ổ gà lớn trên đường.!")
    assert exc.value.code == "description_too_long"
    assert "20" in exc.value.fields["description"][0]
    # And a 20-character one is taken
    assert submission(description="Ổ gà lớn trên đường.").description == "Ổ gà lớn trên đường."


def test_a_door_that_names_its_own_channel_is_trusted_and_the_senders_word_is_ignored():
    result = submission(channel="api")

    assert result.channel == "web"


def test_a_door_that_lets_the_sender_name_the_channel_refuses_the_others():
    raw = {"description": "Ổ gà", "consent": True, "reporter_phone": "0912345678"}
    allowed = ("api", "app")

    assert (
        validate_submission({**raw, "channel": "app"}, channel="api", allowed_channels=allowed).channel
        == "app"
    )
    assert validate_submission(raw, channel="api", allowed_channels=allowed).channel == "api"
    with pytest.raises(ValidationFailed) as exc:
        validate_submission({**raw, "channel": "hotline"}, channel="api", allowed_channels=allowed)
    assert exc.value.code == "invalid_channel"


def test_an_unknown_channel_named_by_the_code_is_a_programming_error():
    with pytest.raises(ValueError, match="fax"):
        validate_submission({"description": "Ổ gà", "consent": True}, channel="fax")


def test_an_anonymous_report_keeps_no_choice_of_messages():
    result = submission(anonymous="on", contact_channel="sms", notifications_opt_out="on")

    assert (result.is_anonymous, result.contact_channel, result.notifications_opt_out) == (True, "", False)


def test_form_values_for_the_boxes_are_understood():
    result = submission(anonymous="off", public="no", consent="on", notifications_opt_out="1")

    assert (result.is_anonymous, result.wants_public, result.notifications_opt_out) == (False, False, True)


# --- What the API documents is what validates ------------------------------------------------


def report_body_documented(client) -> tuple[dict, dict]:
    """The JSON and the form body of POST /reports, as a client's developer reads them."""
    spec = client.get("/api/v1/openapi.json").json()
    content = spec["paths"]["/api/v1/reports"]["post"]["requestBody"]["content"]
    return content["application/json"]["schema"], content["multipart/form-data"]["schema"]


def test_the_documented_request_body_is_the_schema_that_validates_a_report(client):
    # When a developer reads how to send a report
    json_body, form_body = report_body_documented(client)

    # Then the JSON body lists exactly the fields that ReportIn validates, each explained
    fields = set(ReportIn.model_fields)
    assert set(json_body["properties"]) == fields
    assert all(json_body["properties"][name].get("description") for name in fields)
    # And the form lists the same fields, as text with the same explanation, plus the files
    assert set(form_body["properties"]) == fields | {"photos", "documents"}
    for name in fields:
        assert form_body["properties"][name]["type"] == "string"
        assert form_body["properties"][name]["description"] == json_body["properties"][name]["description"]
    # And both say what must be sent: a description and the consent
    assert set(json_body["required"]) == set(form_body["required"]) == {"description", "consent"}


def test_every_documented_length_limit_is_the_one_enforced(client):
    # Given the limits the API documents for the text fields
    json_body, _form = report_body_documented(client)
    limits = {name: p["maxLength"] for name, p in json_body["properties"].items() if "maxLength" in p}
    assert limits == {
        "title": 200,
        "address": 300,
        "reporter_name": 120,
        "reporter_email": 254,
        "reporter_phone": 30,
    }

    for name, limit in limits.items():
        # When Lan's app sends one character more than documented
        response = post_json(client, lan_report(**{name: "9" * (limit + 1)}))

        # Then exactly that field is refused as too long
        assert response.status_code == 422, name
        assert response.json()["code"] == f"{name}_too_long"
        assert list(response.json()["fields"]) == [name]
    assert Report.objects.count() == 0


def test_every_documented_choice_is_accepted_and_nothing_else(client):
    # Given the choices the API documents for the kind of report and for the contact channel
    json_body, _form = report_body_documented(client)
    kinds = json_body["properties"]["kind"]["enum"]
    contact_channels = json_body["properties"]["contact_channel"]["enum"]
    assert kinds == ["field", "regulation"]
    # (Zalo messages are for reports sent through Zalo, which this door never is)
    assert contact_channels == ["", "email", "sms"]

    # Then each documented kind is taken, and an undocumented one is refused with its own code
    for kind in kinds:
        assert post_json(client, lan_report(kind=kind)).status_code == 201, kind
    assert post_json(client, lan_report(kind="petition")).json()["code"] == "invalid_kind"
    # And so for the contact channels
    for channel in contact_channels:
        assert post_json(client, lan_report(contact_channel=channel)).status_code == 201, channel
    assert post_json(client, lan_report(contact_channel="zalo")).json()["code"] == "zalo_not_available"
    assert post_json(client, lan_report(contact_channel="fax")).json()["code"] == "invalid_contact_channel"


def test_short_words_are_found_whole_and_never_inside_a_tracking_code(db, ioc):
    from phananh.reports.models import Report
    from phananh.reports.search import search, search_document
    from phananh.workflow.submission import report_submit

    def sent(description):
        raw = {"description": description, "consent": True, "reporter_phone": "0912345678"}
        return report_submit(submission=validate_submission(raw, channel="web")).report

    # Given a report about a pothole, and one about rubbish whose code happens to hold "GA"
    pothole = sent("Ổ gà lớn, nguy hiểm!")
    rubbish = sent("Rác thải đổ trộm bên suối")
    Report.objects.filter(pk=rubbish.pk).update(
        search_text=search_document(
            tracking_code="PA-26-GATHGF", title="", description=rubbish.description, address=""
        )
    )

    # When someone searches "o ga", as typed without accents
    found = list(search(Report.objects.all(), "o ga"))

    # Then only the pothole is found (its comma does not hide the word "ga")
    assert found == [pothole]
