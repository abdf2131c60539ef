"""AB岗 and 顶岗补位: each window's A and B officers, and the staff's recorded absences.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "window_posts",
        sa.Column("station", sa.String(12), nullable=False),
        sa.Column("window_name", sa.String(50), nullable=False),
        sa.Column("a_staff_id", sa.String(36), nullable=False),
        sa.Column("b_staff_id", sa.String(36), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["a_staff_id"], ["users.id"],
                                name="fk_window_posts_a_staff_id_users"),
        sa.ForeignKeyConstraint(["b_staff_id"], ["users.id"],
                                name="fk_window_posts_b_staff_id_users"),
        sa.PrimaryKeyConstraint("station", "window_name", name="pk_window_posts"),
    )
    with op.batch_alter_table("window_posts") as batch:
        batch.create_index("ix_window_posts_a_staff_id", ["a_staff_id"])
        batch.create_index("ix_window_posts_b_staff_id", ["b_staff_id"])
    op.create_table(
        "staff_absences",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("staff_id", sa.String(36), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("planned_last_day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.String(36), nullable=False),
        sa.Column("recorded_by_name", sa.String(50), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by_name", sa.String(50), nullable=False),
        sa.Column("close_reason", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["users.id"],
                                name="fk_staff_absences_staff_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_staff_absences"),
    )
    with op.batch_alter_table("staff_absences") as batch:
        batch.create_index("ix_staff_absences_staff_id", ["staff_id"])


def downgrade() -> None:
    op.drop_table("staff_absences")
    op.drop_table("window_posts")
