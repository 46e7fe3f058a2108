"""CLI: load the demo and print its accounts."""

from __future__ import annotations

import click

from tigapilar.cli.context import database_session, reports_errors
from tigapilar.demo.config import load_demo_config
from tigapilar.demo.loader import DemoSummary, load_demo


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
    """Load the demo: real region codes, generated TPS, units, officers and accounts.

    Safe to run again: an existing demo is kept and only its accounts are printed.
    """
    config = load_demo_config(name)
    with database_session() as session:
        summary = load_demo(session, config, step=lambda m: click.echo(f"Loading {m} ...", err=True))
    _print(summary, config.password)


def _print(summary: DemoSummary, password: str) -> None:
    if summary.already_loaded:
        click.echo("The demo is already loaded; nothing was changed.")
    else:
        click.echo(
            f"Demo loaded: {summary.regions} regions ({summary.demo_positions} with demo positions), "
            f"{summary.tps} TPS with {summary.dpt:,} voters (DPT), {summary.units} units, "
            f"{summary.officers} officers."
        )
    click.echo("")
    click.echo(f"Demo accounts (password for all: {password}):")
    for account in summary.accounts:
        where = "seluruh Indonesia" if account.national else ", ".join(account.areas)
        click.echo(f"  {account.username:<24} {account.role:<14} {where}")


COMMANDS: list[click.Command] = [demo]
