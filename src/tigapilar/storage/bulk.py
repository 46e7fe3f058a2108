"""Batched inserts and upserts for imports of hundreds of thousands of rows.

Rows are streamed in batches so memory stays flat; the caller owns the transaction, which is what
lets an import be all-or-nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import Column, Table, delete, insert, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

T = TypeVar("T")
BATCH_SIZE = 5000


def batched(items: Iterable[T], size: int = BATCH_SIZE) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def insert_rows(
    session: Session, table: Table, rows: Iterable[dict[str, Any]], size: int = BATCH_SIZE
) -> int:
    """Plain batched INSERT; returns the number of rows written."""
    count = 0
    for batch in batched(rows, size):
        session.execute(insert(table), batch)
        count += len(batch)
    return count


def upsert_rows(
    session: Session,
    table: Table,
    rows: Iterable[dict[str, Any]],
    key: Sequence[str],
    update: Sequence[str] | None = None,
    size: int = BATCH_SIZE,
) -> int:
    """INSERT ... ON CONFLICT (key) DO UPDATE, batched, on SQLite and PostgreSQL.

    ``update`` names the columns a re-import overwrites (default: every column in the batch but the
    key). Every row in one call must have the same keys.
    """
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    count = 0
    for batch in batched(rows, size):
        statement = module.insert(table)
        columns = update if update is not None else [c for c in batch[0] if c not in key]
        if columns:
            # Only rows that really change are rewritten: on PostgreSQL every UPDATE leaves a dead
            # row behind, so re-importing an unchanged national file would double the table.
            changed = or_(*(table.c[c].is_distinct_from(statement.excluded[c]) for c in columns))
            statement = statement.on_conflict_do_update(
                index_elements=list(key), set_={c: statement.excluded[c] for c in columns}, where=changed
            )
        else:
            statement = statement.on_conflict_do_nothing(index_elements=list(key))
        session.execute(statement, batch)
        count += len(batch)
    return count


def replace_links(
    session: Session,
    table: Table,
    owner: Column[int],
    owner_ids: Sequence[int],
    rows: Iterable[dict[str, Any]],
    size: int = BATCH_SIZE,
) -> int:
    """Replace the link rows (unit areas, officer villages, ...) of ``owner_ids`` with ``rows``."""
    for batch in batched(owner_ids, size):
        session.execute(delete(table).where(owner.in_(batch)))
    return insert_rows(session, table, rows, size)
