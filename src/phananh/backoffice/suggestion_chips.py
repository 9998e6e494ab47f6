"""The learned suggestions on the IOC's accept and dispatch forms: three chips per decision.

One click on a chip chooses it in the form (suggestions.js); the form's default is the first
suggestion only where nothing was chosen yet; the operator still sends the form. A hidden input
tells the transition service what was offered, so that the event records whether it was taken.
"""

from __future__ import annotations

import json

from phananh.org.access import is_ioc
from phananh.reports.statuses import Status, Urgency
from phananh.triage.selectors import report_suggestions

# (action, form field) → the suggestion's key and how its value is named in the form.
CHIPPED = {
    ("accept", "category"): "field",
    ("accept", "urgency"): "urgency",
    ("accept", "lead_unit"): "unit",
    ("dispatch", "unit"): "unit",
}


def offers(report, actor, action: str) -> dict | None:
    """The suggestions for this form, or None when it has none (not the IOC's reception)."""
    if action not in ("accept", "dispatch") or not is_ioc(actor):
        return None
    if action == "dispatch" and report.status not in (Status.ACCEPTED, Status.RETURNED):
        return None
    return report_suggestions(report)


def _value(key: str, item: dict) -> str:
    return str(item["id"] if key == "unit" else item["code"] if key == "field" else item["value"])


def chips(suggestions: dict | None, action: str, name: str, options: list) -> list[dict]:
    """The chips of one input: value, label and score (as a percentage), best first."""
    key = CHIPPED.get((action, name))
    if not suggestions or key is None:
        return []
    labels = {str(o[0]): o[1].lstrip("— ") for o in options}
    if key == "urgency":
        labels = {u.value: str(u.label) for u in Urgency}
    found = []
    for item in suggestions.get(key, []):
        value = _value(key, item)
        if value in labels:
            found.append({"value": value, "label": labels[value], "percent": round(item["score"] * 100)})
    return found


def hidden_offer(suggestions: dict | None, action: str) -> str:
    """What the hidden `suggested` input posts: the version and the values offered, best first."""
    if not suggestions:
        return ""
    offered = {
        "version": suggestions["model"]["version"],
        "unit": [u["id"] for u in suggestions.get("unit", [])],
    }
    if action == "accept":
        offered["category"] = [f["code"] for f in suggestions.get("field", [])]
        offered["urgency"] = [u["value"] for u in suggestions.get("urgency", [])]
    return json.dumps(offered)
