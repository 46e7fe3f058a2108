"""What every region importer shares: checking rows, deciding insert or update, and writing.

An import runs in two passes so that a bad file never leaves half its rows behind, whatever the
caller does with its transaction afterwards:

1. every row is read, checked and turned into a planned insert or update; planned rows are spooled
   to a temporary file (memory stays flat) and problems are collected;
2. only if there was no problem at all are the planned rows written, in file order and in batches.

Format modules (``wilayah``, ``boundaries``, ``geojson``, ``csvfile``) only turn their rows into
:class:`SourceRow` objects and provide a :class:`RowHandler` that parses the row's own columns.
"""

from __future__ import annotations

import pickle
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from types import TracebackType
from typing import IO, Any, ClassVar, Literal

from sqlalchemy import BindParameter, Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from tigapilar.core.errors import ImportRejected, RowError
from tigapilar.regions import codes
from tigapilar.storage.bulk import batched
from tigapilar.storage.models import Region

MAX_REPORTED_ERRORS = 100
# Rows checked together: their codes and parents are looked up in the database in one query.
CHECK_CHUNK = 1000
WRITE_BATCH = 2000
NAME_LENGTH = 120

REGION: Table = Region.__table__  # type: ignore[assignment]
Op = Literal["insert", "update"]


class Policy(Enum):
    """How a column of an existing region is changed by an update."""

    SET = "set"  # always take the file's value
    KEEP_IF_EMPTY = "keep_if_empty"  # take the file's value unless the file leaves it empty
    FILL_IF_EMPTY = "fill_if_empty"  # take the file's value only where the database has none


@dataclass(frozen=True)
class SourceRow:
    """One row of a file, before checking: where it is, its code and name as written, its fields."""

    line: int
    code: str | None
    name: str | None
    fields: Mapping[str, Any] = field(default_factory=dict)
    code_column: str = "code"
    name_column: str = "name"
    # Set by a reader that already knows the row is wrong (column, reason) or is to be left out.
    problem: tuple[str, str] | None = None
    skip: str | None = None


@dataclass
class ImportResult:
    """What an import did, per level (1 provinsi .. 4 desa/kelurahan)."""

    source: str
    kind: str
    inserted: dict[int, int] = field(default_factory=dict)
    updated: dict[int, int] = field(default_factory=dict)
    skipped: int = 0
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    # Things a person should know although the import succeeded (e.g. a repaired code).
    notes: list[str] = field(default_factory=list)

    @property
    def total_inserted(self) -> int:
        return sum(self.inserted.values())

    @property
    def total_updated(self) -> int:
        return sum(self.updated.values())

    def skip(self, reason: str) -> None:
        self.skipped += 1
        self.skipped_reasons[reason] = self.skipped_reasons.get(reason, 0) + 1


class Problems:
    """Row errors of one file: the first hundred are kept, all are counted."""

    def __init__(self, limit: int = MAX_REPORTED_ERRORS) -> None:
        self.limit = limit
        self.errors: list[RowError] = []
        self.total = 0

    def add(self, line: int, column: str, reason: str) -> None:
        self.total += 1
        if len(self.errors) < self.limit:
            self.errors.append(RowError(line, column, reason))

    def __bool__(self) -> bool:
        return self.total > 0


class RowHandler:
    """The format-specific part of an import. Subclasses override the class attributes and ``values``."""

    kind = "regions"
    # Whether a row whose code is not in the database creates the region (else it is skipped).
    creates = True
    # Columns an update writes, and how. Every dict ``values`` returns has exactly these keys.
    policies: ClassVar[Mapping[str, Policy]] = {}
    # Whether a code a spreadsheet turned into a number (11.1 for 11.10) may be read back, when the
    # row's name matches the region's name in the database.
    repairs_float_codes = False

    def values(self, row: SourceRow, problems: Problems) -> dict[str, Any] | None:
        """Parsed values of the row's own columns, or None after adding the problems found."""
        return {}

    def identity_updates(self) -> bool:
        """True when an update also rewrites the name (and so name_key and kind)."""
        return "name" in self.policies


class KnownCodes:
    """Which region codes exist: earlier in this file, or in the database (looked up in batches)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.in_file: dict[str, int] = {}  # code -> line where this file created or updated it
        self._in_db: dict[str, bool] = {}

    def prefetch(self, wanted: Iterable[str]) -> None:
        """Look these codes up in one go; what was looked up for earlier chunks is forgotten.

        Forgetting keeps memory flat on a 90,000-row file; a code asked for again later (rare: rows
        come grouped by parent) costs one more small query.
        """
        self._in_db = {}
        for chunk in batched(sorted(set(wanted)), 500):
            found = set(self.session.scalars(select(Region.code).where(Region.code.in_(chunk))))
            for code in chunk:
                self._in_db[code] = code in found

    def in_db(self, code: str) -> bool:
        if code not in self._in_db:
            self._in_db[code] = (
                self.session.scalar(select(Region.code).where(Region.code == code)) is not None
            )
        return self._in_db[code]

    def exists(self, code: str) -> bool:
        return code in self.in_file or self.in_db(code)

    def name_key_in_db(self, code: str) -> str | None:
        key: str | None = self.session.scalar(select(Region.name_key).where(Region.code == code))
        return key


class Spool:
    """Planned writes kept in a temporary file until the whole file is known to be clean."""

    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="tigapilar-import-")  # noqa: SIM115 - closed by __exit__
        self._pending: list[tuple[Op, dict[str, Any]]] = []

    def add(self, op: Op, row: dict[str, Any]) -> None:
        self._pending.append((op, row))
        if len(self._pending) >= WRITE_BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            pickle.dump(self._pending, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._pending = []

    def replay(self) -> Iterator[tuple[Op, list[dict[str, Any]]]]:
        """Runs of planned rows with the same operation, in file order, at most WRITE_BATCH each."""
        self._flush()
        self._file.seek(0)
        while True:
            try:
                batch: list[tuple[Op, dict[str, Any]]] = pickle.load(self._file)
            except EOFError:
                return
            start = 0
            for i in range(1, len(batch) + 1):
                if i == len(batch) or batch[i][0] != batch[start][0]:
                    yield batch[start][0], [row for _, row in batch[start:i]]
                    start = i

    def __enter__(self) -> Spool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._file.close()


class FileReadError(Exception):
    """The file cannot be read past this point (broken syntax, not text)."""

    def __init__(self, line: int, reason: str, column: str = "") -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason
        self.column = column


def run_import(
    session: Session,
    source: str,
    rows: Iterable[SourceRow],
    handler: RowHandler,
    provinces: Sequence[str] | None = None,
    advance: Callable[[int], None] | None = None,
) -> ImportResult:
    """Check every row, then write them all or raise :class:`ImportRejected` having written nothing.

    ``rows`` may raise :class:`FileReadError` when the file cannot be read further; that ends the
    check with one more problem. ``provinces`` keeps only rows inside those provinces.
    """
    result = ImportResult(source=source, kind=handler.kind)
    problems = Problems()
    known = KnownCodes(session)
    wanted_provinces = set(provinces) if provinces else None
    with Spool() as spool:
        try:
            for chunk in batched(rows, CHECK_CHUNK):
                known.prefetch(_codes_to_look_up(chunk) - known.in_file.keys())
                for row in chunk:
                    planned = _check(row, handler, known, problems, result, wanted_provinces)
                    if planned is not None:
                        spool.add(*planned)
        except FileReadError as failure:
            problems.add(failure.line, failure.column, failure.reason)
        if problems:
            raise ImportRejected(source, problems.errors, problems.total)
        update_statement = _update_statement(handler.policies)
        for op, batch in spool.replay():
            if op == "insert":
                session.execute(insert(REGION), batch)
                counts = result.inserted
            else:
                session.execute(update_statement, [{f"p_{k}": v for k, v in row.items()} for row in batch])
                counts = result.updated
            for level, n in Counter(codes.level_of(r["code"]) for r in batch).items():
                counts[level] = counts.get(level, 0) + n
            if advance is not None:
                advance(len(batch))
    return result


def _codes_to_look_up(chunk: Sequence[SourceRow]) -> set[str]:
    wanted: set[str] = set()
    for row in chunk:
        code = (row.code or "").strip()
        if codes.code_problem(code) is None:
            wanted.add(code)
            parent = codes.parent_of(code)
            if parent:
                wanted.add(parent)
    return wanted


def _check(
    row: SourceRow,
    handler: RowHandler,
    known: KnownCodes,
    problems: Problems,
    result: ImportResult,
    provinces: set[str] | None,
) -> tuple[Op, dict[str, Any]] | None:
    """The planned write for one row, or None when it is skipped or wrong (problems recorded)."""
    code = _usable_code(row, handler, known, problems, result, provinces)
    if code is None:
        return None
    name = " ".join((row.name or "").split())
    if len(name) > NAME_LENGTH:
        problems.add(row.line, row.name_column, f"the name is longer than {NAME_LENGTH} characters")
        return None
    values = handler.values(row, problems)
    if values is None:
        return None
    if known.in_db(code):
        known.in_file[code] = row.line
        planned = {**values, "code": code}
        if handler.identity_updates():
            planned.update(_identity(code, name) if name else dict.fromkeys(("name", "name_key", "kind")))
        return "update", planned
    if not handler.creates:
        result.skip("region not in the database")
        return None
    return _planned_insert(row, code, name, values, known, problems)


def _usable_code(
    row: SourceRow,
    handler: RowHandler,
    known: KnownCodes,
    problems: Problems,
    result: ImportResult,
    provinces: set[str] | None,
) -> str | None:
    """The row's valid Kemendagri code, or None when the row is to be skipped or is wrong."""
    if row.problem is not None:
        problems.add(row.line, *row.problem)
        return None
    if row.skip is not None:
        result.skip(row.skip)
        return None
    code = (row.code or "").strip()
    if not code:
        problems.add(row.line, row.code_column, "the region code is empty")
        return None
    problem = codes.code_problem(code)
    candidate = codes.float_mangled_candidate(code) if problem and handler.repairs_float_codes else None
    if candidate is not None:
        # Rows of update-only files for regions not loaded are skipped anyway; a loaded region must
        # have the name the row gives, or the code is not repaired and the row is an error.
        if not known.in_db(candidate) and not handler.creates:
            result.skip("region not in the database")
            return None
        if row.name and known.name_key_in_db(candidate) == codes.name_key(row.name):
            result.notes.append(
                f"line {row.line}: code '{code}' read as {candidate} ({row.name}); "
                "the file lost a trailing zero"
            )
            code, problem = candidate, None
    if problem:
        problems.add(row.line, row.code_column, problem)
        return None
    if provinces is not None and code.split(".", 1)[0] not in provinces:
        result.skip("outside the chosen provinces")
        return None
    if code in known.in_file:
        first = known.in_file[code]
        problems.add(row.line, row.code_column, f"{code} appears twice in this file (first on line {first})")
        return None
    return code


def _planned_insert(
    row: SourceRow, code: str, name: str, values: dict[str, Any], known: KnownCodes, problems: Problems
) -> tuple[Op, dict[str, Any]] | None:
    parent = codes.parent_of(code)
    if parent is not None and not known.exists(parent):
        problems.add(
            row.line,
            row.code_column,
            f"{code} cannot be added: its parent region {parent} is neither in the database nor earlier "
            "in this file (import the parent level first)",
        )
        return None
    if not name:
        problems.add(
            row.line, row.name_column, f"{code} is not in the database, so a name is needed to add it"
        )
        return None
    known.in_file[code] = row.line
    # Only the columns this format carries: fewer parameters make batched inserts much faster.
    planned = {**values, **_identity(code, name), "code": code, "parent_code": parent}
    planned["level"] = codes.level_of(code)
    return "insert", planned


def _identity(code: str, name: str) -> dict[str, Any]:
    return {"name": name, "name_key": codes.name_key(name), "kind": codes.kind_of(code, name)}


def _update_statement(policies: Mapping[str, Policy]) -> Any:
    """UPDATE region SET ... WHERE code = :p_code, for executemany with one dict per row.

    Bind names carry a prefix: SQLAlchemy reserves bare column names for its own SET parameters.
    """
    values: dict[str, Any] = {}
    for column, policy in policies.items():
        new: BindParameter[Any] = bindparam(f"p_{column}")
        if policy is Policy.SET:
            values[column] = new
        elif policy is Policy.KEEP_IF_EMPTY:
            values[column] = func.coalesce(new, REGION.c[column])
        else:
            values[column] = func.coalesce(REGION.c[column], new)
    return update(REGION).where(REGION.c.code == bindparam("p_code")).values(values)
