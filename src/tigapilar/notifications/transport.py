"""Sending one webhook (HTTP POST with the standard library) or one email (SMTP), and what happened.

Nothing here touches the database: the outbox calls these between its short transactions.
"""

from __future__ import annotations

import smtplib
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from http.client import HTTPException
from typing import IO, Any
from urllib.parse import urlsplit

from tigapilar import __version__
from tigapilar.notifications.config import SmtpConfig
from tigapilar.notifications.signing import signature

USER_AGENT = f"tigapilar/{__version__} (webhook)"
_ERROR_TEXT = 300  # characters of a failed answer kept in the log


@dataclass(frozen=True)
class Outcome:
    """One attempt: sent or not, the HTTP status or SMTP reply code, the reason, how long it took."""

    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: int


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as a failure: a signed body is never re-sent somewhere else."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def webhook_headers(
    kind: str, delivery_id: str, body: bytes, secret: str, sent_at: datetime
) -> dict[str, str]:
    timestamp = str(int(sent_at.timestamp()))
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Tigapilar-Event": kind,
        "X-Tigapilar-Delivery": delivery_id,
        "X-Tigapilar-Timestamp": timestamp,
        "X-Tigapilar-Signature": signature(secret, timestamp, body),
    }


def post_webhook(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    """POST ``body``; any 2xx is success. ``timeout`` bounds each network wait, not the whole call."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    started = time.monotonic()

    def done(ok: bool, status: int | None, error: str | None) -> Outcome:
        return Outcome(ok, status, error, int((time.monotonic() - started) * 1000))

    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status = int(response.status)
            answer = response.read(_ERROR_TEXT)
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:
            target = urlsplit(exc.headers.get("Location") or "").netloc or "elsewhere"
            return done(
                False, exc.code, f"HTTP {exc.code}: redirected to {target}; redirects are not followed"
            )
        return done(False, exc.code, f"HTTP {exc.code}: {_excerpt(exc.read(_ERROR_TEXT))}")
    except urllib.error.URLError as exc:
        return done(False, None, f"connection failed: {exc.reason}")
    except (TimeoutError, OSError, HTTPException) as exc:
        return done(False, None, f"connection failed: {exc or type(exc).__name__}")
    if 200 <= status < 300:
        return done(True, status, None)
    return done(False, status, f"HTTP {status}: {_excerpt(answer)}")


def _excerpt(raw: bytes) -> str:
    return raw.decode("utf-8", "replace").strip()[:_ERROR_TEXT] or "(empty answer)"


def send_email(
    smtp: SmtpConfig,
    to: str,
    subject: str,
    text: str,
    message_id: str,
    sent_at: datetime,
    timeout: float,
) -> Outcome:
    """Send one plain-text UTF-8 email. Port 465 is implicit TLS; elsewhere STARTTLS when configured."""
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = f"<{message_id}@tigapilar>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: auto-responders do not answer it
    message.set_content(text)
    started = time.monotonic()

    def done(ok: bool, status: int | None, error: str | None) -> Outcome:
        return Outcome(ok, status, error, int((time.monotonic() - started) * 1000))

    context = ssl.create_default_context()
    try:
        client: smtplib.SMTP
        if smtp.port == 465:
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)
        with client:
            if smtp.port != 465 and smtp.starttls:
                client.starttls(context=context)
            if smtp.user:
                client.login(smtp.user, smtp.password)
            client.send_message(message)
    except smtplib.SMTPResponseException as exc:
        return done(False, exc.smtp_code, f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}"[:_ERROR_TEXT])
    except smtplib.SMTPRecipientsRefused as exc:
        (code, refusal), *_ = exc.recipients.values()
        return done(False, code, f"SMTP {code}: recipient refused: {_text(refusal)}"[:_ERROR_TEXT])
    except (smtplib.SMTPException, OSError) as exc:
        return done(False, None, f"SMTP failed: {exc or type(exc).__name__}"[:_ERROR_TEXT])
    return done(True, 250, None)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
