"""Reference data for every client: the fields a report can be filed under, the units, and the
text of consent a client shows before sending."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from phananh.core.errors import ValidationFailed
from phananh.core.schemas import ErrorOut, rules
from phananh.core.text import fold
from phananh.org.grouping import grouped
from phananh.org.models import Unit, UnitKind
from phananh.org.selectors import active_units

from .consent import CONSENT_TEXTS, CURRENT_CONSENT_VERSION
from .selectors import active_categories

router = Router(tags=["reports"])


class ChoiceOut(Schema):
    key: str = Field(..., description="What to send as the answer.")
    label: str


class QuestionOut(Schema):
    code: str = Field(..., description="The key of the answer in the report's `answers`.")
    label: str
    help_text: str
    kind: str = Field(
        ...,
        description="`text`, `number`, `single` (one key of `choices`) or `multiple` (a list of keys).",
        json_schema_extra={"enum": ["text", "number", "single", "multiple"]},
    )
    required: bool
    choices: list[ChoiceOut]


class CategoryOut(Schema):
    code: str
    name: str
    description: str
    questions: list[QuestionOut] = Field(
        ..., description="Extra questions a report of this field answers in `answers`."
    )


class UnitOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    kind: str
    parent_id: int | None
    admin_code: int | None
    area_name: str
    group: str = Field(..., description="ioc, department, district, local (communes, wards) or company.")


class CategoryRef(Schema):
    code: str
    name: str


@router.get("/categories", response=list[CategoryOut], summary="Fields a report can be filed under")
def list_categories(request):
    categories = list(active_categories().prefetch_related("questions"))
    return [
        {
            "code": category.code,
            "name": category.name,
            "description": category.description,
            "questions": [
                {
                    "code": question.code,
                    "label": question.label,
                    "help_text": question.help_text,
                    "kind": question.kind,
                    "required": question.required,
                    "choices": [{"key": key, "label": label} for key, label in question.options()],
                }
                for question in category.questions.all()
                if question.is_active
            ],
        }
        for category in categories
    ]


class ConsentVersionOut(Schema):
    version: str
    text: str


class ConsentOut(Schema):
    version: str = Field(
        ..., description="The current version: send it as `consent_version` with the report."
    )
    text: str = Field(
        ..., description="Its text, in the language asked (Accept-Language), to show by the box."
    )
    versions: list[ConsentVersionOut] = Field(
        ..., description="Every version ever shown, oldest first: a report keeps the one its reporter saw."
    )


@router.get("/consent", response=ConsentOut, summary="The consent text to show before sending a report")
def consent(request):
    """Sự đồng ý: the text a reporter agrees to (Decree 13/2023), and its version.

    An app shows `text` beside the consent box and sends `version` as `consent_version`: the
    report keeps it. A version that is not in `versions` is refused (422
    `unknown_consent_version`); none means the current one.
    """
    return {
        "version": CURRENT_CONSENT_VERSION,
        "text": str(CONSENT_TEXTS[CURRENT_CONSENT_VERSION]),
        "versions": [{"version": v, "text": str(text)} for v, text in CONSENT_TEXTS.items()],
    }


UNITS_PAGE_SIZE = 500


def _unit_filter(units, *, kind: str | None, within: int | None):
    if kind == "local":
        units = units.filter(kind__in=(UnitKind.COMMUNE, UnitKind.WARD, UnitKind.SPECIAL_ZONE))
    elif kind:
        if kind not in UnitKind.values:
            raise ValidationFailed(
                "invalid_kind", _("Unknown unit kind."), fields={"kind": [_("Not valid.")]}
            )
        units = units.filter(kind=kind)
    if within is not None:
        top = Unit.objects.filter(pk=within).first()
        if top is None:
            raise ValidationFailed(
                "unknown_unit", _("There is no such unit."), fields={"within": [_("Not valid.")]}
            )
        units = units.filter(path__startswith=top.path).exclude(pk=top.pk)
    return units


class UnitFilters(Schema):
    kind: str | None = Field(
        None,
        description="A unit kind, or `local` for communes and wards; empty: every kind.",
        json_schema_extra={"enum": ["", "local", *UnitKind.values]},
    )
    within: int | None = Field(None, ge=1, description="A unit's id: only the units below it.")
    q: str | None = Field(None, max_length=100, description="Words of the name; accents are not needed.")
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(UNITS_PAGE_SIZE, ge=1, le=UNITS_PAGE_SIZE)


@router.get(
    "/units",
    response={200: list[UnitOut], 422: ErrorOut},
    summary="Active units, for intake and dispatch",
    openapi_extra=rules(unknown_unit="`within` names no unit"),
)
def list_units(request, response: HttpResponse, filters: Query[UnitFilters]):
    """`kind=local` gives the communes and wards a report's place can be in.

    Sorted as the back office's picker: by group, then as a tree, siblings by name. Paged: the
    total is in `X-Total-Count`, the next page in a `Link: <...>; rel="next"` header.
    """
    page, page_size = filters.page, filters.page_size
    units = grouped(_unit_filter(active_units(), kind=filters.kind, within=filters.within))
    words = fold(filters.q or "").split()
    if words:
        units = [
            o
            for o in units
            if all(w in fold(f"{o.unit.name} {o.unit.short_name} {o.unit.area_name}") for w in words)
        ]
    start = (page - 1) * page_size
    response["X-Total-Count"] = str(len(units))
    if start + page_size < len(units):
        query = {k: v for k, v in request.GET.items() if k != "page"}
        response["Link"] = f'<{request.path}?{urlencode({**query, "page": page + 1})}>; rel="next"'
    return [{**_unit_out(o.unit), "group": o.group} for o in units[start : start + page_size]]


def _unit_out(unit: Unit) -> dict:
    return {name: getattr(unit, name) for name in UnitOut.model_fields if name != "group"}
