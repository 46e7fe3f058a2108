"""CLI: importing and looking at polling stations (TPS)."""

from __future__ import annotations

from pathlib import Path

import click

from tigapilar.cli.context import database_session, echo_table, progress, reports_errors
from tigapilar.cli.groups import import_group
from tigapilar.core.pagination import PageRequest
from tigapilar.core.scope import Scope
from tigapilar.regions.codes import LEVEL_NAMES
from tigapilar.storage.models import Tps
from tigapilar.tps.csv_import import import_tps_csv
from tigapilar.tps.kinds import TPS_KINDS, kind_label
from tigapilar.tps.registry import get_tps, get_tps_by_uid, list_tps, summarise_tps

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def count_data_lines(path: Path) -> int:
    """Lines after the header, counted in binary blocks (a second for a 100 MB file): the bar's total."""
    lines = 0
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
    return max(lines - 1, 0)


@import_group.command("tps")
@click.argument("file", type=FILE)
@click.option("--election", required=True, help="Which election the TPS belong to, e.g. pilkada-2024.")
@reports_errors
def import_tps(file: Path, election: str) -> None:
    """Import the TPS (polling stations) of one election from a CSV FILE.

    Columns (any order; Indonesian names in brackets also work): desa_code (kode_desa),
    number (no_tps), address (alamat), lat, lng, dpt_male (dpt_l), dpt_female (dpt_p),
    kind (jenis), notes (keterangan). Only desa_code and number are required.

    Importing the same file again updates the TPS instead of adding them twice.
    """
    with progress("Importing TPS", count_data_lines(file)) as advance, database_session() as session:
        result = import_tps_csv(session, file, election, on_progress=advance)
    click.echo(
        f"{result.rows} TPS read from {result.source}: {result.inserted} new, {result.updated} updated."
    )


@click.group("tps")
def tps_group() -> None:
    """Look at polling stations (TPS): lists, one TPS, and totals per region."""


def _row(tps: Tps) -> dict[str, object]:
    return {
        "id": tps.id,
        "election": tps.election,
        "uid": tps.uid,
        "kind": tps.kind,
        "dpt_l": tps.dpt_male,
        "dpt_p": tps.dpt_female,
        "dpt": tps.dpt,
        "address": tps.address,
    }


@tps_group.command("list")
@click.option("--area", help="Only TPS inside this region code, e.g. 64.71 or 64.71.01.1001.")
@click.option("--election", help="Only TPS of this election, e.g. pilkada-2024.")
@click.option("--kind", type=click.Choice(list(TPS_KINDS)), help="Only TPS of this kind.")
@click.option("--limit", default=50, show_default=True, help="How many TPS to show.")
@click.option("--offset", default=0, show_default=True, help="How many TPS to skip first.")
@reports_errors
def list_command(area: str | None, election: str | None, kind: str | None, limit: int, offset: int) -> None:
    """List TPS, ordered by village and number."""
    with database_session() as session:
        page = list_tps(
            session,
            Scope.everything(),
            area=area,
            election=election,
            kind=kind,
            page=PageRequest(limit, offset),
        )
        echo_table(
            [_row(t) for t in page.items],
            ["id", "election", "uid", "kind", "dpt_l", "dpt_p", "dpt", "address"],
        )
    click.echo(f"{len(page.items)} of {page.total} TPS shown.")


@tps_group.command("show")
@click.argument("tps")
@click.option("--election", help="Needed when TPS is a uid such as 64.71.01.1001-003.")
@reports_errors
def show_command(tps: str, election: str | None) -> None:
    """Show one TPS, by its id or by its uid (with --election)."""
    with database_session() as session:
        if tps.isdigit():
            found = get_tps(session, Scope.everything(), int(tps))
        else:
            if not election:
                raise click.UsageError("give --election with a TPS uid")
            found = get_tps_by_uid(session, Scope.everything(), election, tps)
        details = {
            **_row(found),
            "desa_code": found.desa_code,
            "number": found.number,
            "kind": f"{found.kind} ({kind_label(found.kind)})",
            "lat": found.lat,
            "lng": found.lng,
            "notes": found.notes,
        }
    for key, value in details.items():
        click.echo(f"{key:>10}: {'' if value is None else value}")


@tps_group.command("summary")
@click.option("--area", help="A province, kab/kota or kecamatan code; totals are shown per region below it.")
@click.option("--election", help="The election, when TPS of several elections are stored.")
@reports_errors
def summary_command(area: str | None, election: str | None) -> None:
    """Count TPS and registered voters (DPT) per region below an area."""
    with database_session() as session:
        summary = summarise_tps(session, Scope.everything(), area=area, election=election)
    rows = [
        {
            "code": r.code,
            "name": r.name,
            "tps": r.tps,
            "dpt_l": r.dpt_male,
            "dpt_p": r.dpt_female,
            "dpt": r.dpt,
        }
        for r in [*summary.rows, summary.total]
    ]
    rows[-1]["name"] = "TOTAL"
    click.echo(f"Election: {summary.election or '-'}; rows per {LEVEL_NAMES[summary.level]}")
    echo_table(rows, ["code", "name", "tps", "dpt_l", "dpt_p", "dpt"])


COMMANDS: list[click.Command] = [tps_group]
