"""Whether the operator took what the model suggested: written on the accept and dispatch events."""

from __future__ import annotations


def _rank(offered: list, chosen) -> int | None:
    """1 for the first suggestion, 2 or 3; None when the choice was none of them."""
    return offered.index(chosen) + 1 if chosen in offered else None


def taken(
    suggested, *, field: str | None = None, urgency: str | None = None, unit: int | None = None
) -> dict:
    """{"version", "field_taken", "field_rank", ...} for what this action decided.

    Taken means the first suggestion was chosen; the rank says which one was, when it was
    among the three. Only what the action decides is recorded (a dispatch decides the unit).
    """
    found: dict = {"version": suggested.version}
    decided = {"field": (suggested.category, field), "urgency": (suggested.urgency, urgency)}
    decided["unit"] = (suggested.unit, unit)
    for name, (offered, chosen) in decided.items():
        if chosen is None or not offered:
            continue
        rank = _rank([str(o) for o in offered], str(chosen))
        found[f"{name}_taken"] = rank == 1
        found[f"{name}_rank"] = rank
    return found
