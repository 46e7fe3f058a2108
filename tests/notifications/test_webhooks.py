"""Webhooks end to end against a real local HTTP server: signing, retries with back-off on a clock we
move (no sleeping for scheduling), the delivery log, giving up, filters, and no double sending."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from conftest import make_account
from support.clock import Clock
from tigapilar.notifications.config import (
    NotificationConfig,
    NotificationsFile,
    WebhookConfig,
    notification_config,
)
from tigapilar.notifications.messages import Message
from tigapilar.notifications.outbox import DeliveryStats, deliver_due, publish
from tigapilar.storage.db import Database
from tigapilar.storage.models import Delivery, DeliveryAttempt, Notification, User

from .conftest import SECRET, SECRET_ENV, Receiver, closed_port_url

SAMARINDA_VILLAGE = "64.72.01.1001"
BALIKPAPAN_VILLAGE = "64.71.01.1001"


def hook(name: str, url: str, **settings: Any) -> WebhookConfig:
    return WebhookConfig(name=name, url=url, secret_env=SECRET_ENV, timeout_seconds=0.5, **settings)


def config_of(*hooks: WebhookConfig, environ: dict[str, str] | None = None) -> NotificationConfig:
    env = {SECRET_ENV: SECRET} if environ is None else environ
    return notification_config(NotificationsFile(webhook=hooks), environ=env)


def message(
    kind: str = "alert.created",
    subject: str = "alert:7",
    area: str | None = SAMARINDA_VILLAGE,
    severity: int | None = 3,
) -> Message:
    return Message(
        kind=kind,
        subject=subject,
        area_code=area,
        severity=severity,
        title_id="Peringatan #7: Politik uang di Rawa Makmur",
        title_en="Alert #7: Vote buying in Rawa Makmur",
        body_id="Tiga laporan terverifikasi dalam 24 jam.",
        body_en="Three verified reports within 24 hours.",
        link="/peringatan/7",
        payload={"alert_id": 7, "status": "baru"},
    )


def publish_one(db: Database, config: NotificationConfig, clock: Clock, msg: Message | None = None) -> None:
    with db.session() as session:
        publish(session, msg or message(), user_ids=[], now=clock(), config=config)


def delivery(db: Database) -> Delivery:
    with db.session() as session:
        return session.scalars(select(Delivery)).one()


def attempts(db: Database) -> list[DeliveryAttempt]:
    with db.session() as session:
        return list(session.scalars(select(DeliveryAttempt).order_by(DeliveryAttempt.id)))


def test_a_failing_receiver_is_retried_with_backoff_until_it_answers(
    db: Database, receiver: Receiver, clock: Clock
) -> None:
    receiver.script = [500, "timeout", 503]
    receiver.watch = db.engine.pool.checkedout  # type: ignore[attr-defined]
    config = config_of(hook("pusdalops", receiver.url, backoff_base_seconds=10, backoff_cap_seconds=30))
    published = clock()
    publish_one(db, config, clock)

    waits = []
    for attempt, (low, high) in enumerate([(8, 10), (16, 20), (24, 30)], start=1):  # 10·2^(n-1), cap 30
        stats = deliver_due(db.sessions, clock(), config)
        assert stats == DeliveryStats(claimed=1, retrying=1)
        row = delivery(db)
        assert (row.state, row.attempts) == ("pending", attempt)
        assert row.next_attempt_at is not None
        wait = (row.next_attempt_at - clock()).total_seconds()
        assert low <= wait <= high, f"attempt {attempt}: waits {wait} s"
        waits.append(wait)
        clock.advance(seconds=wait - 1)
        assert deliver_due(db.sessions, clock(), config) == DeliveryStats()  # not due yet
        clock.advance(seconds=1)
    assert deliver_due(db.sessions, clock(), config) == DeliveryStats(claimed=1, sent=1)

    row = delivery(db)
    assert (row.state, row.attempts, row.last_error, row.sent_at) == ("sent", 4, None, clock())
    log = attempts(db)
    assert [a.status_code for a in log] == [500, None, 503, 200]
    assert "HTTP 500: receiver broke" in (log[0].error or "")
    assert "timed out" in (log[1].error or "")
    assert log[3].error is None
    assert log[1].duration_ms >= 450  # the sender waited for its 0.5 s timeout
    assert [a.at for a in log] == [
        published + timedelta(seconds=sum(waits[:n])) for n in range(4)
    ]  # stamped with the clock

    # Every try carried the same delivery id and the same bytes, each signed at its own time.
    ids = {r.headers["X-Tigapilar-Delivery"] for r in receiver.requests}
    assert ids == {row.uid}
    assert len({r.body for r in receiver.requests}) == 1
    assert all(r.signed for r in receiver.requests)
    assert len({r.headers["X-Tigapilar-Timestamp"] for r in receiver.requests}) == 4
    assert receiver.requests[0].headers["X-Tigapilar-Event"] == "alert.created"
    # No database connection was held while the receiver was being waited on.
    assert {r.connections_checked_out for r in receiver.requests} == {0}

    body = json.loads(receiver.requests[0].body)
    assert body == {
        "id": row.uid,
        "kind": "alert.created",
        "subject": "alert:7",
        "occurred_at": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "area_code": SAMARINDA_VILLAGE,
        "severity": 3,
        "title_id": "Peringatan #7: Politik uang di Rawa Makmur",
        "title_en": "Alert #7: Vote buying in Rawa Makmur",
        "body_id": "Tiga laporan terverifikasi dalam 24 jam.",
        "body_en": "Three verified reports within 24 hours.",
        "link": "/peringatan/7",
        "payload": {"alert_id": 7, "status": "baru"},
    }


def test_after_max_attempts_a_delivery_fails_for_good(db: Database, receiver: Receiver, clock: Clock) -> None:
    receiver.script = [500] * 10
    config = config_of(hook("pusdalops", receiver.url, max_attempts=3, backoff_base_seconds=5))
    publish_one(db, config, clock)
    results = []
    for _ in range(3):
        results.append(deliver_due(db.sessions, clock(), config))
        clock.advance(hours=1)
    assert results == [DeliveryStats(1, 0, 1, 0), DeliveryStats(1, 0, 1, 0), DeliveryStats(1, 0, 0, 1)]
    row = delivery(db)
    assert (row.state, row.attempts, row.next_attempt_at) == ("failed", 3, None)
    assert row.last_error is not None and row.last_error.startswith("HTTP 500")
    assert len(attempts(db)) == 3
    clock.advance(days=30)
    assert deliver_due(db.sessions, clock(), config) == DeliveryStats()
    assert len(receiver.requests) == 3


def test_refused_connections_redirects_and_missing_secrets_are_failed_attempts(
    db: Database, receiver: Receiver, clock: Clock
) -> None:
    receiver.script = ["redirect"]
    hooks = (
        hook("tutup", closed_port_url()),
        hook("pindah", receiver.url),
        WebhookConfig(name="tanpa-rahasia", url=receiver.url, secret_env="TIGAPILAR_UNSET_SECRET"),
    )
    config = config_of(*hooks)
    publish_one(db, config, clock)
    assert deliver_due(db.sessions, clock(), config) == DeliveryStats(claimed=3, retrying=3)
    with db.session() as session:
        errors = {
            d.target: (a.status_code, a.error)
            for d, a in session.execute(
                select(Delivery, DeliveryAttempt).join(
                    DeliveryAttempt, DeliveryAttempt.delivery_id == Delivery.id
                )
            )
        }
    assert errors["tutup"][0] is None and "connection failed" in (errors["tutup"][1] or "")
    assert errors["pindah"] == (
        307,
        "HTTP 307: redirected to elsewhere.example; redirects are not followed",
    )
    assert errors["tanpa-rahasia"] == (
        None,
        "no HMAC secret: environment variable TIGAPILAR_UNSET_SECRET is not set",
    )
    assert len(receiver.requests) == 1  # nothing unsigned was sent, and the redirect was not followed


def test_a_delivery_to_an_endpoint_no_longer_configured_fails_at_once(
    db: Database, receiver: Receiver, clock: Clock
) -> None:
    publish_one(db, config_of(hook("lama", receiver.url)), clock)
    assert deliver_due(db.sessions, clock(), config_of(hook("baru", receiver.url))) == DeliveryStats(
        claimed=1, failed=1
    )
    assert delivery(db).last_error == "no webhook named 'lama' is configured any more"
    assert receiver.requests == []


def test_endpoints_take_only_the_kinds_areas_and_severities_they_ask_for(db: Database, clock: Clock) -> None:
    config = config_of(
        hook("semua", "http://127.0.0.1:9/all"),
        hook("samarinda", "http://127.0.0.1:9/smd", events=("alert.*",), areas=("64.72",)),
        hook(
            "berat", "http://127.0.0.1:9/severe", events=("alert.created", "alert.escalated"), min_severity=3
        ),
    )
    cases = [
        (message(), {"semua", "samarinda", "berat"}),
        (message(area=BALIKPAPAN_VILLAGE), {"semua", "berat"}),
        (message(area="64.72"), {"semua", "samarinda", "berat"}),  # the city itself is inside
        (message(area="64.7"), {"semua", "berat"}),  # not a prefix match on text
        (message(area=None), {"semua", "berat"}),  # no place: only endpoints without areas
        (message(severity=2), {"semua", "samarinda"}),
        (message(severity=None), {"semua", "samarinda"}),
        (message(kind="alert.status"), {"semua", "samarinda"}),
        (message(kind="report.verified"), {"semua"}),
    ]
    for number, (msg, expected) in enumerate(cases):
        with db.session() as session:
            result = publish(session, msg, user_ids=[], now=clock(), config=config)
            targets = set(session.scalars(select(Delivery.target).where(Delivery.created_at == clock())))
        assert targets == expected, f"case {number}: {msg.kind} {msg.area_code} {msg.severity}"
        assert (result.webhooks, result.emails, result.notifications) == (len(expected), 0, 0)
        clock.advance(minutes=1)


def test_publish_notifies_active_users_once_in_the_callers_transaction(db: Database, clock: Clock) -> None:
    with db.session() as session:
        ids = [make_account(session, name, "analyst").user_id for name in ("satu", "dua", "tiga")]
        session.get_one(User, ids[2]).active = False
    config = config_of(hook("semua", "http://127.0.0.1:9/all"))
    with pytest.raises(RuntimeError), db.session() as session:
        publish(session, message(), user_ids=[ids[0]], now=clock(), config=config)
        raise RuntimeError("the caller's transaction fails")
    with db.session() as session:
        assert session.scalars(select(Notification)).all() == []
        assert session.scalars(select(Delivery)).all() == []
        result = publish(session, message(), user_ids=[*ids, ids[0], 987_654], now=clock(), config=config)
    assert (result.notifications, result.webhooks, result.emails) == (2, 1, 0)
    with db.session() as session:
        assert sorted(session.scalars(select(Notification.user_id))) == ids[:2]


def test_the_same_message_at_the_same_moment_keeps_its_delivery_id(db: Database, clock: Clock) -> None:
    config = config_of(hook("semua", "http://127.0.0.1:9/all"))
    for _ in range(2):
        publish_one(db, config, clock)
    clock.advance(seconds=1)
    publish_one(db, config, clock)
    publish_one(db, config, clock, message(kind="alert.escalated"))
    with db.session() as session:
        uids = list(session.scalars(select(Delivery.uid).order_by(Delivery.id)))
    assert uids[0] == uids[1]  # a receiver drops the repeat
    assert len(set(uids)) == 3


def test_two_senders_at_once_never_send_a_delivery_twice(
    db: Database, receiver: Receiver, clock: Clock
) -> None:
    receiver.delay = 0.01
    config = config_of(hook("pusdalops", receiver.url))
    for number in range(24):
        publish_one(db, config, clock, message(subject=f"alert:{number}"))
    start = threading.Barrier(2)
    results: list[DeliveryStats] = []

    def sender() -> None:
        start.wait()
        results.append(deliver_due(db.sessions, clock(), config))

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(r.sent for r in results) == 24 and sum(r.claimed for r in results) == 24
    ids = [r.headers["X-Tigapilar-Delivery"] for r in receiver.requests]
    assert len(ids) == 24 and len(set(ids)) == 24
    with db.session() as session:
        rows = session.execute(select(Delivery.state, Delivery.attempts, Delivery.lease)).all()
    assert set(rows) == {("sent", 1, None)}
    assert len(attempts(db)) == 24
