"""exports and list views read reports newest first: an index on report(received_at, id), so that
``ORDER BY received_at DESC, id DESC`` streams from the index instead of sorting the whole table

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.create_index("ix_report_received_at_id", ["received_at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index("ix_report_received_at_id")
