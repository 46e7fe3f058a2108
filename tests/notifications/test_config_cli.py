"""notifications.toml (validated like every config file) and the ``tigapilar notifications`` commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from support.clock import Clock
from tigapilar.cli.main import cli
from tigapilar.core.configfiles import ConfigError, parse_config
from tigapilar.core.settings import Settings
from tigapilar.notifications.config import (
    NotificationsFile,
    WebhookConfig,
    example_text,
    load_notification_config,
)
from tigapilar.notifications.messages import Message
from tigapilar.notifications.outbox import publish
from tigapilar.storage.db import Database
from tigapilar.storage.models import Delivery
from tigapilar.storage.models.base import utcnow

from .conftest import SECRET, SECRET_ENV, Receiver

BAD = """
base_url = "ftp://tigapilar"

[[webhook]]
name = "Pusdalops Polda"
url = "pusdalops.example/hook"
secret_env = "TIGAPILAR_SECRET"
areas = ["6472"]
events = ["alert created"]

[[webhook]]
name = "samarinda"
url = "https://a.example/x"
min_severity = 0
colour = "red"
"""
TWICE = """
[[webhook]]
name = "samarinda"
url = "https://a.example/x"
secret_env = "TIGAPILAR_SECRET"

[[webhook]]
name = "samarinda"
url = "https://b.example/x"
secret_env = "TIGAPILAR_SECRET"
backoff_base_seconds = 600
backoff_cap_seconds = 60
"""


def write_config(directory: Path, url: str) -> None:
    (directory / "notifications.toml").write_text(
        f'[[webhook]]\nname = "pusdalops"\nurl = "{url}"\nsecret_env = "{SECRET_ENV}"\ntimeout_seconds = 2\n'
    )


def test_the_shipped_example_is_valid_and_documents_every_setting() -> None:
    example = parse_config("example", example_text(), NotificationsFile)
    assert [w.name for w in example.webhook] == ["pusdalops-polda-kaltim", "polresta-samarinda"]
    every_field = {*NotificationsFile.model_fields, *WebhookConfig.model_fields}
    assert {f for f in every_field if f"{f} =" not in example_text() and f != "webhook"} == {"email"}


def test_every_problem_of_a_bad_file_is_listed_with_its_place(tmp_path: Path) -> None:
    (tmp_path / "notifications.toml").write_text(BAD)
    with pytest.raises(ConfigError) as caught:
        load_notification_config(Settings(database_url="sqlite://", data_dir=tmp_path, config_dir=tmp_path))
    places = {place for place, _ in caught.value.problems}
    assert {
        "base_url",
        "webhook[1].name",
        "webhook[1].url",
        "webhook[1].areas",
        "webhook[1].events",
        "webhook[2].secret_env",
        "webhook[2].min_severity",
        "webhook[2].colour",
    } <= places
    assert str(tmp_path / "notifications.toml") in caught.value.message
    with pytest.raises(ConfigError) as caught:
        parse_config("twice", TWICE, NotificationsFile)
    assert caught.value.problems == [
        ("webhook[2]", "backoff_cap_seconds must not be below backoff_base_seconds")
    ]
    with pytest.raises(ConfigError) as caught:
        parse_config("twice", TWICE.replace("600", "6"), NotificationsFile)
    assert caught.value.problems == [("", "webhook name(s) used twice: samarinda")]

    result = CliRunner().invoke(cli, ["config", "check", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "webhook[1].areas" in result.output


def test_without_a_file_there_are_no_webhooks(tmp_path: Path) -> None:
    config = load_notification_config(
        Settings(database_url="sqlite://", data_dir=tmp_path, config_dir=tmp_path)
    )
    assert (config.webhooks, config.smtp, config.source) == ((), None, "none")


def test_deliver_command_sends_what_is_due(
    db: Database, receiver: Receiver, clock: Clock, tmp_path: Path, database_url: str
) -> None:
    clock.now = utcnow()  # the command sends at the real time
    write_config(tmp_path, receiver.url)
    env = {
        "TIGAPILAR_DATABASE_URL": database_url,
        "TIGAPILAR_CONFIG_DIR": str(tmp_path),
        SECRET_ENV: SECRET,
    }
    config = load_notification_config(Settings.from_env(env), environ=env)
    message = Message(
        "alert.overdue", "alert:5", "64.72", 4, "Terlambat", "Overdue", "Isi", "Text", "/peringatan/5"
    )
    with db.session() as session:
        publish(session, message, user_ids=[], now=clock(), config=config)

    result = CliRunner(env=env).invoke(cli, ["notifications", "deliver"])
    assert result.exit_code == 0, result.output
    assert "sent 1, retrying 0, failed 0 (of 1 due)" in result.output
    assert [r.signed for r in receiver.requests] == [True]
    with db.session() as session:
        assert session.scalars(select(Delivery.state)).all() == ["sent"]
    again = CliRunner(env=env).invoke(cli, ["notifications", "deliver"])
    assert "sent 0, retrying 0, failed 0 (of 0 due)" in again.output


def test_test_webhook_sends_a_signed_ping(
    receiver: Receiver, clock: Clock, tmp_path: Path, database_url: str
) -> None:
    write_config(tmp_path, receiver.url)
    env = {"TIGAPILAR_DATABASE_URL": database_url, "TIGAPILAR_CONFIG_DIR": str(tmp_path), SECRET_ENV: SECRET}
    clock.now = utcnow()  # the receiver checks the signature's time against this: the ping is sent now
    result = CliRunner(env=env).invoke(cli, ["notifications", "test-webhook", "pusdalops"])
    assert result.exit_code == 0, result.output
    assert f"pusdalops: {receiver.url} -> 200" in result.output
    (ping,) = receiver.requests
    assert ping.signed and ping.headers["X-Tigapilar-Event"] == "ping"

    receiver.script = [200, 502]  # the second ping fails
    failed = CliRunner(env=env).invoke(cli, ["notifications", "test-webhook", "pusdalops"])
    assert failed.exit_code == 1 and "HTTP 502" in failed.output
    unknown = CliRunner(env=env).invoke(cli, ["notifications", "test-webhook", "lain"])
    assert unknown.exit_code == 1 and "no webhook named 'lain'; configured: pusdalops" in unknown.output
    example = CliRunner().invoke(cli, ["notifications", "example"])
    assert example.output == example_text()
