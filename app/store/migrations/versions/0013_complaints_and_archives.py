"""Complaints (投诉) projected from their events, and the archive records (归档).

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "complaints",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("station", sa.String(12), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("complainant_name", sa.String(100), nullable=False),
        sa.Column("window_name", sa.String(50), nullable=False),
        sa.Column("staff_id", sa.String(36), nullable=False),
        sa.Column("staff_name", sa.String(50), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("case_number", sa.String(40), nullable=False),
        sa.Column("department_code", sa.String(20), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("assignee_id", sa.String(36), nullable=False),
        sa.Column("assignee_name", sa.String(50), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.Column("answer_due", sa.Date(), nullable=False),
        sa.Column("finding", sa.String(30), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("on_time", sa.Boolean(), nullable=True),
        sa.Column("reply", sa.String(30), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_complaints"),
        sa.UniqueConstraint("number", name="uq_complaints_number"),
    )
    with op.batch_alter_table("complaints") as batch:
        batch.create_index("ix_complaints_window_name", ["window_name"])
        batch.create_index("ix_complaints_staff_id", ["staff_id"])
        batch.create_index("ix_complaints_state", ["state"])
        batch.create_index("ix_complaints_registered_at", ["registered_at"])
    op.create_table(
        "archive_records",
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("case_number", sa.String(40), nullable=False),
        sa.Column("archival_code", sa.String(80), nullable=False),
        sa.Column("package_name", sa.String(255), nullable=False),
        sa.Column("manifest_sha256", sa.String(64), nullable=False),
        sa.Column("file_count", sa.Integer(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=False),
        sa.Column("archived_by", sa.String(50), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name="pk_archive_records"),
    )
    with op.batch_alter_table("archive_records") as batch:
        batch.create_index("ix_archive_records_archived_at", ["archived_at"])


def downgrade() -> None:
    op.drop_table("archive_records")
    op.drop_table("complaints")
