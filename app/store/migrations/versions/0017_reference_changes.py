"""Sync: a counter of changes to the station's reference records, kept by triggers.

Every sync round rebuilt each reference record the station sends (its staff with their
delegations, A/B posts and absences, the recent appointments and consultations, and at
a publishing station the catalog, seals and calendar) and hashed it, to find the few
that changed: milliseconds of a round with nothing new, more as the records grow. The
``reference_changes`` sequence is bumped by every insert, update and delete of the
tables those records are read from, so a round whose counter (and hashes last sent)
have not moved knows nothing changed without reading them.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

COUNTER = "reference_changes"
# The tables app/sync/local.py's local_reference reads (tests/test_sync_reference_mark.py
# checks this against the statements it runs).
TABLES = ("departments", "matters", "users", "delegations", "window_posts",
          "staff_absences", "seals", "calendar_years", "appointments", "consultations")
OPERATIONS = ("insert", "update", "delete")


def upgrade() -> None:
    op.execute(f"INSERT INTO sequences (name, value) VALUES ('{COUNTER}', 0)"
               " ON CONFLICT (name) DO NOTHING")
    for table in TABLES:
        for operation in OPERATIONS:
            op.execute(f"CREATE TRIGGER {COUNTER}_{table}_{operation} AFTER"
                       f" {operation.upper()} ON {table} BEGIN UPDATE sequences"
                       f" SET value = value + 1 WHERE name = '{COUNTER}'; END")


def downgrade() -> None:
    for table in TABLES:
        for operation in OPERATIONS:
            op.execute(f"DROP TRIGGER {COUNTER}_{table}_{operation}")
    op.execute(f"DELETE FROM sequences WHERE name = '{COUNTER}'")
