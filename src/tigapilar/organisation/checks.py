"""Validation shared by the create functions and the CSV importers of units and officers.

Checks produce :class:`Problem` values (which item, which field, why) instead of raising, so that
an import can report every problem of a file at once; a create call turns them into one Invalid.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tigapilar.core.errors import Invalid
from tigapilar.regions.codes import LEVEL_NAMES, code_problem, level_of
from tigapilar.storage.bulk import batched
from tigapilar.storage.models import Region

# Describes item ``i`` of a batch in messages that point at another item ("line 7", "item 3").
Where = Callable[[int], str]

# Query parameters per IN (...) list; well under SQLite's limit of 32,766.
IN_BATCH = 1000


def item_number(index: int) -> str:
    return f"item {index + 1}"


@dataclass(frozen=True)
class Problem:
    index: int  # position of the item in the batch
    field: str
    reason: str


def invalid(problems: Sequence[Problem], what: str) -> Invalid:
    return Invalid(
        f"{what}.invalid",
        f"The {what} data has {len(problems)} problem(s); nothing was saved.",
        f"Data {what} memiliki {len(problems)} masalah; tidak ada yang disimpan.",
        details=[{"item": p.index + 1, "field": p.field, "reason": p.reason} for p in problems],
    )


def text_problem(value: str, *, required: bool, max_length: int) -> str | None:
    if not value and required:
        return "is required"
    if len(value) > max_length:
        return f"is {len(value)} characters long; at most {max_length} allowed"
    return None


def region_levels(session: Session, codes: Iterable[str]) -> dict[str, int]:
    """Level of each of ``codes`` that exists in the region table (batched IN queries)."""
    found: dict[str, int] = {}
    for batch in batched(sorted(set(codes)), IN_BATCH):
        query = select(Region.code, Region.level).where(Region.code.in_(batch))
        for code, level in session.execute(query):
            found[code] = level
    return found


def region_problem(code: str, known: dict[str, int], level: int | None = None) -> str | None:
    """Why ``code`` cannot be used (bad format, wrong level, not imported), or None."""
    problem = code_problem(code)
    if problem:
        return problem
    if level is not None and level_of(code) != level:
        return f"{code} is a {LEVEL_NAMES[level_of(code)]} code; a {LEVEL_NAMES[level]} code is needed here"
    if code not in known:
        return f"region {code} is not in the region list; import regions first"
    return None


def first_seen(values: Iterable[tuple[int, str | None]]) -> dict[int, int]:
    """For items repeating an earlier item's value: index -> index of the first item with it."""
    first: dict[str, int] = {}
    repeats: dict[int, int] = {}
    for index, value in values:
        if not value:
            continue
        earlier = first.setdefault(value, index)
        if earlier != index:
            repeats[index] = earlier
    return repeats
