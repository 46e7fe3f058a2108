"""CLI: early warning. Run a detector cycle (for cron), list and show alerts, response metrics.

The command line acts as the installation's operator (national scope), like the other commands.
"""

from __future__ import annotations

from datetime import datetime

import click

from tigapilar.accounts.principal import system_principal
from tigapilar.alerts import metrics, views
from tigapilar.alerts.cycle import run_cycle
from tigapilar.alerts.setup import load_setup
from tigapilar.cli.context import database_session, echo_table, open_database, reports_errors
from tigapilar.core.pagination import PageRequest
from tigapilar.core.settings import Settings
from tigapilar.notifications.outbox import deliver_due
from tigapilar.storage.models.base import utcnow


def _moment(value: str | None) -> datetime:
    if not value:
        return utcnow()
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise click.BadParameter("give a time zone, e.g. 2024-11-27T10:00+08:00", param_hint="--at")
    return moment


@click.group("alerts")
def alerts_group() -> None:
    """Early warning: detector cycles, alerts and response metrics."""


@alerts_group.command("cycle")
@click.option("--at", "at", help="Run as at this moment (ISO 8601 with zone); default: now.")
@reports_errors
def cycle_command(at: str | None) -> None:
    """Run every detector once, raise or join alerts, escalate what is overdue, send notifications.

    For installations that run the detectors from cron instead of the server's own scheduler.
    """
    settings = Settings.from_env()
    setup = load_setup(settings)
    database = open_database(settings)
    now = _moment(at)
    report = run_cycle(database.sessions, now, setup)
    stats = deliver_due(database.sessions, now, setup.notifications)
    database.dispose()
    found = ", ".join(f"{name} {count}" for name, count in report.findings.items())
    click.echo(f"{report.cases} reports read; findings: {found}")
    click.echo(f"new alerts: {report.raised or '-'}; joined: {report.joined or '-'}")
    click.echo(f"escalated: {report.escalated or '-'}")
    click.echo(f"notifications: {stats}")
    if report.skipped:
        click.echo(f"skipped: {report.skipped}")


@alerts_group.command("list")
@click.option("--status", help="A status, or terbuka for every open alert.")
@click.option("--area", help="Only alerts with a place in this region code.")
@click.option("--limit", default=50, show_default=True)
@reports_errors
def list_command(status: str | None, area: str | None, limit: int) -> None:
    """Alerts, newest first."""
    with database_session() as session:
        page = views.list_alerts(
            session,
            system_principal(),
            views.AlertFilter(status=status, area=area),
            PageRequest(limit),
            utcnow(),
        )
    rows = [
        {
            "id": a.id,
            "status": a.status,
            "severity": a.severity,
            "area": a.area_code,
            "title": a.title,
            "created": a.created_at.isoformat(timespec="minutes"),
            "escalated": a.escalation_level,
        }
        for a in page.items
    ]
    echo_table(rows, ["id", "status", "severity", "area", "title", "created", "escalated"])
    click.echo(f"{page.total} alerts")


@alerts_group.command("show")
@click.argument("alert_id", type=int)
@reports_errors
def show_command(alert_id: int) -> None:
    """An alert: its evidence, units and timeline."""
    with database_session() as session:
        detail = views.get_alert(session, system_principal(), alert_id, utcnow())
    alert = detail.alert
    click.echo(f"#{alert.id} [{alert.status}] severity {alert.severity}: {alert.title}")
    click.echo(f"area {alert.area_code} {alert.area_name or ''}; due {alert.due_at or '-'}")
    click.echo("units: " + ", ".join(f"{r.unit_name} (level {r.level})" for r in detail.routes))
    for detection in detail.detections:
        p = f", p = {detection.p_value:.4f}" if detection.p_value is not None else ""
        click.echo(f"  detection {detection.detector}/{detection.code}{p}: {detection.explanation}")
    for entry in detail.timeline:
        what = entry.text or ""
        status = f"{entry.from_status or ''} -> {entry.to_status}" if entry.to_status else ""
        click.echo(
            f"  {entry.at.isoformat(timespec='minutes')} {entry.kind} {status} {entry.action or ''} {what}"
        )


@alerts_group.command("metrics")
@click.option("--by", "group", type=click.Choice(["unit", "area"]), default="unit", show_default=True)
@click.option("--level", type=click.IntRange(1, 3), default=2, show_default=True, help="For --by area.")
@reports_errors
def metrics_command(group: str, level: int) -> None:
    """Response metrics: time to acknowledge and close (median minutes), overdue and escalated alerts."""
    with database_session() as session:
        now, caller, filters = utcnow(), system_principal(), views.AlertFilter()
        rows = (
            metrics.metrics_by_unit(session, caller, filters, now)
            if group == "unit"
            else metrics.metrics_by_area(session, caller, filters, level, now)
        )
    echo_table(
        [r.__dict__ for r in rows],
        [
            "key",
            "name",
            "alerts",
            "open",
            "closed",
            "median_minutes_to_acknowledge",
            "median_minutes_to_close",
            "overdue",
            "escalated",
        ],
    )


COMMANDS: list[click.Command] = [alerts_group]
