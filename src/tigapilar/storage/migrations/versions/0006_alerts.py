"""early warning (issue 5): detections, alerts, their places, reports, routes and timeline; the unit
an account acts for; reports read by time alone (the detectors' range query)

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _code() -> sa.types.TypeEngine[str]:
    return sa.String(length=13).with_variant(sa.String(length=13, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("severity", sa.SmallInteger(), nullable=False),
        sa.Column("area_code", _code(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("title", sa.String(length=240), nullable=False),
        sa.Column("title_en", sa.String(length=240), nullable=False),
        sa.Column("election", sa.String(length=40), nullable=True),
        sa.Column("stage", sa.String(length=40), nullable=True),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("on_site_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalation_level", sa.SmallInteger(), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("lessons", sa.Text(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["area_code"], ["region.code"], name=op.f("fk_alert_area_code_region"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
    )
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.create_index("ix_alert_status_due_at", ["status", "due_at"], unique=False)
        batch_op.create_index("ix_alert_area_code_created_at", ["area_code", "created_at"], unique=False)

    op.create_table(
        "alert_place",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("desa_code", _code(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alert.id"], name=op.f("fk_alert_place_alert_id_alert"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["desa_code"], ["region.code"], name=op.f("fk_alert_place_desa_code_region"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("alert_id", "desa_code", name=op.f("pk_alert_place")),
    )
    with op.batch_alter_table("alert_place", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_place_desa_code"), ["desa_code"], unique=False)

    op.create_table(
        "alert_report",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alert.id"], name=op.f("fk_alert_report_alert_id_alert"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_alert_report_report_id_report"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("alert_id", "report_id", name=op.f("pk_alert_report")),
    )
    with op.batch_alter_table("alert_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_report_report_id"), ["report_id"], unique=False)

    op.create_table(
        "detection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("detector", sa.String(length=10), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("fingerprint", sa.String(length=200), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("severity", sa.SmallInteger(), nullable=False),
        sa.Column("area_code", _code(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("statistic", sa.String(length=40), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("p_value", sa.Float(), nullable=True),
        sa.Column("observed", sa.Float(), nullable=True),
        sa.Column("expected", sa.Float(), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("explanation_en", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alert.id"], name=op.f("fk_detection_alert_id_alert"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detection")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_detection_fingerprint")),
    )
    with op.batch_alter_table("detection", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_detection_alert_id"), ["alert_id"], unique=False)

    op.create_table(
        "alert_route",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("routed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alert.id"], name=op.f("fk_alert_route_alert_id_alert"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_alert_route_unit_id_unit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("alert_id", "unit_id", name=op.f("pk_alert_route")),
    )
    with op.batch_alter_table("alert_route", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_route_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "alert_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("from_status", sa.String(length=12), nullable=True),
        sa.Column("to_status", sa.String(length=12), nullable=True),
        sa.Column("action", sa.String(length=30), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("text_en", sa.Text(), nullable=True),
        sa.Column("detection_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alert.id"], name=op.f("fk_alert_event_alert_id_alert"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_alert_event_user_id_app_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["detection_id"],
            ["detection.id"],
            name=op.f("fk_alert_event_detection_id_detection"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_event")),
    )
    with op.batch_alter_table("alert_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_event_alert_id"), ["alert_id"], unique=False)

    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_app_user_unit_id"), ["unit_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_app_user_unit_id_unit"), "unit", ["unit_id"], ["id"], ondelete="SET NULL"
        )

    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.create_index("ix_report_occurred_at", ["occurred_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index("ix_report_occurred_at")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_app_user_unit_id_unit"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_app_user_unit_id"))
        batch_op.drop_column("unit_id")
    for table in ("alert_event", "alert_route", "detection", "alert_report", "alert_place", "alert"):
        op.drop_table(table)
