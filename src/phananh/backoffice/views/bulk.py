"""Xử lý hàng loạt: merge several reports into one original, or reject them with one reason.

A storm brings forty reports of the same fallen tree. Each report still goes through the
transition service on its own — one call, one event, its own transaction — so a refusal for one
(another operator handled it a moment before) is told for that report and the others are done.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from phananh.core.errors import ApplicationError
from phananh.reports.codes import normalise_tracking_code
from phananh.workflow import services
from phananh.workflow.actions import ACTIONS
from phananh.workflow.selectors import staff_report

from ..decorators import staff_required

BULK_ACTIONS = ("merge", "reject")
# More than a page of the list is a mistake, not a storm.
MAX_REPORTS = 100


@dataclass(frozen=True)
class Picked:
    """One report ticked on the list, and the version the operator saw there."""

    code: str
    version: int | None


def may_bulk(user) -> bool:
    """Merging and rejecting are the IOC operators' decisions, one by one or several at once."""
    return all(user.role in ACTIONS[action].roles for action in BULK_ACTIONS)


def bulk_statuses() -> frozenset[str]:
    """The statuses from which a report can be merged or rejected: only those get a tick box."""
    return ACTIONS["merge"].from_statuses & ACTIONS["reject"].from_statuses


def _picked(values: list[str]) -> list[Picked]:
    # Each box posts "CODE:VERSION"; a repeated code counts once.
    seen: dict[str, Picked] = {}
    for value in values[:MAX_REPORTS]:
        code, _sep, version = value.partition(":")
        code = normalise_tracking_code(code)
        if code and code not in seen:
            seen[code] = Picked(code, int(version) if version.isdigit() else None)
    return list(seen.values())


def _data(action: str, post) -> tuple[dict, str]:
    """The one payload every report gets, and what is missing from it (a single message)."""
    note = post.get("note", "").strip()
    if action == "merge":
        into = normalise_tracking_code(post.get("into", "")) or post.get("into", "").strip()
        missing = "" if into else _("Enter the tracking code of the original report.")
        return {"into": into, "note": note}, missing
    reason = post.get("reason", "").strip()
    return {"reason": reason, "note": note}, "" if reason else _("Choose a reason for the rejection.")


def _refusal(exc: ApplicationError) -> str:
    # A field's own message says more than "some information is not valid".
    for field_messages in exc.fields.values():
        if field_messages:
            return field_messages[0]
    return exc.message


def _take_one(user, picked: Picked, action: str, data: dict) -> str:
    """Take the action on one report; '' when done, else why it was refused."""
    report = staff_report(user=user, tracking_code=picked.code)
    if report is None:
        return _("No report has this tracking code.")
    if picked.version is not None:
        # The version the list showed: a report someone acted on since is refused (409).
        report.version = picked.version
    try:
        services.transition(report=report, actor=user, action=action, data=data)
    except ApplicationError as exc:
        return _refusal(exc)
    return ""


def _back(request):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("backoffice:home")


def _tell(request, action: str, data: dict, done: list[str], refused: list[tuple[str, str]]) -> None:
    if done and action == "merge":
        text = ngettext(
            "%(n)d report was merged into %(into)s.", "%(n)d reports were merged into %(into)s.", len(done)
        )
        messages.success(request, text % {"n": len(done), "into": data["into"]})
    elif done:
        text = ngettext("%(n)d report was rejected.", "%(n)d reports were rejected.", len(done))
        messages.success(request, text % {"n": len(done)})
    for code, why in refused:
        messages.error(request, _("%(code)s was not changed: %(why)s") % {"code": code, "why": why})


@staff_required
@require_POST
def bulk_action(request):
    """Merge or reject the ticked reports, each on its own; then back to the list, with the outcome."""
    if not may_bulk(request.user):
        raise PermissionDenied
    action = request.POST.get("action", "")
    picked = _picked(request.POST.getlist("report"))
    if action not in BULK_ACTIONS or not picked:
        messages.error(request, _("Tick the reports first, then choose what to do with them."))
        return _back(request)
    data, missing = _data(action, request.POST)
    if missing:
        messages.error(request, missing)
        return _back(request)
    done: list[str] = []
    refused: list[tuple[str, str]] = []
    for one in picked:
        if action == "merge" and one.code == data["into"]:
            continue  # The original itself, ticked with its duplicates, stays as it is.
        why = _take_one(request.user, one, action, data)
        if why:
            refused.append((one.code, why))
        else:
            done.append(one.code)
    _tell(request, action, data, done, refused)
    return _back(request)
