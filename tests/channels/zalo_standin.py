"""A stand-in for Zalo's API on 127.0.0.1, started by the test that needs it.

It plays the parts the OA uses: the consultation message API (which refuses a token that is
not the current one with -216, as Zalo does), the token renewal (a new access token and a new
refresh token for the current refresh token, the old one spent), and the addresses of the photos
users send, from which the OA downloads them. `expire()` ends the current access token.
"""

from __future__ import annotations

import json
import secrets
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

APP_ID = "1234567890123456789"
APP_SECRET = "app-secret-key"
OA_SECRET = "oa-secret-key"


class ZaloStandIn:
    def __init__(self):
        self.access_token = "access-1"
        self.refresh_token = "refresh-1"
        self.messages: list[dict] = []  # the messages Zalo accepted: {"user": ..., "text": ...}
        self.refused: list[dict] = []
        self.renewals: list[dict] = []
        self.files: dict[str, tuple[str, bytes]] = {}
        self.delay = 0.0  # seconds before each photo is served
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                threading.Event().wait(standin.delay)
                content_type, data = standin.files.get(self.path, ("text/plain", b""))
                self._answer(200 if self.path in standin.files else 404, data, content_type)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path == "/v3.0/oa/message/cs":
                    answer = standin.message(self.headers.get("access_token", ""), json.loads(body))
                elif self.path == "/v4/oa/access_token":
                    form = dict(urllib.parse.parse_qsl(body.decode()))
                    answer = standin.renew(self.headers.get("secret_key", ""), form)
                else:
                    answer = {"error": -404, "message": "not found"}
                self._answer(200, json.dumps(answer).encode(), "application/json")

            def _answer(self, status, data, content_type):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def message(self, token: str, payload: dict) -> dict:
        with self.lock:
            if token != self.access_token:
                self.refused.append(payload)
                return {"error": -216, "message": "Access token is invalid"}
            self.messages.append(
                {"user": payload["recipient"]["user_id"], "text": payload["message"]["text"]}
            )
            return {"error": 0, "message": "Success", "data": {"message_id": secrets.token_hex(8)}}

    def renew(self, secret_key: str, form: dict) -> dict:
        with self.lock:
            self.renewals.append(form)
            if secret_key != APP_SECRET or form.get("app_id") != APP_ID:
                return {"error": -14002, "error_description": "invalid app"}
            if form.get("refresh_token") != self.refresh_token or form.get("grant_type") != "refresh_token":
                return {"error": -14014, "error_description": "Invalid refresh token"}
            n = len(self.renewals) + 1
            self.access_token, self.refresh_token = f"access-{n}", f"refresh-{n}"
            return {
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "expires_in": "90000",
            }

    def expire(self) -> None:
        """The current access token ends (Zalo's are good for about 25 hours)."""
        with self.lock:
            self.access_token = "ended-" + secrets.token_hex(4)

    def serve(self, name: str, data: bytes, content_type: str = "image/jpeg") -> str:
        self.files[f"/photos/{name}"] = (content_type, data)
        return f"{self.base}/photos/{name}"

    def texts_to(self, user: str) -> list[str]:
        return [m["text"] for m in self.messages if m["user"] == user]


@pytest.fixture
def zalo(settings):
    standin = ZaloStandIn()
    standin.thread.start()
    settings.PHANANH_ZALO_API_URL = f"{standin.base}/v3.0/oa/message/cs"
    settings.PHANANH_ZALO_OAUTH_URL = f"{standin.base}/v4/oa/access_token"
    settings.PHANANH_ZALO_ACCESS_TOKEN = "access-1"
    settings.PHANANH_ZALO_REFRESH_TOKEN = "refresh-1"
    settings.PHANANH_ZALO_APP_ID = APP_ID
    settings.PHANANH_ZALO_APP_SECRET = APP_SECRET
    settings.PHANANH_ZALO_OA_SECRET_KEY = OA_SECRET
    yield standin
    standin.server.shutdown()
    standin.server.server_close()
