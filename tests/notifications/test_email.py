"""Email through a real local SMTP server (aiosmtpd): who gets one, what it says, and retries."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from conftest import make_account
from support.clock import Clock
from tigapilar.core.configfiles import ConfigError
from tigapilar.core.settings import Settings
from tigapilar.notifications.config import (
    EmailConfig,
    NotificationsFile,
    SmtpConfig,
    load_notification_config,
    notification_config,
)
from tigapilar.notifications.messages import Message
from tigapilar.notifications.outbox import DeliveryStats, deliver_due, publish
from tigapilar.storage.db import Database
from tigapilar.storage.models import Delivery, DeliveryAttempt, User

from .conftest import Mailbox

MESSAGE = Message(
    kind="alert.escalated",
    subject="alert:12",
    area_code="64.72.01.1001",
    severity=3,
    title_id="Peringatan #12 dinaikkan: bentrokan massa di Rawa Makmur",
    title_en="Alert #12 escalated: crowd clash in Rawa Makmur",
    body_id="Belum ditangani dalam 2 jam; diteruskan ke Polresta Samarinda.",
    body_en="Not handled within 2 hours; passed on to Polresta Samarinda.",
    link="/peringatan/12",
    payload={"alert_id": 12},
)


def smtp_settings(mailbox: Mailbox, tmp_path: Path) -> Settings:
    return Settings(
        database_url="sqlite://",
        data_dir=tmp_path,
        smtp_host=mailbox.host,
        smtp_port=mailbox.port,
        smtp_from="tigapilar@polda-kaltim.example",
        smtp_starttls=False,
    )


def people(db: Database) -> dict[str, int]:
    """Accounts: Indonesian with an address, English with one, one without, one the server refuses."""
    with db.session() as session:
        ids = {}
        for username, email, language in [
            ("kapolsek.palaran", "kapolsek.palaran@polri.example", "id"),
            ("liaison.en", "liaison@partner.example", "en"),
            ("tanpa.email", None, "id"),
            ("salah.alamat", "tidak-ada@polri.example", "id"),
        ]:
            account = make_account(session, username, "commander")
            user = session.get_one(User, account.user_id)
            user.email, user.language = email, language
            ids[username] = account.user_id
    return ids


def test_emails_go_to_recipients_with_an_address_in_their_language(
    db: Database, mailbox: Mailbox, clock: Clock, tmp_path: Path
) -> None:
    config = notification_config(
        NotificationsFile(
            base_url="https://tigapilar.polda-kaltim.example", email=EmailConfig(max_attempts=2)
        ),
        SmtpConfig.from_settings(smtp_settings(mailbox, tmp_path)),
    )
    ids = people(db)
    with db.session() as session:
        result = publish(session, MESSAGE, user_ids=ids.values(), now=clock(), config=config)
    assert (result.notifications, result.emails, result.webhooks) == (4, 3, 0)

    assert deliver_due(db.sessions, clock(), config) == DeliveryStats(claimed=3, sent=2, retrying=1)
    assert [rcpt for _, rcpt in mailbox.envelopes] == [
        ["kapolsek.palaran@polri.example"],
        ["liaison@partner.example"],
    ]
    indonesian, english = mailbox.messages  # (a long Subject may be folded right after the colon)
    assert indonesian["From"] == "tigapilar@polda-kaltim.example"
    assert indonesian["To"] == "kapolsek.palaran@polri.example"
    assert indonesian["Subject"].strip() == (
        "[tigapilar] [Tingkat 3] Peringatan #12 dinaikkan: bentrokan massa di Rawa Makmur"
    )
    assert indonesian["Auto-Submitted"] == "auto-generated"
    text = indonesian.get_content()
    assert "Belum ditangani dalam 2 jam; diteruskan ke Polresta Samarinda." in text
    assert "Buka di tigapilar: https://tigapilar.polda-kaltim.example/peringatan/12" in text
    assert "Jangan membalas email ini." in text
    assert (
        english["Subject"].strip()
        == "[tigapilar] [Severity 3] Alert #12 escalated: crowd clash in Rawa Makmur"
    )
    assert "Open in tigapilar: https://tigapilar.polda-kaltim.example/peringatan/12" in english.get_content()
    with db.session() as session:
        sent = session.scalars(select(Delivery).where(Delivery.state == "sent").order_by(Delivery.id)).all()
        assert [f"<{d.uid}@tigapilar>" for d in sent] == [m["Message-ID"] for m in mailbox.messages]
        assert {d.user_id for d in sent} == {ids["kapolsek.palaran"], ids["liaison.en"]}
        refused = session.scalars(select(Delivery).where(Delivery.state == "pending")).one()
        attempt = session.scalars(
            select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == refused.id)
        ).one()
    assert refused.target == "tidak-ada@polri.example"
    assert attempt.status_code == 550 and "mailbox unavailable" in (attempt.error or "")

    clock.advance(hours=2)
    assert deliver_due(db.sessions, clock(), config) == DeliveryStats(claimed=1, failed=1)  # max_attempts=2


def test_without_smtp_or_outside_the_email_rules_no_email_is_made(
    db: Database, mailbox: Mailbox, clock: Clock, tmp_path: Path
) -> None:
    ids = list(people(db).values())
    smtp = SmtpConfig.from_settings(smtp_settings(mailbox, tmp_path))
    picky = NotificationsFile(email=EmailConfig(events=("alert.created",), min_severity=4))
    with db.session() as session:
        off = publish(
            session, MESSAGE, user_ids=ids, now=clock(), config=notification_config(NotificationsFile())
        )
        other_kind = publish(
            session, MESSAGE, user_ids=ids, now=clock(), config=notification_config(picky, smtp)
        )
    assert (off.notifications, off.emails) == (4, 0)
    assert (other_kind.notifications, other_kind.emails) == (4, 0)


def test_smtp_comes_from_the_environment_and_needs_a_sender(tmp_path: Path) -> None:
    env = {"TIGAPILAR_SMTP_HOST": "mail.polri.example", "TIGAPILAR_SMTP_PORT": "2525"}
    with pytest.raises(ConfigError) as caught:
        load_notification_config(Settings.from_env(env))
    assert caught.value.problems == [("TIGAPILAR_SMTP_FROM", "required when TIGAPILAR_SMTP_HOST is set")]
    env |= {"TIGAPILAR_SMTP_FROM": "tigapilar@polri.example", "TIGAPILAR_SMTP_STARTTLS": "false"}
    smtp = load_notification_config(Settings.from_env(env)).smtp
    assert smtp is not None
    assert (smtp.host, smtp.port, smtp.sender, smtp.starttls) == (
        "mail.polri.example",
        2525,
        smtp.sender,
        False,
    )
    assert load_notification_config(Settings.from_env({})).smtp is None
