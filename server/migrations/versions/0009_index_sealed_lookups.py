"""Index the sealed events' payload keys the verification page looks documents up by.

Revision ID: 0009
Revises: 0008

A document sealed by a station that sent no verification record is found by its seal
use's id in the sealed events' payload (and a correction by ``supersedes``). Without an
index each such scan of a QR code, or of a made-up id, read every event on the server.
These partial expression indexes hold only the sealed events.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.models import sealed_payload_text

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# The keys of this revision (server/models.py's SEALED_LOOKUP_KEYS has grown since).
KEYS = ("seal_use_id", "supersedes")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for key in KEYS:
        op.create_index(
            f"ix_events_sealed_{key}", "events", [sa.text(sealed_payload_text(dialect, key))],
            postgresql_where=sa.text("type = 'sealed'"), sqlite_where=sa.text("type = 'sealed'"),
        )


def downgrade() -> None:
    for key in KEYS:
        op.drop_index(f"ix_events_sealed_{key}", table_name="events")
