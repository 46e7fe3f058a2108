"""The schema is created by migrations and behaves the same on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from tigapilar.storage.db import Database
from tigapilar.storage.migrate import head_revision, is_up_to_date
from tigapilar.storage.models import Base, Region


def test_migrations_create_every_model_table(db: Database) -> None:
    assert is_up_to_date(db.engine)
    assert head_revision() is not None
    tables = set(inspect(db.engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables


def test_migrations_match_the_models(db: Database) -> None:
    """A model change without its migration (or the reverse) fails here, on both databases."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(IntegrityError), db.session() as session:
        session.add(Region(code="64.71", parent_code="64", level=2, kind="kota", name="Kota X", name_key="x"))


def test_sqlite_runs_in_wal_mode(db: Database) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("WAL is a SQLite setting")
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
