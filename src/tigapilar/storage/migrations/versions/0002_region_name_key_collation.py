"""region.name_key in the "C" collation on PostgreSQL, so prefix name searches use the index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Collations are a PostgreSQL matter here; SQLite keeps its column as it is.
    if op.get_bind().dialect.name == "postgresql":
        op.execute('ALTER TABLE region ALTER COLUMN name_key TYPE varchar(120) COLLATE "C"')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute('ALTER TABLE region ALTER COLUMN name_key TYPE varchar(120) COLLATE "default"')
