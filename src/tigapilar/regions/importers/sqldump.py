"""A streaming reader for MySQL-flavoured SQL dumps: the rows of their ``INSERT`` statements.

Only data is read: ``INSERT INTO t (cols) VALUES (...), (...);`` (and ``REPLACE INTO``) yields one
:class:`SqlRow` per tuple; every other statement (``DELETE``, ``DROP``, ``CREATE``, ``SET``, ...) and
every comment (``--``, ``#``, ``/* */``) is skipped. Nothing is executed.

The file is read in chunks and each tuple is matched by one regular expression, so memory stays
bounded by the largest single tuple (a polygon of a few hundred kB) and a 91,000-row dump is read in
well under a second. Values come back as text (``None`` for ``NULL``): callers parse numbers
themselves so that they can report which column of which line is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from tigapilar.regions.importers.streamwindow import StreamWindow

# Possessive quantifiers (*+, ++) never give back what they matched: without them a string cut
# by the end of a chunk makes the engine try every way of splitting it, which takes exponential time.
_QUOTED = r"'(?:[^'\\]++|\\.|'')*+'" + r'|"(?:[^"\\]++|\\.|"")*+"'
# An unquoted value: a number, NULL, TRUE, a function-free literal. Anything up to the next separator.
_BARE = r"[^,()'\"\s]++"
_VALUE = rf"(?:{_QUOTED}|{_BARE})"
_GAP = r"(?:\s++|--[^\n]*+|\#[^\n]*+|/\*.*?\*/)*+"

_SKIP = re.compile(_GAP, re.DOTALL)
_TUPLE = re.compile(rf"\(\s*(?:{_VALUE}(?:\s*,\s*{_VALUE})*)?\s*\)", re.DOTALL)
_VALUES_IN_TUPLE = re.compile(rf"({_QUOTED})|({_BARE})", re.DOTALL)
_NAME = r"(?:`[^`]+`|\"[^\"]+\"|[A-Za-z_][A-Za-z0-9_$]*)"
_INSERT = re.compile(
    r"(?:INSERT|REPLACE)\s+(?:(?:LOW_PRIORITY|DELAYED|HIGH_PRIORITY|IGNORE)\s+)*(?:INTO\s+)?"
    rf"(?!(?:INTO|VALUES?)\b)((?:{_NAME}\s*\.\s*)?{_NAME})\s*(?:\(([^)]*)\))?\s*VALUES?\b",
    re.IGNORECASE,
)
_INSERT_START = re.compile(r"(?:INSERT|REPLACE)\b", re.IGNORECASE)
# One piece of a statement we skip: a string, a comment or a run of anything else but ';'.
_OTHER_PIECE = re.compile(
    rf"{_QUOTED}|`[^`]*`|--[^\n]*|\#[^\n]*|/\*.*?\*/|[^;'\"`\-#/]+|[-#/]",
    re.DOTALL,
)
_ESCAPES = re.compile(r"\\(.)|''|\"\"", re.DOTALL)
_ESCAPED = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}


@dataclass(frozen=True)
class SqlRow:
    """One tuple of an INSERT: the table, its column names (None when the INSERT lists none)."""

    table: str
    columns: tuple[str, ...] | None
    values: tuple[str | None, ...]
    line: int


class SqlDumpError(ValueError):
    """The dump cannot be read past ``line``."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


class _Buffer(StreamWindow):
    """A window on the dump that also matches SQL tokens, reading more when a match may be cut."""

    def match(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        """Match at the current position, reading more until the match cannot be cut by the chunk end."""
        while True:
            found = pattern.match(self.text, self.pos)
            if found is not None and (found.end() < len(self.text) or self.eof):
                return found
            if not self.fill():
                return pattern.match(self.text, self.pos)

    def advance(self, end: int) -> None:
        self.line += self.text.count("\n", self.pos, end)
        self.pos = end

    def ensure(self, size: int) -> None:
        """Make at least ``size`` characters visible (fewer only at the end of the file)."""
        while len(self.text) - self.pos < size and self.fill():
            pass

    def skip_gap(self) -> None:
        while True:
            found = self.match(_SKIP)
            if found is not None:
                self.advance(found.end())
            self.ensure(2)
            if not self.text.startswith("/*", self.pos):
                return
            # A block comment longer than what is in memory: read on until it closes.
            if not self.fill():
                raise SqlDumpError(self.line, "a /* comment is never closed")

    def peek(self) -> str:
        if self.pos >= len(self.text) and not self.fill():
            return ""
        return self.text[self.pos]


def read_sql_rows(path: Path | str) -> Generator[SqlRow, None, None]:
    """Every INSERT tuple of the dump at ``path``, in file order."""
    with open(path, encoding="utf-8-sig", newline="") as stream:
        yield from iter_sql_rows(stream)


def iter_sql_rows(stream: TextIO) -> Iterator[SqlRow]:
    buffer = _Buffer(stream)
    while True:
        buffer.skip_gap()
        buffer.ensure(4096)
        first = buffer.peek()
        if not first:
            return
        if first == ";":
            buffer.advance(buffer.pos + 1)
            continue
        if buffer.match(_INSERT_START) is not None:
            header = buffer.match(_INSERT)
            if header is None:
                raise SqlDumpError(
                    buffer.line, "an INSERT statement that does not read INSERT INTO table VALUES"
                )
            # A schema prefix (`db`.`wilayah`) says nothing about the data: keep the table name.
            table = _unquote_name(header.group(1)).rsplit(".", 1)[-1]
            columns = (
                tuple(_unquote_name(c.strip()) for c in header.group(2).split(","))
                if header.group(2)
                else None
            )
            buffer.advance(header.end())
            yield from _tuples(buffer, table, columns)
        else:
            _skip_statement(buffer)


def _tuples(buffer: _Buffer, table: str, columns: tuple[str, ...] | None) -> Iterator[SqlRow]:
    while True:
        buffer.skip_gap()
        line = buffer.line
        found = buffer.match(_TUPLE)
        if found is None:
            raise SqlDumpError(line, f"a row of table {table} is not a well-formed (value, value, ...) list")
        values = tuple(_value(q, b) for q, b in _VALUES_IN_TUPLE.findall(found.group(0)[1:-1]))
        buffer.advance(found.end())
        yield SqlRow(table=table, columns=columns, values=values, line=line)
        buffer.skip_gap()
        following = buffer.peek()
        if following == ",":
            buffer.advance(buffer.pos + 1)
        elif following in (";", ""):
            if following:
                buffer.advance(buffer.pos + 1)
            return
        else:
            # ON DUPLICATE KEY UPDATE and the like: the data is read, the rest is not ours to run.
            _skip_statement(buffer)
            return


def _skip_statement(buffer: _Buffer) -> None:
    while True:
        if buffer.peek() in (";", ""):
            if buffer.peek():
                buffer.advance(buffer.pos + 1)
            return
        buffer.ensure(2)
        piece = buffer.match(_OTHER_PIECE)
        if piece is None or piece.end() == buffer.pos:
            raise SqlDumpError(buffer.line, "a quoted string is never closed")
        if piece.group(0) == "/" and buffer.text.startswith("/*", buffer.pos):
            if not buffer.fill():
                raise SqlDumpError(buffer.line, "a /* comment is never closed")
            continue
        buffer.advance(piece.end())


def _value(quoted: str, bare: str) -> str | None:
    if quoted:
        return _unescape(quoted[1:-1])
    return None if bare.upper() == "NULL" else bare


def _unescape(text: str) -> str:
    if "\\" not in text and "''" not in text and '""' not in text:
        return text
    return _ESCAPES.sub(_replacement, text)


def _replacement(found: re.Match[str]) -> str:
    escaped = found.group(1)
    if escaped is None:
        return found.group(0)[0]
    # MySQL keeps the backslash before % and _ (they matter only in LIKE patterns).
    if escaped in "%_":
        return "\\" + escaped
    return _ESCAPED.get(escaped, escaped)


def _unquote_name(name: str) -> str:
    return ".".join(part.strip().strip('`"') for part in name.split("."))
