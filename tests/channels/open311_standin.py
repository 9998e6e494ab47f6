"""A stand-in for a partner's Open311 GeoReport v2 server on 127.0.0.1, started by the test.

It answers as the GeoReport v2 specification says (JSON format): POST `requests.json` (form
fields, an `api_key`, a known `service_code`, a place; errors as arrays of `code` and
`description`), GET `requests/{id}.json`, and FixMyStreet's `servicerequestupdates.json` (GET
the updates of a request, POST one). A repeated `Idempotency-Key` answers what the first answer
said. `fail_next(n, status)` makes the next n exchanges answer `status`; `lose_next(n)` makes it
do the work and then close the connection without an answer (an answer lost on the way).
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

API_KEY = "partner-key"
SERVICE_CODE = "quy-dinh-hanh-chinh"


class Open311StandIn:
    def __init__(self):
        self.requests: dict[str, dict] = {}  # id -> the form received (and its status)
        self.updates: list[dict] = []
        self.posted: list[dict] = []  # every POST received, with its headers
        self.replies: dict[str, tuple[int, bytes]] = {}  # Idempotency-Key -> the first answer
        self.failures: list[int] = []
        self.losses = 0
        self.has_updates = True  # False: a plain GeoReport v2 server, without the extension
        self.lock = threading.Lock()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                self._reply(*standin.get(url.path, dict(urllib.parse.parse_qsl(url.query))))

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                form = dict(urllib.parse.parse_qsl(body))
                self._reply(*standin.post(self.path, form, dict(self.headers)))

            def _reply(self, status, data):
                if status is None:  # the answer is lost: the connection closes without one
                    self.close_connection = True
                    return
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/open311/v2/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- what a test sets -------------------------------------------------------------------

    def fail_next(self, n: int, status: int = 500) -> None:
        self.failures.extend([status] * n)

    def lose_next(self, n: int) -> None:
        self.losses += n

    def add_update(self, request_id: str, status: str, description: str) -> dict:
        with self.lock:
            update = {
                "update_id": f"u{len(self.updates) + 1}",
                "service_request_id": request_id,
                "status": status,
                "description": description,
                "updated_datetime": datetime.now(UTC).isoformat(),
                "media_url": "",
            }
            self.updates.append(update)
            self.requests[request_id]["status"] = status
            return update

    # --- the server -------------------------------------------------------------------------

    def _failure(self):
        if self.failures:
            status = self.failures.pop(0)
            return status, json.dumps([{"code": status, "description": "Internal error"}]).encode()
        return None

    def get(self, path: str, query: dict):
        with self.lock:
            if failure := self._failure():
                return failure
            if query.get("api_key") != API_KEY:
                return _error(403, "Invalid api_key")
            if match := re.fullmatch(r"/open311/v2/requests/([^/]+)\.json", path):
                request = self.requests.get(match[1])
                if request is None:
                    return _error(404, "Not found")
                notes = request.get("status_notes", "")
                item = {"service_request_id": match[1], "status": request["status"], "status_notes": notes}
                return 200, json.dumps([item]).encode()
            if path == "/open311/v2/servicerequestupdates.json" and self.has_updates:
                wanted = query.get("service_request_id")
                items = [u for u in self.updates if not wanted or u["service_request_id"] == wanted]
                return 200, json.dumps(items).encode()
            return _error(404, "Not found")

    def post(self, path: str, form: dict, headers: dict):
        with self.lock:
            self.posted.append({"path": path, "form": form, "headers": headers})
            if failure := self._failure():
                return failure
            key = headers.get("Idempotency-Key", "")
            if key and key in self.replies:
                answer = self.replies[key]
            else:
                answer = self._create(path, form)
                if key and answer[0] < 300:
                    self.replies[key] = answer
            if self.losses:
                self.losses -= 1
                return None, b""
            return answer

    def _create(self, path: str, form: dict):
        if form.get("api_key") != API_KEY:
            return _error(403, "Invalid api_key")
        if path == "/open311/v2/requests.json":
            if form.get("service_code") != SERVICE_CODE:
                return _error(400, "service_code not found")
            if not form.get("address_string") and not (form.get("lat") and form.get("long")):
                return _error(400, "A location is required")
            request_id = str(1000 + len(self.requests))
            self.requests[request_id] = {**form, "status": "open"}
            return 201, json.dumps([{"service_request_id": request_id, "service_notice": ""}]).encode()
        if path == "/open311/v2/servicerequestupdates.json":
            if form.get("service_request_id") not in self.requests:
                return _error(404, "Unknown service_request_id")
            update = {
                "update_id": f"u{len(self.updates) + 1}",
                "service_request_id": form["service_request_id"],
                "status": form.get("status", ""),
                "description": form.get("description", ""),
                "updated_datetime": form.get("updated_datetime", ""),
                "media_url": "",
                "sender_update_id": form.get("update_id"),
            }
            self.updates.append(update)
            return 200, json.dumps([{"update_id": update["update_id"]}]).encode()
        return _error(404, "Not found")


def _error(status: int, description: str):
    return status, json.dumps([{"code": status, "description": description}]).encode()


@pytest.fixture
def partner():
    standin = Open311StandIn()
    standin.thread.start()
    yield standin
    standin.server.shutdown()
    standin.server.server_close()
