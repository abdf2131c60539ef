"""Cases: counts kept by triggers, search indexes that carry the registration time.

A million cases made every list's count a scan (hundreds of ms). ``case_counts`` holds
the number of cases of each bucket (all, each state, category, department, matter,
registration day of the number, first two characters of the name), kept exact by
triggers on every insert, delete and update of ``cases`` whatever writes it (the
projection, a sync pull, a restore), and filled here from the cases there are.

The single-column indexes of the searched columns become (column, registered_at): the
newest matches of a name are found in the index without reading every matching row.
The red and yellow lists count a range of a partial index of running cases by deadline
(a kept counter could not follow the days as they pass).

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# bucket prefix -> (the column whose change moves a case, its bucket for a row "{r}")
BUCKETS = {
    "state": ("state", "'state:' || {r}.state"),
    "category": ("category", "'category:' || {r}.category"),
    "department": ("department_code", "'department:' || {r}.department_code"),
    "matter": ("matter_code", "'matter:' || {r}.matter_code"),
    # "XZ01-20261202-0001" -> "day:XZ01-20261202": the number up to its date.
    "day": ("number", "'day:' || substr({r}.number, 1, instr({r}.number, '-') + 8)"),
    "name": ("applicant_name", "'name:' || substr({r}.applicant_name, 1, 2)"),
}
UPSERT = ("INSERT INTO case_counts (bucket, cases) VALUES {values}"
          " ON CONFLICT (bucket) DO UPDATE SET cases = cases + excluded.cases;")

SEARCH_INDEXES = {  # new name -> (old name, column)
    "ix_cases_applicant_name_registered_at": ("ix_cases_applicant_name", "applicant_name"),
    "ix_cases_applicant_initials_registered_at": ("ix_cases_applicant_initials",
                                                  "applicant_initials"),
    "ix_cases_applicant_id_tail_registered_at": ("ix_cases_applicant_id_tail",
                                                 "applicant_id_tail"),
    "ix_cases_matter_code_registered_at": ("ix_cases_matter_code", "matter_code"),
}


def _values(row: str, change: int) -> str:
    buckets = ["'all'"] + [bucket.format(r=row) for _, bucket in BUCKETS.values()]
    return ", ".join(f"({bucket}, {change})" for bucket in buckets)


def upgrade() -> None:
    op.execute("CREATE TABLE case_counts (bucket VARCHAR(250) NOT NULL, "
               "cases INTEGER NOT NULL, CONSTRAINT pk_case_counts PRIMARY KEY (bucket))")
    op.execute("CREATE TRIGGER case_counts_insert AFTER INSERT ON cases BEGIN "
               + UPSERT.format(values=_values("NEW", 1)) + " END")
    op.execute("CREATE TRIGGER case_counts_delete AFTER DELETE ON cases BEGIN "
               + UPSERT.format(values=_values("OLD", -1)) + " END")
    for name, (column, bucket) in BUCKETS.items():
        values = f"({bucket.format(r='OLD')}, -1), ({bucket.format(r='NEW')}, 1)"
        op.execute(f"CREATE TRIGGER case_counts_update_{name} AFTER UPDATE OF {column}"
                   f" ON cases WHEN OLD.{column} IS NOT NEW.{column} BEGIN "
                   + UPSERT.format(values=values) + " END")
    selects = ["SELECT 'all', count(*) FROM cases"] + [
        f"SELECT {bucket.format(r='cases')}, count(*) FROM cases GROUP BY 1"
        for _, bucket in BUCKETS.values()]
    op.execute("INSERT INTO case_counts (bucket, cases) " + " UNION ALL ".join(selects))

    for new, (old, column) in SEARCH_INDEXES.items():
        op.execute(f"DROP INDEX {old}")
        op.execute(f"CREATE INDEX {new} ON cases ({column}, registered_at)")
    op.execute("CREATE INDEX ix_cases_running_deadline ON cases (deadline, yellow_from)"
               " WHERE completed_at IS NULL")
    bind = op.get_bind()
    analysed = bind.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first()
    if analysed is not None:  # statistics of the other indexes: the new ones need theirs
        op.execute("ANALYZE cases")


def downgrade() -> None:
    op.execute("DROP INDEX ix_cases_running_deadline")
    for new, (old, column) in SEARCH_INDEXES.items():
        op.execute(f"DROP INDEX {new}")
        op.execute(f"CREATE INDEX {old} ON cases ({column})")
    for name in ("insert", "delete", *(f"update_{name}" for name in BUCKETS)):
        op.execute(f"DROP TRIGGER case_counts_{name}")
    op.execute("DROP TABLE case_counts")
