"""The seal password is limited like the login: wrong tries per person and seal, and
the lock they earn.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "seal_password_locks",
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("seal_id", sa.String(36), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name="fk_seal_password_locks_user_id_users"),
        sa.PrimaryKeyConstraint("user_id", "seal_id", name="pk_seal_password_locks"),
    )


def downgrade() -> None:
    op.drop_table("seal_password_locks")
