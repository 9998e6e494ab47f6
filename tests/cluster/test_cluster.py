"""The deployment proved on one machine: two app nodes, two RQ workers and the periodic runner on
one PostgreSQL, one Redis, one S3-compatible store and one mail server, all on loopback.

A burst of reports (half with a photo) goes to both nodes while an operator accepts and dispatches
some of them; one node and one worker are killed with SIGKILL mid-burst and started again. Then:
every report a client got a 201 for exists once with its photos in the bucket, no report is
duplicated, every message due went to the mail server exactly once (by Message-ID), and every
reminder of the deadline sweeper was sent once. The figures a reader of `docs/decisions.md` wants
(throughput, the latency clients saw, what the kill cost) are printed.

Run by `make test-cluster` (which `make test` calls): `pytest -m cluster tests/cluster`.
PostgreSQL or Redis not answering fails the test; it is never skipped.
"""

from __future__ import annotations

import json
import logging
import re
import statistics
import threading
import time
from collections import Counter
from datetime import datetime

import pytest
import requests
from django_otp.oath import TOTP
from django_tasks_rq import Job
from rq import Worker
from rq.registry import FailedJobRegistry, StartedJobRegistry

from phananh.demo.data import DEMO_TOTP_KEY

from .burst import Burst, submissions
from .harness import Cluster, ServiceMissing

pytestmark = pytest.mark.cluster

SUBMISSIONS = 200
SETTLE_SECONDS = 150
STAFF_EMAIL = "dieuphoi"


@pytest.fixture
def cluster(tmp_path):
    # The mail server runs in this process; its per-command log would bury the test's output.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    running = Cluster(workdir=tmp_path)
    try:
        running.check_services()
        running.create_database()
        running.start_mail()
        running.start_object_store()
    except ServiceMissing as error:
        running.close()
        pytest.fail(str(error), pytrace=False)
    try:
        yield running
    finally:
        running.close()


class Killer:
    """SIGKILLs node 1 and a busy worker once a third of the burst is answered; restarts them 3 s later."""

    def __init__(self, cluster: Cluster, at: int):
        self.cluster, self.at = cluster, at
        self.fired = threading.Event()
        self.restarted = threading.Event()
        self.killed_job: str | None = None
        self.killed_task = "none"
        self.worker = "worker0"
        self.thread: threading.Thread | None = None

    def __call__(self, done: int) -> None:
        if done >= self.at and not self.fired.is_set():
            self.fired.set()
            self.thread = threading.Thread(target=self.kill_and_restart, name="killer")
            self.thread.start()

    def busy_worker(self) -> tuple[str, str | None]:
        """The worker that is running a job (worker 0 if none is within 3 s), and that job's id."""
        names = {self.cluster.procs[f"worker{i}"].argv[-2]: f"worker{i}" for i in range(self.cluster.workers)}
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            for worker in Worker.all(connection=self.cluster.redis()):
                if worker.name in names and (job_id := worker.get_current_job_id()):
                    return names[worker.name], job_id
            time.sleep(0.05)
        return "worker0", None

    def kill_and_restart(self) -> None:
        # A worker killed under a job is the case worth proving: the job must not be lost.
        self.worker, job_id = self.busy_worker()
        job = Job.fetch(job_id, connection=self.cluster.redis()) if job_id else None
        self.killed_job = job_id
        self.killed_task = f"{job.func_name}{tuple(job.args)}" if job else "none"
        self.cluster.procs["node1"].kill()
        self.cluster.procs[self.worker].kill()
        time.sleep(3)
        self.cluster.start_node(1)
        self.cluster.start_worker(int(self.worker.removeprefix("worker")))
        self.cluster.wait_node(1)
        self.restarted.set()


def snapshot(cluster: Cluster) -> dict:
    return json.loads(cluster.python_module("tests.cluster.dbtool", "snapshot"))


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def pending(snap: dict, inbox, burst: Burst, now: datetime) -> list[str]:
    """What the cluster still owes: an empty list once every message and reminder is out."""
    owed = []
    unsent = [d for d in snap["deliveries"] if d["status"] != "sent"]
    if unsent:
        errors = Counter((d["status"], d["purpose"], d["last_error"]) for d in unsent)
        owed.append(f"{len(unsent)} deliveries not sent: {errors.most_common(3)}")
    received = {(d["code"], d["purpose"]) for d in snap["deliveries"]}
    for report in snap["reports"]:
        told = (report["code"], "report_received") in received
        if report["email"] and not report["anonymous"] and not told:
            owed.append(f"{report['code']}: no report_received message")
    for code in burst.dispatched:
        wanted = ["staff_dispatched", *(["report_dispatched"] if code_of_email(snap, code) else [])]
        owed += [f"{code}: no {purpose} message" for purpose in wanted if (code, purpose) not in received]
    for step in snap["steps"]:
        started, deadline = _when(step["started"]), _when(step["deadline"])
        due = started + (deadline - started) * 0.2
        running = step["kind"] == "reception" and not step["finished"] and not step["paused"]
        # A few seconds' grace: the periodic runner sweeps every 2 s and a worker may be busy.
        if running and (now - due).total_seconds() > 8 and not step["reminded"]:
            owed.append(f"{step['code']}: reception step not reminded")
    sent = sum(1 for d in snap["deliveries"] if d["status"] == "sent")
    if len(inbox.messages) < sent:
        owed.append(f"{sent - len(inbox.messages)} sent messages not yet in the mailbox")
    return owed


def recover_abandoned(cluster: Cluster, recovered: list[str]) -> list[str]:
    """RQ's own maintenance, run now rather than in its 10 minutes: the jobs whose worker's heartbeat
    stopped (90 s) are enqueued again (their retries) by the same `StartedJobRegistry.cleanup`."""
    registry = StartedJobRegistry("default", connection=cluster.redis(), job_class=Job)
    expired = registry.get_expired_job_ids()
    if expired:
        registry.cleanup()
        recovered += expired
    # Without cleanup=False the listing would run the cleanup itself, uncounted.
    return registry.get_job_ids(cleanup=False)


def settle(cluster: Cluster, burst: Burst, killer: Killer, recovered: list[str]) -> dict:
    """Wait, bounded, until nothing more is owed; the last snapshot, or a failure saying what is owed."""
    deadline = time.monotonic() + SETTLE_SECONDS
    owed = ["nothing read yet"]
    while time.monotonic() < deadline:
        now = datetime.now().astimezone()
        started = recover_abandoned(cluster, recovered)
        snap = snapshot(cluster)
        owed = pending(snap, cluster.inbox, burst, now)
        if killer.killed_job in started:
            owed.append(f"the killed worker's job {killer.killed_task} waits for its heartbeat to expire")
        if not owed:
            return snap
        time.sleep(2)
    tails = "\n".join(f"--- {name}\n{proc.tail(15)}" for name, proc in cluster.procs.items())
    pytest.fail(f"The cluster still owed after {SETTLE_SECONDS} s: {owed[:10]}\n{tails}", pytrace=False)


def demo_code() -> str:
    """The code of the demo key now: the IOC's demo account signs in with two-step verification."""
    totp = TOTP(DEMO_TOTP_KEY)
    totp.time = time.time()
    return f"{totp.token():06d}"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def test_a_burst_survives_a_killed_node_and_worker(cluster, capsys):
    began = time.monotonic()
    # Given a migrated database with the demo province, short reception deadlines, and every process
    cluster.manage("migrate", "--no-input", "-v", "0")
    cluster.manage("seed_demo")
    plan = json.loads(cluster.python_module("tests.cluster.dbtool", "prepare"))
    cluster.start_all()
    nodes = [cluster.node_url(0), cluster.node_url(1)]
    answer = requests.post(
        f"{nodes[0]}/api/v1/auth/token",
        json={"username": STAFF_EMAIL, "password": "PhanAnh@2026", "name": "cluster", "otp": demo_code()},
        timeout=20,
    )
    assert answer.status_code == 201, answer.text
    subs = submissions(cluster.run_id, SUBMISSIONS)

    # When the burst runs, and a node and a worker die with SIGKILL a third of the way through
    killer = Killer(cluster, at=SUBMISSIONS // 3)
    burst = Burst(
        nodes=lambda: nodes,
        token=answer.json()["token"],
        lead_unit=plan["lead_unit"],
        category=plan["category"],
        on_progress=killer,
    )
    burst_started = time.monotonic()
    burst.run(subs)
    assert killer.fired.is_set(), "the kill never happened"
    killer.thread.join(timeout=90)
    assert killer.restarted.is_set(), f"node1 did not come back:\n{cluster.procs['node1'].tail()}"
    settling = time.monotonic()
    recovered: list[str] = []
    snap = settle(cluster, burst, killer, recovered)
    settled = time.monotonic()
    keys = cluster.bucket_keys()
    redis = cluster.redis()
    if killer.killed_job:
        # The job the dead worker had was run again, to its end.
        assert Job.fetch(killer.killed_job, connection=redis).get_status() == "finished"
    failed_jobs = FailedJobRegistry("default", connection=redis).get_job_ids()
    started_jobs = StartedJobRegistry("default", connection=redis).get_job_ids()

    # Then every report whose client got a 201 exists once, under the key it was sent with
    by_key = {sub.key: sub for sub in subs}
    created = {subs[call.index].key: call for call in burst.calls if call.status == 201}
    refused = [call for call in burst.calls if call.status != 201]
    assert not refused, f"submissions not accepted: {[(c.index, c.status, c.error) for c in refused][:10]}"
    codes = Counter(report["code"] for report in snap["reports"])
    assert not [code for code, n in codes.items() if n > 1]
    for key, call in created.items():
        assert snap["keys"].get(key) == call.body["tracking_code"], f"{key}: another report than the client's"
    # ... and no report is duplicated: one report per submission, whatever the retries
    mine = f"Cluster {cluster.run_id} "
    titles = Counter(r["title"] for r in snap["reports"] if r["title"].startswith(mine))
    assert titles == Counter(sub.title for sub in subs)

    # ... with its photo and thumbnail in the bucket, and nothing of it on the nodes' disks
    assert snap["storage"]["bucket"] == cluster.bucket, snap["storage"]
    location = snap["storage"]["location"].strip("/")
    photos = {a["code"]: a for a in snap["attachments"] if a["kind"] == "photo"}
    for key, call in created.items():
        photo = photos.get(call.body["tracking_code"])
        if by_key[key].photo is None:
            assert photo is None
            continue
        assert photo is not None, f"{key}: the photo was lost"
        for name in (photo["file"], photo["thumbnail"]):
            assert (f"{location}/{name}" if location else name) in keys, f"{name} is not in the bucket"

    # And every message due went to the mail server exactly once, as its Message-ID says
    ids = Counter()
    for received in cluster.inbox.messages:
        found = re.fullmatch(r"<delivery-(\d+)@[^>]+>", received["message"]["Message-ID"] or "")
        assert found, f"a message without a delivery's Message-ID: {received['message']['Subject']}"
        ids[int(found.group(1))] += 1
    deliveries = {d["id"]: d for d in snap["deliveries"]}
    twice = {pk: n for pk, n in ids.items() if n > 1}
    assert not twice, f"sent more than once: {[(deliveries[pk]['purpose'], n) for pk, n in twice.items()]}"
    assert set(ids) == set(deliveries), f"deliveries never received: {set(deliveries) - set(ids)}"
    purposes = Counter(d["purpose"] for d in snap["deliveries"])
    burst_titles = {sub.title for sub in subs}
    assert not burst_titles & set(snap["other_channel_titles"]), "a burst report was told by SMS"
    email_reports = [r for r in snap["reports"] if r["email"] and not r["anonymous"]]
    assert purposes["report_received"] == len(email_reports)
    assert len(burst.dispatched) > 0
    dispatched_events = Counter(d["code"] for d in snap["dispatches"])
    for code in burst.dispatched:
        assert dispatched_events[code] == 1
    by_purpose = Counter((d["code"], d["purpose"]) for d in snap["deliveries"])
    for code in burst.dispatched:
        assert by_purpose[(code, "staff_dispatched")] >= 1
        assert by_purpose[(code, "report_dispatched")] == (1 if code_of_email(snap, code) else 0)

    # And the sweeper reminded each late step once: one notification per person, one email each
    reminders = [n for n in snap["notifications"] if n["kind"] == "deadline_near"]
    assert reminders, "the sweeper sent no reminder"
    per_person = Counter((n["recipient"], n["code"]) for n in reminders)
    assert max(per_person.values()) == 1, [k for k, n in per_person.items() if n > 1]
    reminded_steps = [s for s in snap["steps"] if s["reminded"]]
    assert {s["code"] for s in reminded_steps} == {n["code"] for n in reminders}
    mailed = Counter(d["key"] for d in snap["deliveries"] if d["purpose"] == "staff_deadline_near")
    for note in reminders:
        if note["email"]:
            assert mailed[f"staff:{note['id']}"] == 1
            assert ids[next(d["id"] for d in snap["deliveries"] if d["key"] == f"staff:{note['id']}")] == 1

    latencies = [call.seconds for call in burst.calls]
    retried = [call for call in burst.calls if call.retries]
    staff_retries = sum(call.retries for call in burst.staff_calls)
    extra_attempts = sum(d["attempts"] - 1 for d in snap["deliveries"] if d["attempts"] > 1)
    with capsys.disabled():
        print(
            "\n"
            f"cluster: {len(created)} reports in {burst.seconds:.1f} s = "
            f"{len(created) / burst.seconds:.1f}/s "
            f"over 2 nodes x {cluster.web_concurrency} workers; "
            f"{sum(1 for s in subs if s.photo)} with a photo; "
            f"{len(burst.staff_calls)} staff actions ({len(burst.accepted)} accepted, "
            f"{len(burst.dispatched)} dispatched)\n"
            f"cluster: client latency p50 {statistics.median(latencies) * 1000:.0f} ms, "
            f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms\n"
            f"cluster: the kill cost {sum(c.retries for c in retried)} client retries on {len(retried)} "
            f"submissions and {staff_retries} on staff actions; {extra_attempts} extra delivery "
            f"attempts; in the killed worker: {killer.killed_task}; {len(recovered)} abandoned jobs "
            f"enqueued again, {len(failed_jobs)} failed, {len(started_jobs)} still started\n"
            f"cluster: {len(cluster.inbox.messages)} emails received once each "
            f"({dict(purposes)}); {len(reminded_steps)} steps reminded; "
            f"{len(keys)} objects in the bucket\n"
            f"cluster: set-up {burst_started - began:.0f} s, burst {burst.seconds:.0f} s, "
            f"settled {settled - settling:.0f} s after the burst"
        )


def code_of_email(snap: dict, code: str) -> bool:
    report = next(r for r in snap["reports"] if r["code"] == code)
    return bool(report["email"]) and not report["anonymous"]
