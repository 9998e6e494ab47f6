"""The form of each workflow action, drawn from its schema, and reading a posted form back.

Every input comes from a field of `workflow.schemas.ACTION_SCHEMAS[action]`: its name, its kind
(from the field's type), whether it is required and its label (the field's `title`, translated
here). What a type cannot say is presentation and lives in `LOOKS`: where a select's choices come
from, help texts, initial values taken from the report, and which fields show for whom. Reading a
posted form only collects the values of the schema's fields and the files: the transition
service validates them and answers 403/409 before 422, with errors named by the same fields.
"""

from __future__ import annotations

import enum
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Union, get_args, get_origin

from annotated_types import MaxLen
from django.conf import settings
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from phananh.org.access import REPORTER, is_ioc
from phananh.org.grouping import grouped
from phananh.reports.statuses import Status
from phananh.workflow import choices
from phananh.workflow.actions import ACTIONS, pending_extension
from phananh.workflow.models import Step, StepKind
from phananh.workflow.schemas import ACTION_SCHEMAS

from . import suggestion_chips
from .publish_form import handled_errors, publish_context, read_publish

# The actions a staff member may ever take: each has its form on the report page.
STAFF_ACTIONS = [name for name, spec in ACTIONS.items() if spec.roles - {REPORTER}]
# A text longer than this may hold (the schema's max_length) gets a textarea.
LONG_TEXT = 200

Choices = Callable[..., list]  # (report, actor) -> [(value, label)] or [(value, label, group)]
# A select or checklist with more options than this gets a filter box (with JavaScript).
FILTER_FROM = 8


@dataclass(frozen=True)
class Look:
    """How one schema field is shown: what its type cannot say."""

    choices: Choices | None = None
    blank: str | Promise = ""  # the label of the empty choice of an optional select
    help: str | Promise | Callable = ""  # or (report) -> text
    initial: Callable | None = None  # (report) -> the value shown first
    shows: Callable | None = None  # (report, actor) -> whether the field is drawn


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
    # The publish form's redaction part (`publish_form.publish_context`).
    redaction: dict | None = None
    # What the model suggested, posted back in the hidden `suggested` input (JSON).
    suggested: str = ""


# --- where choices come from (the same as the API's, from `workflow.choices`) -----------------

Option = tuple[str, str] | tuple[str, str, str]  # (value, label) or (value, label, group)


def _unit_options(units) -> list[Option]:
    # Children are indented under their parent: the tree reads in a plain select too.
    return [(str(o.unit.pk), "— " * o.depth + o.unit.name, o.group_label) for o in grouped(units)]


def _handling_units(report, actor) -> list[Option]:
    return _unit_options(choices.handling_units())


def _dispatch_targets(report, actor) -> list[Option]:
    return _unit_options(choices.dispatch_targets(report, actor))


def _categories(report, actor) -> list[Option]:
    return [(c.code, c.name) for c in choices.categories()]


def _reasons(report, actor) -> list[Option]:
    return [(r.code, r.name) for r in choices.rejection_reasons()]


def _handlers(report, actor) -> list[Option]:
    return [
        (str(p.pk), f"{p.get_full_name()} — {p.get_role_display()}, {p.unit.name}")
        for p in choices.handlers(report, actor)
    ]


def _yes_no(yes: Promise, no: Promise) -> Choices:
    return lambda report, actor: [("yes", str(yes)), ("no", str(no))]


def _when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return formats.date_format(timezone.localtime(moment), "H:i d/m/Y")


def _handling_step(report) -> Step | None:
    return (
        report.steps.filter(kind=StepKind.HANDLING, finished_at__isnull=True).order_by("-started_at").first()
    )


def _current_deadline(report) -> str:
    step = _handling_step(report)
    current = _when(step.deadline) if step else ""
    return _("The current deadline is %(when)s.") % {"when": current} if current else ""


def _ioc_dispatching(report, actor) -> bool:
    # Only the IOC sets the handling deadline, when it dispatches from its own desk.
    return is_ioc(actor) and report.status in (Status.ACCEPTED, Status.RETURNED)


# --- what a type cannot say: (action, field) → Look; ("*", field) for every action ----------------

LOOKS: dict[tuple[str, str], Look] = {
    ("*", "note"): Look(help=gettext_lazy("Written on the report's timeline.")),
    ("accept", "category"): Look(
        _categories,
        blank=gettext_lazy("— Choose a field —"),
        initial=lambda report: report.category.code if report.category else "",
    ),
    ("accept", "urgency"): Look(initial=lambda report: report.urgency),
    ("accept", "lead_unit"): Look(
        _handling_units,
        blank=gettext_lazy("— Dispatch later —"),
        help=gettext_lazy("Choose a unit to dispatch the report to it at once."),
    ),
    ("accept", "cooperating_units"): Look(_handling_units),
    ("reject", "reason"): Look(
        _reasons,
        blank=gettext_lazy("— Choose a reason —"),
        help=gettext_lazy("The reporter is told the reason and where to turn instead."),
    ),
    ("merge", "into"): Look(
        help=gettext_lazy("For example PA-26-7K3Q9M. Its reporters follow the original from then on.")
    ),
    ("request_info", "question"): Look(help=gettext_lazy("The deadlines pause until the reporter answers.")),
    ("dispatch", "unit"): Look(_dispatch_targets),
    # Posted by the hidden input the chips of suggestions come with (suggestion_chips).
    ("*", "suggested"): Look(shows=lambda report, actor: False),
    ("dispatch", "cooperating_units"): Look(_dispatch_targets),
    ("dispatch", "deadline"): Look(
        help=gettext_lazy("Leave empty for the deadline set by the rules."), shows=_ioc_dispatching
    ),
    ("return", "suggested_unit"): Look(_handling_units, blank=gettext_lazy("— No suggestion —")),
    ("assign", "handler"): Look(_handlers),
    ("request_extension", "deadline"): Look(help=_current_deadline),
    ("decide_extension", "approve"): Look(
        _yes_no(gettext_lazy("Grant the extension"), gettext_lazy("Refuse")), initial=lambda report: True
    ),
    ("decide_extension", "deadline"): Look(help=gettext_lazy("Leave empty to grant the date asked for.")),
    ("approve_result", "approve"): Look(
        _yes_no(gettext_lazy("Approve and send to the IOC"), gettext_lazy("Send back to the handler"))
    ),
    ("approve_result", "note"): Look(help=gettext_lazy("Required when sending the result back.")),
    ("publish", "public"): Look(
        _yes_no(gettext_lazy("Publish on the portal, without personal data"), gettext_lazy("Keep private")),
        initial=lambda report: report.wants_public,
    ),
    # Drawn by the redaction part of the form (`_publish_form.html`), not as plain inputs.
    ("publish", "redacted"): Look(shows=lambda report, actor: False),
    ("publish", "public_photos"): Look(shows=lambda report, actor: False),
    ("publish", "confirm_personal_data"): Look(shows=lambda report, actor: False),
    ("reveal_contact", "unit"): Look(
        _handling_units,
        initial=lambda report: report.lead_unit_id,
        help=gettext_lazy("Its staff will see the reporter's name, phone and email; each view is logged."),
    ),
}

# The inputs of an action that takes files (ACTIONS[name].takes_files): not in the schema.
FILE_INPUTS = {
    "photos": (
        gettext_lazy("Photos (before and after)"),
        "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif",
    ),
    "documents": (gettext_lazy("Documents (PDF)"), "application/pdf,.pdf"),
}


def _look(action: str, name: str) -> Look:
    return LOOKS.get((action, name)) or LOOKS.get(("*", name)) or Look()


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


# --- from a schema's field to an input -----------------------------------------------------------


def schema_fields(action: str) -> dict[str, FieldInfo]:
    """The fields of the action's payload, without the `action` discriminator."""
    return {n: f for n, f in ACTION_SCHEMAS[action].model_fields.items() if n != "action"}


def _bare(annotation):
    """`int | None` → int: an optional field is told by the schema's default, not its type."""
    if get_origin(annotation) in (Union, types.UnionType):
        kept = [a for a in get_args(annotation) if a is not type(None)]
        return kept[0] if len(kept) == 1 else annotation
    return annotation


def _max_length(info: FieldInfo) -> int:
    return max((m.max_length for m in info.metadata if isinstance(m, MaxLen)), default=0)


def input_kind(info: FieldInfo, look: Look) -> str:
    """The widget of a field, from its type: yesno, datetime, radio, checklist, select, text(area)."""
    kind = _bare(info.annotation)
    if kind is bool:
        return "yesno"
    if kind is datetime:
        return "datetime"
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return "radio"
    if get_origin(kind) is list:
        # Checkboxes, not a multiple select: ticking several needs no Ctrl-click.
        return "checklist"
    if look.choices is not None:
        return "select"
    if kind is int:
        return "number"
    return "textarea" if _max_length(info) > LONG_TEXT else "text"


def _choices(info: FieldInfo, look: Look, kind: str, report, actor) -> list[Option]:
    if look.choices is not None:
        return look.choices(report, actor)
    if kind == "yesno":
        return [("yes", _("Yes")), ("no", _("No"))]
    if kind == "radio":
        enum_type = _bare(info.annotation)
        return [(m.value, str(getattr(m, "label", m.value))) for m in enum_type]
    return []


def _as_strings(value) -> list[str]:
    """A value as the strings a form posts: ids, "yes"/"no", enum values."""
    if value is None or value is PydanticUndefined or value == "":
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    if isinstance(value, bool):
        return ["yes" if value else "no"]
    if isinstance(value, enum.Enum):
        return [str(value.value)]
    return [str(value)]


def _initial(info: FieldInfo, look: Look, report) -> list[str]:
    if look.initial is not None:
        return _as_strings(look.initial(report))
    return _as_strings(info.default)


def _help(look: Look, report) -> str:
    return str(look.help(report) if callable(look.help) else look.help)


def _suggestion(action: str, name: str, report, options: list[Option]) -> dict:
    """The unit the routing rules suggest, for the report's field and for each field the form offers.

    `by_field` lets the page move the suggestion when the operator picks another field.
    """
    if (action, name) not in choices.SUGGESTED_FIELDS:
        return {}
    offered = {o[0] for o in options}
    table = {
        code: {"id": str(u.pk), "name": u.name}
        for code, u in choices.suggestions(report.commune).items()
        if str(u.pk) in offered
    }
    current = table.get(report.category.code) if report.category else None
    follows = f"{action}-category" if "category" in schema_fields(action) else ""
    return {"current": current, "by_field": table if follows else {}, "follows": follows}


def _bind(
    action: str, name: str, info: FieldInfo, *, report, actor, values, errors: dict, offers=None
) -> dict:
    look = _look(action, name)
    kind = input_kind(info, look)
    choices_ = _choices(info, look, kind, report, actor)
    suggestion = _suggestion(action, name, report, choices_)
    chips = suggestion_chips.chips(offers, action, name, choices_)
    chosen = values.getlist(name) if values is not None else _initial(info, look, report)
    unchosen = not chosen or (name == "urgency" and report.category_id is None)
    if values is None and chips and name != "lead_unit" and unchosen:
        # The first learned suggestion is the default where nothing was chosen yet (the urgency
        # too, before the report is classified; accepting does not dispatch unless a unit is
        # chosen); it is never applied: the operator sends the form.
        chosen = [chips[0]["value"]]
    if values is None and not chosen and suggestion.get("current"):
        # Preselected, never applied: the operator still sends the form.
        chosen = [suggestion["current"]["id"]]
    options = [
        {"value": o[0], "label": o[1], "group": o[2] if len(o) > 2 else "", "selected": o[0] in chosen}
        for o in choices_
    ]
    return {
        "name": name,
        "id": f"{action}-{name}",
        "kind": kind,
        "label": _(info.title or name),
        "required": info.is_required(),
        "help": _help(look, report),
        "blank": str(look.blank),
        "options": options,
        # Units are looked for by name; other long lists too.
        "filter": any(o["group"] for o in options) or len(options) > FILTER_FROM,
        "chosen_count": sum(o["selected"] for o in options),
        "suggestion": suggestion,
        "chips": chips,
        "value": chosen[-1] if chosen else "",
        "errors": errors.get(name, []),
    }


def _file_input(action: str, name: str, errors: dict) -> dict:
    label, accept = FILE_INPUTS[name]
    help_text = _("Up to %(n)d photos.") % {"n": settings.PHANANH_MAX_PHOTOS} if name == "photos" else ""
    return {
        "name": name,
        "id": f"{action}-{name}",
        "kind": "files",
        "label": str(label),
        "required": False,
        "help": help_text,
        "accept": accept,
        "errors": errors.get(name, []),
    }


def form_inputs(action: str, report, actor, *, values=None, errors=None, offers=None) -> list[dict]:
    """The inputs of one action's form for this person: the schema's fields, then the files."""
    errors = errors or {}
    inputs = [
        _bind(action, name, info, report=report, actor=actor, values=values, errors=errors, offers=offers)
        for name, info in schema_fields(action).items()
        if (shows := _look(action, name).shows) is None or shows(report, actor)
    ]
    if ACTIONS[action].takes_files:
        inputs += [_file_input(action, name, errors) for name in FILE_INPUTS]
    return inputs


def action_forms(report, actor, allowed: list[str], *, failed: str = "", values=None, errors=None) -> list:
    """The forms of the actions this person may take now; the failed one keeps its input and errors."""
    forms = []
    for action in allowed:
        is_failed = action == failed
        field_errors = (errors or {}) if is_failed else {}
        offers = suggestion_chips.offers(report, actor, action)
        inputs = form_inputs(
            action, report, actor, values=values if is_failed else None, errors=field_errors, offers=offers
        )
        names = {i["name"] for i in inputs}
        redaction = None
        if action == "publish" and report.wants_public:
            redaction = publish_context(report, values=values if is_failed else None, errors=field_errors)
            names |= handled_errors(field_errors)
        forms.append(
            ActionForm(
                action=action,
                label=str(ACTIONS[action].label),
                fields=inputs,
                intro=_intro(action, report),
                multipart=ACTIONS[action].takes_files,
                open=is_failed,
                # Errors about something that is not an input of the form are shown above it.
                errors=[m for name, msgs in field_errors.items() if name not in names for m in msgs],
                redaction=redaction,
                suggested=suggestion_chips.hidden_offer(offers, action),
            )
        )
    return forms


# --- reading a posted form -----------------------------------------------------------------------


@dataclass
class Posted:
    data: dict
    photos: list
    documents: list


def read_action(action: str, *, post, files) -> Posted:
    """The posted values of the schema's fields, and the files, for `services.transition`.

    A list field gets every value posted; another field its value. Values left empty are left
    out, so that the schema's default applies, or its "required" error. Nothing is converted or
    checked here: the service validates with the schema, after it has checked who may act.
    """
    data: dict = {}
    for name, info in schema_fields(action).items():
        posted = [v for v in post.getlist(name) if v.strip()]
        if get_origin(_bare(info.annotation)) is list:
            if posted:
                data[name] = posted
        elif posted:
            data[name] = posted[-1]
    if action == "publish":
        data.update(read_publish(post))
    return Posted(data, files.getlist("photos"), files.getlist("documents"))
