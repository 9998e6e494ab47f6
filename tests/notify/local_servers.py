"""Real local servers for the delivery tests: an SMTP server (aiosmtpd) and an HTTP server
standing in for the SMS gateway and Zalo's API. Each listens on a free port of 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """The SMTP server's handler: what it accepted, in order.

    A message counts as received only once the server answers 250, as in real SMTP: if the
    client goes away during `delay`, aiosmtpd cancels the handler and nothing is recorded.
    """

    def __init__(self):
        self.messages = []
        self.delay = 0.0
        self.refused: set[str] = set()
        self.data_started = 0
        self.on_data = threading.Condition()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.on_data:
            self.data_started += 1
            self.on_data.notify_all()
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append({"to": list(envelope.rcpt_tos), "message": message})
        return "250 Message accepted for delivery"

    def subjects(self) -> list[str]:
        return [m["message"]["Subject"] for m in self.messages]

    def wait_for_data(self, count: int, timeout: float = 30) -> bool:
        with self.on_data:
            return self.on_data.wait_for(lambda: self.data_started >= count, timeout)


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server; Django's SMTP backend points at it through EMAIL_HOST/EMAIL_PORT."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_TIMEOUT = 10
    inbox.port = port
    yield inbox
    controller.stop()


class Gateway:
    """An HTTP server that records each request and gives the answers queued with `answer`."""

    def __init__(self):
        self.requests = []
        self.answers = []
        self.delay = 0.0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                gateway.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "json": json.loads(body or b"null"),
                    }
                )
                if gateway.delay:
                    threading.Event().wait(gateway.delay)
                status, answer = gateway.answers.pop(0) if gateway.answers else (200, {"ok": True})
                payload = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up waiting

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, status: int, body) -> None:
        self.answers.append((status, body))


@pytest.fixture
def gateway():
    server = Gateway()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def sms_gateway(gateway, settings):
    settings.PHANANH_SMS_URL = f"{gateway.base}/api/sms/send"
    settings.PHANANH_SMS_TOKEN = "sms-secret-token"
    settings.PHANANH_SMS_SENDER = "UBND-LS"
    return gateway


@pytest.fixture
def zalo_api(gateway, settings):
    settings.PHANANH_ZALO_API_URL = f"{gateway.base}/v3.0/oa/message/cs"
    settings.PHANANH_ZALO_ACCESS_TOKEN = "zalo-oa-token"
    return gateway


@pytest.fixture
def refused_url() -> str:
    """A URL on which nothing listens: the connection is refused."""
    return f"http://127.0.0.1:{free_port()}/send"
