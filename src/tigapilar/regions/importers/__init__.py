"""Importing region files: wilayah SQL dumps, wilayah_boundaries dumps, GeoJSON and CSV.

Every importer checks the whole file before writing anything and raises
:class:`~tigapilar.core.errors.ImportRejected` (nothing written) when any row is wrong. Use
:func:`import_file` to let the format be recognised, or call a format's function directly.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from pathlib import Path

from sqlalchemy.orm import Session

from tigapilar.core.errors import ImportRejected, RowError
from tigapilar.regions.importers.base import ImportResult
from tigapilar.regions.importers.csvfile import import_csv
from tigapilar.regions.importers.geojson import import_geojson
from tigapilar.regions.importers.sqlfile import TABLES, dump_table, import_sql_dump

__all__ = [
    "BOUNDARY_FORMATS",
    "FORMATS",
    "FORMAT_LABELS",
    "ImportResult",
    "detect_format",
    "import_csv",
    "import_file",
    "import_geojson",
    "import_sql_dump",
]

# What detect_format can answer: the wilayah tables by name, plus "csv" and "geojson".
FORMATS = (*TABLES, "csv", "geojson")
FORMAT_LABELS = {
    "wilayah": "wilayah SQL dump (region codes and names)",
    "wilayah_luas": "wilayah_luas SQL dump (areas)",
    "wilayah_penduduk": "wilayah_penduduk SQL dump (population)",
    "wilayah_boundaries": "wilayah_boundaries SQL dump (polygons and centroids)",
    "csv": "CSV file",
    "geojson": "GeoJSON file",
}
BOUNDARY_FORMATS = ("wilayah_boundaries", "geojson")
_SNIFF = 64 * 1024


def detect_format(path: Path | str) -> str:
    """Which kind of region file ``path`` is, from its extension and, failing that, its content."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".geojson", ".json"):
        return "geojson"
    if suffix != ".sql":
        with open(path, encoding="utf-8-sig", errors="replace") as stream:
            head = stream.read(_SNIFF)
        stripped = head.lstrip()
        if stripped.startswith("{"):
            return "geojson"
        if "insert" not in head.lower():
            return "csv"
    table = dump_table(path)
    if table is None:
        raise ImportRejected(str(path), [RowError(1, "", "no INSERT statements found; is this a SQL dump?")])
    if table not in TABLES:
        reason = f"table {table} holds no region data tigapilar knows; expected one of {', '.join(TABLES)}"
        raise ImportRejected(str(path), [RowError(1, "", reason)])
    return table


def import_file(
    session: Session,
    path: Path | str,
    provinces: Sequence[str] | None = None,
    advance: Callable[[int], None] | None = None,
    accept: Collection[str] = FORMATS,
) -> ImportResult:
    """Import one region file of any supported format (limited to ``accept``, see :data:`FORMATS`)."""
    path = Path(path)
    kind = detect_format(path)
    if kind not in accept:
        expected = "; ".join(FORMAT_LABELS[k] for k in accept)
        reason = f"this is a {FORMAT_LABELS[kind]}, but here only these are taken: {expected}"
        raise ImportRejected(str(path), [RowError(1, "", reason)])
    if kind == "csv":
        return import_csv(session, path, provinces, advance)
    if kind == "geojson":
        return import_geojson(session, path, provinces, advance)
    return import_sql_dump(session, path, provinces, advance)
