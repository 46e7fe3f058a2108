"""Batched upserts rewrite only rows that change (a re-import of an unchanged file writes nothing)."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, select, text
from sqlalchemy.orm import Session

from tigapilar.storage.bulk import upsert_rows
from tigapilar.storage.db import Database
from tigapilar.storage.models import Region

REGION = cast(Table, Region.__table__)
ROWS = [
    {
        "code": "64",
        "parent_code": None,
        "level": 1,
        "kind": "provinsi",
        "name": "Kalimantan Timur",
        "name_key": "kalimantan timur",
    },
    {
        "code": "64.72",
        "parent_code": "64",
        "level": 2,
        "kind": "kota",
        "name": "Kota Samarinda",
        "name_key": "samarinda",
    },
]


def _write_marks(session: Session) -> dict[str, str]:
    """Something that changes whenever a row is physically rewritten."""
    if session.get_bind().dialect.name == "postgresql":
        return {code: str(xmin) for code, xmin in session.execute(text("SELECT code, xmin FROM region"))}
    return {"total_changes": str(session.execute(text("SELECT total_changes()")).scalar())}


def test_unchanged_rows_are_not_rewritten_and_changed_ones_are(db: Database) -> None:
    with db.session() as session:
        upsert_rows(session, REGION, ROWS, key=["code"])
    with db.session() as session:
        before = _write_marks(session)
        upsert_rows(session, REGION, ROWS, key=["code"])
        assert _write_marks(session) == before
        renamed = [ROWS[0], {**ROWS[1], "name": "Kota Samarinda (baru)"}]
        upsert_rows(session, REGION, renamed, key=["code"])
        assert _write_marks(session) != before
        assert session.scalar(select(Region.name).where(Region.code == "64.72")) == "Kota Samarinda (baru)"
