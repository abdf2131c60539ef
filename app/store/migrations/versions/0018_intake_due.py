"""Cases: the last day of the intake decision (行政许可法 第三十二条), for 预警督办.

A licensing application must be accepted, refused, or answered with the one-time notice
of what is missing within five working days of its materials; past them the law counts
it accepted from the day they came, and the supervisor (电子监察, 北票 第三十条: 受理、审查、
决定和办理期限) must find it. ``intake_due`` holds that day while the case waits, indexed
for the few such cases.

The day rests on the working calendar, which a migration does not replay: the cases
waiting when the profile is upgraded are projected again as it opens
(``app.services.runtime.open_runtime``), every case written from now on has it.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("intake_due", sa.Date(), nullable=True))
    op.create_index("ix_cases_intake_due", "cases", ["intake_due"], unique=False,
                    sqlite_where=sa.text("intake_due IS NOT NULL"))


def downgrade() -> None:
    # SQLite's own DROP COLUMN: a batch operation would copy the table and lose the
    # triggers migration 0015 keeps on it.
    op.drop_index("ix_cases_intake_due", table_name="cases")
    op.execute("ALTER TABLE cases DROP COLUMN intake_due")
