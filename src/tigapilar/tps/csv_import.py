"""Importing a TPS list (one CSV per election) from KPU data or a Polda's own spreadsheet.

All or nothing: every row is checked; if any is wrong, nothing is saved and every problem is
reported with its line and column. Large files (820,000 TPS for a national Pemilu) stream in chunks:
memory holds one chunk, the set of known village codes and a bit set of the TPS numbers seen per
village (to catch a TPS listed twice). Valid chunks are written as they go inside a savepoint, which is
rolled back as soon as the file turns out to be wrong, so a rejected file leaves no trace even if
the caller commits afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tigapilar.core.csvrows import Column, CsvSource, ImportResult, Row, RowErrors, csv_rows, source_name
from tigapilar.regions.codes import LEVEL_NAMES, code_problem, level_of
from tigapilar.storage.bulk import batched
from tigapilar.storage.models import Region, Tps
from tigapilar.tps.kinds import DEFAULT_KIND, TPS_KINDS
from tigapilar.tps.registry import UPDATABLE, check_election, tps_uid, write_tps_rows

COLUMNS = (
    Column("desa_code", ("kode_desa", "kode_wilayah"), required=True),
    Column("number", ("no_tps", "nomor_tps"), required=True),
    Column("address", ("alamat",)),
    Column("lat", ("latitude", "lintang")),
    Column("lng", ("longitude", "lon", "bujur")),
    Column("dpt_male", ("dpt_l", "dpt_laki")),
    Column("dpt_female", ("dpt_p", "dpt_perempuan")),
    Column("kind", ("jenis",)),
    Column("notes", ("keterangan",)),
)
# Indonesia's bounding box with a small margin: from Pulau Rondo/Sabang (about 6.1 N, 95 E) to
# Pulau Ndana/Rote (about 11.0 S) and Merauke (about 141 E). A point outside is a typo, a point in
# another country, or lat and lng swapped.
LAT_RANGE = (-11.0, 6.5)
LNG_RANGE = (94.0, 142.0)
# Rows validated (and written) per step; bounds memory and gives the progress bar its rhythm.
CHUNK_SIZE = 5000
# Highest TPS number accepted; keeps the uid short and catches numbers pasted into the wrong column.
MAX_NUMBER = 9999


def import_tps_csv(
    session: Session,
    source: CsvSource,
    election: str,
    on_progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import (insert or update) the TPS of ``election`` from a CSV file; see the module docstring.

    A re-import of the same file updates the same TPS (matched on election + desa code + number)
    and never duplicates them. Columns absent from the header are left unchanged on existing TPS.
    ``on_progress(n)`` is called after each chunk of ``n`` rows.
    """
    election = check_election(election)
    errors = RowErrors(source_name(source))
    villages = set(session.scalars(select(Region.code).where(Region.level == 4)))
    seen: dict[str, int] = {}
    before = _count(session, election)
    rows_read = 0
    savepoint = session.begin_nested()
    try:
        with csv_rows(source, COLUMNS, errors) as rows:
            # Columns missing from the file keep their stored values on existing TPS.
            update = [c for c in UPDATABLE if rows.has(c)]
            for chunk in batched(rows, CHUNK_SIZE):
                parsed = [_parse(row, election, villages, seen) for row in chunk]
                rows_read += len(chunk)
                if not errors:
                    write_tps_rows(session, [p for p in parsed if p is not None], update)
                if on_progress:
                    on_progress(len(chunk))
        errors.raise_if_any()
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    inserted = _count(session, election) - before
    return ImportResult(errors.source, rows_read, inserted, rows_read - inserted)


def _count(session: Session, election: str) -> int:
    return session.scalar(select(func.count()).select_from(Tps).where(Tps.election == election)) or 0


def _parse(row: Row, election: str, villages: set[str], seen: dict[str, int]) -> dict[str, Any] | None:
    """The database row for a CSV row, or None after recording its problems."""
    desa_code = _desa_code(row, villages)
    number = row.integer("number", minimum=1, maximum=MAX_NUMBER, required=True)
    lat, lng = _position(row)
    record = {
        "election": election,
        "desa_code": desa_code,
        "number": number,
        "address": row.text("address", max_length=300),
        "lat": lat,
        "lng": lng,
        "dpt_male": row.integer("dpt_male") or 0,
        "dpt_female": row.integer("dpt_female") or 0,
        "kind": row.choice("kind", TPS_KINDS) or DEFAULT_KIND,
        "notes": row.text("notes", max_length=2000),
    }
    if desa_code is not None and number is not None:
        # The numbers seen per village as the bits of one integer: a few bytes per village, so that
        # 820,000 rows need megabytes, not the hundreds a set of (village, number) pairs would.
        numbers = seen.get(desa_code, 0)
        if numbers >> number & 1:
            row.error("number", f"TPS {number} of {desa_code} is listed more than once in this file")
        seen[desa_code] = numbers | 1 << number
        record["uid"] = tps_uid(desa_code, number)
    return None if row.failed else record


def _desa_code(row: Row, villages: set[str]) -> str | None:
    code = row.text("desa_code", required=True)
    if code is None:
        return None
    problem = code_problem(code)
    if problem:
        row.error("desa_code", problem)
        return None
    level = level_of(code)
    if level != 4:
        row.error(
            "desa_code",
            f"{code} is a {LEVEL_NAMES[level]} code; a TPS belongs to a desa/kelurahan "
            "(a code with four parts, e.g. 64.71.01.1001)",
        )
        return None
    if code not in villages:
        row.error("desa_code", f"desa/kelurahan {code} is not in the region list; import regions first")
        return None
    return code


def _position(row: Row) -> tuple[float | None, float | None]:
    given_lat, given_lng = bool(row.values.get("lat")), bool(row.values.get("lng"))
    if given_lat != given_lng:
        row.error("lng" if given_lat else "lat", "give both lat and lng, or leave both empty")
        return None, None
    # Parsed loosely first so that swapped coordinates get a helpful message below.
    lat = row.decimal("lat", low=-180, high=180)
    lng = row.decimal("lng", low=-180, high=180)
    if lat is None or lng is None:
        return None, None
    if not (LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LNG_RANGE[0] <= lng <= LNG_RANGE[1]):
        swapped = LAT_RANGE[0] <= lng <= LAT_RANGE[1] and LNG_RANGE[0] <= lat <= LNG_RANGE[1]
        hint = "; lat and lng look swapped" if swapped else ""
        row.error(
            "lat",
            f"({lat}, {lng}) is outside Indonesia (lat {LAT_RANGE[0]} to {LAT_RANGE[1]}, "
            f"lng {LNG_RANGE[0]} to {LNG_RANGE[1]}){hint}",
        )
        return None, None
    return lat, lng
