"""Validation of a submission, shared by the intake page, the API and every channel.

`ReportIn` is the one schema of a new report: it validates what any door received, and the
API's OpenAPI is generated from it. Everything is checked before anything is written, and every
problem is reported at once, each under the field it concerns, so that a form can show it next
to its input.

How the schema reads input: a "before" validator turns what people type (text with stray
characters, "21,8537", "on") into a clean value, or says what is wrong with it; an "after"
validator on a field checks the rules tying it to the fields before it (`info.data` holds those
that are valid), so that these problems are listed together with every other one; the model
validator runs last, on a valid report. Who sends (the channel, and the channels that door
allows) comes through the validation context: use `validate_submission`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from annotated_types import Ge, Le, MaxLen
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import ConfigDict, ValidationInfo, field_validator, model_validator
from pydantic import ValidationError as PydanticValidationError

from phananh.core.geo import in_vietnam
from phananh.core.text import clean_text
from phananh.core.validation import problem, several, validation_failed
from phananh.org.models import LOCAL_KINDS, Unit

from .consent import CONSENT_TEXTS, CURRENT_CONSENT_VERSION
from .models import Category, Channel, ReportKind
from .questions import clean_answers, read_answers

_PHONE = re.compile(r"^(?:\+84|84|0)(\d{9,10})$")
_CODE = re.compile(r"^[a-z0-9-]{1,60}$")
_MICRODEGREE = Decimal("0.000001")
TRUE_WORDS, FALSE_WORDS = ("true", "1", "on", "yes"), ("false", "0", "off", "no")
# Channels a reporter may choose for messages; Zalo only for reports sent through Zalo.
CONTACT_CHANNELS = ("", "email", "sms", "zalo")
# Codes of pydantic's own checks, should one ever answer before the validators below.
_CODES = {"kind": "invalid_kind", "channel": "invalid_channel", "contact_channel": "invalid_contact_channel"}


@dataclass
class Submission:
    """A submission that passed validation: clean values, ready to be stored."""

    description: str
    channel: str
    kind: str = ReportKind.FIELD
    title: str = ""
    category: Category | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    address: str = ""
    commune: Unit | None = None
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_email: str = ""
    is_anonymous: bool = False
    wants_public: bool = True
    # How the reporter wants to hear of the report's steps ("" = the first channel available).
    contact_channel: str = ""
    notifications_opt_out: bool = False
    # The version of the consent text the reporter was shown (reports.consent).
    consent_version: str = CURRENT_CONSENT_VERSION
    # The Zalo user who sent the report through the OA (channel zalo): messages go back there.
    zalo_user_id: str = ""
    # The answers to the field's extra questions, by question code (reports.questions).
    answers: dict = field(default_factory=dict)

    def fingerprint_fields(self) -> dict:
        fields = {
            "description": self.description,
            "channel": self.channel,
            "kind": self.kind,
            "title": self.title,
            "category": self.category.code if self.category else None,
            "latitude": str(self.latitude) if self.latitude is not None else None,
            "longitude": str(self.longitude) if self.longitude is not None else None,
            "address": self.address,
            "commune": self.commune.pk if self.commune else None,
            "reporter": [self.reporter_name, self.reporter_phone, self.reporter_email, self.is_anonymous],
            "wants_public": self.wants_public,
        }
        if self.answers:  # absent without answers, as before there were questions
            fields["answers"] = self.answers
        return fields


def validate_submission(
    raw: dict, *, channel: str, allowed_channels=None, zalo_user_id: str = ""
) -> Submission:
    """Check a submission from any door; raise ValidationFailed listing every problem.

    `channel` is the door's own channel. With `allowed_channels`, the sender may name one of
    those in the `channel` field; without, `channel` is trusted and must be a known channel.
    The Zalo door gives the sender's Zalo id, which reaches them as a phone or an email would.
    """
    if allowed_channels is None and channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    if zalo_user_id and channel != Channel.ZALO:
        raise ValueError("a Zalo user id comes with the zalo channel only")
    context = {"channel": channel, "allowed_channels": allowed_channels, "zalo_user_id": zalo_user_id}
    try:
        report = ReportIn.model_validate(raw, context=context)
    except PydanticValidationError as exc:
        raise validation_failed(exc, codes=_CODES) from exc
    submission = report.submission()
    submission.zalo_user_id = zalo_user_id
    return submission


def normalise_phone(value: str) -> str | None:
    """A Vietnamese phone number as 0xxxxxxxxx, or None when it is not one."""
    digits = re.sub(r"[\s.\-()]", "", value)
    match = _PHONE.match(digits)
    return f"0{match.group(1)}" if match else None


def _declared(name: str, kind: type):
    """A limit ReportIn declares for a field (MaxLen, Ge, Le): the one place it is written."""
    return next(item for item in ReportIn.model_fields[name].metadata if isinstance(item, kind))


def _text(value, name: str) -> str:
    """Typed text, cleaned (NFC, no control characters) and within the field's limit."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise problem("invalid_type", _("This must be text."))
    value = clean_text(value)
    if not value and ReportIn.model_fields[name].is_required():
        raise problem(f"{name}_required", _("This field is required."))
    if name == "description":  # the province may change it at any time
        limit = settings.PHANANH_MAX_DESCRIPTION_CHARS
    else:
        limit = _declared(name, MaxLen).max_length
    if len(value) > limit:
        message = _("At most %(limit)d characters (now %(count)d).") % {"limit": limit, "count": len(value)}
        raise problem(f"{name}_too_long", message)
    return value


def _yes_or_no(value, default: bool) -> bool:
    """A box or a switch: true/false, or what a form sends ("on", "1", "yes"...)."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in TRUE_WORDS + FALSE_WORDS:
        return value.lower() in TRUE_WORDS
    raise problem("invalid_type", _("This must be true or false."))


def _coordinate(value, name: str) -> Decimal | None:
    """Degrees as a number or as text, with a decimal point or the Vietnamese decimal comma."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise problem("invalid_type", _("This must be a number."))
    text = str(value).strip()
    if isinstance(value, str) and text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")  # "21,8537": the Vietnamese decimal comma
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise problem("invalid_type", _("This must be a number.")) from None
    low, high = _declared(name, Ge).ge, _declared(name, Le).le
    if not number.is_finite() or not low <= number <= high:
        message = _("This must be between %(low)d and %(high)d.") % {"low": low, "high": high}
        raise problem("coordinate_out_of_range", message)
    return number.quantize(_MICRODEGREE)


def _door(info: ValidationInfo) -> tuple[str, tuple | None]:
    """The channel of the door the report came through, and the channels it lets a sender name."""
    return info.context["channel"], info.context["allowed_channels"]


def _consent_is_required(schema: dict) -> None:
    # Consent defaults to "not given" so that its absence gets its own message; it is required.
    schema.setdefault("required", []).append("consent")


class ReportIn(Schema):
    """A new report. As JSON it carries no files; send multipart/form-data for photos."""

    model_config = ConfigDict(json_schema_extra=_consent_is_required)

    description: str = Field(
        ...,
        description="What is wrong, where (required; at most 5,000 characters unless the province "
        "set another limit).",
    )
    kind: str = Field(
        ReportKind.FIELD,
        description="`field`: field report; `regulation`: about a rule.",
        json_schema_extra={"enum": list(ReportKind.values)},
    )
    title: str = Field("", max_length=200, description="A short title.")
    category: str | None = Field(
        None, description="Field code from GET /categories; the IOC sets it if absent."
    )
    answers: dict | None = Field(
        None,
        validate_default=True,
        description="Answers to the field's extra questions (GET /categories gives them), by question "
        "code: text, a number, a choice's key, or a list of keys for several choices. In a form, the "
        "same object as JSON text.",
    )
    latitude: Decimal | None = Field(
        None,
        ge=-90,
        le=90,
        description="WGS84 degrees, inside Vietnam; give both or neither. A number, or text with "
        'a decimal point or comma ("21,8537").',
    )
    longitude: Decimal | None = Field(
        None, ge=-180, le=180, validate_default=True, description="WGS84 degrees, like the latitude."
    )
    address: str = Field("", max_length=300, description="The place in words: house number, street.")
    commune: int | None = Field(
        None, description="Unit id of the commune or ward, from GET /units?kind=local."
    )
    channel: str = Field(
        "",
        validate_default=True,
        description="The channel the report came through: `api` (the default) or `app`.",
    )
    anonymous: bool = Field(False, description="No contact details are kept; no replies can be sent.")
    reporter_name: str = Field("", max_length=120, description="The reporter's name.")
    reporter_email: str = Field(
        "", max_length=254, description="Needed, or a phone number, unless the report is anonymous."
    )
    reporter_phone: str = Field(
        "",
        max_length=30,
        validate_default=True,
        description="A Vietnamese phone number (0912 345 678, +84 912 345 678); needed, or an email, "
        "unless the report is anonymous.",
    )
    contact_channel: str = Field(
        "",
        validate_default=True,
        description="How the reporter hears of the report's steps: `email` (needs reporter_email), "
        "`sms` (needs reporter_phone), `zalo` (reports sent through Zalo only); empty: the first available.",
        json_schema_extra={"enum": list(CONTACT_CHANNELS)},
    )
    notifications_opt_out: bool = Field(False, description="True: send the reporter no messages at all.")
    public: bool = Field(True, description="Whether the reporter agrees that the report may be published.")
    consent: bool = Field(
        False,
        validate_default=True,
        description="Must be true: consent to processing personal data (Decree 13/2023).",
    )
    consent_version: str = Field(
        "",
        validate_default=True,
        description="The version of the consent text the reporter was shown (GET /consent gives the "
        "current one and its text); empty: the current version. An unknown version is refused.",
        json_schema_extra={"enum": ["", *CONSENT_TEXTS]},
    )

    # --- Each field on its own ----------------------------------------------------------------

    @field_validator(
        "description", "title", "address", "reporter_name", "reporter_email", "reporter_phone", mode="before"
    )
    @classmethod
    def _clean_text(cls, value, info: ValidationInfo) -> str:
        return _text(value, info.field_name)

    @field_validator("latitude", "longitude", mode="before")
    @classmethod
    def _degrees(cls, value, info: ValidationInfo) -> Decimal | None:
        return _coordinate(value, info.field_name)

    @field_validator("anonymous", "public", "consent", mode="before")
    @classmethod
    def _box(cls, value, info: ValidationInfo) -> bool:
        return _yes_or_no(value, cls.model_fields[info.field_name].default)

    @field_validator("kind", mode="before")
    @classmethod
    def _known_kind(cls, value) -> str:
        kind = value or ReportKind.FIELD
        if kind not in ReportKind.values:
            raise problem("invalid_kind", _("Choose a report type from the list."))
        return kind

    @field_validator("category", mode="before")
    @classmethod
    def _category_code(cls, value) -> str | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise problem("invalid_type", _("This must be a field code."))
        return value

    @field_validator("category", mode="after")
    @classmethod
    def _active_category(cls, code: str | None) -> Category | None:
        """The validated report holds the Category itself."""
        if code is None:
            return None
        category = Category.objects.filter(code=code, is_active=True).first() if _CODE.match(code) else None
        if category is None:
            raise problem("unknown_category", _("There is no such field."))
        return category

    @field_validator("answers", mode="before")
    @classmethod
    def _answers_object(cls, value) -> dict:
        answers = read_answers(value)
        if answers is None:
            raise problem("invalid_answers", _("The answers must be an object of question codes."))
        return answers

    @field_validator("answers", mode="after")
    @classmethod
    def _questions_answered(cls, answers: dict, info: ValidationInfo) -> dict:
        """The field's questions answered as each asks; not checked when the field is wrong."""
        if "category" not in info.data:
            return {}
        clean, problems = clean_answers(info.data["category"], answers)
        if problems:
            raise several(problems)
        return clean

    @field_validator("commune", mode="before")
    @classmethod
    def _commune_id(cls, value) -> int | None:
        if value is None or value == "":
            return None
        try:
            return int(value)
        except (TypeError, ValueError, OverflowError):
            raise problem("unknown_commune", _("There is no such commune or ward.")) from None

    @field_validator("commune", mode="after")
    @classmethod
    def _active_commune(cls, pk: int | None) -> Unit | None:
        """The validated report holds the Unit itself."""
        if pk is None:
            return None
        commune = None
        if 0 < pk < 2**63:
            commune = Unit.objects.filter(pk=pk, kind__in=LOCAL_KINDS, is_active=True).first()
        if commune is None:
            raise problem("unknown_commune", _("There is no such commune or ward."))
        return commune

    @field_validator("channel", mode="before")
    @classmethod
    def _allowed_channel(cls, value, info: ValidationInfo) -> str:
        channel, allowed = _door(info)
        if allowed is None:  # the door says which channel it is; the sender has no say
            return channel
        value = value or channel
        if value not in allowed:
            message = _("Allowed values: %(values)s.") % {"values": ", ".join(allowed)}
            raise problem("invalid_channel", message)
        return value

    @field_validator("reporter_email", mode="after")
    @classmethod
    def _email_address(cls, email: str) -> str:
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise problem("invalid_email", _("Enter a valid email address.")) from None
        return email

    @field_validator("consent", mode="after")
    @classmethod
    def _consent_given(cls, consent: bool) -> bool:
        if not consent:
            message = _("Please agree to the processing of your personal data for handling this report.")
            raise problem("consent_required", message)
        return consent

    @field_validator("consent_version", mode="before")
    @classmethod
    def _known_consent_version(cls, value) -> str:
        if value is None or value == "":
            return CURRENT_CONSENT_VERSION
        if not isinstance(value, str) or value not in CONSENT_TEXTS:
            message = _("This version of the consent text is not known: show the current one again.")
            raise problem("unknown_consent_version", message)
        return value

    # --- Rules tying a field to the ones before it --------------------------------------------

    @field_validator("longitude", mode="after")
    @classmethod
    def _a_place_in_vietnam(cls, longitude: Decimal | None, info: ValidationInfo) -> Decimal | None:
        """Both coordinates or neither, inside Vietnam; not checked when the latitude is wrong."""
        if "latitude" not in info.data:
            return longitude
        latitude = info.data["latitude"]
        if latitude is None and longitude is None:
            return None
        if latitude is None or longitude is None:
            missing = "latitude" if latitude is None else "longitude"
            raise problem("coordinate_missing", _("Give both latitude and longitude."), field=missing)
        if not in_vietnam(float(latitude), float(longitude)):
            raise problem("location_outside_vietnam", _("This place is outside Vietnam."), field="latitude")
        return longitude

    @field_validator("reporter_phone", mode="after")
    @classmethod
    def _phone_or_email(cls, typed: str, info: ValidationInfo) -> str:
        """A Vietnamese number; a phone or an email is needed to reach the reporter."""
        if typed:
            phone = normalise_phone(typed)
            if phone is None:
                raise problem("invalid_phone", _("Enter a Vietnamese phone number, e.g. 0912345678."))
            return phone
        reachable = info.data.get("reporter_email") or (info.context or {}).get("zalo_user_id")
        if not info.data.get("anonymous") and not reachable:
            message = _("Give a phone number or an email so that we can reach you, or send anonymously.")
            raise problem("contact_required", message)
        return ""

    @field_validator("contact_channel", mode="before")
    @classmethod
    def _offered_contact_channel(cls, value, info: ValidationInfo) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str) or value not in CONTACT_CHANNELS:
            values = ", ".join(c for c in CONTACT_CHANNELS if c)
            raise problem("invalid_contact_channel", _("Allowed values: %(values)s.") % {"values": values})
        # Nobody is written to about an anonymous report: a valid choice is not kept.
        return "" if info.data.get("anonymous") else value

    @field_validator("contact_channel", mode="after")
    @classmethod
    def _reachable_by_contact_channel(cls, chosen: str, info: ValidationInfo) -> str:
        """The channel chosen for messages needs its address, and Zalo a report from Zalo."""
        channel = info.data.get("channel") or _door(info)[0]  # the door's when the sender's is wrong
        if chosen == "zalo" and (channel != Channel.ZALO or not (info.context or {}).get("zalo_user_id")):
            raise problem("zalo_not_available", _("Zalo messages are only for reports sent through Zalo."))
        if chosen == "email" and not info.data.get("reporter_email"):
            raise problem("email_required", _("Give an email address to get messages by email."))
        if chosen == "sms" and not info.data.get("reporter_phone"):
            raise problem("phone_required", _("Give a phone number to get messages by SMS."))
        return chosen

    @field_validator("notifications_opt_out", mode="before")
    @classmethod
    def _opt_out(cls, value, info: ValidationInfo) -> bool:
        opted_out = _yes_or_no(value, False)  # checked even when it is not kept
        return False if info.data.get("anonymous") else opted_out

    # --- The whole report ---------------------------------------------------------------------

    @model_validator(mode="after")
    def _anonymous_keeps_no_contact(self) -> ReportIn:
        """Nobody can be written to about an anonymous report: no contact details are kept."""
        if self.anonymous:
            self.reporter_name = self.reporter_phone = self.reporter_email = ""
        return self

    def submission(self) -> Submission:
        """The clean values, as the workflow stores them."""
        return Submission(
            description=self.description,
            channel=self.channel,
            kind=self.kind,
            title=self.title,
            category=self.category,
            latitude=self.latitude,
            longitude=self.longitude,
            address=self.address,
            commune=self.commune,
            reporter_name=self.reporter_name,
            reporter_phone=self.reporter_phone,
            reporter_email=self.reporter_email,
            is_anonymous=self.anonymous,
            wants_public=self.public,
            contact_channel=self.contact_channel,
            notifications_opt_out=self.notifications_opt_out,
            consent_version=self.consent_version,
            answers=self.answers or {},
        )
