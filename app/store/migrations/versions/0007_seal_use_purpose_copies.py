"""The seal usage record states its 用印事由 and 份数.

Columns are added in place (ALTER TABLE ADD COLUMN), not by rebuilding the table: a
rebuild would drop the triggers that keep ``seal_uses`` append-only. Earlier uses get
an empty purpose (the ledger then names the document) and one copy.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("seal_uses", sa.Column("purpose", sa.Text(), server_default="",
                                         nullable=False))
    op.add_column("seal_uses", sa.Column("copies", sa.Integer(), server_default="1",
                                         nullable=False))


def downgrade() -> None:
    # SQLite 3.35+ drops a column in place, keeping the append-only triggers.
    op.execute("ALTER TABLE seal_uses DROP COLUMN copies")
    op.execute("ALTER TABLE seal_uses DROP COLUMN purpose")
