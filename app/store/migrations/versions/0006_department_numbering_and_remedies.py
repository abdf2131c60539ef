"""Departments: GB/T 9704 文号 (机关代字, 文种代字, numbering station) and remedies.

Each department names its 行政复议机关 and competent court (they were one station-wide
setting). Existing 文号 patterns such as ``清市监〔{year}〕{station}第{seq:04d}号`` become
the standard ``{prefix}{kind}〔{year}〕{seq}号``, keeping the text before the year as the
机关代字. The remedy bodies start empty: documents that state remedies are refused until
the administrator sets them, rather than printing a body nobody checked.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

STANDARD_PATTERN = "{prefix}{kind}〔{year}〕{seq}号"


def upgrade() -> None:
    with op.batch_alter_table("departments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("document_prefix", sa.String(length=20), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("kind_codes", sa.JSON(), nullable=False,
                                      server_default="{}"))
        batch_op.add_column(sa.Column("numbering_station", sa.String(length=12),
                                      nullable=False, server_default=""))
        batch_op.add_column(sa.Column("reconsideration_body", sa.String(length=100),
                                      nullable=False, server_default=""))
        batch_op.add_column(sa.Column("litigation_court", sa.String(length=100),
                                      nullable=False, server_default=""))
        batch_op.add_column(sa.Column("vertical", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT code, document_number_pattern FROM departments")
    ).fetchall()
    for code, pattern in rows:
        if "{prefix}" in pattern:
            continue
        head = pattern.split("〔", 1)[0] if "〔" in pattern else ""
        prefix = head if "{" not in head else ""
        connection.execute(
            sa.text("UPDATE departments SET document_number_pattern = :pattern, "
                    "document_prefix = :prefix WHERE code = :code"),
            {"pattern": STANDARD_PATTERN, "prefix": prefix[:20], "code": code},
        )


def downgrade() -> None:
    with op.batch_alter_table("departments", schema=None) as batch_op:
        batch_op.drop_column("vertical")
        batch_op.drop_column("litigation_court")
        batch_op.drop_column("reconsideration_body")
        batch_op.drop_column("numbering_station")
        batch_op.drop_column("kind_codes")
        batch_op.drop_column("document_prefix")
