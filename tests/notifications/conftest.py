"""Real receivers for notification tests: a webhook server that checks signatures and answers as told,
and an SMTP server (aiosmtpd) that keeps what it is sent. Both listen on 127.0.0.1 in threads."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from support.clock import Clock
from tigapilar.notifications.signing import verify_signature

SECRET = "rahasia-webhook-uji"
SECRET_ENV = "TIGAPILAR_TEST_WEBHOOK_SECRET"


@dataclass
class Received:
    """One request as the receiver saw it."""

    headers: dict[str, str]
    body: bytes
    signed: bool  # the signature verified against the test clock's "now"
    connections_checked_out: int | None  # database connections in use while the request was handled


@dataclass
class Receiver:
    """Answers the n-th request with ``script[n]`` (an HTTP status, or "timeout": too slow to wait
    for), and 200 once the script is used up."""

    clock: Clock
    script: list[int | str] = field(default_factory=list)
    delay: float = 0.0  # seconds every answer takes (to make concurrent senders overlap)
    watch: Callable[[], int] | None = None  # counts checked-out database connections
    requests: list[Received] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, headers: dict[str, str], body: bytes) -> int | str:
        signed = verify_signature(
            SECRET,
            headers.get("X-Tigapilar-Timestamp", ""),
            body,
            headers.get("X-Tigapilar-Signature", ""),
            self.clock(),
        )
        in_use = self.watch() if self.watch is not None else None
        with self.lock:
            step = self.script[len(self.requests)] if len(self.requests) < len(self.script) else 200
            self.requests.append(Received(headers, body, signed, in_use))
        return step


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            step = receiver.answer(dict(self.headers.items()), body)
            time.sleep(receiver.delay)
            if step == "timeout":
                time.sleep(2)  # longer than the sender's timeout (0.5 s): it gives up first
                return
            if step == "redirect":
                self.send_response(307)
                self.send_header("Location", "https://elsewhere.example/hook")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = int(step)
            text = b"ok" if status < 300 else b"receiver broke"
            self.send_response(status)
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    return Handler


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def receiver(clock: Clock) -> Iterator[Receiver]:
    state = Receiver(clock)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def closed_port_url() -> str:
    """A URL nothing listens on: connecting is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


@dataclass
class Mailbox:
    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address.startswith("tidak-ada@"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted"


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with socket.socket() as probe:  # aiosmtpd needs a concrete port to check it started
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    box = Mailbox("127.0.0.1", port)
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box
    controller.stop()
