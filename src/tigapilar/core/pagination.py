"""Limit/offset pagination shared by every list in the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from tigapilar.core.errors import Invalid

T = TypeVar("T")
MAX_LIMIT = 1000


@dataclass(frozen=True)
class PageRequest:
    limit: int = 50
    offset: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise Invalid(
                "page.bad_limit",
                f"limit must be between 1 and {MAX_LIMIT}",
                f"limit harus antara 1 dan {MAX_LIMIT}",
            )
        if self.offset < 0:
            raise Invalid("page.bad_offset", "offset must not be negative", "offset tidak boleh negatif")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def paginate(session: Session, query: Select[T], page: PageRequest) -> Page[T]:
    """Run ``query`` for one page plus a count of all matching rows."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(session.scalars(query.limit(page.limit).offset(page.offset)))
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)
