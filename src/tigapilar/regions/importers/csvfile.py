"""Regions from a CSV file.

Header: ``code,name`` and any of ``lat,lng,area_km2,population,population_male,population_female,
postal_code``.

A row for a region in the database updates it; an empty cell leaves that value as it is. A row for
a region not yet loaded creates it (its parent must be in the database or earlier in the file).
Commas or semicolons (as spreadsheets in Indonesian locales write them) are both understood.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy.orm import Session

from tigapilar.core.errors import ImportRejected, RowError
from tigapilar.regions.importers.base import (
    FileReadError,
    ImportResult,
    Policy,
    Problems,
    RowHandler,
    SourceRow,
    run_import,
)
from tigapilar.regions.importers.fields import Cells, decimal, latitude, longitude, postal_code, whole

OPTIONAL = (
    "lat",
    "lng",
    "area_km2",
    "population",
    "population_male",
    "population_female",
    "postal_code",
)
ALIASES = {"kode": "code", "nama": "name"}


class CsvHandler(RowHandler):
    kind = "csv"
    creates = True
    policies: ClassVar[Mapping[str, Policy]] = {
        column: Policy.KEEP_IF_EMPTY for column in ("name", "name_key", "kind", "centroid_source", *OPTIONAL)
    }

    def values(self, row: SourceRow, problems: Problems) -> dict[str, Any] | None:
        cells = Cells(row, problems)
        values: dict[str, Any] = {
            "lat": cells.get("lat", latitude),
            "lng": cells.get("lng", longitude),
            "area_km2": cells.get("area_km2", lambda v: decimal(v, minimum=0.0)),
            "population": cells.get("population", whole),
            "population_male": cells.get("population_male", whole),
            "population_female": cells.get("population_female", whole),
            "postal_code": cells.get("postal_code", postal_code),
        }
        if cells.ok and (values["lat"] is None) != (values["lng"] is None):
            cells.fail("lat", "give both lat and lng, or neither")
        if not cells.ok:
            return None
        male, female = values["population_male"], values["population_female"]
        if values["population"] is None and male is not None and female is not None:
            values["population"] = male + female
        values["centroid_source"] = "import" if values["lat"] is not None else None
        return values


def import_csv(
    session: Session,
    path: Path | str,
    provinces: Sequence[str] | None = None,
    advance: Callable[[int], None] | None = None,
) -> ImportResult:
    path = Path(path)
    return run_import(session, str(path), _rows(path), CsvHandler(), provinces, advance)


def _rows(path: Path) -> Iterator[SourceRow]:
    with open(path, encoding="utf-8-sig", newline="") as stream:
        try:
            sample = stream.readline()
        except UnicodeDecodeError as exc:
            raise ImportRejected(
                str(path), [RowError(1, "", f"the file is not UTF-8 text ({exc.reason})")]
            ) from exc
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        stream.seek(0)
        reader = csv.reader(stream, delimiter=delimiter)
        header = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in next(reader, [])]
        _check_header(path, header)
        try:
            for cells in reader:
                if not any(c.strip() for c in cells):
                    continue
                line = reader.line_num
                if len(cells) != len(header):
                    reason = f"{len(cells)} cell(s) but the header has {len(header)}"
                    yield SourceRow(line, None, None, problem=("", reason))
                    continue
                fields = dict(zip(header, cells, strict=True))
                yield SourceRow(line, fields["code"], fields["name"], fields)
        except UnicodeDecodeError as exc:
            raise FileReadError(reader.line_num + 1, f"the file is not UTF-8 text ({exc.reason})") from exc
        except csv.Error as exc:
            raise FileReadError(reader.line_num, f"broken CSV: {exc}") from exc


def _check_header(path: Path, header: list[str]) -> None:
    errors: list[RowError] = []
    for required in ("code", "name"):
        if required not in header:
            errors.append(RowError(1, required, f"the header has no {required} column"))
    allowed = {"code", "name", *OPTIONAL}
    for column in header:
        if column not in allowed:
            errors.append(
                RowError(1, column, f"unknown column; the columns are code, name, {', '.join(OPTIONAL)}")
            )
    duplicated = {c for c in header if header.count(c) > 1}
    errors.extend(RowError(1, c, "the column appears twice") for c in sorted(duplicated))
    if errors:
        raise ImportRejected(str(path), errors)
