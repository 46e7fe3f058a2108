"""Webhook signatures: HMAC-SHA256 over ``"{timestamp}.{body}"`` with the endpoint's secret.

Every request carries ``X-Tigapilar-Timestamp`` (unix seconds, when it was sent) and
``X-Tigapilar-Signature: sha256=<hex>``. Signing the timestamp with the body lets a receiver refuse
a captured request replayed later (:func:`verify_signature` allows five minutes by default).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

DEFAULT_TOLERANCE = timedelta(minutes=5)
PREFIX = "sha256="


def signature(secret: str | bytes, timestamp: str, body: bytes) -> str:
    """The ``X-Tigapilar-Signature`` value for ``body`` sent at ``timestamp``."""
    key = secret.encode() if isinstance(secret, str) else secret
    digest = hmac.new(key, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return PREFIX + digest


def verify_signature(
    secret: str | bytes,
    timestamp: str,
    body: bytes,
    header: str,
    now: datetime,
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> bool:
    """True when ``header`` signs exactly ``body`` at ``timestamp``, and that is within ``tolerance``
    of ``now`` (either way: clocks drift). Compares in constant time."""
    if not timestamp.isascii() or not timestamp.isdigit():
        return False
    if abs(now.timestamp() - int(timestamp)) > tolerance.total_seconds():
        return False
    return hmac.compare_digest(signature(secret, timestamp, body).encode(), header.strip().encode())
