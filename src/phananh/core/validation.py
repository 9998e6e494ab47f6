"""One way to say what is wrong with input, whatever checked it.

Every door (a page, the API, a channel) validates with a pydantic schema; its errors become one
`ValidationFailed`: `fields` maps each field to its messages (in the user's language, to show
next to the input), `errors` lists each problem with its own stable code, and the top `code` is
that problem's code when there is one, or `invalid_input` when several fields are wrong.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from .errors import ValidationFailed

# The one code of an answer that lists several problems.
SEVERAL_PROBLEMS = "invalid_input"

Problem = tuple[str, str, str]  # field, code, message


def problem(code: str, message: str, *, field: str | None = None) -> PydanticCustomError:
    """Raise this from a validator: `code` is the problem's stable code, `message` its words.

    `field` files the problem under another field of the same schema: a rule checked on a
    later field that concerns an earlier one (a longitude given without its latitude).
    """
    context = {"message": str(message)}
    if field:
        context["field"] = field
    return PydanticCustomError(code, "{message}", context)


def several(items: Iterable[Problem]) -> PydanticCustomError:
    """Raise this from a validator that found several problems at once (the answers to a field's
    questions): each is listed under its own field, with its own code."""
    items = [list(item) for item in items]
    return PydanticCustomError(items[0][1], "{message}", {"message": items[0][2], "problems": items})


def problems_error(items: Iterable[Problem]) -> ValidationFailed:
    """One error for many problems: the code is the problem's own when there is only one."""
    items = list(items)
    fields: dict[str, list[str]] = {}
    for name, _code, message in items:
        fields.setdefault(name, []).append(message)
    if len(items) == 1:
        code, message = items[0][1], items[0][2]
    else:
        code, message = SEVERAL_PROBLEMS, _("Some information is missing or not valid.")
    errors = [{"field": n, "code": c, "message": m} for n, c, m in items]
    return ValidationFailed(code, message, fields=fields, errors=errors)


def _builtin(error: dict, name: str) -> tuple[str, str]:
    """The code and the words of one of pydantic's own errors (its messages are English)."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing" or (kind in ("string_too_short", "too_short") and ctx.get("min_length") == 1):
        return f"{name}_required" if name else "required", _("This field is required.")
    if kind in ("string_too_long", "too_long"):
        limit = ctx.get("max_length", 0)
        return f"{name}_too_long", _("At most %(limit)d characters.") % {"limit": limit}
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", ""))
        return "invalid_choice", _("Allowed values: %(values)s.") % {"values": expected}
    if kind.startswith("datetime") or kind.startswith("date_"):
        return "invalid_datetime", _("Enter a date and a time.")
    if kind.startswith("bool"):
        return "invalid_type", _("This must be true or false.")
    if kind.startswith(("int", "float", "decimal")):
        return "invalid_type", _("This must be a number.")
    if kind.startswith("string") or kind.startswith("list") or kind.endswith("_type"):
        return "invalid_type", _("Not valid.")
    return "invalid_input", _("Not valid.")


def _field_name(loc: tuple, drop: int, sibling: str | None = None) -> str:
    parts = [str(part) for part in loc[drop:]]
    # A problem with one item of a list belongs to the list: "cooperating_units.0" → the field.
    while parts and parts[-1].isdigit():
        parts.pop()
    if sibling:  # filed by `problem(..., field=...)` under another field beside this one
        parts[-1:] = [sibling]
    return ".".join(parts)


def validation_failed(
    exc: PydanticValidationError,
    *,
    drop: int = 0,
    codes: dict | None = None,
    generic: str | None = None,
    required: dict | None = None,
) -> ValidationFailed:
    """Turn a schema's errors into one ValidationFailed.

    `drop` leaves out the first parts of each location (a union's member name); `codes` maps a
    field to the code of its problems with a builtin check (e.g. {"kind": "invalid_kind"});
    `generic`, when given, is the code of every other problem with a builtin check (the
    workflow's actions answer `invalid_input` for those, as they always have); `required` maps a
    field to what a person is told when it is missing or empty (code `<field>_required`).
    """
    items: list[Problem] = []
    for error in exc.errors():
        ctx = error.get("ctx") or {}
        if "problems" in ctx:  # raised by a validator through `several()`
            items.extend(tuple(item) for item in ctx["problems"])
            continue
        name = _field_name(tuple(error["loc"]), drop, ctx.get("field"))
        if "message" in ctx:  # raised by a validator through `problem()`
            code, message = error["type"], ctx["message"]
        else:
            code, message = _builtin(error, name)
            if code == f"{name}_required" and name in (required or {}):
                message = str(required[name])
            elif code in ("invalid_choice", "invalid_type") and name in (codes or {}):
                code = codes[name]
            elif generic:
                code = generic
        items.append((name or "payload", code, message))
    return problems_error(items)
