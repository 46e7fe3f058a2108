"""field reports (issue 3): journal, reports, submissions, history, attachments

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:57:31.873251
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("sender", sa.String(length=40), nullable=True),
        sa.Column("content_type", sa.String(length=120), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("external_id", sa.String(length=160), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column(
            "area_code",
            sa.String(length=13).with_variant(sa.String(length=13, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column("state", sa.String(length=14), nullable=False),
        sa.Column("error_code", sa.String(length=60), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("pesan", sa.Text(), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officer.id"], name=op.f("fk_inbound_officer_id_officer"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"],
            ["app_user.id"],
            name=op.f("fk_inbound_reviewed_by_app_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_inbound_user_id_app_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound")),
    )
    with op.batch_alter_table("inbound", schema=None) as batch_op:
        batch_op.create_index("ix_inbound_area_code_state", ["area_code", "state"], unique=False)
        batch_op.create_index("ix_inbound_channel_external_id", ["channel", "external_id"], unique=False)
        batch_op.create_index("ix_inbound_state_received_at", ["state", "received_at"], unique=False)

    op.create_table(
        "report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("inbound_id", sa.Integer(), nullable=True),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("pillar", sa.String(length=20), nullable=True),
        sa.Column("source_kind", sa.String(length=12), nullable=False),
        sa.Column("source_name", sa.String(length=160), nullable=True),
        sa.Column("source_contact", sa.String(length=80), nullable=True),
        sa.Column(
            "desa_code",
            sa.String(length=13).with_variant(sa.String(length=13, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("tps_id", sa.Integer(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lng", sa.Float(), nullable=True),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("location_flag", sa.String(length=30), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("election", sa.String(length=40), nullable=True),
        sa.Column("stage", sa.String(length=40), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.SmallInteger(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("people_involved", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_reason", sa.String(length=20), nullable=True),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["desa_code"], ["region.code"], name=op.f("fk_report_desa_code_region"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of"], ["report.id"], name=op.f("fk_report_duplicate_of_report"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["inbound_id"], ["inbound.id"], name=op.f("fk_report_inbound_id_inbound"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officer.id"], name=op.f("fk_report_officer_id_officer"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"],
            ["app_user.id"],
            name=op.f("fk_report_submitted_by_app_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tps_id"], ["tps.id"], name=op.f("fk_report_tps_id_tps"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report")),
    )
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.create_index("ix_report_category_occurred_at", ["category", "occurred_at"], unique=False)
        batch_op.create_index("ix_report_desa_code_occurred_at", ["desa_code", "occurred_at"], unique=False)
        batch_op.create_index("ix_report_election_stage", ["election", "stage"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_officer_id"), ["officer_id"], unique=False)
        batch_op.create_index("ix_report_status_received_at", ["status", "received_at"], unique=False)

    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("inbound_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["inbound_id"], ["inbound.id"], name=op.f("fk_attachment_inbound_id_inbound"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_attachment_report_id_report"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
        sa.UniqueConstraint("report_id", "filename", name="uq_attachment_report_id_filename"),
    )
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachment_inbound_id"), ["inbound_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachment_report_id"), ["report_id"], unique=False)

    op.create_table(
        "report_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("related_report_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["related_report_id"],
            ["report.id"],
            name=op.f("fk_report_event_related_report_id_report"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_report_event_report_id_report"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_report_event_user_id_app_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_event")),
    )
    with op.batch_alter_table("report_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_event_report_id"), ["report_id"], unique=False)

    op.create_table(
        "report_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("external_id", sa.String(length=160), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("inbound_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["inbound_id"],
            ["inbound.id"],
            name=op.f("fk_report_submission_inbound_id_inbound"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["report.id"],
            name=op.f("fk_report_submission_report_id_report"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_submission")),
        sa.UniqueConstraint("channel", "external_id", name="uq_report_submission_channel_external_id"),
    )
    with op.batch_alter_table("report_submission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_submission_report_id"), ["report_id"], unique=False)

    # inbound and report point at each other: this key can only be added once both tables exist.
    with op.batch_alter_table("inbound", schema=None) as batch_op:
        batch_op.create_foreign_key(
            "fk_inbound_report_id_report", "report", ["report_id"], ["id"], ondelete="SET NULL"
        )

    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest_ha1", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("digest_ha1")

    with op.batch_alter_table("report_submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_submission_report_id"))

    op.drop_table("report_submission")
    with op.batch_alter_table("inbound", schema=None) as batch_op:
        batch_op.drop_constraint("fk_inbound_report_id_report", type_="foreignkey")

    with op.batch_alter_table("report_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_event_report_id"))

    op.drop_table("report_event")
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachment_report_id"))
        batch_op.drop_index(batch_op.f("ix_attachment_inbound_id"))

    op.drop_table("attachment")
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index("ix_report_status_received_at")
        batch_op.drop_index(batch_op.f("ix_report_officer_id"))
        batch_op.drop_index("ix_report_election_stage")
        batch_op.drop_index("ix_report_desa_code_occurred_at")
        batch_op.drop_index("ix_report_category_occurred_at")

    op.drop_table("report")
    with op.batch_alter_table("inbound", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_state_received_at")
        batch_op.drop_index("ix_inbound_channel_external_id")
        batch_op.drop_index("ix_inbound_area_code_state")

    op.drop_table("inbound")
