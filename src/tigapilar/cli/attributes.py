"""CLI: ``tigapilar import attributes``, the data behind the vulnerability index's indicators."""

from __future__ import annotations

from pathlib import Path

import click

from tigapilar.cli.context import database_session, progress, reports_errors
from tigapilar.cli.groups import import_group
from tigapilar.cli.tps import FILE, count_data_lines
from tigapilar.core.settings import Settings
from tigapilar.risk.attributes import import_attributes_csv, load_attribute_registry


@import_group.command("attributes")
@click.argument("file", type=FILE)
@click.option("--election", required=True, help="The election whose TPS the file's TPS uids name.")
@reports_errors
def import_attributes(file: Path, election: str) -> None:
    """Import attributes of TPS and regions (hard to reach, blank spot, DPT anomalies, ...) from a CSV FILE.

    One row per place: column `kode` holds a TPS uid (64.71.01.1001-003) or a region code
    (64.71.01.1001); every other column is an attribute named as in the registry
    (`tigapilar config export attributes.toml`). Empty cells leave stored values unchanged. Run
    `tigapilar risk recompute` afterwards.
    """
    registry = load_attribute_registry(Settings.from_env().config_dir)
    with progress("Importing attributes", count_data_lines(file)) as advance, database_session() as session:
        result = import_attributes_csv(session, file, election, registry, on_progress=advance)
    click.echo(f"{result.rows} rows read from {result.source}: {result.inserted} values saved.")


COMMANDS: list[click.Command] = []  # registered on the `import` group above
