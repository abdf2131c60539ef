"""The seal registry keeps no picture of the seal.

A stored PNG of the seal is a seal anyone who can read the database could paste onto
any document; every document draws the seal from the record's text instead. The hash
of the dropped picture goes from each seal record too.

SQLite 3.35 and later drop a column in place (``recreate="never"``): copying the table
would have to drop ``seals`` while ``seal_uses`` refers to it.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("seals", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("image")
    op.execute("UPDATE seals SET data = json_set(data, '$.image_sha256', json('null'))")


def downgrade() -> None:
    with op.batch_alter_table("seals", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("image", sa.LargeBinary(), nullable=True))
