"""Cases: the applicant's pinyin initials and the ID's last 4, indexed, for the search.

A clerk types "zs" for 张三 or the 4 characters the masked list shows of the ID number;
both are filled in here for the cases already projected (the projection fills them for
every case written from now on).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from pypinyin import Style, lazy_pinyin

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BATCH = 5000


def _initials(name: str) -> str:
    # As app.services.catalog.pinyin_initials (a migration keeps its own copy).
    return "".join(s[0] for s in lazy_pinyin(name, style=Style.NORMAL, errors="ignore")
                   if s).lower()


def _tail(id_number: str) -> str:
    number = "".join(id_number.split()).upper()
    return number[-4:] if len(number) >= 15 else ""


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("applicant_initials", sa.String(length=200),
                                      nullable=False, server_default=""))
        batch_op.add_column(sa.Column("applicant_id_tail", sa.String(length=4),
                                      nullable=False, server_default=""))
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT id, applicant_name, applicant_id_number FROM cases")).all()
    update = sa.text("UPDATE cases SET applicant_initials = :initials, "
                     "applicant_id_tail = :tail WHERE id = :id")
    for start in range(0, len(rows), BATCH):
        connection.execute(update, [
            {"id": row[0], "initials": _initials(row[1] or ""), "tail": _tail(row[2] or "")}
            for row in rows[start:start + BATCH]])
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_applicant_initials"),
                              ["applicant_initials"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_applicant_id_tail"),
                              ["applicant_id_tail"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_applicant_id_tail"))
        batch_op.drop_index(batch_op.f("ix_cases_applicant_initials"))
        batch_op.drop_column("applicant_id_tail")
        batch_op.drop_column("applicant_initials")
