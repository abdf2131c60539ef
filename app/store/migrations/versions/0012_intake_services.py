"""Before and around intake: consultations, appointments, broken 告知承诺 records, and
the case columns for 容缺受理 (what is owed, by when), the 告知承诺 found broken and the
service mode (延时服务 / 周末服务 / 上门服务).

Cases already projected have none of these: the new columns start empty.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("service_mode", sa.String(length=20), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("tolerance_due", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("tolerance_owed", sa.Integer(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("promise_broken", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_index(batch_op.f("ix_cases_tolerance_due"), ["tolerance_due"],
                              unique=False)
    op.create_table(
        "consultations",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("station", sa.String(12), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("asker_name", sa.String(200), nullable=False),
        sa.Column("asker_phone", sa.String(40), nullable=False),
        sa.Column("matter_code", sa.String(40), nullable=False),
        sa.Column("matter_name", sa.String(200), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("staff_id", sa.String(36), nullable=False),
        sa.Column("staff_name", sa.String(50), nullable=False),
        sa.Column("window_name", sa.String(50), nullable=False),
        sa.Column("guide_printed", sa.Boolean(), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_consultations"),
    )
    op.create_index("ix_consultations_asked_at", "consultations", ["asked_at"])
    op.create_index("ix_consultations_staff_id", "consultations", ["staff_id"])
    op.create_table(
        "appointments",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("station", sa.String(12), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("slot", sa.String(11), nullable=False),
        sa.Column("window_name", sa.String(50), nullable=False),
        sa.Column("matter_code", sa.String(40), nullable=False),
        sa.Column("matter_name", sa.String(200), nullable=False),
        sa.Column("applicant_name", sa.String(200), nullable=False),
        sa.Column("applicant_phone", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("service_mode", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("booked_by", sa.String(50), nullable=False),
        sa.Column("booked_at", sa.DateTime(), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_appointments"),
    )
    op.create_index("ix_appointments_day", "appointments", ["day"])
    op.create_table(
        "promise_records",
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("id_number", sa.String(40), nullable=False),
        sa.Column("applicant_name", sa.String(200), nullable=False),
        sa.Column("case_number", sa.String(40), nullable=False),
        sa.Column("matter_name", sa.String(200), nullable=False),
        sa.Column("finding", sa.Text(), nullable=False),
        sa.Column("station", sa.String(12), nullable=False),
        sa.Column("checked_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_promise_records"),
    )
    op.create_index("ix_promise_records_id_number", "promise_records", ["id_number"])


def downgrade() -> None:
    op.drop_table("promise_records")
    op.drop_table("appointments")
    op.drop_table("consultations")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_tolerance_due"))
        batch_op.drop_column("promise_broken")
        batch_op.drop_column("tolerance_owed")
        batch_op.drop_column("tolerance_due")
        batch_op.drop_column("service_mode")
