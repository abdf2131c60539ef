"""Staff records an older server kept with a password hash lose it at rest.

Revision ID: 0008
Revises: 0004

Since issue 14 no credential crosses sync and the server strips them on the way out, but
records stored before still held ``password_hash`` (and the like) in the database, where
a dump or a backup carried them. This removes every credential key at the top of a
reference record's data and recomputes its content hash; the version stays, because
what the stations receive (stripped already) does not change.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.sync.protocol import CREDENTIAL_KEYS
from server.hashing import content_hash

revision = "0008"
down_revision = "0004"
branch_labels = None
depends_on = None

_items = sa.table(
    "reference_items",
    sa.column("kind", sa.String), sa.column("key", sa.String),
    sa.column("data", sa.JSON), sa.column("content_hash", sa.String),
)


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(_items.c.kind, _items.c.key, _items.c.data)).all()
    for kind, key, data in rows:
        if not isinstance(data, dict):
            continue
        kept = {k: v for k, v in data.items()
                if not (isinstance(k, str) and k.strip().lower() in CREDENTIAL_KEYS)}
        if kept == data:
            continue
        connection.execute(
            _items.update().where(_items.c.kind == kind, _items.c.key == key)
            .values(data=kept, content_hash=content_hash(kept)))


def downgrade() -> None:
    """The hashes are gone for good: nothing to put back."""
