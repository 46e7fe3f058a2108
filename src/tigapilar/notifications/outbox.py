"""The outbox: ``publish`` records what to tell whom in the caller's transaction; ``deliver_due`` sends.

Publishing writes rows only (no network), so an alert and its notifications commit together or not
at all. Sending happens later, from ``tigapilar notifications deliver``: each due delivery is
claimed, sent and recorded in short transactions of its own, and no database connection is held
while waiting on the network.

Claiming is one portable conditional UPDATE: ``SET next_attempt_at = <lease end>, lease = <token>
WHERE id = ? AND state = 'pending' AND next_attempt_at <= now``. Two senders racing for a row cannot
both match (PostgreSQL re-checks the condition after the first commits; SQLite runs one writer at a
time), so nothing is sent twice. A sender that dies mid-way leaves the row pending: it becomes due
again when its lease ends. The result is recorded only under the lease token that claimed it.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session, sessionmaker

from tigapilar.notifications.config import NotificationConfig, Retries, WebhookConfig
from tigapilar.notifications.messages import EmailText, Message, email_text, webhook_body
from tigapilar.notifications.transport import Outcome, post_webhook, send_email, webhook_headers
from tigapilar.storage.models import Delivery, DeliveryAttempt, Notification, User

WEBHOOK, EMAIL = "webhook", "email"
PENDING, SENT, FAILED = "pending", "sent", "failed"
JITTER = 0.2  # a retry waits up to 20 % less than its back-off, so retries of many rows spread out
LEASE_MARGIN = timedelta(seconds=60)  # beyond the send's own timeout
_CHUNK = 500  # user ids per query
_NAMESPACE = uuid.UUID("6b2f3c1e-8a4d-4c55-9a0e-7d1f0c3b2a99")


@dataclass(frozen=True)
class PublishResult:
    notifications: int  # in-app, one per active recipient
    webhooks: int  # pending webhook deliveries, one per matching endpoint
    emails: int  # pending emails, one per active recipient with an address (SMTP configured)


@dataclass(frozen=True)
class DeliveryStats:
    claimed: int = 0  # due deliveries this run took
    sent: int = 0
    retrying: int = 0  # failed this time, scheduled again
    failed: int = 0  # failed for good (max attempts reached, or nowhere to send)

    def __add__(self, other: DeliveryStats) -> DeliveryStats:
        return DeliveryStats(
            self.claimed + other.claimed,
            self.sent + other.sent,
            self.retrying + other.retrying,
            self.failed + other.failed,
        )


def delivery_id(channel: str, target: str, message: Message, now: datetime) -> str:
    """The id receivers see: the same message published at the same moment to the same target gets
    the same id, so a receiver de-duplicates on it (and it does not change across retries)."""
    key = "\n".join((channel, target, message.kind, message.subject, now.astimezone(UTC).isoformat()))
    return str(uuid.uuid5(_NAMESPACE, key))


def publish(
    session: Session,
    message: Message,
    *,
    user_ids: Iterable[int],
    now: datetime,
    config: NotificationConfig,
) -> PublishResult:
    """In the caller's transaction: an in-app notification for each active user of ``user_ids``, a
    pending delivery for each webhook endpoint whose filters take the message, and a pending email
    for each of those users with an email address when SMTP is configured. Nothing is sent here."""
    wanted = sorted(set(user_ids))
    recipients: list[tuple[int, str | None, str]] = []
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows = session.execute(
            select(User.id, User.email, User.language)
            .where(User.id.in_(chunk), User.active.is_(True))
            .order_by(User.id)
        )
        recipients.extend((uid, email, language) for uid, email, language in rows)
    session.add_all(
        Notification(
            user_id=uid,
            kind=message.kind,
            subject=message.subject,
            area_code=message.area_code,
            severity=message.severity,
            title_id=message.title_id,
            title_en=message.title_en,
            body_id=message.body_id,
            body_en=message.body_en,
            link=message.link,
            created_at=now,
        )
        for uid, _, _ in recipients
    )
    deliveries: list[Delivery] = []
    for hook in config.webhooks:
        if hook.takes(message.kind, message.area_code, message.severity):
            uid = delivery_id(WEBHOOK, hook.name, message, now)
            deliveries.append(
                _delivery(message, WEBHOOK, hook.name, uid, webhook_body(message, uid, now), now)
            )
    emails = 0
    rules = config.email
    if config.emails_on() and rules.takes_kind(message.kind) and rules.takes_severity(message.severity):
        for user, address, language in recipients:
            if not address:
                continue
            uid = delivery_id(EMAIL, address, message, now)
            text = email_text(message, language, config.base_url).as_json()
            deliveries.append(_delivery(message, EMAIL, address, uid, text, now, user_id=user))
            emails += 1
    session.add_all(deliveries)
    session.flush()
    return PublishResult(len(recipients), len(deliveries) - emails, emails)


def _delivery(
    message: Message,
    channel: str,
    target: str,
    uid: str,
    content: str,
    now: datetime,
    user_id: int | None = None,
) -> Delivery:
    return Delivery(
        uid=uid,
        channel=channel,
        target=target,
        user_id=user_id,
        kind=message.kind,
        subject=message.subject,
        area_code=message.area_code,
        severity=message.severity,
        message=content,
        state=PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )


def retry_delay(uid: str, attempt: int, retries: Retries) -> timedelta:
    """How long to wait after failed attempt ``attempt`` (1-based): min(cap, base × 2^(attempt-1)),
    less a jitter of up to 20 % derived from the delivery id (deterministic, yet spread out)."""
    backoff = min(retries.backoff_cap_seconds, retries.backoff_base_seconds * 2 ** (attempt - 1))
    digest = hashlib.sha256(f"{uid}:{attempt}".encode()).digest()
    fraction = int.from_bytes(digest[:8], "big") / 2**64
    return timedelta(seconds=backoff * (1 - JITTER * fraction))


@dataclass(frozen=True)
class _Claimed:
    id: int
    uid: str
    channel: str
    target: str
    kind: str
    message: str
    attempts: int  # including this one
    lease: str


def deliver_due(
    sessions: sessionmaker[Session], now: datetime, config: NotificationConfig, limit: int = 100
) -> DeliveryStats:
    """Send up to ``limit`` deliveries due at ``now``, oldest due first; see the module docstring.

    ``now`` decides what is due, stamps the attempts and schedules retries (tests pass a clock).
    Each claim's lease also covers the real time this run has already spent, so that a long run
    cannot leave a row it has not sent yet looking abandoned to another sender.
    """
    started = time.monotonic()
    with sessions.begin() as session:
        due = list(
            session.scalars(
                select(Delivery.id)
                .where(Delivery.state == PENDING, Delivery.next_attempt_at <= now)
                .order_by(Delivery.next_attempt_at, Delivery.id)
                .limit(limit)
            )
        )
    lease_time = timedelta(seconds=_longest_timeout(config)) + LEASE_MARGIN
    stats = DeliveryStats()
    for row_id in due:
        elapsed = timedelta(seconds=time.monotonic() - started)
        claimed = _claim(sessions, row_id, now, now + elapsed + lease_time)
        if claimed is None:
            continue  # another sender took it
        outcome, retry = _send(claimed, now + elapsed, config)
        stats += _record(sessions, claimed, outcome, now, _retries(claimed, config) if retry else None)
    return stats


def _longest_timeout(config: NotificationConfig) -> float:
    return max([config.email.timeout_seconds, *(w.timeout_seconds for w in config.webhooks)])


def _claim(sessions: sessionmaker[Session], row_id: int, now: datetime, until: datetime) -> _Claimed | None:
    lease = uuid.uuid4().hex
    with sessions.begin() as session:
        # The write comes first: on SQLite the transaction then waits for the write lock instead of
        # failing on a read snapshot that another sender's commit made stale.
        result = session.execute(
            update(Delivery)
            .where(Delivery.id == row_id, Delivery.state == PENDING, Delivery.next_attempt_at <= now)
            .values(lease=lease, next_attempt_at=until, attempts=Delivery.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if cast(CursorResult[Any], result).rowcount != 1:
            return None
        row = session.execute(
            select(
                Delivery.uid,
                Delivery.channel,
                Delivery.target,
                Delivery.kind,
                Delivery.message,
                Delivery.attempts,
            ).where(Delivery.id == row_id)
        ).one()
    return _Claimed(row_id, row.uid, row.channel, row.target, row.kind, row.message, row.attempts, lease)


def _retries(claimed: _Claimed, config: NotificationConfig) -> Retries:
    hook = config.webhook(claimed.target) if claimed.channel == WEBHOOK else None
    return hook if hook is not None else config.email


def _send(claimed: _Claimed, sent_at: datetime, config: NotificationConfig) -> tuple[Outcome, bool]:
    """The attempt's outcome, and whether a failure is worth retrying."""
    if claimed.channel == WEBHOOK:
        hook = config.webhook(claimed.target)
        if hook is None:
            return Outcome(
                False, None, f"no webhook named {claimed.target!r} is configured any more", 0
            ), False
        return send_webhook(hook, config, claimed.kind, claimed.uid, claimed.message.encode(), sent_at), True
    if config.smtp is None:
        return Outcome(False, None, "email is off: TIGAPILAR_SMTP_HOST is not set", 0), True
    mail = EmailText.from_json(claimed.message)
    outcome = send_email(
        config.smtp,
        claimed.target,
        mail.subject,
        mail.text,
        claimed.uid,
        sent_at,
        config.email.timeout_seconds,
    )
    return outcome, True


def send_webhook(
    hook: WebhookConfig, config: NotificationConfig, kind: str, uid: str, body: bytes, sent_at: datetime
) -> Outcome:
    """Sign and POST one body to ``hook`` (never unsigned: a missing secret is a failed attempt)."""
    secret = config.secret_of(hook)
    if secret is None:
        return Outcome(False, None, f"no HMAC secret: environment variable {hook.secret_env} is not set", 0)
    headers = webhook_headers(kind, uid, body, secret, sent_at)
    return post_webhook(hook.url, body, headers, hook.timeout_seconds)


def _record(
    sessions: sessionmaker[Session],
    claimed: _Claimed,
    outcome: Outcome,
    now: datetime,
    retries: Retries | None,
) -> DeliveryStats:
    """Log the attempt; mark the delivery sent, failed (``retries`` None: no point retrying), or due
    again after its back-off. The state changes only under the lease that claimed the row."""
    values: dict[str, Any]
    if outcome.ok:
        values = {"state": SENT, "sent_at": now, "last_error": None, "next_attempt_at": None}
        stats = DeliveryStats(claimed=1, sent=1)
    elif retries is None or claimed.attempts >= retries.max_attempts:
        values = {"state": FAILED, "last_error": outcome.error, "next_attempt_at": None}
        stats = DeliveryStats(claimed=1, failed=1)
    else:
        delay = retry_delay(claimed.uid, claimed.attempts, retries)
        values = {"last_error": outcome.error, "next_attempt_at": now + delay}
        stats = DeliveryStats(claimed=1, retrying=1)
    with sessions.begin() as session:
        session.add(
            DeliveryAttempt(
                delivery_id=claimed.id,
                at=now,
                status_code=outcome.status_code,
                error=outcome.error,
                duration_ms=outcome.duration_ms,
            )
        )
        session.flush()
        session.execute(
            update(Delivery)
            .where(Delivery.id == claimed.id, Delivery.lease == claimed.lease)
            .values(**values, lease=None)
            .execution_options(synchronize_session=False)
        )
    return stats
