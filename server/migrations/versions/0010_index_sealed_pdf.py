"""Index the sealed events' PDF digest: a station fetching a sealed document.

Revision ID: 0010
Revises: 0009

A station downloading a sealed PDF it must hold is checked against the cases it sees:
which events name the file. That read every event of the station's cases (every event
on the server for a centre window) for each PDF, so a pull of 2,000 sealed documents
cost 2,000 scans. The sealed events name their PDF by ``pdf_sha256``: a partial
expression index, like 0009's, finds them at once.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.models import sealed_payload_text

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

NAME = "ix_events_sealed_pdf_sha256"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_index(
        NAME, "events", [sa.text(sealed_payload_text(dialect, "pdf_sha256"))],
        postgresql_where=sa.text("type = 'sealed'"), sqlite_where=sa.text("type = 'sealed'"),
    )


def downgrade() -> None:
    op.drop_index(NAME, table_name="events")
