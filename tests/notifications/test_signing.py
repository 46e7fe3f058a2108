"""Receivers verify webhook signatures with ``verify_signature``: the signed bytes, the secret and the
time must all be right."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from tigapilar.notifications.signing import signature, verify_signature
from tigapilar.notifications.transport import webhook_headers

SECRET = "rahasia-penerima"
SENT = datetime(2024, 11, 27, 1, 30, tzinfo=UTC)
BODY = '{"id":"d1","kind":"alert.created","title_id":"Peringatan — politik uang"}'.encode()


def signed() -> tuple[str, str]:
    headers = webhook_headers("alert.created", "d1", BODY, SECRET, SENT)
    return headers["X-Tigapilar-Timestamp"], headers["X-Tigapilar-Signature"]


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    timestamp, header = signed()
    assert timestamp == str(int(SENT.timestamp()))
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert header == f"sha256={expected}" == signature(SECRET, timestamp, BODY)


def test_a_good_signature_verifies_within_the_tolerance() -> None:
    timestamp, header = signed()
    assert verify_signature(SECRET, timestamp, BODY, header, SENT)
    assert verify_signature(SECRET, timestamp, BODY, header, SENT + timedelta(minutes=4, seconds=59))
    assert verify_signature(SECRET, timestamp, BODY, header, SENT - timedelta(minutes=1))  # clock drift
    assert verify_signature(SECRET.encode(), timestamp, BODY, header, SENT)


def test_tampered_bodies_wrong_secrets_and_forged_headers_fail() -> None:
    timestamp, header = signed()
    assert not verify_signature(SECRET, timestamp, BODY.replace(b"politik", b"netral"), header, SENT)
    assert not verify_signature("rahasia-lain", timestamp, BODY, header, SENT)
    assert not verify_signature(SECRET, str(int(timestamp) + 1), BODY, header, SENT)  # re-dated
    assert not verify_signature(SECRET, timestamp, BODY, header[:-1] + "0", SENT)
    assert not verify_signature(SECRET, timestamp, BODY, "sha256=", SENT)
    assert not verify_signature(SECRET, timestamp, BODY, "sha256=é", SENT)
    assert not verify_signature(SECRET, "", BODY, header, SENT)
    assert not verify_signature(SECRET, "1.5e9", BODY, header, SENT)


def test_a_stale_or_future_timestamp_fails_even_when_signed() -> None:
    timestamp, header = signed()
    assert not verify_signature(SECRET, timestamp, BODY, header, SENT + timedelta(minutes=5, seconds=1))
    assert not verify_signature(SECRET, timestamp, BODY, header, SENT - timedelta(minutes=6))
    late = SENT + timedelta(hours=1)
    assert verify_signature(SECRET, timestamp, BODY, header, late, tolerance=timedelta(hours=2))
