"""Index events by type and station sequence: what every sync round looks up.

A round with nothing new reads the highest station sequence and the sealed events
whose documents are missing; without these indexes both scan the whole event log.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_type"), ["type"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_station_sequence"), ["station_sequence"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_station_sequence"))
        batch_op.drop_index(batch_op.f("ix_events_type"))
