"""What sync does to the station's own database, inside the caller's unit of work.

The server's order of a case's events is the true one. Locally a case's events are
replayed in ``events.position`` order, so whenever what the server says would change
that order (an event pulled for a case with events still in the outbox, an event of
ours refused) the case's events are put back in server order (those the server holds,
by server sequence, then ours still queued, in the order they were made) and the case
is projected again. A queued event of ours that no longer applies on top of the
server's history would be refused by the server too: it leaves the event log and the
outbox and becomes a visible conflict (``sync_conflicts`` plus an audit record holding
the whole event), never a silent loss.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, exists, func, select, update

from app.domain import limits
from app.domain.applicant import ApplicantKind
from app.domain.audit import canonical_json
from app.domain.case import Case, apply_event
from app.domain.catalog import Department, Matter
from app.domain.errors import ConflictError, DomainError
from app.domain.events import Event, EventType
from app.domain.identity import mask_name
from app.domain.seal import SealRecord
from app.services.catalog import pinyin_initials
from app.services.context import local_date
from app.services.recording import (
    STATION_EVENT_SEQUENCE,
    Projection,
    RemoteBatch,
    load_calendar,
    recompute_open_deadlines,
    record_held,
    record_remote,
    save_projection,
    yellow_threshold,
)
from app.store import models
from app.store.repositories import event_from_row
from app.store.unit_of_work import UnitOfWork
from app.sync import counter_records
from app.sync.protocol import STATION_RECORD_KINDS, ConflictNotice, ReferenceItem, ReferenceKind

log = logging.getLogger(__name__)

# Settings keys sync owns (besides server_url, server_epoch, pull_cursor, last_sync_at).
REFERENCE_VERSION = "reference_version"
REFERENCE_HASHES = "sync_reference_hashes"
LAST_SYNC_ERROR = "sync_last_error"
# The sequence the reference tables' triggers bump (migration 0017).
REFERENCE_CHANGES = "reference_changes"

UNUSABLE_PASSWORD = "!"  # staff created centrally without a password: reset at the station

DEPENDENT_REFUSED = "depends_on_refused"


def _now() -> datetime:
    return datetime.now(UTC)


# --- the outbox ------------------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    """What a sync round may have to do, as the station's tables say."""

    station_sequence: int  # the highest spent: the counter or the log, whichever is higher
    queued: int
    unsent_files: bool
    unstaged_documents: bool
    wanted_documents: bool
    # Bumped by triggers on every table the reference records are read from (migration
    # 0017); None where the counter is missing, and then nothing may be assumed.
    reference_changes: int | None = None


# Everything a round checks before talking further with the server, in one statement
# built once: each ORM query costs about a quarter of a millisecond here, building this
# one a third, and a round with nothing new should take a few.
_PENDING = select(
    # The counter, not only the log: events refused and taken out of the log keep
    # their numbers spent.
    select(models.Sequence.value)
    .where(models.Sequence.name == STATION_EVENT_SEQUENCE).scalar_subquery(),
    select(func.max(models.EventRow.station_sequence)).scalar_subquery(),
    select(func.count()).select_from(models.Outbox).scalar_subquery(),
    exists().where(models.Attachment.uploaded.is_(False)),
    # Documents sealed here whose PDF is not queued for upload yet, SEALED events naming
    # a document this station does not hold: both kept by triggers (migration 0016).
    exists(models.UnstagedDocument),
    exists(models.WantedDocument),
    select(models.Sequence.value)
    .where(models.Sequence.name == REFERENCE_CHANGES).scalar_subquery(),
)


def pending(uow: UnitOfWork) -> Pending:
    """What a sync round may have to do, as the station's tables say."""
    counter, logged, queued, unsent, unstaged, wanted, reference = (
        uow.session.execute(_PENDING).one())
    return Pending(max(counter or 0, logged or 0), queued, bool(unsent), bool(unstaged),
                   bool(wanted), reference)


def outbox_events_after(uow: UnitOfWork, after_position: int,
                        limit: int) -> list[tuple[int, Event, int | None, bool]]:
    """(position, event, station sequence) of queued events made after
    ``after_position``, oldest first, as plain columns (a push reads thousands).

    Paging by position (not "the first N") means events the server asked to retry
    later never block the ones behind them.
    """
    table = models.EventRow.__table__
    rows = uow.session.execute(
        select(table.c.position, table.c.id, table.c.case_id, table.c.type, table.c.actor_id,
               table.c.actor_name, table.c.station, table.c.device_time, table.c.payload,
               table.c.station_sequence, models.Outbox.acknowledged)
        # Driven from the outbox (a few rows) rather than the event log (all of them).
        .join(models.Outbox, models.Outbox.event_id == table.c.id)
        .where(table.c.position > after_position)
        .order_by(table.c.position)
        .limit(limit)
    )
    return [(row.position, event_from_row(row), row.station_sequence,  # type: ignore[arg-type]
             bool(row.acknowledged)) for row in rows]


def answered_events(uow: UnitOfWork,
                    event_ids: list[str]) -> dict[str, tuple[int, str, int | None]]:
    """(position, case id, server sequence) of the events a push answer names, by id."""
    rows = uow.session.execute(
        select(models.EventRow.id, models.EventRow.position, models.EventRow.case_id,
               models.EventRow.server_sequence)
        .where(models.EventRow.id.in_(event_ids))
    )
    return {event_id: (position, case_id, sequence)
            for event_id, position, case_id, sequence in rows}


def set_server_sequences(uow: UnitOfWork, numbered: list[dict[str, int]]) -> None:
    """Confirmed events get their server sequence: one executemany by primary key."""
    table = models.EventRow.__table__
    assert isinstance(table, Table)
    uow.session.execute(
        update(table).where(table.c.position == bindparam("b_position"))
        .values(server_sequence=bindparam("b_sequence")),
        [{"b_position": n["position"], "b_sequence": n["server_sequence"]} for n in numbered],
    )


def mark_attempt(uow: UnitOfWork, event_ids: Iterable[str], error: str) -> None:
    for event_id in event_ids:
        row = uow.session.get(models.Outbox, event_id)
        if row is not None:
            row.attempts += 1
            row.last_error = error[:500]


def forget_server_sequences(uow: UnitOfWork) -> int:
    """After a new server epoch: old sequence numbers mean nothing and would collide.

    Our events the old epoch had numbered go back in the outbox marked acknowledged.
    """
    acknowledged = frozenset(uow.session.scalars(select(models.EventRow.id).where(
        models.EventRow.server_sequence.is_not(None),
        models.EventRow.station_sequence.is_not(None))))
    uow.session.execute(update(models.EventRow).values(server_sequence=None))
    return uow.events.requeue_all(acknowledged)


def offer_files_again(uow: UnitOfWork) -> None:
    """After a new server epoch the server may lack the scans and sealed PDFs we sent
    (a backup taken before them, another server): offer every file we hold again. The
    upload's first request answers at once for a file the server already has."""
    uow.session.execute(update(models.Attachment).values(uploaded=False))


def add_notice(uow: UnitOfWork, notice: ConflictNotice) -> bool:
    """Another station's refused event on one of our cases: show it here too."""
    if uow.session.get(models.SyncConflict, notice.event_id) is not None:
        return False
    uow.session.add(
        models.SyncConflict(
            event_id=notice.event_id, case_id=notice.case_id, code=notice.code,
            reason=notice.reason, received_at=_now(),
        )
    )
    return True


def add_flag(uow: UnitOfWork, event_id: str, case_id: str, code: str, reason: str) -> None:
    """An accepted event the server flagged (a seal used after its revocation)."""
    if uow.session.get(models.SyncConflict, event_id) is None:
        uow.session.add(models.SyncConflict(event_id=event_id, case_id=case_id, code=code,
                                            reason=reason, received_at=_now()))


# --- refusals and re-ordering ------------------------------------------------------------


def _mark_refused(uow: UnitOfWork, row: models.EventRow, code: str, reason: str) -> None:
    """Record that the server (or the server's order) refused an event of ours: out of
    the outbox, into ``sync_conflicts`` and the audit chain with the whole event."""
    event = event_from_row(row)
    outbox = uow.session.get(models.Outbox, row.id)
    if outbox is not None:
        uow.session.delete(outbox)
    if uow.session.get(models.SyncConflict, row.id) is None:
        uow.audit.append({"kind": "sync_conflict", "code": code, "reason": reason,
                          "event": event.to_dict(), "at": _now().isoformat()})
        uow.session.add(models.SyncConflict(event_id=row.id, case_id=row.case_id, code=code,
                                            reason=reason, received_at=_now()))
    void_sealed_documents(uow, event, reason)
    uow.session.flush()


def void_sealed_documents(uow: UnitOfWork, event: Event, reason: str) -> int:
    """A refused SEALED event issued nothing: its document is void here, and where this
    station's seal ledger holds the use, a voiding entry follows it (the ledger is
    append-only). Returns how many documents were voided."""
    if event.type is not EventType.SEALED:
        return 0
    use_id = str(event.payload.get("seal_use_id") or "")
    digest = str(event.payload.get("pdf_sha256") or "")
    now = _now()
    voided = 0
    documents = uow.session.scalars(select(models.Document).where(
        (models.Document.seal_use_id == use_id) if use_id
        else (models.Document.pdf_sha256 == digest)))
    for document in documents:
        if document.voided_at is None:
            document.voided_at = now
            document.void_reason = f"服务器拒绝了该文书的用印记录：{reason}"
            voided += 1
    use = uow.seals.use(use_id) if use_id else None
    voiding_id = f"void-{use_id}"[:limits.ID] if use_id else ""
    if use is not None and uow.seals.use(voiding_id) is None:
        uow.seals.add_use(models.SealUse(
            id=voiding_id, seal_id=use.seal_id, case_id=use.case_id,
            case_number=use.case_number, document_kind=use.document_kind,
            document_number=use.document_number, pdf_sha256=use.pdf_sha256,
            actor_id=use.actor_id, actor_name=use.actor_name, station=use.station,
            window_name=use.window_name, used_at=now, supersedes=use.id,
            purpose=f"作废：服务器拒绝了该次用印（{reason}），所出文书无效", copies=0,
        ))
    if voided or use is not None:
        uow.audit.append({"kind": "seal", "action": "document_voided", "event": event.id,
                          "seal_use_id": use_id, "reason": reason, "at": now.isoformat()})
    return voided


def refused_elsewhere(uow: UnitOfWork, notice: ConflictNotice) -> int:
    """The server refused an event this station holds in its log (pulled from another
    station, or kept since before a restore): it leaves the case's history, the case is
    rebuilt from the events that stand, and a sealed document it issued is void. The
    notice itself is the conflict the people concerned read. Returns how many of our
    queued events fell with it."""
    row = uow.events.get(notice.event_id)
    if row is None:
        return 0
    event = event_from_row(row)
    uow.audit.append({"kind": "sync_conflict", "code": notice.code, "reason": notice.reason,
                      "event": event.to_dict(), "at": _now().isoformat()})
    outbox = uow.session.get(models.Outbox, row.id)
    if outbox is not None:
        uow.session.delete(outbox)
    row.server_sequence = None  # with its conflict row: refused, leaves at the rebuild
    void_sealed_documents(uow, event, notice.reason)
    uow.session.flush()
    return rebuild_case(uow, row.case_id)


def drop_refused(uow: UnitOfWork, refused: dict[str, tuple[str, str]]) -> int:
    """Take our events the server refused out of the case's history; re-project.

    Returns how many further queued events fell with them (they depended on a refused
    one and would be refused in turn).
    """
    cases: set[str] = set()
    for event_id, (code, reason) in refused.items():
        row = uow.events.get(event_id)
        if row is None:
            continue
        cases.add(row.case_id)
        _mark_refused(uow, row, code, reason)
    dependent = 0
    for case_id in sorted(cases):
        dependent += rebuild_case(uow, case_id)
    return dependent


def _queued_ids(uow: UnitOfWork, case_id: str) -> set[str]:
    query = (
        select(models.Outbox.event_id)
        .join(models.EventRow, models.EventRow.id == models.Outbox.event_id)
        .where(models.EventRow.case_id == case_id)
    )
    return set(uow.session.scalars(query))


def _refused_ids(uow: UnitOfWork, case_id: str) -> set[str]:
    """Our refused events still in the log (waiting for the events that replace them)."""
    query = (
        select(models.EventRow.id)
        .join(models.SyncConflict, models.SyncConflict.event_id == models.EventRow.id)
        .where(models.EventRow.case_id == case_id, models.EventRow.server_sequence.is_(None))
    )
    return set(uow.session.scalars(query))


def _unsettled(uow: UnitOfWork, case_id: str) -> bool:
    return bool(_queued_ids(uow, case_id) or _refused_ids(uow, case_id))


def rebuild_case(uow: UnitOfWork, case_id: str) -> int:
    """Put the case's events in server order and re-project it; returns events dropped.

    Refused events leave the log only once the server's history of the case replays
    here; until then (the server accepted an event of ours that follows another
    station's event not pulled yet) the case stays as it was, still openable, and the
    pull that brings the missing event rebuilds it.
    """
    session = uow.session
    rows = list(session.scalars(
        select(models.EventRow)
        .where(models.EventRow.case_id == case_id)
        .order_by(models.EventRow.position)
    ))
    queued = _queued_ids(uow, case_id)
    refused = _refused_ids(uow, case_id) - queued
    held = [r for r in rows if r.id not in queued and r.id not in refused]
    # Rows without a sequence (only just after a new epoch) keep their local order, first.
    held.sort(key=lambda r: (r.server_sequence or 0, r.position))
    case: Case | None = None
    for row in held:
        try:
            case = apply_event(case, event_from_row(row))
        except DomainError:
            log.info("case %s waits for events not pulled yet", case_id)
            return 0
    kept = []
    dropped = 0
    for row in [r for r in rows if r.id in queued]:
        try:
            case = apply_event(case, event_from_row(row))
        except DomainError as error:
            _mark_refused(uow, row, DEPENDENT_REFUSED if error.code != "already_registered"
                          else error.code,
                          f"与服务器上已被接受的办理记录冲突，本机的“{EventType(row.type).label}”"
                          f"未上传：{error.message}")
            refused.add(row.id)
            dropped += 1
        else:
            kept.append(row)
    for row in rows:
        if row.id in refused:
            session.delete(row)
    session.flush()
    ordered = held + kept
    if [r.position for r in ordered] != sorted(r.position for r in ordered):
        base = (session.scalar(select(func.max(models.EventRow.position))) or 0) + 1
        for offset, row in enumerate(ordered):
            row.position = base + offset
        session.flush()
    _save_projection(uow, case_id, case)
    return dropped


def _save_projection(uow: UnitOfWork, case_id: str, case: Case | None) -> None:
    if case is None:
        session = uow.session
        session.execute(delete(models.CaseRow).where(models.CaseRow.id == case_id))
        session.execute(delete(models.ComplaintRow).where(models.ComplaintRow.id == case_id))
        return
    now = _now()
    save_projection(uow, case, load_calendar(uow), today=local_date(now),
                    yellow_working_days=yellow_threshold(uow))
    uow.session.flush()


# --- pulled events ------------------------------------------------------------------------


@dataclass
class PulledResult:
    stored: bool = False
    dropped: int = 0  # our queued events that fell because of it
    refused: str = ""  # reason when the pulled event itself could not be taken


def store_pulled(uow: UnitOfWork, event: Event, server_sequence: int | None) -> PulledResult:
    """Store a pulled event; re-order and re-project its case when needed."""
    if uow.events.get(event.id) is not None:
        try:
            record_remote(uow, event, server_sequence=server_sequence)
        except ConflictError as error:
            return PulledResult(refused=_reused_id(uow, event, error))
        return PulledResult()
    if not _unsettled(uow, event.case_id):
        savepoint = uow.session.begin_nested()
        try:
            record_remote(uow, event, server_sequence=server_sequence)
        except DomainError:
            savepoint.rollback()
        else:
            savepoint.commit()
            return PulledResult(stored=True)
    return PulledResult(stored=True, dropped=_store_and_rebuild(uow, event, server_sequence))


def _reused_id(uow: UnitOfWork, event: Event, error: ConflictError) -> str:
    """A held event id came back with another payload: a notice, never the payload."""
    add_notice(uow, ConflictNotice(
        event_id=event.id, case_id=event.case_id, station=event.station,
        actor_name=event.actor_name, type=event.type.value, code=error.code,
        reason=error.message, received_at=_now().isoformat()))
    return error.message


def _store_and_rebuild(uow: UnitOfWork, event: Event, server_sequence: int | None) -> int:
    """Store a pulled event that does not simply follow its case's log, then put the
    case in server order; returns our queued events that fell."""
    uow.events.add(event, station_sequence=None, server_sequence=server_sequence,
                   outbox=False)
    uow.audit.append({"kind": "event", "event": event.to_dict()})
    return rebuild_case(uow, event.case_id)


@dataclass
class PageResult:
    stored: int = 0  # pulled events stored
    dropped: int = 0  # our queued events that fell because of them
    refused: list[str] = field(default_factory=list)  # reasons, in page order

    def add(self, result: PulledResult) -> None:
        self.stored += int(result.stored)
        self.dropped += result.dropped
        if result.refused:
            self.refused.append(result.refused)


def _unsettled_cases(uow: UnitOfWork, case_ids: list[str]) -> set[str]:
    """Which of the cases ``_unsettled`` would name, in two queries for all of them.

    Read from the outbox and the conflicts (a few rows) rather than from the page's
    cases (a thousand index look-ups, nearly all finding nothing).
    """
    queued = (
        select(models.EventRow.case_id)
        .where(models.EventRow.id.in_(select(models.Outbox.event_id)))
    )
    # The sequence tested here, not in SQL: SQLite would walk the unnumbered events.
    refused = (
        select(models.EventRow.case_id, models.EventRow.server_sequence)
        .where(models.EventRow.id.in_(select(models.SyncConflict.event_id)))
    )
    unsettled = set(uow.session.scalars(queued))
    unsettled.update(case_id for case_id, sequence in uow.session.execute(refused)
                     if sequence is None)
    return unsettled.intersection(case_ids)


def store_pulled_page(uow: UnitOfWork, items: list[tuple[Event, int | None]], *,
                      projection: Projection | None = None) -> PageResult:
    """``store_pulled`` for each (event, server sequence) of a pulled page, in order,
    with the same result and the same rows, written in batches.

    A case with events queued here (or refused ones still in the log), an event that
    does not apply to its case and an event id already held go one at a time, as
    ``store_pulled`` takes them; every other event is applied in memory to its case,
    replayed once, and the page's rows are written together. Should writing the case
    rows fail (a calendar the deadline cannot be computed with), the page is undone
    and stored one event at a time, so even the error is ``store_pulled``'s.
    ``projection`` is the calendar and threshold the case rows are projected with, if
    the caller has read them already.
    """
    if not items:
        return PageResult()
    savepoint = uow.session.begin_nested()
    try:
        result = _store_page(uow, items, projection)
    except DomainError as error:
        savepoint.rollback()
        log.info("pulled page stored one event at a time: %s", error.code)
        result = PageResult()
        for event, server_sequence in items:
            result.add(store_pulled(uow, event, server_sequence))
        return result
    savepoint.commit()
    return result


def _store_page(uow: UnitOfWork, items: list[tuple[Event, int | None]],
                projection: Projection | None) -> PageResult:
    result = PageResult()
    held = uow.events.get_many(event.id for event, _ in items)
    held_case = {event_id: row.case_id for event_id, row in held.items()}
    case_ids = list(dict.fromkeys(event.case_id for event, _ in items))
    # Cases taken one event at a time with store_pulled, which looks at them afresh.
    one_by_one = _unsettled_cases(uow, case_ids)
    # A new event without a sequence that a notice already names would be "refused"
    # once stored (only where no server numbered it, as tests do): one at a time too.
    unnumbered = [event.id for event, sequence in items if sequence is None]
    noticed = set(uow.session.scalars(
        select(models.SyncConflict.event_id).where(models.SyncConflict.event_id.in_(unnumbered))
    )) if unnumbered else set()
    batch = RemoteBatch(uow, projection=projection)
    batch.load(c for c in case_ids if c not in one_by_one)
    in_page: set[str] = set()

    def unsettle(case_id: str) -> None:
        batch.forget(case_id)
        one_by_one.add(case_id)

    def one_at_a_time(event: Event, server_sequence: int | None) -> None:
        batch.write()
        pulled = store_pulled(uow, event, server_sequence)
        unsettle(event.case_id)
        if pulled.refused:  # a notice on a held row of this id, whichever its case
            row = uow.events.get(event.id)
            if row is not None:
                unsettle(row.case_id)
        result.add(pulled)

    for event, server_sequence in items:
        row = held.get(event.id)
        if (event.id in in_page or event.case_id in one_by_one or event.id in noticed
                or held_case.get(event.id) in one_by_one):
            one_at_a_time(event, server_sequence)
        elif row is not None:
            try:
                record_held(uow, row, event, server_sequence=server_sequence)
            except ConflictError as error:
                result.refused.append(_reused_id(uow, event, error))
                # A notice on a row of ours not yet sent unsettles its case.
                unsettle(row.case_id)
        else:
            try:
                batch.apply(event, server_sequence)
            except DomainError:
                batch.write()
                unsettle(event.case_id)
                result.stored += 1
                result.dropped += _store_and_rebuild(uow, event, server_sequence)
            else:
                result.stored += 1
        in_page.add(event.id)
    batch.write()
    return result


# --- sealed documents -----------------------------------------------------------------------


def unstaged_documents(uow: UnitOfWork) -> list[str]:
    """Ids of documents sealed here whose PDF is not queued for upload yet."""
    return list(uow.session.scalars(select(models.UnstagedDocument.document_id)))


def wanted_documents(uow: UnitOfWork) -> list[tuple[str, dict[str, Any]]]:
    """(case id, SEALED payload) of sealed documents named by events but not held."""
    rows = uow.session.execute(
        select(models.EventRow.case_id, models.EventRow.payload)
        .join(models.WantedDocument, models.WantedDocument.event_id == models.EventRow.id)
        .order_by(models.EventRow.position))
    return [(case_id, payload) for case_id, payload in rows]


def outbox_verifications(uow: UnitOfWork) -> list[dict[str, Any]]:
    """The verification records (``server.verification``) of the seal uses whose SEALED
    event is still queued: what the county's public page shows of each document, the
    applicant's name masked, sent before the events so a scanned QR code verifies as
    soon as possible."""
    table = models.EventRow.__table__
    rows = uow.session.execute(
        select(table.c.case_id, table.c.payload)
        .where(table.c.type == EventType.SEALED.value,
               table.c.id.in_(select(models.Outbox.event_id)))
        .order_by(table.c.position)
    ).all()
    records: list[dict[str, Any]] = []
    applicants: dict[str, str] = {}
    for case_id, payload in rows:
        use = uow.seals.use(str(payload.get("seal_use_id", "")))
        code = str(payload.get("verification_code") or "")
        if use is None or not code:
            continue
        seal_row = uow.seals.get(use.seal_id)
        seal = SealRecord.from_dict(seal_row.data) if seal_row is not None else None
        if case_id not in applicants:
            applicants[case_id] = _masked_applicant(uow, case_id)
        records.append({
            "document_id": use.id, "case_id": case_id, "case_number": use.case_number,
            "document_kind": use.document_kind, "document_number": use.document_number,
            "authority_name": seal.authority_name if seal is not None else "",
            "seal_title": seal.drawn_title if seal is not None else "",
            "applicant": applicants[case_id], "sealed_at": use.used_at.isoformat(),
            "supersedes": use.supersedes, "verification_code": code,
        })
    return records


def _masked_applicant(uow: UnitOfWork, case_id: str) -> str:
    """The applicant's name as the public page may show it (a person's name masked)."""
    events = uow.events.for_case(case_id)
    registered = next((e for e in events if e.type is EventType.REGISTERED), None)
    applicant = registered.payload.get("applicant", {}) if registered is not None else {}
    if not isinstance(applicant, dict):
        return ""
    organisation = str(applicant.get("kind", "")) == ApplicantKind.LEGAL.value
    return mask_name(str(applicant.get("name", "")), organisation=organisation)


# --- reference data ------------------------------------------------------------------------


def _hash(data: Any) -> str:
    import hashlib

    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


def reference_hashes(uow: UnitOfWork) -> dict[str, str]:
    try:
        value = json.loads(uow.settings.get(REFERENCE_HASHES, "{}"))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def save_reference_hashes(uow: UnitOfWork, hashes: dict[str, str]) -> None:
    uow.settings.set(REFERENCE_HASHES, json.dumps(hashes, sort_keys=True))


def _absence_record(absence: models.StaffAbsence) -> dict[str, Any]:
    return {
        "id": absence.id, "first_day": absence.first_day.isoformat(),
        "last_day": absence.last_day.isoformat(),
        "planned_last_day": absence.planned_last_day.isoformat(), "kind": absence.kind,
        "reason": absence.reason, "recorded_by_id": absence.recorded_by_id,
        "recorded_by_name": absence.recorded_by_name,
        "recorded_at": absence.recorded_at.astimezone(UTC).isoformat(),
        "cancelled_at": (absence.cancelled_at.astimezone(UTC).isoformat()
                         if absence.cancelled_at else None),
        "closed_by_name": absence.closed_by_name, "close_reason": absence.close_reason,
    }


def _staff_record(user: models.User, delegated: list[models.Delegation],
                  post: models.WindowPost | None = None,
                  absences: list[models.StaffAbsence] | None = None) -> dict[str, Any]:
    """A staff member as sync carries it; the window whose A岗 they are and their
    recorded absences (AB岗) ride along, only when there are some (older records keep
    their hash)."""
    record = _staff_fields(user, delegated)
    if post is not None:
        record["ab_post"] = {"window_name": post.window_name, "b_staff_id": post.b_staff_id}
    if absences:
        record["absences"] = sorted((_absence_record(a) for a in absences),
                                    key=lambda a: (a["first_day"], a["id"]))
    return record


def _staff_fields(user: models.User, delegated: list[models.Delegation]) -> dict[str, Any]:
    delegations = [
        {"department_code": d.department_code,
         "starts_at": d.starts_at.astimezone(UTC).isoformat(),
         "ends_at": d.ends_at.astimezone(UTC).isoformat()}
        for d in delegated
    ]
    return {
        "id": user.id, "username": user.username, "display_name": user.display_name,
        "roles": sorted(r for r in user.roles.split(",") if r),
        "department_code": user.department_code or "", "window_name": user.window_name,
        "station": user.station, "active": user.active,
        "delegations": sorted(delegations, key=lambda d: (d["starts_at"], d["department_code"])),
    }


def local_reference(
    uow: UnitOfWork, *, station_code: str, kinds: Iterable[ReferenceKind]
) -> list[ReferenceItem]:
    """The station's reference records of ``kinds`` in the protocol's shape."""
    wanted = set(kinds)
    items: list[ReferenceItem] = []
    if ReferenceKind.DEPARTMENT in wanted:
        for d in uow.catalog.departments():
            items.append(ReferenceItem(ReferenceKind.DEPARTMENT, d.code, d.to_dict()))
    if ReferenceKind.MATTER in wanted:
        for m in uow.catalog.matters(include_inactive=True):
            items.append(ReferenceItem(ReferenceKind.MATTER, m.code, m.to_dict()))
    if ReferenceKind.STAFF in wanted:
        delegations = uow.users.delegations_by_deputy()
        posts = {p.a_staff_id: p for p in uow.users.window_posts()
                 if p.station == station_code}
        absences: dict[str, list[models.StaffAbsence]] = {}
        for absence in uow.users.absences():
            absences.setdefault(absence.staff_id, []).append(absence)
        for user in uow.users.all():
            if user.station == station_code:
                items.append(ReferenceItem(ReferenceKind.STAFF, user.id, _staff_record(
                    user, delegations.get(user.id, []), posts.get(user.id),
                    absences.get(user.id))))
    if ReferenceKind.SEAL in wanted:
        for seal in uow.seals.all():
            items.append(ReferenceItem(ReferenceKind.SEAL, seal.id,
                                       {**seal.data, "status": seal.status}))
    if ReferenceKind.CALENDAR in wanted:
        for year in uow.calendar.years():
            # Only years an administrator edited; the built-in ones every station has.
            if year.source == "admin":
                items.append(ReferenceItem(ReferenceKind.CALENDAR, str(year.year),
                                           dict(year.data)))
    if wanted & STATION_RECORD_KINDS:
        items += counter_records.local_items(uow, wanted, today=local_date(_now()))
    return items


def changed_reference(
    uow: UnitOfWork, *, station_code: str, kinds: Iterable[ReferenceKind]
) -> list[tuple[ReferenceItem, str]]:
    """Local records that differ from what was last sent or received, with their hash."""
    hashes = reference_hashes(uow)
    changed = []
    for item in local_reference(uow, station_code=station_code, kinds=kinds):
        digest = _hash(item.data)
        if hashes.get(f"{item.kind.value}:{item.key}") != digest:
            changed.append((item, digest))
    return changed


@dataclass
class AppliedReference:
    applied: int = 0
    calendars: int = 0
    skipped: list[str] | None = None


def _snapshot(uow: UnitOfWork, station_code: str,
              kinds: set[ReferenceKind]) -> dict[str, str]:
    return {f"{i.kind.value}:{i.key}": _hash(i.data)
            for i in local_reference(uow, station_code=station_code, kinds=kinds)}


def apply_reference(
    uow: UnitOfWork, items: list[ReferenceItem], *, station_code: str
) -> AppliedReference:
    """Store pulled reference records in the station's tables, in foreign-key order.

    ``applied`` counts the records that changed something here.
    """
    result = AppliedReference(skipped=[])
    assert result.skipped is not None
    kinds = {i.kind for i in items}
    before = _snapshot(uow, station_code, kinds)
    order = {kind: index for index, kind in enumerate(ReferenceKind)}
    for item in sorted(items, key=lambda i: (order[i.kind], i.version)):
        try:
            problem = _apply_one(uow, item, station_code)
        except (DomainError, KeyError, TypeError, ValueError) as error:
            problem = f"{item.kind.value} {item.key}：{error}"
        if problem:
            result.skipped.append(problem)
        elif item.kind is ReferenceKind.CALENDAR:
            result.calendars += 1
    uow.session.flush()
    # A window's A and B may arrive in any order: the posts once every person is here.
    result.skipped += _apply_posts(uow, [i for i in items if i.kind is ReferenceKind.STAFF
                                         and i.data.get("station") == station_code])
    if result.calendars:
        recompute_open_deadlines(uow)
    # What we now hold is what the server holds: never send it back.
    after = _snapshot(uow, station_code, kinds)
    hashes = reference_hashes(uow)
    for name in {f"{i.kind.value}:{i.key}" for i in items}:
        if name in after:
            hashes[name] = after[name]
            result.applied += int(before.get(name) != after[name])
    for item in items:
        if item.kind in STATION_RECORD_KINDS:
            # What the server holds, not what we kept: a state closed here that the
            # pulled record did not have yet still goes out next round.
            hashes[f"{item.kind.value}:{item.key}"] = _hash(item.data)
    save_reference_hashes(uow, hashes)
    return result


def _apply_one(uow: UnitOfWork, item: ReferenceItem, station_code: str) -> str:
    data = item.data
    now = _now()
    if item.kind is ReferenceKind.DEPARTMENT:
        uow.catalog.save_department(Department.from_dict(data))
    elif item.kind is ReferenceKind.MATTER:
        matter = Matter.from_dict(data)
        if uow.catalog.department(matter.department_code) is None:
            return f"事项 {matter.code} 的部门 {matter.department_code} 本机没有"
        uow.catalog.save_matter(matter, pinyin_initials(matter.name))
    elif item.kind is ReferenceKind.STAFF:
        if data.get("station") != station_code:
            return ""
        return _apply_staff(uow, data, now)
    elif item.kind is ReferenceKind.PROMISE_RECORD:
        if uow.session.get(models.PromiseRecord, item.key) is None:
            uow.session.add(models.PromiseRecord(
                event_id=item.key, id_number=str(data["id_number"]),
                applicant_name=str(data["applicant_name"]),
                case_number=str(data["case_number"]), matter_name=str(data["matter_name"]),
                finding=str(data.get("finding", "")), station=str(data["station"]),
                checked_at=datetime.fromisoformat(str(data["checked_at"])),
            ))
    elif item.kind in STATION_RECORD_KINDS:
        return counter_records.apply(uow, item)
    elif item.kind is ReferenceKind.SEAL:
        row = uow.seals.get(item.key)
        same_serial = uow.session.scalar(
            select(models.Seal).where(models.Seal.serial == data["serial"])
        )
        if same_serial is not None and same_serial.id != item.key:
            return f"印章编号 {data['serial']} 在本机属于另一枚印章"
        if row is None:
            row = models.Seal(id=item.key)
            uow.seals.save(row)
        row.department_code = data["department_code"]
        row.serial = data["serial"]
        row.status = data["status"]
        row.data = dict(data)
        row.updated_at = now
    else:
        uow.calendar.save(int(item.key), published=True, source=str(data.get("source", "server")),
                          data=dict(data))
    uow.session.flush()
    return ""


def _apply_staff(uow: UnitOfWork, data: dict[str, Any], now: datetime) -> str:
    row = uow.users.get(data["id"])
    same_name = uow.users.by_username(data["username"])
    if same_name is not None and same_name.id != data["id"]:
        return f"用户名 {data['username']} 在本机属于另一人员"
    department = data.get("department_code") or None
    if department and uow.catalog.department(department) is None:
        return f"人员 {data['username']} 的部门 {department} 本机没有"
    if row is None:
        # Passwords never travel in sync: someone added centrally gets their first
        # password from this station's administrator (and changes it at first login).
        row = models.User(
            id=data["id"], username=data["username"], password_hash=UNUSABLE_PASSWORD,
            must_change_password=True, failed_attempts=0,
        )
        uow.session.add(row)
    # A record from the server never changes a password held here, whatever it carries.
    row.username = data["username"]
    row.display_name = data["display_name"]
    row.roles = ",".join(sorted(data["roles"]))
    row.department_code = department
    row.window_name = data.get("window_name", "")
    row.station = data["station"]
    row.active = bool(data.get("active", True))
    row.updated_at = now
    uow.session.flush()
    for absence in data.get("absences") or []:
        _apply_absence(uow, row.id, absence, now)
    return ""


def _apply_absence(uow: UnitOfWork, staff_id: str, data: dict[str, Any],
                   now: datetime) -> None:
    """Store a pulled absence (never deleted: an end or a cancellation changes it)."""
    absence = uow.users.absence(str(data["id"]))
    if absence is None:
        absence = models.StaffAbsence(id=str(data["id"]), staff_id=staff_id)
        uow.session.add(absence)
    absence.first_day = date.fromisoformat(str(data["first_day"]))
    absence.last_day = date.fromisoformat(str(data["last_day"]))
    absence.planned_last_day = date.fromisoformat(
        str(data.get("planned_last_day") or data["last_day"]))
    absence.kind = str(data["kind"])
    absence.reason = str(data.get("reason", ""))
    absence.recorded_by_id = str(data.get("recorded_by_id", ""))
    absence.recorded_by_name = str(data.get("recorded_by_name", ""))
    absence.recorded_at = datetime.fromisoformat(str(data["recorded_at"]))
    cancelled = data.get("cancelled_at")
    absence.cancelled_at = datetime.fromisoformat(str(cancelled)) if cancelled else None
    absence.closed_by_name = str(data.get("closed_by_name", ""))
    absence.close_reason = str(data.get("close_reason", ""))
    absence.updated_at = now


def _apply_posts(uow: UnitOfWork, staff_items: list[ReferenceItem]) -> list[str]:
    """Each pulled staff record says which window the person is A岗 of (or none)."""
    problems = []
    now = _now()
    for item in staff_items:
        staff_id, station = str(item.data["id"]), str(item.data["station"])
        post_data = item.data.get("ab_post") or {}
        window = str(post_data.get("window_name", ""))
        for held in uow.users.posts_of_a(staff_id):
            if (held.station, held.window_name) != (station, window):
                uow.users.delete_window_post(held)
        uow.session.flush()
        if not window:
            continue
        b_staff_id = str(post_data.get("b_staff_id", ""))
        if uow.users.get(b_staff_id) is None:
            problems.append(f"{window}的B岗人员本机没有")
            continue
        post = uow.users.window_post(station, window)
        if post is None:
            post = models.WindowPost(station=station, window_name=window)
            uow.users.save_window_post(post)
        post.a_staff_id, post.b_staff_id, post.updated_at = staff_id, b_staff_id, now
    uow.session.flush()
    return problems


def record_sent_reference(uow: UnitOfWork, sent: list[tuple[ReferenceItem, str]]) -> None:
    hashes = reference_hashes(uow)
    for item, digest in sent:
        hashes[f"{item.kind.value}:{item.key}"] = digest
    save_reference_hashes(uow, hashes)
