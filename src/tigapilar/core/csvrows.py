"""Reading CSV files that people make in spreadsheets, with row-level errors for imports.

Every importer (TPS, units, officers; regions may follow) reads files through this module so that
they all accept the same files and report problems the same way:

- the header is required; columns may come in any order and may use Indonesian aliases;
- comma, semicolon or tab separated (Excel in an Indonesian locale writes ``;``), UTF-8 with or
  without a byte-order mark;
- line numbers are the row numbers a spreadsheet shows (header = line 1, blank rows counted);
- column names in errors are the ones written in the file's header;
- errors are collected, not raised one by one, so that a user fixes the whole file in one go. Only
  the first :data:`MAX_KEPT_ERRORS` are kept in memory; the rest are counted.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from tigapilar.core.errors import ImportRejected, RowError

# A file with thousands of wrong rows needs the first few hundred listed, not all of them.
MAX_KEPT_ERRORS = 1000
# Columns are plain INTEGER on PostgreSQL: anything larger is a typo, and must not become a 500.
INT_MAX = 2_147_483_647
NOT_UTF8 = "the file is not UTF-8 text from about here on; save it as 'CSV UTF-8' and try again"
_LIST_SEPARATORS = re.compile(r"[;\s]+")
# Plain ASCII digits only: Python's int() and float() would also take "1_000", "nan" or other scripts.
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)")

CsvSource = str | Path | IO[str] | IO[bytes]


@dataclass(frozen=True)
class Column:
    """A column an importer understands: its canonical name and the other names people use for it."""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class ImportResult:
    """What an import did: ``rows`` read, of which ``inserted`` new and ``updated`` existing records."""

    source: str
    rows: int
    inserted: int
    updated: int


class RowErrors:
    """Collects row errors for one file; memory stays bounded however many rows are wrong."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.kept: list[RowError] = []
        self.total = 0

    def add(self, line: int, column: str, reason: str) -> None:
        self.total += 1
        if len(self.kept) < MAX_KEPT_ERRORS:
            self.kept.append(RowError(line, column, reason))

    def __bool__(self) -> bool:
        return self.total > 0

    def rejection(self) -> ImportRejected:
        return ImportRejected(self.source, sorted(self.kept, key=lambda e: e.line), self.total)

    def raise_if_any(self) -> None:
        if self.total:
            raise self.rejection()


@dataclass
class Row:
    """One data row; the parsing helpers record an error and return None when a cell is wrong."""

    line: int
    values: Mapping[str, str]
    headers: Mapping[str, str]
    errors: RowErrors
    problems: int = field(default=0)

    @property
    def failed(self) -> bool:
        return self.problems > 0

    def error(self, column: str, reason: str) -> None:
        self.problems += 1
        self.errors.add(self.line, self.headers.get(column, column), reason)

    def text(self, column: str, *, required: bool = False, max_length: int | None = None) -> str | None:
        value = self.values.get(column, "")
        if not value:
            if required:
                self.error(column, "is required")
            return None
        if max_length is not None and len(value) > max_length:
            self.error(column, f"is {len(value)} characters long; at most {max_length} allowed")
            return None
        return value

    def integer(
        self, column: str, *, minimum: int = 0, maximum: int = INT_MAX, required: bool = False
    ) -> int | None:
        value = self.text(column, required=required)
        if value is None:
            return None
        if not _INTEGER.fullmatch(value):
            self.error(column, f"'{value}' is not a whole number (write digits only, e.g. 245)")
            return None
        number = int(value)
        if number < minimum:
            self.error(column, f"{number} is too small; at least {minimum}")
            return None
        if number > maximum:
            self.error(column, f"{number} is too large; at most {maximum}")
            return None
        return number

    def decimal(self, column: str, *, low: float, high: float) -> float | None:
        value = self.text(column)
        if value is None:
            return None
        # Spreadsheets in an Indonesian locale write a decimal comma: -0,5012 means -0.5012.
        normalised = value.replace(",", ".") if value.count(",") == 1 and "." not in value else value
        if not _DECIMAL.fullmatch(normalised):
            self.error(column, f"'{value}' is not a number (e.g. -1.2654)")
            return None
        number = float(normalised)
        if not low <= number <= high:
            self.error(column, f"{value} is outside the allowed range {low} to {high}")
            return None
        return number

    def choice(self, column: str, choices: Mapping[str, str], *, required: bool = False) -> str | None:
        """A code from ``choices`` (code -> label); the label is accepted too, ignoring case."""
        value = self.text(column, required=required)
        if value is None:
            return None
        code = match_choice(value, choices)
        if code is None:
            self.error(column, f"'{value}' is not one of: {', '.join(choices)}")
        return code

    def items(self, column: str) -> list[str]:
        """A list written in one cell, separated by ';' or spaces (e.g. '64.71.01; 64.71.02')."""
        return [item for item in _LIST_SEPARATORS.split(self.values.get(column, "")) if item]


def match_choice(value: str, choices: Mapping[str, str]) -> str | None:
    """The code whose code or label equals ``value`` (case-insensitive), or None."""
    wanted = value.strip().lower()
    for code, label in choices.items():
        if wanted in (code.lower(), label.lower()):
            return code
    return None


def source_name(source: CsvSource) -> str:
    if isinstance(source, str | Path):
        return Path(source).name
    return Path(str(getattr(source, "name", "file"))).name


@contextmanager
def _text_stream(source: CsvSource) -> Iterator[IO[str]]:
    if isinstance(source, str | Path):
        with open(source, encoding="utf-8-sig", newline="") as handle:
            yield handle
        return
    if isinstance(source.read(0), str):
        yield source  # type: ignore[misc]
        return
    wrapper = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")  # type: ignore[type-var]
    try:
        yield wrapper
    finally:
        wrapper.detach()  # leave the caller's binary file open


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _header_key(label: str) -> str:
    """'Kode Desa', 'kode-desa' and 'KODE_DESA' all name the column kode_desa."""
    return re.sub(r"[\s-]+", "_", label.strip().lower())


def _header_map(header: list[str], columns: Sequence[Column], errors: RowErrors) -> dict[int, str]:
    """Position -> canonical column name; errors for unknown, repeated and missing columns."""
    names = {_header_key(alias): c.name for c in columns for alias in (c.name, *c.aliases)}
    positions: dict[int, str] = {}
    seen: dict[str, str] = {}
    for position, raw in enumerate(header):
        label = raw.strip()
        if not label:
            continue
        canonical = names.get(_header_key(label))
        if canonical is None:
            expected = ", ".join(c.name for c in columns)
            errors.add(1, label, f"unknown column; expected some of: {expected}")
        elif canonical in seen:
            errors.add(1, label, f"same column as '{seen[canonical]}'; keep only one")
        else:
            seen[canonical] = label
            positions[position] = canonical
    for column in columns:
        if column.required and column.name not in seen:
            errors.add(1, column.name, "required column is missing from the header")
    return positions


class CsvRows:
    """The data rows of an open file (blank rows skipped), plus what its header said."""

    def __init__(
        self,
        stream: IO[str],
        delimiter: str,
        positions: dict[int, str],
        headers: dict[str, str],
        errors: RowErrors,
    ) -> None:
        self._stream = stream
        self._delimiter = delimiter
        self._positions = positions
        self.headers = headers
        self.errors = errors

    def has(self, column: str) -> bool:
        """Whether the header has this column (an importer may leave absent columns unchanged)."""
        return column in self.headers

    def label(self, column: str) -> str:
        """The column's name as written in the file, for error messages."""
        return self.headers.get(column, column)

    def __iter__(self) -> Iterator[Row]:
        reader = csv.reader(self._stream, delimiter=self._delimiter)
        line = 1
        try:
            for cells in reader:
                line += 1
                if not any(cell.strip() for cell in cells):
                    continue
                values = dict.fromkeys(self.headers, "")
                extra = False
                for position, cell in enumerate(cells):
                    name = self._positions.get(position)
                    if name is not None:
                        values[name] = cell.strip()
                    elif cell.strip():
                        extra = True
                row = Row(line, values, self.headers, self.errors)
                if extra:
                    row.error("", "has more cells than the header has columns")
                yield row
        except UnicodeDecodeError:
            self.errors.add(line + 1, "", NOT_UTF8)
        except csv.Error as exc:
            self.errors.add(line + 1, "", f"cannot be read as CSV: {exc}")


@contextmanager
def csv_rows(source: CsvSource, columns: Sequence[Column], errors: RowErrors) -> Iterator[CsvRows]:
    """Open ``source`` and check its header; the :class:`CsvRows` yielded iterates the data rows.

    Header problems raise :class:`ImportRejected` at once, since no row can be read without a
    correct header. Cell problems are recorded by the :class:`Row` helpers; an undecodable file is
    recorded as an error on the line where decoding failed.
    """
    with _text_stream(source) as stream:
        try:
            first = stream.readline()
        except UnicodeDecodeError:  # text is decoded in blocks: the bad byte may be a few lines down
            errors.add(1, "", NOT_UTF8)
            raise errors.rejection() from None
        if not first.strip():
            errors.add(1, "", "the file is empty; the first line must be the column names")
            raise errors.rejection()
        delimiter = _delimiter(first)
        header = next(csv.reader([first], delimiter=delimiter))
        positions = _header_map(header, columns, errors)
        errors.raise_if_any()
        headers = {canonical: header[p].strip() for p, canonical in positions.items()}
        yield CsvRows(stream, delimiter, positions, headers, errors)
