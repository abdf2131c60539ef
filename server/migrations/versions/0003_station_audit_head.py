"""Each station's audit head as last reported: a station whose newest audit records
were cut off is noticed.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stations") as batch:
        batch.add_column(sa.Column("audit_head_sequence", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("audit_head_hash", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stations") as batch:
        batch.drop_column("audit_head_hash")
        batch.drop_column("audit_head_sequence")
