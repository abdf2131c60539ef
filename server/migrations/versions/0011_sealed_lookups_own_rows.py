"""Each sealed-lookup index holds only the sealed events that have its key.

Revision ID: 0011
Revises: 0010

0009's and 0010's partial indexes all held every sealed event (``type = 'sealed'``), so
each could serve any of the three lookups as a scan with a filter. With statistics taken
while the server held few sealed events (a new county, a bulk load, autovacuum not yet
round) PostgreSQL took the three for equally small and read a PDF's digest off the
``supersedes`` index: every download of a sealed PDF scanned all sealed events. Adding
``<key> IS NOT NULL`` to each index's condition leaves a lookup only its own index
(an equality on the key implies it is not null; nothing implies another key's).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.models import sealed_payload_text

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

KEYS = ("seal_use_id", "supersedes", "pdf_sha256")


def _create(dialect: str, key: str, condition: str) -> None:
    where = sa.text(condition)
    op.create_index(f"ix_events_sealed_{key}", "events",
                    [sa.text(sealed_payload_text(dialect, key))],
                    postgresql_where=where, sqlite_where=where)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for key in KEYS:
        op.drop_index(f"ix_events_sealed_{key}", table_name="events")
        _create(dialect, key,
                f"type = 'sealed' AND {sealed_payload_text(dialect, key)} IS NOT NULL")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for key in KEYS:
        op.drop_index(f"ix_events_sealed_{key}", table_name="events")
        _create(dialect, key, "type = 'sealed'")
