"""CLI: load the demo (and its field reports) and print its accounts."""

from __future__ import annotations

import click

from tigapilar.cli.context import open_database, reports_errors
from tigapilar.core.settings import Settings
from tigapilar.demo.config import load_demo_config
from tigapilar.demo.loader import DemoSummary, load_demo
from tigapilar.demo.reports import DemoReportsSummary, load_demo_reports
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
    """Load the demo: real region codes, generated TPS, units, officers, accounts and field reports.

    Safe to run again: an existing demo is kept and only its accounts are printed; field reports
    missing from a demo loaded by an older version are added.
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
    finally:
        database.dispose()
    _print(summary, reports, config.password)


def _print(summary: DemoSummary, reports: DemoReportsSummary, password: str) -> None:
    if summary.already_loaded:
        changed = "; its field reports were added." if reports.reports else "; nothing was changed."
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
    click.echo("")
    click.echo(f"Demo accounts (password for all: {password}):")
    for account in summary.accounts:
        where = "seluruh Indonesia" if account.national else ", ".join(account.areas)
        click.echo(f"  {account.username:<24} {account.role:<14} {where}")


COMMANDS: list[click.Command] = [demo]
