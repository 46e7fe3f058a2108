"""CLI: load the demo (its field reports, attributes and vulnerability scores) and print its accounts."""

from __future__ import annotations

import click

from tigapilar.cli.context import open_database, reports_errors
from tigapilar.core.settings import Settings
from tigapilar.demo.alerts import DemoAlertsSummary, load_demo_alerts, load_demo_burst
from tigapilar.demo.config import load_demo_config
from tigapilar.demo.loader import DemoSummary, load_demo
from tigapilar.demo.reports import DemoReportsSummary, load_demo_reports
from tigapilar.demo.risk import DemoRiskSummary, load_demo_risk
from tigapilar.reports.views import STATUSES


@click.command()
@click.option(
    "--name",
    "name",
    default="kaltim",
    show_default=True,
    help="Which demo: a shipped one (kaltim) or the path of your own .toml file.",
)
@reports_errors
def demo(name: str) -> None:
    """Load the demo: real region codes, generated TPS, units, officers, accounts, field reports,
    attributes of TPS and regions, and the vulnerability scores of every live profile.

    Safe to run again: an existing demo is kept and only its accounts are printed; field reports,
    attributes and scores missing from a demo loaded by an older version are added.
    """
    config = load_demo_config(name)
    settings = Settings.from_env()
    database = open_database(settings)

    def say(message: str) -> None:
        click.echo(f"Loading {message} ...", err=True)

    try:
        with database.session() as session:
            summary = load_demo(session, config, step=say)
        # After the commit above: the intake opens its own transactions on the demo's rows.
        reports = load_demo_reports(database, settings, config, step=say)
        # The evening burst early warning will find: reports too, so before the scores.
        load_demo_burst(database, settings, config, step=say)
        # Scores read the verified reports: after them.
        risk = load_demo_risk(database, settings, config, step=say)
        # Alerts read the reports and, for hotspots, the scores: last.
        alerts = load_demo_alerts(database, settings, config, step=say)
    finally:
        database.dispose()
    _print(summary, reports, risk, config.password)
    _print_alerts(alerts)


def _print_alerts(alerts: DemoAlertsSummary) -> None:
    if alerts.alerts:
        statuses = ", ".join(f"{count} {status}" for status, count in sorted(alerts.statuses.items()))
        click.echo(
            f"Early warning: {alerts.cycles} detector cycles replayed, {alerts.alerts} alerts ({statuses})."
        )
        if alerts.burst_alert:
            click.echo(f"  Open now: alert #{alerts.burst_alert}, the burst around Sepaku (see /peringatan).")
    elif alerts.skipped:
        click.echo(f"Early warning: nothing replayed ({alerts.skipped}).")


def _print(summary: DemoSummary, reports: DemoReportsSummary, risk: DemoRiskSummary, password: str) -> None:
    if summary.already_loaded:
        if reports.reports:
            changed = "; its field reports were added."
        elif risk.changed:
            changed = "; its attributes and vulnerability scores were brought up to date."
        else:
            changed = "; nothing was changed."
        click.echo(f"The demo is already loaded{changed}")
    else:
        click.echo(
            f"Demo loaded: {summary.regions} regions ({summary.demo_positions} with demo positions), "
            f"{summary.tps} TPS with {summary.dpt:,} voters (DPT), {summary.units} units, "
            f"{summary.officers} officers."
        )
    if reports.reports:
        statuses = ", ".join(f"{reports.statuses[s]} {s}" for s in STATUSES if reports.statuses.get(s))
        click.echo(
            f"Field reports: {reports.reports} through the intake ({statuses}); "
            f"{reports.needs_review} payloads wait in the review queue."
        )
    elif reports.skipped:
        click.echo(f"Field reports: none loaded ({reports.skipped}).")
    if risk.changed:
        places = ", ".join(f"{r.profile} {r.places:,} places" for r in risk.scored) or "scores kept"
        click.echo(
            f"Vulnerability: {risk.attributes_written:,} attribute values written"
            f"{f', {risk.attributes_removed:,} removed' if risk.attributes_removed else ''}; "
            f"{len(risk.scored)} profiles scored ({places}) on {risk.moments} days, in {risk.seconds:.1f} s."
        )
    elif risk.skipped:
        click.echo(f"Vulnerability: nothing scored ({risk.skipped}).")
    click.echo("")
    click.echo(f"Demo accounts (password for all: {password}):")
    for account in summary.accounts:
        where = "seluruh Indonesia" if account.national else ", ".join(account.areas)
        click.echo(f"  {account.username:<24} {account.role:<14} {where}")


COMMANDS: list[click.Command] = [demo]
