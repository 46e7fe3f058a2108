"""Region data in MySQL dumps: which table a dump holds, and its rows as :class:`SourceRow` objects."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from tigapilar.core.errors import ImportRejected, RowError
from tigapilar.regions.importers.base import FileReadError, ImportResult, RowHandler, SourceRow, run_import
from tigapilar.regions.importers.boundaries import ShapeHandler
from tigapilar.regions.importers.sqldump import SqlDumpError, read_sql_rows
from tigapilar.regions.importers.wilayah import (
    NATIONAL_TOTAL_CODES,
    AreaHandler,
    NamesHandler,
    PopulationHandler,
)


@dataclass(frozen=True)
class Table:
    handler: Callable[[], RowHandler]
    # Column order assumed when an INSERT lists no columns (the upstream CREATE TABLE order).
    columns: tuple[str, ...]
    required: tuple[str, ...]


TABLES: dict[str, Table] = {
    "wilayah": Table(NamesHandler, ("kode", "nama"), ("kode", "nama")),
    "wilayah_luas": Table(AreaHandler, ("kode", "nama", "luas"), ("kode", "luas")),
    "wilayah_penduduk": Table(
        PopulationHandler, ("kode", "nama", "pria", "wanita", "total"), ("kode", "pria", "wanita")
    ),
    "wilayah_boundaries": Table(ShapeHandler, ("kode", "nama", "lat", "lng", "path"), ("kode", "path")),
}


def dump_table(path: Path) -> str | None:
    """The table of the first INSERT in the dump (lower case), or None when it has none.

    Raises :class:`ImportRejected` when the dump cannot be read up to its first row.
    """
    rows = read_sql_rows(path)
    try:
        first = next(rows, None)
    except SqlDumpError as exc:
        raise ImportRejected(str(path), [RowError(exc.line, "", exc.reason)]) from exc
    except UnicodeDecodeError as exc:
        raise ImportRejected(
            str(path), [RowError(1, "", f"the file is not UTF-8 text ({exc.reason})")]
        ) from exc
    finally:
        rows.close()
    return first.table.lower() if first is not None else None


def import_sql_dump(
    session: Session,
    path: Path | str,
    provinces: Sequence[str] | None = None,
    advance: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import a wilayah, wilayah_luas, wilayah_penduduk or wilayah_boundaries dump (told apart by table)."""
    path = Path(path)
    table_name = dump_table(path)
    if table_name is None:
        raise ImportRejected(str(path), [RowError(1, "", "no INSERT statements found; is this a SQL dump?")])
    table = TABLES.get(table_name)
    if table is None:
        known = ", ".join(TABLES)
        reason = f"table {table_name} holds no region data tigapilar knows; expected one of {known}"
        raise ImportRejected(str(path), [RowError(1, "", reason)])
    return run_import(
        session, str(path), _source_rows(path, table_name, table), table.handler(), provinces, advance
    )


def _source_rows(path: Path, table_name: str, table: Table) -> Iterator[SourceRow]:
    try:
        for row in read_sql_rows(path):
            yield _source_row(row.line, row.table.lower(), row.columns, row.values, table_name, table)
    except SqlDumpError as exc:
        raise FileReadError(exc.line, exc.reason) from exc
    except UnicodeDecodeError as exc:
        raise FileReadError(1, f"the file is not UTF-8 text ({exc.reason})") from exc


def _source_row(
    line: int,
    row_table: str,
    columns: tuple[str, ...] | None,
    values: tuple[str | None, ...],
    table_name: str,
    table: Table,
) -> SourceRow:
    names = tuple(c.lower() for c in columns) if columns else table.columns
    code = values[0] if values else None
    if row_table != table_name:
        return SourceRow(
            line, code, None, problem=("", f"a row for table {row_table} in a dump of {table_name}")
        )
    if len(values) != len(names):
        reason = f"{len(values)} value(s) for {len(names)} column(s) ({', '.join(names)})"
        return SourceRow(line, code, None, problem=("", reason))
    fields = dict(zip(names, values, strict=True))
    missing = [c for c in table.required if c not in fields]
    if missing:
        return SourceRow(line, code, None, problem=(missing[0], f"the INSERT has no {missing[0]} column"))
    code = fields["kode"]
    if table_name == "wilayah_penduduk" and code is not None and code.strip() in NATIONAL_TOTAL_CODES:
        return SourceRow(line, code, None, skip="national total row")
    return SourceRow(line, code, fields.get("nama"), fields, code_column="kode", name_column="nama")
