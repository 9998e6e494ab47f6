"""The rules of the core, read from the source: one door for every write to a report, and apps
that depend on each other in one direction only.

- Only the transition service (`workflow/services.py`) writes events, locks a report, moves its
  version or sets a status with `update(status=...)`.
- An app imports only apps below it in the order written in `docs/decisions.md`, at module level
  or inside a function alike.

Each checker is also fed a few lines that break its rule, so that these tests can fail.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "phananh"
DECISIONS = ROOT / "docs" / "decisions.md"

THE_SERVICE = "workflow/services.py"
# Files that set the `status` of something that is not a report, each with what it is.
OTHER_STATUSES = {
    "notify/delivery.py": "Delivery.status: whether a message went out, not a report's status",
    "core/task_recovery.py": (
        "DBTaskResult.status: a background task a dead worker left running, put back or failed"
    ),
}
# Files that lock rows that are not a report's, each with what it locks.
OTHER_LOCKS = {
    "notify/sweeper.py": (
        "the steps of one sweep batch (FOR UPDATE OF the steps only, SKIP LOCKED): two sweeps share "
        "the due steps; it never waits for a lock and never locks a report"
    ),
    "notify/channels/zalo.py": (
        "the Zalo OA's token row while it is renewed, so that two nodes never spend one refresh token"
    ),
    "channels/zalo.py": (
        "a Zalo event being handled (once) and its user's conversation: one event at a time per user"
    ),
}
# The data generator writes generated timelines in bulk, in the service's own event shapes
# (a million reports through `transition` one action at a time would take days). It may build
# and bulk-insert events, and nothing else: no lock, no status update, no version move.
GENERATOR = "stats/generator.py"
GENERATED_EVENTS = ("Event.objects.bulk_create", "Event(...)")
# Project-level modules: they mount every app.
TOP = {"api", "urls", "settings", "wsgi", "asgi"}


def _sources() -> list[Path]:
    return sorted(p for p in SOURCE.rglob("*.py") if "migrations" not in p.parts)


def _name(path: Path) -> str:
    return path.relative_to(SOURCE).as_posix()


# --- one door for every write --------------------------------------------------------------------


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        return f"{_dotted(node.func)}()"
    return "?"


def write_violations(source: str) -> list[str]:
    """What in `source` writes to a report outside the transition service."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            called = _dotted(node.func)
            keywords = {k.arg for k in node.keywords}
            if re.search(
                r"(^|\.)Event\.objects\.(create|bulk_create|get_or_create|update_or_create)$", called
            ):
                found.append(f"line {node.lineno}: {called}: events are written by the transition service")
            if called == "Event" or called.endswith(".Event"):
                found.append(f"line {node.lineno}: Event(...): events are written by the transition service")
            if called.endswith("select_for_update"):
                found.append(f"line {node.lineno}: select_for_update: only the transition service locks")
            if called.endswith(".update") and "status" in keywords:
                found.append(f"line {node.lineno}: update(status=...): statuses change through transition")
            if called == "F" and node.args and getattr(node.args[0], "value", None) == "version":
                found.append(f'line {node.lineno}: F("version"): only the transition service moves it')
    return found


def test_only_the_transition_service_writes_events_locks_and_statuses():
    problems = {}
    for path in _sources():
        name = _name(path)
        if name == THE_SERVICE:
            continue
        found = write_violations(path.read_text())
        if name in OTHER_STATUSES:
            found = [f for f in found if "update(status=" not in f]
        if name in OTHER_LOCKS:
            found = [f for f in found if "select_for_update" not in f]
        if name == GENERATOR:
            found = [f for f in found if not any(allowed in f for allowed in GENERATED_EVENTS)]
        if found:
            problems[name] = found
    assert problems == {}


def test_the_generator_is_allowed_bulk_events_only():
    assert write_violations("Event.objects.bulk_create(events)")
    assert (SOURCE / GENERATOR).exists()
    others = [
        f
        for f in write_violations((SOURCE / GENERATOR).read_text())
        if not any(allowed in f for allowed in GENERATED_EVENTS)
    ]
    assert others == []
    # The allowance is for that file alone.
    assert "Event(...)" in " ".join(write_violations("Event(kind='rated')"))


def test_the_transition_service_is_where_the_writes_are():
    # The rule above must not hold because the service moved: it still does all of this.
    found = " ".join(write_violations((SOURCE / THE_SERVICE).read_text()))
    assert "Event.objects.create" in found
    assert "select_for_update" in found
    assert 'F("version")' in found


@pytest.mark.parametrize(
    "line",
    [
        "Event.objects.create(report=r, kind='rated')",
        "from phananh.workflow import models\nmodels.Event.objects.create(report=r)",
        "Report.objects.select_for_update().get(pk=1)",
        "Report.objects.filter(pk=1).update(status='closed')",
        "Report.objects.filter(pk=1).update(version=F('version') + 1)",
        "Event(report=r).save()",
    ],
)
def test_a_write_outside_the_service_is_caught(line):
    assert write_violations(line)


def test_reads_and_other_writes_are_not_caught():
    assert not write_violations("Report.objects.filter(status='closed').update(is_public=True)")
    assert not write_violations("report.events.filter(kind='rated').count()")


# --- apps in one direction -----------------------------------------------------------------------


def documented_order() -> list[set[str]]:
    """The layers of apps, lowest first, from the line of docs/decisions.md that gives them."""
    for line in DECISIONS.read_text().splitlines():
        if line.strip().lstrip("- ").startswith("Apps depend in this order:"):
            order = line.split(":", 1)[1].strip().strip("`.")
            return [{app.strip() for app in layer.split(",")} for layer in order.split("←")]
    raise AssertionError("docs/decisions.md does not give the apps' order")


def _layer_of(order: list[set[str]]) -> dict[str, int]:
    layers = {app: i for i, layer in enumerate(order) for app in layer}
    layers.update(dict.fromkeys(TOP, len(order)))
    return layers


def _imported(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, app) of every import of a PhanAnh app, at module level or inside a function."""
    # What a relative import is relative to: the package itself for its __init__.
    package = module.split(".") if is_package else module.split(".")[:-1]
    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                names = [".".join([*base, node.module] if node.module else base)]
            else:
                names = [node.module or ""]
        for name in names:
            parts = name.split(".")
            if parts[0] == "phananh" and len(parts) > 1:
                found.append((node.lineno, parts[1]))
    return found


def import_violations(source: str, module: str, order: list[set[str]], is_package: bool = False) -> list[str]:
    """Imports in `module` (e.g. "phananh.reports.models") that run against `order`."""
    layers = _layer_of(order)
    app = module.split(".")[1]
    if app in TOP:
        return []  # the project's own modules mount every app
    mine = layers[app]
    found = []
    for line, other in _imported(ast.parse(source), module, is_package):
        if other == app:
            continue
        if other not in layers:
            found.append(f"line {line}: imports {other}, an app missing from the documented order")
        elif layers[other] >= mine:
            found.append(f"line {line}: {app} imports {other}, which is not below it")
    return found


def _module(path: Path) -> str:
    parts = ["phananh", *path.relative_to(SOURCE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_every_app_is_in_the_documented_order():
    order = documented_order()
    apps = {p.parent.name for p in SOURCE.glob("*/apps.py")}
    assert apps <= set().union(*order), apps - set().union(*order)


def test_apps_import_only_the_apps_below_them():
    order = documented_order()
    problems = {}
    for path in _sources():
        module = _module(path)
        if module.count(".") < 1:
            continue
        found = import_violations(path.read_text(), module, order, is_package=path.name == "__init__.py")
        if found:
            problems[_name(path)] = found
    assert problems == {}


ORDER = [{"core"}, {"org"}, {"reports"}, {"workflow"}, {"notify"}, {"portal", "backoffice"}]


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("phananh.core.text", "from phananh.reports.models import Report"),
        ("phananh.reports.services", "def f():\n    from phananh.workflow.services import transition"),
        ("phananh.workflow.services", "import phananh.notify.tasks"),
        ("phananh.portal.views", "from phananh.backoffice.forms import FORMS"),
        ("phananh.reports.api", "from ..workflow import services"),
        ("phananh.org.access", "from phananh.unknown import thing"),
    ],
)
def test_an_import_against_the_order_is_caught(module, source):
    assert import_violations(source, module, ORDER)


def test_imports_down_the_order_are_allowed():
    assert not import_violations("from phananh.reports.models import Report", "phananh.workflow.x", ORDER)
    assert not import_violations("from .models import Event", "phananh.workflow.services", ORDER)
    assert not import_violations("from ..core.text import fold", "phananh.portal.views", ORDER)
    assert not import_violations("from ..models import Delivery", "phananh.notify.channels", ORDER, True)
