"""Clients of the cluster: citizens' phones submitting reports and operators acting on them.

Each client behaves as the app's outbox does: one Idempotency-Key per report, kept across
retries; a connection error, a timeout or a 5xx is retried with the same key on the next node,
after a short pause, for at most `GIVE_UP_AFTER` seconds. What every call cost is recorded, so
that the test can print what a node's death cost the clients.
"""

from __future__ import annotations

import io
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests
from PIL import Image

GIVE_UP_AFTER = 60.0
REQUEST_TIMEOUT = 20.0


class Retryable(Exception):
    """An answer that says nothing about the request: the client sends it again."""


def small_jpeg(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (96, 72), (seed % 256, 90, 160)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


@dataclass
class Call:
    """One logical request as a client saw it: first send to final answer, however many tries."""

    what: str
    index: int
    status: int | None = None
    tries: int = 0
    seconds: float = 0.0
    body: dict = field(default_factory=dict)
    error: str = ""

    @property
    def retries(self) -> int:
        return max(self.tries - 1, 0)


def send(nodes: Callable[[], list[str]], start_node: int, call: Call, request) -> Call:
    """Send `request(base_url)` until it answers something other than a 5xx, or give up."""
    started = time.monotonic()
    node = start_node
    while True:
        call.tries += 1
        urls = nodes()
        try:
            answer = request(urls[node % len(urls)])
            if answer.status_code >= 500:
                raise Retryable(f"{answer.status_code}")
            call.status = answer.status_code
            try:
                call.body = answer.json()
            except ValueError:
                call.body = {}
            break
        except (requests.ConnectionError, requests.Timeout, Retryable) as error:
            call.error = f"{type(error).__name__}: {error}"[:200]
            if time.monotonic() - started > GIVE_UP_AFTER:
                break
            node += 1
            time.sleep(min(0.2 * call.tries, 1.5))
    call.seconds = time.monotonic() - started
    return call


@dataclass
class Submission:
    index: int
    key: str
    title: str
    fields: dict
    photo: bytes | None


def submissions(run_id: str, count: int) -> list[Submission]:
    """`count` reports: half with a photo, one in five anonymous, the others wanting email."""
    made = []
    for index in range(count):
        fields = {
            "title": f"Cluster {run_id} #{index}",
            "description": f"Vỉa hè đường Trần Đăng Ninh bị bong gạch, đoạn số {index}, đi lại khó khăn.",
            "latitude": f"{21.84 + (index % 50) * 0.0004:.6f}",
            "longitude": f"{106.75 + (index % 40) * 0.0004:.6f}",
            "consent": "true",
        }
        if index % 5 == 4:
            fields["anonymous"] = "true"
        else:
            fields |= {
                "reporter_name": f"Người dân {index}",
                "reporter_email": f"dan{index}@example.vn",
                "contact_channel": "email",
            }
        made.append(
            Submission(
                index=index,
                key=f"cluster-{run_id}-{index}",
                title=fields["title"],
                fields=fields,
                photo=small_jpeg(index) if index % 2 == 0 else None,
            )
        )
    return made


def submit(nodes, sub: Submission) -> Call:
    session = requests.Session()

    def request(base: str):
        headers = {"Idempotency-Key": sub.key}
        if sub.photo is None:
            return session.post(
                f"{base}/api/v1/reports", json=sub.fields, headers=headers, timeout=REQUEST_TIMEOUT
            )
        files = [("photos", (f"pho-{sub.index}.jpg", sub.photo, "image/jpeg"))]
        return session.post(
            f"{base}/api/v1/reports", data=sub.fields, files=files, headers=headers, timeout=REQUEST_TIMEOUT
        )

    try:
        return send(nodes, sub.index, Call("submit", sub.index), request)
    finally:
        session.close()


def act(nodes, token: str, index: int, code: str, action: dict, after: str) -> Call:
    """One staff action. A 409 after a retry whose report shows `after` means the first try won."""
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}"}

    def request(base: str):
        url = f"{base}/api/v1/staff/reports/{code}/actions"
        return session.post(url, json=action, headers=headers, timeout=REQUEST_TIMEOUT)

    call = send(nodes, index, Call(action["action"], index), request)
    if call.status == 409 and call.tries > 1:
        check = send(
            nodes,
            index,
            Call("read", index),
            lambda base: session.get(f"{base}/api/v1/staff/reports/{code}", headers=headers, timeout=10),
        )
        if check.body.get("status") == after:
            call.status = 200
    session.close()
    return call


@dataclass
class Burst:
    """The submissions from `threads` phones and, beside them, one operator accepting and dispatching
    every third report as its 201 comes in; `on_progress(done)` lets the test kill things mid-way."""

    nodes: Callable[[], list[str]]
    token: str
    lead_unit: int
    category: str
    threads: int = 4
    on_progress: Callable[[int], None] = lambda done: None
    calls: list[Call] = field(default_factory=list)
    staff_calls: list[Call] = field(default_factory=list)
    dispatched: set[str] = field(default_factory=set)
    accepted: set[str] = field(default_factory=set)
    seconds: float = 0.0

    def run(self, subs: list[Submission]) -> None:
        todo: queue.Queue[Submission] = queue.Queue()
        for sub in subs:
            todo.put(sub)
        created: queue.Queue[tuple[int, str] | None] = queue.Queue()
        lock = threading.Lock()

        def phone():
            while True:
                try:
                    sub = todo.get_nowait()
                except queue.Empty:
                    return
                call = submit(self.nodes, sub)
                with lock:
                    self.calls.append(call)
                    done = len(self.calls)
                if call.status == 201 and sub.index % 3 == 0:
                    created.put((sub.index, call.body["tracking_code"]))
                self.on_progress(done)

        def operator():
            while (item := created.get()) is not None:
                index, code = item
                accept = {"action": "accept", "category": self.category}
                call = act(self.nodes, self.token, index, code, accept, after="accepted")
                self.staff_calls.append(call)
                if call.status != 200:
                    continue
                self.accepted.add(code)
                if index % 2 == 0:
                    dispatch = {"action": "dispatch", "unit": self.lead_unit}
                    call = act(self.nodes, self.token, index + 1, code, dispatch, after="dispatched")
                    self.staff_calls.append(call)
                    if call.status == 200:
                        self.dispatched.add(code)

        started = time.monotonic()
        phones = [threading.Thread(target=phone, name=f"phone-{n}") for n in range(self.threads)]
        desk = threading.Thread(target=operator, name="operator")
        for thread in [*phones, desk]:
            thread.start()
        for thread in phones:
            thread.join()
        self.seconds = time.monotonic() - started
        created.put(None)
        desk.join()
