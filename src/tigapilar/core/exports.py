"""Streamed file writers shared by every export (reports, alerts, vulnerability scores): CSV, GeoJSON
and XLSX, each fed an iterator of rows so that memory stays flat however many rows there are.

* **CSV**: RFC 4180 (comma, CRLF, quotes doubled), UTF-8 with a byte-order mark because Excel reads
  UTF-8 only with one; no ``sep=`` line (it is not CSV and breaks every other reader). Numbers are
  written with a decimal point: an Excel set to Indonesian (decimal comma) opens the file through
  Data > From Text/CSV, or the XLSX, whose numbers are real numbers.
* **GeoJSON**: one FeatureCollection, written feature by feature.
* **XLSX**: openpyxl's write-only workbook, saved into a nameless temporary file in the data
  directory (gone when closed, whatever happens to the request) and read back in chunks. A sheet
  holds at most 1,048,576 rows: longer exports go on in further sheets.

Rows are sequences of :data:`Cell`. Times are given already in local time (the installation's zone):
CSV writes them in ISO 8601 with their offset, XLSX as Excel dates without a zone (Excel has none).
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

Cell = str | int | float | bool | date | datetime | None
Row = Sequence[Cell]

CHUNK_CHARS = 64 * 1024
XLSX_CHUNK_BYTES = 256 * 1024
BOM = "\ufeff"
SHEET_ROWS = 1_048_576  # Excel's limit per sheet, header included
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "geojson": "application/geo+json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def chunked(pieces: Iterable[str]) -> Iterator[str]:
    """Join small pieces into chunks of about :data:`CHUNK_CHARS` (fewer, larger writes)."""
    buffer: list[str] = []
    size = 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= CHUNK_CHARS:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)


def number(value: float | None) -> str:
    """At most four decimals, no trailing zeros: ``0.5``, ``12``, ``3.1416``."""
    return "" if value is None else f"{value:.4f}".rstrip("0").rstrip(".")


def text_of(value: Cell) -> str:
    """A cell as CSV text."""
    if value is None:
        return ""
    if isinstance(value, bool):  # before int: bool is an int
        return "ya" if value else "tidak"
    if isinstance(value, float):
        return number(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_chunks(header: Sequence[str], rows: Iterable[Row]) -> Iterator[str]:
    """The CSV file: ``header``, then one line per row."""
    line = io.StringIO()
    writer = csv.writer(line, lineterminator="\r\n")

    def take() -> str:
        text = line.getvalue()
        line.seek(0)
        line.truncate()
        return text

    def lines() -> Iterator[str]:
        writer.writerow(header)
        yield BOM + take()
        for row in rows:
            writer.writerow([text_of(value) for value in row])
            yield take()

    return chunked(lines())


def point(lat: float | None, lng: float | None) -> str:
    """A GeoJSON Point (``[lng, lat]``), or ``null`` without a position."""
    if lat is None or lng is None:
        return "null"
    return json.dumps({"type": "Point", "coordinates": [lng, lat]})


def geojson_chunks(
    head: Mapping[str, Any], features: Iterable[tuple[str, Mapping[str, Any]]]
) -> Iterator[str]:
    """A FeatureCollection with the members of ``head``; features are (geometry JSON text, properties)."""

    def pieces() -> Iterator[str]:
        yield json.dumps({"type": "FeatureCollection", **head}, ensure_ascii=False)[:-1] + ', "features": [\n'
        separator = ""
        for geometry, properties in features:
            text = json.dumps(properties, ensure_ascii=False, default=str)
            yield f'{separator}{{"type": "Feature", "geometry": {geometry}, "properties": {text}}}'
            separator = ",\n"
        yield "\n]}\n"

    return chunked(pieces())


def _xlsx_value(value: Cell) -> Cell:
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones: the local time as it reads
    return value


def write_xlsx(target: IO[bytes], sheet: str, header: Sequence[str], rows: Iterable[Row]) -> int:
    """Write a workbook of ``rows`` under a bold ``header`` into ``target``; the number of rows."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    count = 0
    worksheet = None
    for row in rows:
        if count % (SHEET_ROWS - 1) == 0:  # a new sheet at the start and whenever one is full
            n = count // (SHEET_ROWS - 1) + 1
            worksheet = workbook.create_sheet(sheet if n == 1 else f"{sheet} ({n})")
            worksheet.freeze_panes = "A2"
            titles = []
            for title in header:
                cell = WriteOnlyCell(worksheet, title)
                cell.font = bold
                titles.append(cell)
            worksheet.append(titles)
        assert worksheet is not None
        worksheet.append([_xlsx_value(value) for value in row])
        count += 1
    if worksheet is None:  # no rows: the header alone
        worksheet = workbook.create_sheet(sheet)
        worksheet.append(list(header))
    workbook.save(target)
    return count


def xlsx_chunks(folder: Path, sheet: str, header: Sequence[str], rows: Iterable[Row]) -> Iterator[bytes]:
    """The workbook's bytes, in chunks. A ZIP is written whole before it can be read, so it is built in
    a temporary file under ``folder`` (not in memory) that disappears when closed."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=folder, prefix="ekspor-", suffix=".xlsx") as handle:
        write_xlsx(handle, sheet, header, rows)
        handle.seek(0)
        while chunk := handle.read(XLSX_CHUNK_BYTES):
            yield chunk


def filename(kind: str, area: str, day: date, extension: str) -> str:
    """``laporan-64.72-2024-11-27.csv``: what, where, when (the local day of the export)."""
    safe = "".join(c if c.isalnum() or c in ".-_" else "-" for c in area) or "wilayah"
    return f"{kind}-{safe}-{day.isoformat()}.{extension}"


def disposition(name: str) -> dict[str, str]:
    """A ``Content-Disposition: attachment`` header (RFC 6266, with the UTF-8 form as well)."""
    return {"Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"}
