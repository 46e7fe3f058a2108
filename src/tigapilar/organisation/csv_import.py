"""Importing units and officers from CSV files (all or nothing, like every import).

The rules live in :mod:`units` and :mod:`officers` (``prepare_*``); this module only maps columns
to specs and problems to lines. Organisation files are small (a Polda has a few thousand officers),
so a whole file is checked in memory before anything is written.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from tigapilar.core.csvrows import Column, CsvRows, CsvSource, ImportResult, RowErrors, csv_rows, source_name
from tigapilar.organisation.checks import Problem
from tigapilar.organisation.officers import OfficerSpec, prepare_officers, save_officers
from tigapilar.organisation.units import UnitSpec, prepare_units, save_units

# Every column must be in the header, though cells may be empty (an empty cell clears the field on
# re-import): a file that silently lacked a column would otherwise erase it on every record.
UNIT_COLUMNS = (
    Column("code", ("kode",), required=True),
    Column("name", ("nama",), required=True),
    Column("agency", ("instansi",), required=True),
    Column("kind", ("jenis",), required=True),
    Column("parent_code", ("kode_induk", "induk"), required=True),
    Column("areas", ("wilayah",), required=True),
)
OFFICER_COLUMNS = (
    Column("name", ("nama",), required=True),
    Column("rank", ("pangkat",), required=True),
    Column("nrp", (), required=True),
    Column("nip", (), required=True),
    Column("phone", ("telepon", "no_hp", "hp"), required=True),
    Column("unit_code", ("kode_satuan", "satuan"), required=True),
    Column("pillar", ("pilar",), required=True),
    Column("villages", ("desa", "kode_desa"), required=True),
)


def _report(rows: CsvRows, lines: Sequence[int], problems: Sequence[Problem]) -> None:
    for problem in problems:
        rows.errors.add(lines[problem.index], rows.label(problem.field), problem.reason)
    rows.errors.raise_if_any()


def import_units_csv(session: Session, source: CsvSource) -> ImportResult:
    """Insert or update units (matched on ``code``); columns ``code, name, agency, kind,
    parent_code, areas`` (areas: region codes separated by ';' or spaces). A parent may be listed
    in the same file, before or after its sub-units."""
    errors = RowErrors(source_name(source))
    specs: list[UnitSpec] = []
    lines: list[int] = []
    with csv_rows(source, UNIT_COLUMNS, errors) as rows:
        for row in rows:
            v = row.values
            specs.append(
                UnitSpec(v["code"], v["name"], v["agency"], v["kind"], v["parent_code"], row.items("areas"))
            )
            lines.append(row.line)
        prepared, problems = prepare_units(
            session, specs, allow_existing=True, where=lambda i: f"line {lines[i]}"
        )
        _report(rows, lines, problems)
    units, inserted = save_units(session, prepared)
    return ImportResult(errors.source, len(units), inserted, len(units) - inserted)


def import_officers_csv(session: Session, source: CsvSource) -> ImportResult:
    """Insert or update officers (matched on NRP, else NIP, else phone); columns ``name, rank, nrp,
    nip, phone, unit_code, pillar, villages`` (villages: desa codes separated by ';' or spaces)."""
    errors = RowErrors(source_name(source))
    specs: list[OfficerSpec] = []
    lines: list[int] = []
    with csv_rows(source, OFFICER_COLUMNS, errors) as rows:
        for row in rows:
            v = row.values
            specs.append(
                OfficerSpec(
                    v["name"],
                    v["rank"],
                    v["nrp"],
                    v["nip"],
                    v["phone"],
                    v["unit_code"],
                    v["pillar"],
                    row.items("villages"),
                )
            )
            lines.append(row.line)
        prepared, problems = prepare_officers(
            session, specs, allow_existing=True, where=lambda i: f"line {lines[i]}"
        )
        _report(rows, lines, problems)
    officers, inserted = save_officers(session, prepared)
    return ImportResult(errors.source, len(officers), inserted, len(officers) - inserted)
