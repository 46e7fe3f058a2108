"""The one shape of every paginated list in the API: ``{"items", "total", "limit", "offset"}``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Self, TypeVar

from pydantic import BaseModel

from tigapilar.core.pagination import Page

ItemT = TypeVar("ItemT")


class PageOut(BaseModel, Generic[ItemT]):
    """Subclass per item type (``class TpsPage(PageOut[TpsOut])``) to keep a readable schema name."""

    items: list[ItemT]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, page: Page[Any], convert: Callable[[Any], ItemT]) -> Self:
        return cls(
            items=[convert(item) for item in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )
