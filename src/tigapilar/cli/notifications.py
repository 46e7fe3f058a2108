"""CLI: send the notifications that are due (webhooks, email) and try a webhook endpoint."""

from __future__ import annotations

import time
import uuid

import click

from tigapilar.cli.context import open_database, reports_errors
from tigapilar.core.settings import Settings
from tigapilar.notifications.config import example_text, load_notification_config
from tigapilar.notifications.messages import Message, utc_iso, webhook_body
from tigapilar.notifications.outbox import DeliveryStats, deliver_due, send_webhook
from tigapilar.storage.models.base import utcnow


@click.group("notifications")
def notifications_group() -> None:
    """Notifications: send due webhooks and emails, try an endpoint, print the example config."""


@notifications_group.command("deliver")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10_000), help="Per batch.")
@click.option(
    "--every",
    type=click.FloatRange(min=1),
    default=None,
    help="Keep running, looking for due deliveries every this many seconds (the embedded setup's sender).",
)
@reports_errors
def deliver(limit: int, every: float | None) -> None:
    """Send every webhook and email that is due now; failures are retried later with back-off."""
    settings = Settings.from_env()
    config = load_notification_config(settings)
    database = open_database(settings)
    try:
        while True:
            total = DeliveryStats()
            while True:
                stats = deliver_due(database.sessions, utcnow(), config, limit)
                total += stats
                if stats.claimed < limit:
                    break
            if every is None or total.claimed:
                click.echo(
                    f"{utc_iso(utcnow())} sent {total.sent}, retrying {total.retrying}, "
                    f"failed {total.failed} (of {total.claimed} due)"
                )
            if every is None:
                return
            time.sleep(every)
    finally:
        database.dispose()


@notifications_group.command("test-webhook")
@click.argument("name")
@reports_errors
def test_webhook(name: str) -> None:
    """POST a signed ``ping`` to the endpoint NAME of notifications.toml; exit 1 unless it answers 2xx."""
    config = load_notification_config(Settings.from_env())
    hook = config.webhook(name)
    if hook is None:
        known = ", ".join(w.name for w in config.webhooks) or f"none (config: {config.source})"
        raise click.ClickException(f"no webhook named {name!r}; configured: {known}")
    now = utcnow()
    uid = str(uuid.uuid4())
    ping = Message(
        kind="ping",
        subject=f"webhook:{name}",
        area_code=None,
        severity=None,
        title_id="Uji webhook tigapilar",
        title_en="tigapilar webhook test",
        body_id="Pesan uji; tidak perlu tindakan.",
        body_en="A test message; no action needed.",
    )
    body = webhook_body(ping, uid, now)
    outcome = send_webhook(hook, config, "ping", uid, body.encode(), now)
    status = outcome.status_code if outcome.status_code is not None else "-"
    click.echo(f"{name}: {hook.url} -> {status} in {outcome.duration_ms} ms (delivery {uid})")
    if not outcome.ok:
        raise click.ClickException(outcome.error or "failed")


@notifications_group.command("example")
def example() -> None:
    """Print the documented example notifications.toml (start your own from it)."""
    click.echo(example_text(), nl=False)


COMMANDS: list[click.Command] = [notifications_group]
