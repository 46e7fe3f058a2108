"""Entry point of the ``tigapilar`` command."""

from __future__ import annotations

import click

from tigapilar import __version__
from tigapilar.cli import (
    alerts,
    attributes,
    config,
    demo,
    notifications,
    organisation,
    regions,
    risk,
    serve,
    sitrep,
    sms,
    tps,
    users,
)
from tigapilar.cli.context import open_database, reports_errors
from tigapilar.cli.groups import import_group
from tigapilar.core.settings import Settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tigapilar")
def cli() -> None:
    """tigapilar: election security for Polri, TNI and village governments.

    The database is SQLite in ./var/tigapilar.db unless TIGAPILAR_DATABASE_URL points elsewhere
    (e.g. postgresql://user@host/db).
    """


@cli.command()
@reports_errors
def init() -> None:
    """Create the database, or bring its schema up to date (safe to run again)."""
    settings = Settings.from_env()
    open_database(settings).dispose()
    click.echo(f"Database ready: {settings.database_url}")


cli.add_command(import_group)
for module in (
    regions,
    tps,
    organisation,
    users,
    demo,
    serve,
    config,
    sms,
    attributes,
    risk,
    alerts,
    notifications,
    sitrep,
):
    for command in getattr(module, "COMMANDS", []):
        cli.add_command(command)
