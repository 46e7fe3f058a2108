"""Area scope: which part of Indonesia a caller may see.

A scope is either national or a set of Kemendagri region codes; a code covers itself and every
region below it (``64.71`` covers ``64.71.01.1001``). Every capability takes a ``Scope`` and filters
its queries with :meth:`Scope.clause`, so that no list or read can leak a record from outside.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_, true
from sqlalchemy.orm import InstrumentedAttribute


@dataclass(frozen=True)
class Scope:
    codes: frozenset[str] = frozenset()
    national: bool = False

    @classmethod
    def everything(cls) -> Scope:
        return cls(national=True)

    @classmethod
    def of(cls, codes: Iterable[str]) -> Scope:
        return cls(codes=frozenset(_minimal(codes)))

    def covers(self, code: str) -> bool:
        if self.national:
            return True
        return any(code == c or code.startswith(c + ".") for c in self.codes)

    def touches(self, code: str) -> bool:
        """True when ``code`` is in scope or is an ancestor of an in-scope area (for navigation)."""
        if self.covers(code):
            return True
        return any(c.startswith(code + ".") for c in self.codes)

    def clause(
        self, column: InstrumentedAttribute[str] | InstrumentedAttribute[str | None] | ColumnElement[str]
    ) -> ColumnElement[bool]:
        """SQL condition true for rows whose region code column lies inside this scope.

        One half-open range per code, ``c <= code < c + '/'``: since '.' < '/' < digits, it holds
        exactly ``c`` and the codes below it (never NULL, unless national), and a B-tree index
        serves it on SQLite and on PostgreSQL (code columns use the "C" collation there). An
        equality OR-ed with the range made SQLite's planner give up the index and scan every row.
        """
        if self.national:
            return true()
        if not self.codes:
            return false()
        return or_(*(and_(column >= c, column < c + "/") for c in sorted(self.codes)))

    def narrowed_to(self, code: str) -> Scope:
        """The part of this scope inside region ``code`` (may be empty)."""
        if self.covers(code):
            return Scope.of([code])
        return Scope.of(c for c in self.codes if c.startswith(code + "."))

    def is_empty(self) -> bool:
        return not self.national and not self.codes


def _minimal(codes: Iterable[str]) -> set[str]:
    """Drop codes already covered by another code in the set."""
    unique = sorted(set(codes), key=len)
    kept: set[str] = set()
    for code in unique:
        if not any(code == k or code.startswith(k + ".") for k in kept):
            kept.add(code)
    return kept
