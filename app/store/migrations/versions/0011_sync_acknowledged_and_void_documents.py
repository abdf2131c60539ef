"""Sync convergence after a server restore: an outbox row remembers that an earlier
server epoch had acknowledged its event; a sealed document whose event the server
refused is marked void.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("acknowledged", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("voided_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("void_reason", sa.Text(), nullable=False,
                                   server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("void_reason")
        batch.drop_column("voided_at")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("acknowledged")
