"""Parsing the text of one cell into a number, refusing with a reason a person can act on."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, TypeVar

from tigapilar.regions.geometry import lat_lng_problem
from tigapilar.regions.importers.base import Problems, SourceRow

T = TypeVar("T")
_POSTAL = re.compile(r"^\d{5}$")


class FieldError(ValueError):
    pass


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def decimal(value: Any, minimum: float | None = None) -> float | None:
    if isinstance(value, bool):
        raise FieldError(f"{value!r} is not a number")
    text = _text(value)
    if text is None:
        return None
    try:
        number = float(text)
    except ValueError:
        hint = "; write decimals with a dot and no thousands separator" if "," in text else ""
        raise FieldError(f"{text!r} is not a number{hint}") from None
    if not math.isfinite(number):
        raise FieldError(f"{text!r} is not a finite number")
    if minimum is not None and number < minimum:
        raise FieldError(f"{text} is below {minimum:g}")
    return number


def whole(value: Any, minimum: int = 0) -> int | None:
    if isinstance(value, bool):
        raise FieldError(f"{value!r} is not a number")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _text(value)
    if text is None:
        return None
    try:
        number = int(text)
    except ValueError:
        raise FieldError(f"{text!r} is not a whole number (no dots, commas or spaces)") from None
    if number < minimum:
        raise FieldError(f"{number} is below {minimum}")
    return number


def latitude(value: Any) -> float | None:
    number = decimal(value)
    if number is not None and (problem := lat_lng_problem(number, 0.0)):
        raise FieldError(problem)
    return number


def longitude(value: Any) -> float | None:
    number = decimal(value)
    if number is not None and (problem := lat_lng_problem(0.0, number)):
        raise FieldError(problem)
    return number


def postal_code(value: Any) -> str | None:
    text = _text(value)
    if text is not None and not _POSTAL.match(text):
        raise FieldError(f"{text!r} is not a 5-digit kode pos")
    return text


class Cells:
    """Reads the cells of one row, recording every bad cell instead of stopping at the first."""

    def __init__(self, row: SourceRow, problems: Problems) -> None:
        self.row = row
        self.problems = problems
        self.ok = True

    def get(self, column: str, parse: Callable[[Any], T | None]) -> T | None:
        try:
            return parse(self.row.fields.get(column))
        except FieldError as exc:
            self.fail(column, str(exc))
            return None

    def require(self, column: str, parse: Callable[[Any], T | None]) -> T | None:
        before = self.problems.total
        value = self.get(column, parse)
        if value is None and self.problems.total == before:
            self.fail(column, f"{column} is empty")
        return value

    def fail(self, column: str, reason: str) -> None:
        self.ok = False
        self.problems.add(self.row.line, column, reason)
