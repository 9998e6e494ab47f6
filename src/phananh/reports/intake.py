"""Validation of a submission, shared by the intake page, the API and every channel.

Everything is checked before anything is written, and every problem is reported at once,
each under the field it concerns, so that a form can show it next to its input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from ninja import Field, Schema

from phananh.core.geo import in_vietnam
from phananh.core.text import clean_text
from phananh.core.validation import problems_error
from phananh.org.models import LOCAL_KINDS, Unit

from .models import Category, Channel, ReportKind

_PHONE = re.compile(r"^(?:\+84|84|0)(\d{9,10})$")
_CODE = re.compile(r"^[a-z0-9-]{1,60}$")
# Channels a reporter may choose for messages; Zalo only for reports sent through Zalo.
CONTACT_CHANNELS = ("", "email", "sms", "zalo")


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

    def fingerprint_fields(self) -> dict:
        return {
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


@dataclass
class _Problems:
    items: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, name: str, code: str, message: str) -> None:
        self.items.append((name, code, str(message)))

    def raise_if_any(self) -> None:
        if self.items:
            raise problems_error(self.items)


def _text(raw: dict, name: str, problems: _Problems, *, limit: int, required: bool = False) -> str:
    value = raw.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str):
        problems.add(name, "invalid_type", _("This must be text."))
        return ""
    value = clean_text(value)
    if required and not value:
        problems.add(name, f"{name}_required", _("This field is required."))
    elif len(value) > limit:
        problems.add(
            name,
            f"{name}_too_long",
            _("At most %(limit)d characters (now %(count)d).") % {"limit": limit, "count": len(value)},
        )
        return ""
    return value


def _bool(raw: dict, name: str, default: bool, problems: _Problems) -> bool:
    value = raw.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "1", "on", "yes"):
        return True
    if isinstance(value, str) and value.lower() in ("false", "0", "off", "no"):
        return False
    problems.add(name, "invalid_type", _("This must be true or false."))
    return default


def _coordinate(raw: dict, name: str, low: int, high: int, problems: _Problems) -> Decimal | None:
    value = raw.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        problems.add(name, "invalid_type", _("This must be a number."))
        return None
    text = str(value).strip()
    if isinstance(value, str) and text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")  # "21,8537": the Vietnamese decimal comma
    try:
        number = Decimal(text)
    except InvalidOperation:
        problems.add(name, "invalid_type", _("This must be a number."))
        return None
    if not number.is_finite() or not low <= number <= high:
        problems.add(
            name,
            "coordinate_out_of_range",
            _("This must be between %(low)d and %(high)d.") % {"low": low, "high": high},
        )
        return None
    return number.quantize(Decimal("0.000001"))


def normalise_phone(value: str) -> str | None:
    """A Vietnamese phone number as 0xxxxxxxxx, or None when it is not one."""
    digits = re.sub(r"[\s.\-()]", "", value)
    match = _PHONE.match(digits)
    return f"0{match.group(1)}" if match else None


def validate_submission(raw: dict, *, channel: str, allowed_channels=None) -> Submission:
    """Check a submission from any source; raise ValidationFailed listing every problem."""
    problems = _Problems()
    if allowed_channels is not None:
        channel = raw.get("channel") or channel
        if channel not in allowed_channels:
            problems.add(
                "channel",
                "invalid_channel",
                _("Allowed values: %(values)s.") % {"values": ", ".join(allowed_channels)},
            )
    elif channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")

    kind = raw.get("kind") or ReportKind.FIELD
    if kind not in ReportKind.values:
        problems.add("kind", "invalid_kind", _("Choose a report type from the list."))
    description = _text(
        raw, "description", problems, limit=settings.PHANANH_MAX_DESCRIPTION_CHARS, required=True
    )
    title = _text(raw, "title", problems, limit=200)
    address = _text(raw, "address", problems, limit=300)

    category = None
    category_code = raw.get("category")
    if category_code not in (None, ""):
        if not isinstance(category_code, str):
            problems.add("category", "invalid_type", _("This must be a field code."))
        elif not _CODE.match(category_code):
            problems.add("category", "unknown_category", _("There is no such field."))
        else:
            category = Category.objects.filter(code=category_code, is_active=True).first()
            if category is None:
                problems.add("category", "unknown_category", _("There is no such field."))

    latitude = _coordinate(raw, "latitude", -90, 90, problems)
    longitude = _coordinate(raw, "longitude", -180, 180, problems)
    coordinate_problem = any(name in ("latitude", "longitude") for name, _c, _m in problems.items)
    if (latitude is None) != (longitude is None) and not coordinate_problem:
        missing = "longitude" if longitude is None else "latitude"
        problems.add(missing, "coordinate_missing", _("Give both latitude and longitude."))
    elif latitude is not None and longitude is not None and not in_vietnam(float(latitude), float(longitude)):
        problems.add("latitude", "location_outside_vietnam", _("This place is outside Vietnam."))

    commune = None
    commune_id = raw.get("commune")
    if commune_id not in (None, ""):
        try:
            commune = Unit.objects.filter(pk=int(commune_id), kind__in=LOCAL_KINDS, is_active=True).first()
        except (TypeError, ValueError):
            commune = None
        if commune is None:
            problems.add("commune", "unknown_commune", _("There is no such commune or ward."))

    is_anonymous = _bool(raw, "anonymous", False, problems)
    wants_public = _bool(raw, "public", True, problems)
    consent = _bool(raw, "consent", False, problems)
    name = _text(raw, "reporter_name", problems, limit=120)
    phone_raw = _text(raw, "reporter_phone", problems, limit=30)
    email = _text(raw, "reporter_email", problems, limit=254)
    phone = ""
    if phone_raw:
        phone = normalise_phone(phone_raw) or ""
        if not phone:
            problems.add(
                "reporter_phone", "invalid_phone", _("Enter a Vietnamese phone number, e.g. 0912345678.")
            )
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.add("reporter_email", "invalid_email", _("Enter a valid email address."))
            email = ""
    if is_anonymous:
        name = phone = email = ""
    elif not phone_raw and not email:
        problems.add(
            "reporter_phone",
            "contact_required",
            _("Give a phone number or an email so that we can reach you, or send anonymously."),
        )
    # Nobody can be written to about an anonymous report: its choice of channel is not kept.
    contact_channel, notifications_opt_out = "", False
    if not is_anonymous:
        contact_channel, notifications_opt_out = _contact_choice(raw, channel, phone, email, problems)
    if not consent:
        problems.add(
            "consent",
            "consent_required",
            _("Please agree to the processing of your personal data for handling this report."),
        )

    problems.raise_if_any()
    return Submission(
        description=description,
        channel=channel,
        kind=kind,
        title=title,
        category=category,
        latitude=latitude,
        longitude=longitude,
        address=address,
        commune=commune,
        reporter_name=name,
        reporter_phone=phone,
        reporter_email=email,
        is_anonymous=is_anonymous,
        wants_public=wants_public,
        contact_channel=contact_channel,
        notifications_opt_out=notifications_opt_out,
    )


def _contact_choice(raw: dict, channel: str, phone: str, email: str, problems: _Problems) -> tuple[str, bool]:
    """The channel the reporter chose for messages, checked against the addresses given."""
    opt_out = _bool(raw, "notifications_opt_out", False, problems)
    chosen = raw.get("contact_channel")
    if chosen is None:
        chosen = ""
    if not isinstance(chosen, str) or chosen not in CONTACT_CHANNELS:
        problems.add(
            "contact_channel",
            "invalid_contact_channel",
            _("Allowed values: %(values)s.") % {"values": ", ".join(c for c in CONTACT_CHANNELS if c)},
        )
        return "", opt_out
    if chosen == "zalo" and channel != Channel.ZALO:
        message = _("Zalo messages are only for reports sent through Zalo.")
        problems.add("contact_channel", "zalo_not_available", message)
    elif chosen == "email" and not email:
        message = _("Give an email address to get messages by email.")
        problems.add("contact_channel", "email_required", message)
    elif chosen == "sms" and not phone:
        problems.add("contact_channel", "phone_required", _("Give a phone number to get messages by SMS."))
    return chosen, opt_out


class ReportIn(Schema):
    """A new report. As JSON it carries no files; send multipart/form-data for photos."""

    description: str = Field(..., description="What is wrong, where (required, at most 5,000 characters).")
    kind: ReportKind = Field(
        ReportKind.FIELD, description="`field`: field report; `regulation`: about a rule."
    )
    title: str | None = Field(None, max_length=200)
    category: str | None = Field(
        None, description="Field code from GET /categories; the IOC sets it if absent."
    )
    latitude: float | None = Field(None, description="WGS84, inside Vietnam; give both or neither.")
    longitude: float | None = None
    address: str | None = Field(None, max_length=300)
    commune: int | None = Field(
        None, description="Unit id of the commune or ward, from GET /units?kind=local."
    )
    reporter_name: str | None = None
    reporter_phone: str | None = Field(None, description="Vietnamese phone number.")
    reporter_email: str | None = None
    anonymous: bool = Field(False, description="No contact details are kept; no replies can be sent.")
    consent: bool = Field(
        ..., description="Must be true: consent to processing personal data (Decree 13/2023)."
    )
    public: bool = Field(True, description="Whether the reporter agrees that the report may be published.")
    contact_channel: Literal["", "email", "sms", "zalo"] = Field(
        "",
        description="How the reporter hears of the report's steps: `email` (needs reporter_email), "
        "`sms` (needs reporter_phone), `zalo` (reports sent through Zalo only); empty: the first available.",
    )
    notifications_opt_out: bool = Field(False, description="True: send the reporter no messages at all.")
    channel: Channel = Field(Channel.API, description="`api` or `app`.")
