"""CLI: importing and looking at units and officers, and the three pillars of a village."""

from __future__ import annotations

from pathlib import Path

import click

from tigapilar.accounts.principal import system_principal
from tigapilar.cli.context import database_session, echo_table, reports_errors
from tigapilar.cli.groups import import_group
from tigapilar.core.csvrows import ImportResult
from tigapilar.core.pagination import PageRequest
from tigapilar.core.scope import Scope
from tigapilar.organisation.csv_import import import_officers_csv, import_units_csv
from tigapilar.organisation.kinds import AGENCIES, PILLARS, pillar_label
from tigapilar.organisation.officers import OfficerView, get_officer, list_officers, village_pillars
from tigapilar.organisation.units import UnitView, get_unit, list_units

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
# The command line is run by the operator of the installation: whole country, personal data shown.
OPERATOR = system_principal()
NATIONAL = Scope.everything()


def _unit_or_id(value: str) -> int | str:
    return int(value) if value.isdigit() else value


def _echo_result(result: ImportResult, what: str) -> None:
    click.echo(
        f"{result.rows} {what} read from {result.source}: {result.inserted} new, {result.updated} updated."
    )


@import_group.command("units")
@click.argument("file", type=FILE)
@reports_errors
def import_units(file: Path) -> None:
    """Import units (Polda, Polres, Polsek, Kodim, Koramil, Pemkab, KPU, Bawaslu...) from a CSV FILE.

    Columns (any order; Indonesian names in brackets also work): code (kode), name (nama),
    agency (instansi: polri, tni_ad, pemda, kpu, bawaslu), kind (jenis, e.g. polres),
    parent_code (kode_induk, may be empty), areas (wilayah: region codes separated by ';').

    Importing again updates units with the same code.
    """
    with database_session() as session:
        result = import_units_csv(session, file)
    _echo_result(result, "units")


@import_group.command("officers")
@click.argument("file", type=FILE)
@reports_errors
def import_officers(file: Path) -> None:
    """Import officers, including the three village pillars, from a CSV FILE.

    Columns (any order; Indonesian names in brackets also work): name (nama), rank (pangkat),
    nrp, nip, phone (no_hp), unit_code (kode_satuan), pillar (pilar: bhabinkamtibmas, babinsa,
    kades_lurah, or empty), villages (desa: desa/kelurahan codes separated by ';').

    Each officer needs an NRP, NIP or phone number: importing again updates the officer with the
    same NRP (else NIP, else phone) instead of adding a second one.
    """
    with database_session() as session:
        result = import_officers_csv(session, file)
    _echo_result(result, "officers")


@click.group("units")
def units_group() -> None:
    """Look at units of Polri, TNI AD, local government, KPU and Bawaslu."""


def _unit_row(unit: UnitView) -> dict[str, object]:
    return {
        "id": unit.id,
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "areas": " ".join(unit.areas),
    }


@units_group.command("list")
@click.option("--agency", type=click.Choice(list(AGENCIES)), help="Only units of this agency.")
@click.option("--kind", help="Only units of this kind, e.g. polres or koramil.")
@click.option("--area", help="Only units responsible for this region, one inside it or one containing it.")
@click.option("--parent", help="Only the sub-units of this unit (id or code).")
@click.option("--limit", default=100, show_default=True, help="How many units to show.")
@click.option("--offset", default=0, show_default=True, help="How many units to skip first.")
@reports_errors
def list_units_command(
    agency: str | None, kind: str | None, area: str | None, parent: str | None, limit: int, offset: int
) -> None:
    """List units, ordered by code."""
    with database_session() as session:
        parent_id = get_unit(session, NATIONAL, _unit_or_id(parent)).id if parent else None
        page = list_units(
            session,
            NATIONAL,
            agency=agency,
            kind=kind,
            area=area,
            parent_id=parent_id,
            page=PageRequest(limit, offset),
        )
    echo_table([_unit_row(u) for u in page.items], ["id", "code", "name", "kind", "areas"])
    click.echo(f"{len(page.items)} of {page.total} units shown.")


@units_group.command("show")
@click.argument("unit")
@reports_errors
def show_unit_command(unit: str) -> None:
    """Show one unit (by id or code), its areas and its sub-units."""
    with database_session() as session:
        detail = get_unit(session, NATIONAL, _unit_or_id(unit))
    click.echo(f"{detail.code}  {detail.name}  ({detail.agency_label}, {detail.kind_label})")
    if detail.parent:
        click.echo(f"part of: {detail.parent.name} ({detail.parent.code})")
    click.echo(f"areas: {' '.join(detail.areas) or '-'}")
    click.echo("sub-units:")
    echo_table([_unit_row(u) for u in detail.children], ["id", "code", "name", "kind", "areas"])


@click.group("officers")
def officers_group() -> None:
    """Look at officers: Bhabinkamtibmas, Babinsa, village heads and unit staff."""


def _officer_row(officer: OfficerView) -> dict[str, object]:
    return {
        "id": officer.id,
        "name": officer.name,
        "rank": officer.rank,
        "pillar": officer.pillar,
        "unit": officer.unit.code if officer.unit else None,
        "phone": officer.phone,
        "villages": " ".join(officer.villages),
        "active": "yes" if officer.active else "no",
    }


OFFICER_COLUMNS = ["id", "name", "rank", "pillar", "unit", "phone", "villages", "active"]


@officers_group.command("list")
@click.option("--unit", help="Only officers of this unit (id or code).")
@click.option("--pillar", type=click.Choice(list(PILLARS)), help="Only officers of this pillar.")
@click.option("--village", help="Only officers assigned to this desa/kelurahan code.")
@click.option("--area", help="Only officers serving a village in, or of a unit responsible for, this region.")
@click.option("--search", help="Only officers whose name contains this text.")
@click.option("--limit", default=100, show_default=True, help="How many officers to show.")
@click.option("--offset", default=0, show_default=True, help="How many officers to skip first.")
@reports_errors
def list_officers_command(
    unit: str | None,
    pillar: str | None,
    village: str | None,
    area: str | None,
    search: str | None,
    limit: int,
    offset: int,
) -> None:
    """List officers, ordered by name."""
    with database_session() as session:
        unit_id = get_unit(session, NATIONAL, _unit_or_id(unit)).id if unit else None
        page = list_officers(
            session,
            OPERATOR,
            unit_id=unit_id,
            pillar=pillar,
            village=village,
            area=area,
            q=search,
            page=PageRequest(limit, offset),
        )
    echo_table([_officer_row(o) for o in page.items], OFFICER_COLUMNS)
    click.echo(f"{len(page.items)} of {page.total} officers shown.")


@officers_group.command("show")
@click.argument("officer_id", type=int)
@reports_errors
def show_officer_command(officer_id: int) -> None:
    """Show one officer by id."""
    with database_session() as session:
        officer = get_officer(session, OPERATOR, officer_id)
    details = {
        **_officer_row(officer),
        "pillar": pillar_label(officer.pillar),
        "nrp": officer.nrp,
        "nip": officer.nip,
        "unit": f"{officer.unit.name} ({officer.unit.code})" if officer.unit else None,
    }
    for key, value in details.items():
        click.echo(f"{key:>8}: {'' if value is None else value}")


@click.command("village-pillars")
@click.argument("desa_code")
@reports_errors
def village_pillars_command(desa_code: str) -> None:
    """Show the three pillars of a village: its Bhabinkamtibmas, Babinsa and Kepala Desa/Lurah."""
    with database_session() as session:
        result = village_pillars(session, OPERATOR, desa_code)
    click.echo(f"{result.desa_code}  {result.desa_name}")
    for pillar, officers in result.pillars.items():
        people = "; ".join(f"{o.rank or ''} {o.name} ({o.phone or '-'})".strip() for o in officers)
        click.echo(f"  {pillar_label(pillar)}: {people or '(none assigned)'}")


COMMANDS: list[click.Command] = [units_group, officers_group, village_pillars_command]
