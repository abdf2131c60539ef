"""Sync: the sealed documents still to stage or to fetch, kept by triggers.

Every sync round asked two questions of the whole history: which documents sealed here
have no PDF queued for upload yet, and which SEALED events name a PDF this station does
not hold. Both read every sealed document (its row carries the PDF) or every SEALED
event, so a quiet round at a township station took tens of milliseconds and grew with
the years. ``unstaged_documents`` and ``wanted_documents`` hold exactly the answers,
kept by triggers on ``documents``, ``attachments`` and ``events`` whatever writes them
(sealing, a pull, a restore, a repair), and filled here from the rows there are. The
scans not uploaded yet get a partial index for the same question.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# What the old queries asked (app/sync/local.py before 0016), for one row.
_UNSTAGED = ("{d}.seal_use_id IS NOT NULL AND NOT EXISTS "
             "(SELECT 1 FROM attachments WHERE attachments.sha256 = {d}.pdf_sha256)")
# The digest a SEALED event names, as SQLAlchemy reads payload["pdf_sha256"].as_string().
_NAMED = "CAST(JSON_EXTRACT({e}.payload, '$.\"pdf_sha256\"') AS VARCHAR)"
_WANTED = ("{e}.type = 'sealed' AND " + _NAMED + " IS NOT NULL AND NOT EXISTS "
           "(SELECT 1 FROM documents WHERE documents.pdf_sha256 = " + _NAMED + ")")

_STAGE_DOCUMENT = ("INSERT INTO unstaged_documents (document_id, pdf_sha256) "
                   "SELECT {d}.id, {d}.pdf_sha256 WHERE " + _UNSTAGED + ";")
# A document gone or changed: the SEALED events naming its old digest, if no other
# document holds it now.
_WANT_EVENTS_NAMING_OLD = (
    "INSERT INTO wanted_documents (event_id, pdf_sha256) SELECT events.id, "
    + _NAMED.format(e="events") + " FROM events WHERE " + _WANTED.format(e="events")
    + " AND " + _NAMED.format(e="events") + " = OLD.pdf_sha256;")
_WANT_EVENT = ("INSERT INTO wanted_documents (event_id, pdf_sha256) "
               "SELECT {e}.id, " + _NAMED + " WHERE " + _WANTED + ";")

TRIGGERS = {
    # documents: a sealed document is unstaged until its PDF is an attachment, and it
    # satisfies every SEALED event naming its digest.
    "sync_marks_document_insert": (
        "AFTER INSERT ON documents BEGIN "
        + _STAGE_DOCUMENT.format(d="NEW")
        + " DELETE FROM wanted_documents WHERE pdf_sha256 = NEW.pdf_sha256; END"),
    "sync_marks_document_update": (
        "AFTER UPDATE OF id, seal_use_id, pdf_sha256 ON documents BEGIN "
        "DELETE FROM unstaged_documents WHERE document_id = OLD.id; "
        + _STAGE_DOCUMENT.format(d="NEW")
        + " DELETE FROM wanted_documents WHERE pdf_sha256 = NEW.pdf_sha256; "
        + _WANT_EVENTS_NAMING_OLD + " END"),
    "sync_marks_document_delete": (
        "AFTER DELETE ON documents BEGIN "
        "DELETE FROM unstaged_documents WHERE document_id = OLD.id; "
        + _WANT_EVENTS_NAMING_OLD + " END"),
    # attachments: a PDF queued for upload stages every document of that digest.
    "sync_marks_attachment_insert": (
        "AFTER INSERT ON attachments BEGIN "
        "DELETE FROM unstaged_documents WHERE pdf_sha256 = NEW.sha256; END"),
    "sync_marks_attachment_update": (
        "AFTER UPDATE OF sha256 ON attachments BEGIN "
        "DELETE FROM unstaged_documents WHERE pdf_sha256 = NEW.sha256; "
        "INSERT INTO unstaged_documents (document_id, pdf_sha256) "
        "SELECT documents.id, documents.pdf_sha256 FROM documents "
        "WHERE documents.pdf_sha256 = OLD.sha256 AND " + _UNSTAGED.format(d="documents")
        + "; END"),
    "sync_marks_attachment_delete": (
        "AFTER DELETE ON attachments BEGIN "
        "INSERT INTO unstaged_documents (document_id, pdf_sha256) "
        "SELECT documents.id, documents.pdf_sha256 FROM documents "
        "WHERE documents.pdf_sha256 = OLD.sha256 AND " + _UNSTAGED.format(d="documents")
        + "; END"),
    # events: a SEALED event naming a PDF not held is wanted until a document holds it.
    "sync_marks_event_insert": (
        "AFTER INSERT ON events WHEN NEW.type = 'sealed' BEGIN "
        + _WANT_EVENT.format(e="NEW") + " END"),
    "sync_marks_event_update": (
        "AFTER UPDATE OF id, type, payload ON events BEGIN "
        "DELETE FROM wanted_documents WHERE event_id = OLD.id; "
        + _WANT_EVENT.format(e="NEW") + " END"),
    "sync_marks_event_delete": (
        "AFTER DELETE ON events BEGIN "
        "DELETE FROM wanted_documents WHERE event_id = OLD.id; END"),
}


def upgrade() -> None:
    op.execute("CREATE TABLE unstaged_documents (document_id VARCHAR(36) NOT NULL, "
               "pdf_sha256 VARCHAR(64) NOT NULL, "
               "CONSTRAINT pk_unstaged_documents PRIMARY KEY (document_id))")
    op.execute("CREATE INDEX ix_unstaged_documents_pdf_sha256 "
               "ON unstaged_documents (pdf_sha256)")
    op.execute("CREATE TABLE wanted_documents (event_id VARCHAR(36) NOT NULL, "
               "pdf_sha256 VARCHAR(64) NOT NULL, "
               "CONSTRAINT pk_wanted_documents PRIMARY KEY (event_id))")
    op.execute("CREATE INDEX ix_wanted_documents_pdf_sha256 ON wanted_documents (pdf_sha256)")
    op.execute("CREATE INDEX ix_attachments_unsent ON attachments (sha256) WHERE uploaded IS 0")
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute("INSERT INTO unstaged_documents (document_id, pdf_sha256) "
               "SELECT documents.id, documents.pdf_sha256 FROM documents WHERE "
               + _UNSTAGED.format(d="documents"))
    op.execute("INSERT INTO wanted_documents (event_id, pdf_sha256) "
               "SELECT events.id, " + _NAMED.format(e="events") + " FROM events WHERE "
               + _WANTED.format(e="events"))


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP INDEX ix_attachments_unsent")
    op.execute("DROP TABLE wanted_documents")
    op.execute("DROP TABLE unstaged_documents")
