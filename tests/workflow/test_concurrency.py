"""Two people act on the same report at the same moment: exactly one wins.

Each request runs in its own thread with its own database connection, as two web requests
would. Both load the report, wait for each other at a barrier, then act. The transition
service locks the row (select_for_update on PostgreSQL; SQLite's IMMEDIATE transactions queue
writers) and saves with a compare-and-swap on the version, so the slower one gets a 409
Conflict, and the timeline gets one event.
"""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connections

from phananh.core.errors import Conflict
from phananh.org.models import Role, User
from phananh.reports.models import Report
from phananh.reports.statuses import Status
from phananh.workflow.models import Event, EventKind
from phananh.workflow.services import transition
from tests.reporter import answer as info_provided

ROUNDS = 3


def _in_memory_sqlite() -> bool:
    """Whether the test database is SQLite in memory (pytest-django's default for SQLite).

    It lives in one shared cache, where SQLite's table locks fail a second writer at once
    ("database table is locked") instead of making it wait, so two simultaneous requests
    cannot be tested there. The file database that deployments use does wait (IMMEDIATE
    transactions, timeout 20 s), and these tests pass on it when TEST NAME is a file.
    """
    db = settings.DATABASES["default"]
    name = str((db.get("TEST") or {}).get("NAME") or "")
    return db["ENGINE"].endswith("sqlite3") and (not name or name == ":memory:" or "mode=memory" in name)


pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # Never skipped on PostgreSQL: `make test-postgres` runs these with real threads.
    pytest.mark.skipif(
        _in_memory_sqlite(),
        reason="two writers at once need PostgreSQL or a file SQLite database; "
        "the in-memory SQLite test database fails the second writer instead of queueing it",
    ),
]


def race(*requests):
    """Run each request in its own thread, all starting together; return what each got."""
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def run(i, request):
        try:
            results[i] = ("ok", request(barrier))
        except Exception as error:  # noqa: BLE001 - the test looks at what each request got
            results[i] = ("error", error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    return results


def acting(actor, action, report_pk, **data):
    """A request: load the report, wait for the other request, act."""

    def request(barrier):
        report = Report.objects.get(pk=report_pk)
        barrier.wait()
        return transition(report=report, actor=actor, action=action, data=data)

    return request


def answering(report_pk, text):
    """The reporter's request: load the report, wait, answer the question."""

    def request(barrier):
        report = Report.objects.get(pk=report_pk)
        barrier.wait()
        return info_provided(report=report, text=text)

    return request


def one_wins(results):
    """Exactly one request went through; every other one got a 409 Conflict."""
    winners = [i for i, (outcome, _value) in enumerate(results) if outcome == "ok"]
    losers = [value for outcome, value in results if outcome == "error"]
    assert len(winners) == 1, results
    assert all(isinstance(error, Conflict) and error.status == 409 for error in losers), losers
    assert all(error.code in ("concurrent_update", "invalid_status") for error in losers), losers
    return winners[0]


@pytest.fixture
def lien(ioc):
    """Another operator on duty with lan."""
    return User.objects.create_user(username="lien", password="x", role=Role.OPERATOR, unit=ioc)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_lan_accepts_twice_at_the_same_moment(round_, people, submit, road):
    report = submit()
    lan = people["lan"]

    results = race(
        acting(lan, "accept", report.pk, category=road.code),
        acting(lan, "accept", report.pk, category=road.code),
    )

    one_wins(results)
    report.refresh_from_db()
    assert report.status == Status.ACCEPTED
    assert report.version == 1
    assert Event.objects.filter(report=report, kind=EventKind.ACCEPTED).count() == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_lan_rejects_while_lien_accepts(round_, people, lien, submit, road):
    report = submit()

    results = race(
        acting(people["lan"], "reject", report.pk, reason="trung-lap"),
        acting(lien, "accept", report.pk, category=road.code),
    )

    winner = one_wins(results)
    report.refresh_from_db()
    assert report.status == [Status.REJECTED, Status.ACCEPTED][winner]
    assert report.version == 1
    kinds = list(report.events.exclude(kind=EventKind.SUBMITTED).values_list("kind", flat=True))
    assert kinds == [[EventKind.REJECTED, EventKind.ACCEPTED][winner]]
    assert report.steps.filter(finished_at__isnull=False).count() == (1 if winner == 0 else 0)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_hung_assigns_while_binh_returns(round_, people, so_xd, submit, road):
    report = submit()
    transition(report=report, actor=people["lan"], action="accept", data={"category": road.code})
    transition(report=report, actor=people["lan"], action="dispatch", data={"unit": so_xd.pk})

    results = race(
        acting(people["hung"], "assign", report.pk, handler=people["tuan"].pk),
        acting(people["binh"], "return", report.pk, reason="Không thuộc thẩm quyền"),
    )

    winner = one_wins(results)
    report.refresh_from_db()
    assert report.status == [Status.IN_PROGRESS, Status.RETURNED][winner]
    assert report.version == 3
    assert report.events.filter(kind__in=[EventKind.ASSIGNED, EventKind.RETURNED]).count() == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_the_reporter_answers_while_lan_rejects(round_, people, submit):
    report = submit()
    transition(report=report, actor=people["lan"], action="request_info", data={"question": "Ở đâu?"})

    results = race(
        answering(report.pk, "Trước số 12"),
        acting(people["lan"], "reject", report.pk, reason="thieu-thong-tin"),
    )

    winner = one_wins(results)
    report.refresh_from_db()
    assert report.status == [Status.SUBMITTED, Status.REJECTED][winner]
    assert report.version == 2
    assert report.events.filter(kind__in=[EventKind.INFO_PROVIDED, EventKind.REJECTED]).count() == 1
