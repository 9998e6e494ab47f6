"""A second PhanAnh started by a test: its own database and port, the demo province loaded (with
its Open311 API key, which we use), served by gunicorn with the deployment's config (`tests.deploy.servers`).

On PostgreSQL its database is `<the suite's test database>_peer`, created and dropped here; on
SQLite a file in the test's folder. It speaks to us only through HTTP: its Open311 endpoint and
its staff API (`/api/v1/auth/token`, then `/api/v1/staff/reports/{code}/actions`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg
from django.conf import settings
from django_otp.oath import TOTP
from psycopg import sql

from phananh.demo.data import DEMO_OPEN311_KEY, DEMO_PASSWORD, DEMO_TOTP_KEY
from tests.deploy.servers import ROOT, free_port, start_gunicorn, stop

# The demo's Open311 key (README.md), which `seed_demo` issues.
PEER_API_KEY = DEMO_OPEN311_KEY
# The peer's units and accounts by code and username, for its staff API's payloads.
_IDS = """
import json
from phananh.org.models import Unit, User
print(json.dumps({
    "units": dict(Unit.objects.values_list("code", "pk")),
    "users": dict(User.objects.values_list("username", "pk")),
}))
"""


class Peer:
    """The peer instance: `base` is its root address, `open311` its GeoReport v2 endpoint."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.open311 = f"{self.base}/open311/v2/"
        self.on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
        if self.on_postgres:
            test_name = settings.DATABASES["default"]["NAME"]
            self.db_name = f"{test_name}_peer"
        else:
            self.db_name = str(folder / "peer.sqlite3")
        self.env = {"DB_NAME": self.db_name, "PHANANH_PETITION_URL": "", "REDIS_URL": ""}
        self.process = None
        self.ids: dict = {}

    # --- its life ----------------------------------------------------------------------------

    def _admin_connection(self):
        db = settings.DATABASES["default"]
        return psycopg.connect(
            dbname="postgres", user=db["USER"], host=db["HOST"], port=db["PORT"], autocommit=True
        )

    def _drop_database(self) -> None:
        with self._admin_connection() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.db_name))
            )

    def start(self) -> Peer:
        if self.on_postgres:
            self._drop_database()  # what a run that died left behind
            with self._admin_connection() as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.db_name)))
        self.manage("migrate", "-v", "0")
        self.manage("seed_demo")
        self.ids = json.loads(self.manage("shell", "-c", _IDS).strip().splitlines()[-1])
        self.process = start_gunicorn(self.port, self.folder / "peer-access.log", **self.env)
        return self

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
        if self.on_postgres:
            self._drop_database()

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            cwd=str(ROOT),
            env={**os.environ, "LOG_LEVEL": "WARNING", **self.env},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    # --- speaking to it ----------------------------------------------------------------------

    def call(self, method: str, path: str, body: dict | None = None, token: str = "") -> tuple[int, object]:
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (loopback)
                return answer.status, json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def open311_request(self, request_id: str) -> tuple[int, object]:
        query = urllib.parse.urlencode({"api_key": PEER_API_KEY})
        return self.call("GET", f"/open311/v2/requests/{urllib.parse.quote(request_id)}.json?{query}")

    def open311_requests(self) -> list[dict]:
        """Every request our key sent (and the published ones) of the last 90 days."""
        query = urllib.parse.urlencode({"api_key": PEER_API_KEY})
        status, items = self.call("GET", f"/open311/v2/requests.json?{query}")
        assert status == 200, items
        return items

    def open311_updates(self, request_id: str) -> list[dict]:
        query = urllib.parse.urlencode({"api_key": PEER_API_KEY, "service_request_id": request_id})
        status, items = self.call("GET", f"/open311/v2/servicerequestupdates.json?{query}")
        assert status == 200, items
        return items

    def token(self, username: str) -> str:
        body = {"username": username, "password": DEMO_PASSWORD, "name": "petition test"}
        if username in ("dieuphoi", "tongdai", "quantri"):
            body["otp"] = demo_code()
        status, answer = self.call("POST", "/api/v1/auth/token", body)
        assert status == 201, answer
        return answer["token"]

    def act(self, token: str, code: str, action: str, **fields) -> dict:
        status, answer = self.call(
            "POST", f"/api/v1/staff/reports/{code}/actions", {"action": action, **fields}, token
        )
        assert status == 200, answer
        return answer

    def report(self, token: str, code: str) -> dict:
        status, answer = self.call("GET", f"/api/v1/staff/reports/{code}", token=token)
        assert status == 200, answer
        return answer


def demo_code() -> str:
    """The code an authenticator app with the demo key shows now (`manage.py demo_code`)."""
    totp = TOTP(DEMO_TOTP_KEY, step=30, t0=0, digits=6, drift=0)
    return f"{totp.token():06d}"
