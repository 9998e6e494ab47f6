"""The form of each workflow action: its fields, their choices, and reading a posted form back.

The fields carry the names of `workflow.schemas.ACTION_SCHEMAS`, so that an error the service
raises for a field (`ApplicationError.fields`) lands next to that field's input. Reading a form
only turns text into the types the schema takes (ids, dates, yes/no, files); whether the action
is allowed and what it does is the transition service's business alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from phananh.core.errors import ValidationFailed
from phananh.core.text import clean_text
from phananh.org.access import is_ioc
from phananh.org.models import Unit, User
from phananh.reports.files import read_uploads
from phananh.reports.models import Category
from phananh.reports.statuses import Status, Urgency
from phananh.workflow.actions import ACTIONS, HANDLING, pending_extension
from phananh.workflow.models import RejectionReason, Step, StepKind
from phananh.workflow.services import check_action

Choices = Callable[[], list[tuple[str, str]]]
TEXT_KINDS = ("text", "textarea")


@dataclass
class Field:
    """One input of an action form. `choices` is called only when the form is shown."""

    name: str
    kind: str  # text, textarea, select, multiselect, radio, yesno, datetime, files
    label: str
    required: bool = False
    number: bool = False  # the choices are ids
    choices: Choices | None = None
    initial: object = None
    help: str = ""
    accept: str = ""
    blank: str = ""  # the label of the empty choice of an optional select


@dataclass
class ActionForm:
    """An action form ready for the template, with the values and errors of a failed post."""

    action: str
    label: str
    fields: list[dict]
    intro: list[str] = field(default_factory=list)
    multipart: bool = False
    open: bool = False
    errors: list[str] = field(default_factory=list)


# --- choices -----------------------------------------------------------------------------------


def _unit_label(unit: Unit) -> str:
    # Children are indented under their parent: the tree reads in a plain select.
    return "— " * max(unit.depth - 1, 0) + unit.name


def _units(qs) -> Choices:
    return lambda: [(str(u.pk), _unit_label(u)) for u in qs.order_by("path")]


def handling_units():
    """Every active unit but the IOC itself: where the IOC can dispatch, return or suggest."""
    return Unit.objects.filter(is_active=True).exclude(parent=None)


def _dispatch_targets(report, actor):
    if is_ioc(actor) or report.lead_unit is None:
        return handling_units()
    lead = report.lead_unit
    return Unit.objects.filter(is_active=True, path__startswith=lead.path).exclude(pk=lead.pk)


def _categories() -> list[tuple[str, str]]:
    return [(c.code, c.name) for c in Category.objects.filter(is_active=True)]


def _reasons() -> list[tuple[str, str]]:
    return [(r.code, r.name) for r in RejectionReason.objects.filter(is_active=True)]


def _handlers(report) -> Choices:
    def choices():
        if report.lead_unit is None:
            return []
        people = (
            User.objects.filter(
                is_active=True, role__in=HANDLING, unit__path__startswith=report.lead_unit.path
            )
            .select_related("unit")
            .order_by("unit__path", "last_name", "first_name", "username")
        )
        return [
            (str(p.pk), f"{p.get_full_name() or p.username} — {p.get_role_display()}, {p.unit.name}")
            for p in people
        ]

    return choices


def _urgencies() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in Urgency.choices]


def _when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return formats.date_format(timezone.localtime(moment), "H:i d/m/Y")


def _handling_step(report) -> Step | None:
    return (
        report.steps.filter(kind=StepKind.HANDLING, finished_at__isnull=True).order_by("-started_at").first()
    )


def _note() -> Field:
    return Field("note", "textarea", _("Note"), help=_("Written on the report's timeline."))


# --- the forms -----------------------------------------------------------------------------------


def _accept(report, actor):
    return [
        Field(
            "category",
            "select",
            _("Field"),
            required=True,
            choices=_categories,
            initial=report.category.code if report.category else "",
            blank=_("— Choose a field —"),
        ),
        Field("urgency", "radio", _("Urgency"), required=True, choices=_urgencies, initial=report.urgency),
        Field(
            "lead_unit",
            "select",
            _("Lead unit"),
            number=True,
            choices=_units(handling_units()),
            blank=_("— Dispatch later —"),
            help=_("Choose a unit to dispatch the report to it at once."),
        ),
        Field(
            "cooperating_units",
            "multiselect",
            _("Cooperating units"),
            number=True,
            choices=_units(handling_units()),
        ),
        _note(),
    ]


def _reject(report, actor):
    return [
        Field(
            "reason",
            "select",
            _("Reason"),
            required=True,
            choices=_reasons,
            blank=_("— Choose a reason —"),
            help=_("The reporter is told the reason and where to turn instead."),
        ),
        _note(),
    ]


def _merge(report, actor):
    return [
        Field(
            "into",
            "text",
            _("Tracking code of the original report"),
            required=True,
            help=_("For example PA-26-7K3Q9M. Its reporters follow the original from then on."),
        ),
        _note(),
    ]


def _request_info(report, actor):
    return [
        Field(
            "question",
            "textarea",
            _("Question to the reporter"),
            required=True,
            help=_("The deadlines pause until the reporter answers."),
        )
    ]


def _dispatch(report, actor):
    targets = _dispatch_targets(report, actor)
    fields = [
        Field(
            "unit", "select", _("Lead unit"), required=True, number=True, choices=_units(targets), blank="—"
        ),
        Field(
            "cooperating_units", "multiselect", _("Cooperating units"), number=True, choices=_units(targets)
        ),
    ]
    if is_ioc(actor) and report.status in (Status.ACCEPTED, Status.RETURNED):
        fields.append(
            Field(
                "deadline",
                "datetime",
                _("Handling deadline"),
                help=_("Leave empty for the deadline set by the rules."),
            )
        )
    return [*fields, _note()]


def _return(report, actor):
    return [
        Field(
            "reason",
            "textarea",
            _("Why is this not your unit's matter?"),
            required=True,
        ),
        Field(
            "suggested_unit",
            "select",
            _("Suggested unit"),
            number=True,
            choices=_units(handling_units()),
            blank=_("— No suggestion —"),
        ),
    ]


def _assign(report, actor):
    return [
        Field(
            "handler",
            "select",
            _("Handler"),
            required=True,
            number=True,
            choices=_handlers(report),
            blank="—",
        ),
        _note(),
    ]


def _request_extension(report, actor):
    step = _handling_step(report)
    current = _when(step.deadline) if step else ""
    return [
        Field(
            "deadline",
            "datetime",
            _("New deadline"),
            required=True,
            help=_("The current deadline is %(when)s.") % {"when": current} if current else "",
        ),
        Field("reason", "textarea", _("Reason"), required=True),
    ]


def _yes_no(yes: str, no: str) -> Choices:
    return lambda: [("yes", yes), ("no", no)]


def _decide_extension(report, actor):
    return [
        Field(
            "approve",
            "yesno",
            _("Decision"),
            required=True,
            choices=_yes_no(_("Grant the extension"), _("Refuse")),
            initial="yes",
        ),
        Field(
            "deadline",
            "datetime",
            _("Grant another date"),
            help=_("Leave empty to grant the date asked for."),
        ),
        _note(),
    ]


def _submit_result(report, actor):
    return [
        Field("result", "textarea", _("What was done"), required=True),
        Field(
            "photos",
            "files",
            _("Photos (before and after)"),
            accept="image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif",
            help=_("Up to %(n)d photos.") % {"n": settings.PHANANH_MAX_PHOTOS},
        ),
        Field("documents", "files", _("Documents (PDF)"), accept="application/pdf,.pdf"),
    ]


def _approve_result(report, actor):
    return [
        Field(
            "approve",
            "yesno",
            _("Decision"),
            required=True,
            choices=_yes_no(_("Approve and send to the IOC"), _("Send back to the handler")),
            initial="yes",
        ),
        Field("note", "textarea", _("Note"), help=_("Required when sending the result back.")),
    ]


def _verify(report, actor):
    return [_note()]


def _rework(report, actor):
    return [Field("reason", "textarea", _("What must be done again"), required=True)]


def _publish(report, actor):
    return [
        Field(
            "public",
            "yesno",
            _("Publication"),
            required=True,
            choices=_yes_no(_("Publish on the portal, without personal data"), _("Keep private")),
            initial="yes" if report.wants_public else "no",
        ),
        _note(),
    ]


def _close(report, actor):
    return [_note()]


def _reopen(report, actor):
    return [Field("reason", "textarea", _("Reason"), required=True)]


FORMS: dict[str, Callable] = {
    "accept": _accept,
    "reject": _reject,
    "merge": _merge,
    "request_info": _request_info,
    "dispatch": _dispatch,
    "return": _return,
    "assign": _assign,
    "request_extension": _request_extension,
    "decide_extension": _decide_extension,
    "submit_result": _submit_result,
    "approve_result": _approve_result,
    "verify": _verify,
    "rework": _rework,
    "publish": _publish,
    "close": _close,
    "reopen": _reopen,
}
assert set(FORMS) <= set(ACTIONS), "every form is an action's"


def _intro(action: str, report) -> list[str]:
    """Facts the person needs to decide, shown above the form."""
    if action == "decide_extension" and (request := pending_extension(report)):
        who = request.requested_by
        return [
            _("%(name)s asks for a deadline of %(when)s.")
            % {"name": who.get_full_name() or who.username, "when": _when(request.requested_deadline)},
            _("Reason: %(reason)s") % {"reason": request.reason},
        ]
    if action == "publish" and not report.wants_public:
        return [_("The reporter asked that this report stay private.")]
    if action == "dispatch" and report.status == Status.DISPATCHED and report.lead_unit:
        return [_("Dispatch further down, inside %(unit)s.") % {"unit": report.lead_unit.name}]
    return []


# --- showing a form ------------------------------------------------------------------------------


def _as_strings(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


def _bind(action: str, spec: Field, values, errors: dict) -> dict:
    if values is not None:
        chosen = (
            values.getlist(spec.name) if hasattr(values, "getlist") else _as_strings(values.get(spec.name))
        )
    else:
        chosen = _as_strings(spec.initial)
    options = []
    if spec.choices is not None:
        options = [
            {"value": value, "label": label, "selected": value in chosen} for value, label in spec.choices()
        ]
    return {
        "name": spec.name,
        "id": f"{action}-{spec.name}",
        "kind": spec.kind,
        "label": spec.label,
        "required": spec.required,
        "help": spec.help,
        "accept": spec.accept,
        "blank": spec.blank,
        "options": options,
        "value": chosen[0] if chosen and spec.kind != "files" else "",
        "errors": errors.get(spec.name, []),
    }


def action_forms(report, actor, allowed: list[str], *, failed: str = "", values=None, errors=None) -> list:
    """The forms of the actions this person may take now; the failed one keeps its input and errors."""
    forms = []
    for action in (a for a in allowed if a in FORMS):
        specs = FORMS[action](report, actor)
        is_failed = action == failed
        field_errors = (errors or {}) if is_failed else {}
        names = {s.name for s in specs}
        forms.append(
            ActionForm(
                action=action,
                label=str(ACTIONS[action].label),
                fields=[_bind(action, s, values if is_failed else None, field_errors) for s in specs],
                intro=_intro(action, report),
                multipart=any(s.kind == "files" for s in specs),
                open=is_failed,
                # Errors about something that is not an input of the form are shown above it.
                errors=[m for name, msgs in field_errors.items() if name not in names for m in msgs],
            )
        )
    return forms


# --- reading a posted form -----------------------------------------------------------------------


@dataclass
class Posted:
    data: dict
    photos: list
    documents: list


def _parse_datetime(raw: str) -> datetime:
    # A datetime-local input sends "2026-03-02T16:30": local time of the province.
    return datetime.fromisoformat(raw)


def read_action(action: str, *, report, actor, post, files) -> Posted:
    """Turn the posted form into the service's payload; raise ValidationFailed naming each field.

    Before a form error is raised, the action itself is checked, so that a person who may not
    take it (403), or a report that moved on (409), gets that answer rather than field errors.
    """
    data: dict = {}
    uploads: dict[str, list] = {"photos": [], "documents": []}
    problems: dict[str, list[str]] = {}
    for spec in FORMS[action](report, actor):
        raw = post.get(spec.name, "")
        if spec.kind in TEXT_KINDS:
            value = clean_text(raw)
            if value or not spec.required:
                data[spec.name] = value
            else:
                problems[spec.name] = [_("This field is required.")]
        elif spec.kind == "multiselect":
            ids = [v for v in post.getlist(spec.name) if v]
            if all(v.isdigit() for v in ids):
                data[spec.name] = [int(v) for v in ids]
            else:
                problems[spec.name] = [_("Not valid.")]
        elif spec.kind == "files":
            limit = (
                settings.PHANANH_MAX_PHOTO_BYTES
                if spec.name == "photos"
                else settings.PHANANH_MAX_DOCUMENT_BYTES
            )
            uploads[spec.name] = read_uploads(files.getlist(spec.name), field=spec.name, limit_bytes=limit)
        elif not raw:
            if spec.required:
                problems[spec.name] = [_("This field is required.")]
        elif spec.kind == "yesno":
            if raw in ("yes", "no"):
                data[spec.name] = raw == "yes"
            else:
                problems[spec.name] = [_("Not valid.")]
        elif spec.kind == "datetime":
            try:
                data[spec.name] = _parse_datetime(raw)
            except ValueError:
                problems[spec.name] = [_("Enter a date and a time.")]
        elif spec.number:
            if raw.isdigit():
                data[spec.name] = int(raw)
            else:
                problems[spec.name] = [_("Not valid.")]
        else:
            data[spec.name] = raw
    if problems:
        check_action(report=report, actor=actor, action=action)
        raise ValidationFailed(
            "invalid_input", _("Some information is missing or not valid."), fields=problems
        )
    return Posted(data, uploads["photos"], uploads["documents"])
