"""The sync engine: enrollment and one sync round, as plain blocking code.

The UI runs :meth:`SyncEngine.sync_once` in its network worker (never on the UI
thread); ``python -m app sync`` and the background loop call the same method. One
round:

1. ask the server who we are (credential, protocol version, epoch, the highest
   station sequence it has seen from us);
2. on a new epoch, put every local event back in the outbox and start pulling from
   the beginning (the server was restored and may have lost some);
3. refuse to push if our own highest station sequence is below the server's: this
   database was restored or copied, pushing would overwrite the server;
4. upload scans not yet uploaded, then our reference records, then the outbox in
   compressed batches: an event leaves the outbox only when an answer names it;
5. pull reference records newer than held, then the feed in pages, each page stored
   with its new cursor in one transaction.

Nothing is lost when the connection drops at any point: the next round repeats what
was not confirmed, and the server answers a repeat as a duplicate.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import select, update

from app.domain.audit import AuditRecord, check_anchor
from app.domain.errors import DomainError
from app.domain.events import Event
from app.services.context import local_date
from app.services.recording import Projection, load_projection
from app.store import models
from app.store.unit_of_work import UnitOfWork
from app.sync import counter_records, local, transport
from app.sync.client import (
    AuthenticationFailed,
    ServerFailure,
    ServerRefused,
    SyncClient,
    SyncError,
)
from app.sync.collector import collector_paused
from app.sync.credentials import CredentialStore, normalise_url
from app.sync.protocol import (
    ATTACHMENT_CHUNK_BYTES,
    DEFAULT_PULL_LIMIT,
    DEFAULT_PUSH_BATCH,
    MAX_CONTENTS_FILES,
    MAX_VERIFICATION_RECORDS,
    STATION_RECORD_KINDS,
    UPLOAD_REQUEST_BYTES,
    AnswerStatus,
    EnrollRequest,
    ErrorCode,
    PullPage,
    PushAnswer,
    PushedEvent,
    ReferenceItem,
    ReferenceKind,
    StationInfo,
)

SERVER_URL = "server_url"
SERVER_EPOCH = "server_epoch"
SERVER_CERTIFICATE = "server_cert_sha256"  # SHA-256 of the certificate pinned at enrollment
PULL_CURSOR = "pull_cursor"
LAST_SYNC_AT = "last_sync_at"
STATION_CODE = "station_code"

REFERENCE_BATCH = 500
# Sealed PDFs asked for in one request (the server may answer fewer, naming the rest).
FETCH_DOCUMENTS = 100

Progress = Callable[[str, int, int | None], None]


class NotEnrolled(SyncError):
    """No server configured, or no credential for it in the keyring."""


class StationRewound(SyncError):
    """This station's database is older than what the server has seen from it."""


@dataclass
class SyncReport:
    """What one round did; ``errors`` empty means it completed."""

    pushed: int = 0
    duplicates: int = 0
    conflicts: int = 0
    retries: int = 0
    pulled: int = 0
    notices: int = 0
    attachments: int = 0
    documents: int = 0  # sealed documents received from other stations
    reference_sent: int = 0
    reference_received: int = 0
    epoch_changed: bool = False
    requeued: int = 0
    bytes_sent: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error_code: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def unreachable(self) -> bool:
        return self.error_code in ("server_unreachable", "server_failure")

    def summary(self) -> str:
        """The one line ``python -m app sync`` ends with."""
        return f"pushed {self.pushed} pulled {self.pulled} conflicts {self.conflicts}"


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class _Held:
    """What the station holds at the start of a round: what it may send, where it is."""

    local_max: int
    epoch: str
    cursor: int
    reference_version: int
    outbox: int
    unsent_files: bool
    changed_reference: list[tuple[ReferenceItem, str]]
    wanted_documents: list[tuple[str, dict[str, Any]]]


@dataclass
class _Start:
    """What a round reads before its first request, in one transaction: the settings,
    the newest audit record (sent to the server, and what its anchor is checked
    against), and what is pending. Something made after this waits for the next round,
    as anything made after the read always did."""

    settings: dict[str, str]
    audit_head: tuple[int, str] | None
    pending: local.Pending
    wanted_documents: list[tuple[str, dict[str, Any]]]


def _behind(head: int | None, held: int) -> bool:
    """Is there more on the server than we hold? An old server does not say: ask."""
    return head is None or head > held


def _parse_pulled(data: dict[str, Any]) -> Event:
    try:
        return Event.from_dict(data)
    except (KeyError, TypeError, ValueError) as error:
        raise SyncError("bad_answer", f"服务器发来的事件格式不正确：{error}") from error


class SyncEngine:
    """Enrollment and sync rounds for one station profile.

    ``uow_factory`` opens the profile's units of work; ``keyring`` is a keyring backend
    (tests pass an in-memory one; None means the system's); ``session_factory`` makes
    the ``requests.Session`` (tests wrap it to cut connections); ``attachments_dir`` is
    where scans are stored by SHA-256.
    """

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        *,
        keyring: Any | None = None,
        attachments_dir: Path | None = None,
        session_factory: Callable[[], requests.Session] | None = None,
        timeout: tuple[float, float] = (5.0, 60.0),
        retries: int = 2,
        push_batch: int = DEFAULT_PUSH_BATCH,
        pull_limit: int = DEFAULT_PULL_LIMIT,
        attachment_chunk_bytes: int = ATTACHMENT_CHUNK_BYTES,
        allow_plain_http: bool = False,
    ) -> None:
        self.uow_factory = uow_factory
        # Plain http to a host other than this computer: only when a test says so.
        self.allow_plain_http = allow_plain_http
        self.credentials = CredentialStore(keyring)
        self.attachments_dir = attachments_dir
        self.session_factory = session_factory
        self.timeout = timeout
        self.retries = retries
        self.push_batch = push_batch
        self.pull_limit = pull_limit
        self.attachment_chunk_bytes = attachment_chunk_bytes
        self._round_lock = threading.Lock()
        # What ``_changed_reference`` last found nothing changed under (its mark).
        self._reference_unchanged: tuple[Any, ...] | None = None

    # --- settings and clients --------------------------------------------------------

    def _settings(self) -> dict[str, str]:
        with self.uow_factory() as uow:
            return uow.settings.all()

    def _client(self, server_url: str, credential: str | None,
                pinned_certificate: str = "") -> SyncClient:
        transport.check_scheme(server_url, allow_plain_http=self.allow_plain_http)
        session = self.session_factory() if self.session_factory else None
        return SyncClient(server_url, credential=credential, session=session,
                          timeout=self.timeout, retries=self.retries,
                          pinned_certificate=pinned_certificate)

    def _pinned(self, server_url: str, settings: dict[str, str]) -> str:
        """The certificate fingerprint pinned for an https server; one enrolled before
        pinning existed is pinned at this first contact."""
        if not server_url.startswith("https://"):
            return ""
        pinned = settings.get(SERVER_CERTIFICATE, "")
        if not pinned:
            pinned = transport.certificate_fingerprint(server_url, timeout=self.timeout[0])
            with self.uow_factory() as uow:
                uow.settings.set(SERVER_CERTIFICATE, pinned)
                uow.audit.append({"kind": "sync", "action": "certificate_pinned",
                                  "server": server_url, "sha256": pinned,
                                  "at": _now().isoformat()})
                uow.commit()
        return pinned

    def is_enrolled(self) -> bool:
        settings = self._settings()
        url, station = settings.get(SERVER_URL, ""), settings.get(STATION_CODE, "")
        return bool(url and station and self.credentials.get(url, station))

    # --- enrollment ------------------------------------------------------------------

    def enroll(self, server_url: str, code: str, *, fingerprint: str = "") -> StationInfo:
        """Register this station with the server's one-time enrollment code.

        The credential is made here, kept in the keyring before it is sent (so a lost
        answer can be retried with the same code) and never written to the database.
        Over https the server's certificate is pinned here: the one it shows now, which
        must be ``fingerprint`` (SHA-256, as the county centre hands it out) if given.
        """
        server_url = normalise_url(server_url)
        if not server_url.startswith(("http://", "https://")):
            raise NotEnrolled("bad_url", "服务器地址应以 https:// 开头。",
                              field="server_url")
        transport.check_scheme(server_url, allow_plain_http=self.allow_plain_http)
        pinned = ""
        if server_url.startswith("https://"):
            pinned = transport.certificate_fingerprint(server_url, timeout=self.timeout[0])
            expected = transport.normalise_fingerprint(fingerprint) if fingerprint else ""
            if fingerprint and not expected:
                raise NotEnrolled("bad_fingerprint", "证书指纹应为 64 位十六进制 SHA-256。",
                                  field="fingerprint")
            if expected and expected != pinned:
                raise NotEnrolled(
                    "certificate_mismatch",
                    f"服务器出示的证书指纹（{pinned[:16]}…）与县中心提供的（{expected[:16]}…）"
                    "不一致，未登记。请核对服务器地址，或向县中心确认证书指纹。",
                    field="fingerprint")
        settings = self._settings()
        station_code = settings.get(STATION_CODE, "")
        if not station_code:
            raise NotEnrolled("no_station", "请先完成首次启动设置（站点代码）再登记到服务器。")
        credential = self.credentials.get(server_url, station_code) or secrets.token_urlsafe(32)
        self.credentials.set(server_url, station_code, credential)
        client = self._client(server_url, None, pinned)
        try:
            info = client.enroll(EnrollRequest(code.strip(), station_code, credential))
        except ServerRefused:
            if settings.get(SERVER_URL) != server_url:
                self.credentials.delete(server_url, station_code)
            raise
        finally:
            client.close()
        with self.uow_factory() as uow:
            previous = uow.settings.get(SERVER_URL, "")
            if previous and previous != server_url:
                # Another server: what the old one confirmed means nothing here, and it
                # holds none of our files.
                local.forget_server_sequences(uow)
                local.offer_files_again(uow)
                uow.settings.set(PULL_CURSOR, "0")
                uow.settings.set(local.REFERENCE_VERSION, "0")
                local.save_reference_hashes(uow, {})
            uow.settings.set(SERVER_URL, server_url)
            uow.settings.set(SERVER_CERTIFICATE, pinned)
            if not previous or previous != server_url:
                uow.settings.set(SERVER_EPOCH, info.epoch)
            uow.audit.append({"kind": "sync", "action": "enrolled", "server": server_url,
                              "station": station_code, "certificate_sha256": pinned,
                              "at": _now().isoformat()})
            uow.commit()
        return info

    # --- one round -------------------------------------------------------------------

    def sync_once(self, *, progress: Progress | None = None) -> SyncReport:
        """One full round; never raises for network or server trouble (see the report)."""
        report = SyncReport()
        with self._round_lock:
            client: SyncClient | None = None
            try:
                start = self._start()
                settings = start.settings
                url = settings.get(SERVER_URL, "")
                station_code = settings.get(STATION_CODE, "")
                credential = self.credentials.get(url, station_code) if url else None
                if not url or not credential:
                    raise NotEnrolled("not_enrolled", "本站点尚未登记到服务器，请先登记（输入服务器地址和登记码）。")
                client = self._client(url, credential, self._pinned(url, settings))
                self._round(client, station_code, start, report, progress or _no_progress)
            except SyncError as error:
                report.errors.append(error.message)
                report.error_code = error.code
            except DomainError as error:
                report.errors.append(error.message)
                report.error_code = error.code
            finally:
                if client is not None:
                    report.bytes_sent = client.bytes_sent
                    client.close()
            self._record_outcome(report)
        return report

    def _record_outcome(self, report: SyncReport) -> None:
        outcome = {local.LAST_SYNC_ERROR: "；".join(report.errors)}
        if report.ok:
            outcome[LAST_SYNC_AT] = _now().isoformat()
        with self.uow_factory() as uow:
            uow.settings.set_many(outcome)
            uow.commit()

    def _start(self) -> _Start:
        with self.uow_factory() as uow:
            pending = local.pending(uow)
            return _Start(uow.settings.all(), uow.audit.head(), pending,
                          local.wanted_documents(uow) if pending.wanted_documents else [])

    def _round(self, client: SyncClient, station_code: str, start: _Start,
               report: SyncReport, progress: Progress) -> None:
        progress("connect", 0, None)
        # What the station request tells the county's console about this station.
        info = client.station(start.audit_head, outbox=start.pending.queued,
                              held_epoch=start.settings.get(SERVER_EPOCH, ""))
        held = self._held(station_code, info, start, report)
        if held.epoch != info.epoch:
            self._check_epoch(info, report)  # requeues and resets the cursors
            held = self._held(station_code, info, self._start())
        rewound = held.local_max < info.max_station_sequence
        sent_reference = False
        if rewound:
            report.error_code = "station_rewound"
            report.errors.append(
                f"本机数据库的事件序号（{held.local_max}）低于服务器已收到的序号"
                f"（{info.max_station_sequence}）：本机数据库可能是从备份恢复或从其他计算机复制的。"
                "为避免覆盖服务器上的数据，已停止上传（仍可接收）。请联系县中心管理员。"
            )
        else:
            if held.unsent_files:
                self._upload_attachments(client, report, progress)
            if held.changed_reference:
                self._push_reference(client, held.changed_reference, report)
                sent_reference = True
            if held.outbox:
                self._upload_verifications(client, report)
                with collector_paused():
                    self._push_events(client, info, held.outbox, report, progress)
        # The station answer says where the feed and the reference data stand: a round
        # with nothing new ends here, after one request. What we sent ourselves comes
        # back as reference data (hashes to remember), so that is pulled regardless.
        if sent_reference or _behind(info.reference_head, held.reference_version):
            self._pull_reference(client, station_code, info, report)
        wanted = held.wanted_documents
        if _behind(info.feed_head, held.cursor):
            with collector_paused():
                self._pull_events(client, info, report, progress)
            with self.uow_factory() as uow:
                wanted = local.wanted_documents(uow)
        if wanted:
            self._fetch_sealed_documents(client, wanted, report, progress)
        progress("done", 1, 1)

    def _upload_verifications(self, client: SyncClient, report: SyncReport) -> None:
        """The verification records of the seal uses about to be pushed, first: the
        county's page can then vouch for a document sealed offline as soon as its
        station is back online, even if its events wait behind a refusal."""
        with self.uow_factory() as uow:
            records = local.outbox_verifications(uow)
        for start in range(0, len(records), MAX_VERIFICATION_RECORDS):
            try:
                answer = client.push_verifications(
                    records[start:start + MAX_VERIFICATION_RECORDS])
            except ServerRefused as refusal:
                if refusal.code != ErrorCode.NOT_FOUND:
                    raise
                return  # a server older than the records: its page reads the events
            for refused in answer.get("refused", []):
                report.warnings.append(
                    f"文书核验记录未被服务器接受：{refused.get('message', '')}")

    @staticmethod
    def _check_audit_anchor(uow: UnitOfWork, head: tuple[int, str] | None,
                            info: StationInfo, report: SyncReport) -> None:
        """Our audit chain (newest record ``head``, as sent) must still reach the head
        the server saw last: a chain cut short (or replaced) is reported on every round
        until someone looks into it. The round goes on: the data still syncs."""
        if info.audit_head_sequence is None or not info.audit_head_hash:
            return
        if head is not None and head[0] == info.audit_head_sequence:
            at_anchor: AuditRecord | None = AuditRecord(head[0], {}, "", head[1])
        else:
            row = uow.audit.record_at(info.audit_head_sequence)
            at_anchor = (AuditRecord(row.sequence, row.body, row.previous_hash, row.record_hash)
                         if row is not None else None)
        broken = check_anchor(head, at_anchor,
                              (info.audit_head_sequence, info.audit_head_hash),
                              keeper="服务器记录的本站审计链锚点")
        if broken is not None:
            report.errors.append(f"审计链校验失败：{broken.reason}。请联系县中心管理员核查本机。")
            report.error_code = "audit_anchor"

    def _held(self, station_code: str, info: StationInfo, start: _Start,
              report: SyncReport | None = None) -> _Held:
        """What this station holds and may have to send: ``start``, and the reference
        records changed since they were last sent, read with the audit anchor's check
        (given a ``report``) in one transaction."""
        # Every station sends its staff and its hall's appointments and consultations.
        kinds = (set(ReferenceKind) if info.may_publish
                 else {ReferenceKind.STAFF, *STATION_RECORD_KINDS})
        settings, pending = start.settings, start.pending
        with self.uow_factory() as uow:
            if report is not None:
                self._check_audit_anchor(uow, start.audit_head, info, report)
            return _Held(
                local_max=pending.station_sequence,
                epoch=settings.get(SERVER_EPOCH, ""),
                cursor=int(settings.get(PULL_CURSOR, "0") or 0),
                reference_version=int(settings.get(local.REFERENCE_VERSION, "0") or 0),
                outbox=pending.queued,
                unsent_files=pending.unsent_files or bool(
                    pending.unstaged_documents and self.attachments_dir),
                changed_reference=self._changed_reference(uow, station_code, kinds, start),
                wanted_documents=start.wanted_documents,
            )

    def _changed_reference(self, uow: UnitOfWork, station_code: str,
                           kinds: set[ReferenceKind], start: _Start) -> list[tuple[ReferenceItem, str]]:
        """``local.changed_reference``, skipped when nothing it reads has moved since it
        last found nothing: the tables' change counter, the hashes last sent or received,
        the kinds, the station and the day (recent records are those of recent days)."""
        mark = (start.pending.reference_changes, start.settings.get(local.REFERENCE_HASHES),
                frozenset(kinds), station_code, local_date(_now()))
        if mark[0] is not None and mark == self._reference_unchanged:
            return []
        changed = local.changed_reference(uow, station_code=station_code, kinds=kinds)
        self._reference_unchanged = None if changed else mark
        return changed

    def _check_epoch(self, info: StationInfo, report: SyncReport) -> None:
        with self.uow_factory() as uow:
            held = uow.settings.get(SERVER_EPOCH, "")
            if held == info.epoch:
                return
            if held:
                # The server was restored from a backup: it may lack anything we sent
                # since. Send it all again, files too (duplicates are answered as such)
                # and pull our feed from the start.
                report.epoch_changed = True
                report.requeued = local.forget_server_sequences(uow)
                local.offer_files_again(uow)
                uow.settings.set(PULL_CURSOR, "0")
                uow.settings.set(local.REFERENCE_VERSION, "0")
                local.save_reference_hashes(uow, {})
                uow.audit.append({"kind": "sync", "action": "new_server_epoch",
                                  "old": held, "new": info.epoch, "at": _now().isoformat()})
                report.warnings.append("服务器已从备份恢复（纪元标识已变化），本站全部事件和文件将重新上传。")
            uow.settings.set(SERVER_EPOCH, info.epoch)
            uow.commit()

    def _same_epoch(self, info: StationInfo, epoch: str) -> None:
        if epoch and epoch != info.epoch:
            raise SyncError("epoch_changed", "同步过程中服务器纪元标识发生变化，本轮已停止，下一轮将重新上传。")

    # --- push ------------------------------------------------------------------------

    def _push_events(self, client: SyncClient, info: StationInfo, total: int,
                     report: SyncReport, progress: Progress) -> None:
        """The outbox in batches, oldest first, each sent only once the server has
        answered the one before (so it sees the station's order). The station's own
        work overlaps the server's: the next batch is read while this one is on its
        way, and sent before this one's answers are stored, unless they hold a refusal,
        which may take queued events out of the log or re-order them."""
        done = 0
        start = 0  # the batch in flight holds the queued events after this position
        batch = self._outbox_batch(start)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-push") as sender:

            def send(events: list[tuple[int, PushedEvent]]) -> Future[PushAnswer]:
                return sender.submit(client.push, [pushed for _, pushed in events])

            sending = send(batch) if batch else None
            while batch and sending is not None:
                progress("push", done, total)
                following = self._outbox_batch(batch[-1][0])
                answer = self._answer(sending, batch, report)
                if answer is None:
                    # One event the server cannot read was quarantined: the same batch
                    # again without it (each time one fewer, so this ends).
                    batch = self._outbox_batch(start)
                    sending = send(batch) if batch else None
                    continue
                self._same_epoch(info, answer.epoch)
                refusals = any(a.status is AnswerStatus.CONFLICT for a in answer.answers)
                sending = send(following) if following and not refusals else None
                if self._apply_answers(answer.answers, report):
                    following = self._outbox_batch(batch[-1][0])  # the log changed
                if following and sending is None:
                    sending = send(following)
                done += len(batch)
                start = batch[-1][0]
                batch = following

    def _answer(self, sending: Future[PushAnswer], batch: list[tuple[int, PushedEvent]],
                report: SyncReport) -> PushAnswer | None:
        """The server's answer to a batch; a refused batch stays queued, marked.

        None when the server refused the batch for the content of one event it names
        (unreadable, nested too deep, a time no clock shows, a credential): that event
        is quarantined, a conflict shown like any other, and the rest goes on."""
        try:
            return sending.result()
        except ServerRefused as refusal:
            index = refusal.details.get("index")
            if (refusal.status in (413, 422) and isinstance(index, int)
                    and not isinstance(index, bool) and 0 <= index < len(batch)):
                event_id = batch[index][1].event["id"]
                with self.uow_factory() as uow:
                    dependent = local.drop_refused(
                        uow, {event_id: (f"quarantined.{refusal.code}", refusal.message)})
                    uow.commit()
                report.conflicts += 1 + dependent
                report.warnings.append(f"事件 {event_id} 已被隔离：{refusal.message}")
                return None
            with self.uow_factory() as uow:
                local.mark_attempt(uow, [p.event["id"] for _, p in batch], refusal.message)
                uow.commit()
            if refusal.code == ErrorCode.STATION_REWOUND:
                raise StationRewound(refusal.code, refusal.message) from refusal
            raise

    def _outbox_batch(self, after_position: int) -> list[tuple[int, PushedEvent]]:
        """(position, wire form) of the next queued events after ``after_position``."""
        with self.uow_factory() as uow:
            return [(position, PushedEvent(event.to_dict(), station_sequence, acknowledged))
                    for position, event, station_sequence, acknowledged
                    in local.outbox_events_after(uow, after_position, self.push_batch)]

    def _apply_answers(self, answers: list[Any], report: SyncReport) -> bool:
        """Store the server's answers; True when refusals changed the event log."""
        refused: dict[str, tuple[str, str]] = {}
        with self.uow_factory() as uow:
            held = local.answered_events(uow, [a.id for a in answers])
            confirmed = []
            numbered = []
            for answer in answers:
                if answer.id not in held:
                    continue
                position, case_id, sequence = held[answer.id]
                if answer.status in (AnswerStatus.ACCEPTED, AnswerStatus.DUPLICATE):
                    if answer.server_sequence is not None and sequence is None:
                        numbered.append({"position": position,
                                         "server_sequence": answer.server_sequence})
                    confirmed.append(answer.id)
                    if answer.status is AnswerStatus.ACCEPTED:
                        report.pushed += 1
                    else:
                        report.duplicates += 1
                    for warning in answer.warnings:
                        local.add_flag(uow, answer.id, case_id, warning.get("code", ""),
                                       warning.get("reason", ""))
                        report.warnings.append(warning.get("reason", ""))
                elif answer.status is AnswerStatus.CONFLICT:
                    refused[answer.id] = (answer.code or "conflict", answer.reason or "")
                else:
                    report.retries += 1
                    local.mark_attempt(uow, [answer.id], answer.reason or "")
            if numbered:  # one executemany, by primary key
                local.set_server_sequences(uow, numbered)
            uow.events.remove_from_outbox(confirmed)
            uow.session.flush()
            dependent = local.drop_refused(uow, refused) if refused else 0
            uow.commit()
        report.conflicts += len(refused) + dependent
        return bool(refused)

    def _push_reference(self, client: SyncClient, changed: list[tuple[ReferenceItem, str]],
                        report: SyncReport) -> None:
        """Send the reference records changed here since last sent or received."""
        answers = []
        for start in range(0, len(changed), REFERENCE_BATCH):
            answers += client.push_reference([
                {"kind": i.kind.value, "key": i.key, "data": i.data}
                for i, _ in changed[start:start + REFERENCE_BATCH]
            ])
        by_key = {(a.kind, a.key): a for a in answers}
        # An appointment or consultation the county refused is a conflict to read here.
        refused_records: list[tuple[ReferenceItem, str]] = []
        for item, _ in changed:
            answer = by_key.get((item.kind.value, item.key))
            if answer is None:
                continue
            if answer.status == "refused":
                report.warnings.append(answer.reason)
                if item.kind in STATION_RECORD_KINDS:
                    refused_records.append((item, answer.reason))
            elif answer.status == "accepted":
                report.reference_sent += 1
        with self.uow_factory() as uow:
            # Refused records are remembered too: they are not re-sent until changed.
            local.record_sent_reference(uow, changed)
            for item, reason in refused_records:
                counter_records.record_refusal(uow, item, reason)
            uow.commit()
        report.conflicts += len(refused_records)

    # --- pull ------------------------------------------------------------------------

    def _pull_reference(self, client: SyncClient, station_code: str, info: StationInfo,
                        report: SyncReport) -> None:
        with self.uow_factory() as uow:
            since = int(uow.settings.get(local.REFERENCE_VERSION, "0") or 0)
        items = []
        while True:
            page = client.reference(since, self.pull_limit)
            self._same_epoch(info, page.epoch)
            items.extend(page.items)
            since = page.next_version
            if not page.more:
                break
        with self.uow_factory() as uow:
            # One transaction for all of it: a matter never arrives without its department.
            applied = local.apply_reference(uow, items, station_code=station_code) if items \
                else None
            uow.settings.set(local.REFERENCE_VERSION, str(since))
            uow.commit()
        if applied is not None:
            report.reference_received += applied.applied
            report.warnings.extend(applied.skipped or [])

    def _pull_events(self, client: SyncClient, info: StationInfo, report: SyncReport,
                     progress: Progress) -> None:
        with self.uow_factory() as uow:
            cursor = int(uow.settings.get(PULL_CURSOR, "0") or 0)
            # Read once for every page: pulled events change neither.
            projection = load_projection(uow)
        # The next page is fetched (and its events parsed) while this one is stored: the
        # server's work and ours overlap, and so does the parsing with the database's
        # (which lets other threads run). Only the fetching thread talks to the server;
        # the saved cursor still moves with the rows it brought, so a failure anywhere
        # loses nothing.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-pull") as fetcher:
            fetching = fetcher.submit(self._fetch_page, client, cursor)
            try:
                while True:
                    progress("pull", report.pulled, None)
                    page, events = fetching.result()
                    self._same_epoch(info, page.epoch)
                    if page.more:
                        fetching = fetcher.submit(self._fetch_page, client, page.next_cursor)
                    self._store_page(page, events, projection, report)
                    if not page.more:
                        return
            finally:
                fetching.cancel()

    def _fetch_page(self, client: SyncClient, cursor: int) -> tuple[PullPage, list[Event | None]]:
        """The page of the feed after ``cursor``, and the event of each of its items (None
        for a notice)."""
        page = client.pull(cursor, self.pull_limit)
        return page, [_parse_pulled(item.event) if item.kind == "event" and item.event is not None
                      else None for item in page.items]

    def _store_page(self, page: PullPage, events: list[Event | None], projection: Projection,
                    report: SyncReport) -> None:
        """A pulled page and its cursor, in one transaction."""
        with self.uow_factory() as uow:
            # Runs of events are stored a batch at a time; notices in between keep
            # their place in the feed.
            run: list[tuple[Event, int | None]] = []
            for item, event in zip(page.items, events, strict=True):
                if event is not None:
                    run.append((event, item.server_sequence))
                elif item.kind == "conflict" and item.conflict is not None:
                    self._store_run(uow, run, projection, report)
                    run = []
                    if local.add_notice(uow, item.conflict):
                        report.notices += 1
                        report.warnings.append(item.conflict.reason)
                        report.conflicts += local.refused_elsewhere(uow, item.conflict)
            self._store_run(uow, run, projection, report)
            # The cursor moves in the same transaction as the rows it brought.
            uow.settings.set(PULL_CURSOR, str(page.next_cursor))
            uow.commit()

    @staticmethod
    def _store_run(uow: UnitOfWork, run: list[tuple[Event, int | None]], projection: Projection,
                   report: SyncReport) -> None:
        if not run:
            return
        result = local.store_pulled_page(uow, run, projection=projection)
        report.pulled += result.stored
        report.conflicts += result.dropped
        report.warnings.extend(result.refused)

    # --- attachments -----------------------------------------------------------------

    def _attachment_path(self, sha256: str) -> Path | None:
        if self.attachments_dir is None:
            return None
        for candidate in (self.attachments_dir / sha256,
                          self.attachments_dir / sha256[:2] / sha256):
            if candidate.is_file():
                return candidate
        return None

    def _upload_attachments(self, client: SyncClient, report: SyncReport,
                            progress: Progress) -> None:
        """Send the scans and sealed PDFs not uploaded yet: the small ones whole, several
        to a request, the others (and all, to an older server) in resumable chunks."""
        self._stage_sealed_documents()
        with self.uow_factory() as uow:
            pending = [
                (a.sha256, a.size, a.mime_type, a.original_name)
                for a in uow.session.query(models.Attachment).filter(
                    models.Attachment.uploaded.is_(False))
            ]
        whole: list[tuple[dict[str, Any], bytes]] = []
        whole_bytes = 0
        older_server = False

        def in_chunks(sha256: str, mime_type: str, name: str) -> None:
            path = self._attachment_path(sha256)
            assert path is not None
            self.upload_attachment(client, path, sha256=sha256, mime_type=mime_type,
                                   original_name=name, chunk_bytes=self.attachment_chunk_bytes)
            self._mark_uploaded([sha256], report)

        def send_whole() -> None:
            nonlocal whole, whole_bytes, older_server
            if whole and not self._send_whole(client, whole, report):
                older_server = True
                for item, _data in whole:
                    in_chunks(item["sha256"], item["mime_type"], item["original_name"])
            whole, whole_bytes = [], 0

        for index, (sha256, size, mime_type, name) in enumerate(pending):
            progress("attachments", index, len(pending))
            path = self._attachment_path(sha256)
            sized = path is not None and path.stat().st_size == size
            # A small file is read once: hashed, then sent from memory.
            data = (path.read_bytes() if path is not None and sized
                    and size <= self.attachment_chunk_bytes and not older_server else None)
            if path is None or not sized or (
                    hashlib.sha256(data).hexdigest() if data is not None
                    else _file_sha256(path)) != sha256:
                report.warnings.append(f"扫描件“{name}”的文件缺失或已损坏，未上传。")
                continue
            if data is not None and (len(whole) >= MAX_CONTENTS_FILES
                                     or whole_bytes + size > UPLOAD_REQUEST_BYTES):
                send_whole()
            if data is None or older_server:
                in_chunks(sha256, mime_type, name)
                continue
            whole.append(({"sha256": sha256, "mime_type": mime_type, "original_name": name},
                          data))
            whole_bytes += size
        send_whole()

    def _send_whole(self, client: SyncClient, files: list[tuple[dict[str, Any], bytes]],
                    report: SyncReport) -> bool:
        """Send small files in one request; False if the server is too old for it."""
        try:
            answers = client.attachment_files(files)
        except ServerRefused as refusal:
            if _route_unknown(refusal):
                return False
            raise
        done = []
        for (item, _data), answer in zip(files, answers, strict=True):
            if answer.get("complete") is True and answer.get("sha256") == item["sha256"]:
                done.append(item["sha256"])
            else:
                report.warnings.append(f"扫描件“{item['original_name']}”未被服务器接受："
                                       f"{answer.get('message', '')}，稍后重试。")
        self._mark_uploaded(done, report)
        return True

    def _mark_uploaded(self, digests: list[str], report: SyncReport) -> None:
        if not digests:
            return
        with self.uow_factory() as uow:
            uow.session.execute(update(models.Attachment)
                                .where(models.Attachment.sha256.in_(digests))
                                .values(uploaded=True))
            uow.commit()
        report.attachments += len(digests)

    # --- sealed documents travel like scans ---------------------------------------------

    def _stage_sealed_documents(self) -> None:
        """Queue for upload every document this station sealed (the SEALED event names its
        SHA-256), so the station that registered the case receives the very same file."""
        if self.attachments_dir is None:
            return
        with self.uow_factory() as uow:
            staged: set[str] = set()
            for document_id in local.unstaged_documents(uow):
                document = uow.session.get(models.Document, document_id)
                if document is None or document.pdf_sha256 in staged:
                    continue
                path = self.attachments_dir / document.pdf_sha256
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(document.pdf)
                uow.session.add(models.Attachment(
                    sha256=document.pdf_sha256, size=len(document.pdf),
                    mime_type="application/pdf",
                    original_name=f"{document.document_number}.pdf", uploaded=False,
                    created_at=_now(),
                ))
                staged.add(document.pdf_sha256)
            if staged:
                uow.commit()

    def _fetch_sealed_documents(self, client: SyncClient,
                                wanted: list[tuple[str, dict[str, Any]]],
                                report: SyncReport, progress: Progress) -> None:
        """Download the sealed documents named by pulled SEALED events that we lack: many
        to a request, each answer's documents stored in one transaction (a document
        not stored is simply asked for on a later round)."""
        named: dict[str, tuple[str, dict[str, Any]]] = {}
        for case_id, payload in wanted:  # events naming the same PDF: one document
            named.setdefault(str(payload.get("pdf_sha256", "")), (case_id, payload))
        queue = list(named)
        one_by_one = False
        while queue:
            progress("documents", len(named) - len(queue), len(named))
            batch, queue = queue[:FETCH_DOCUMENTS], queue[FETCH_DOCUMENTS:]
            if one_by_one:
                files, missing = self._fetch_one_by_one(client, batch)
            else:
                try:
                    answer = client.attachment_contents(batch)
                except ServerRefused as refusal:
                    if not _route_unknown(refusal):
                        raise
                    one_by_one = True  # a server older than several files an answer
                    queue = batch + queue
                    continue
                files, missing = answer.files, answer.missing
                if answer.later and not files:
                    raise ServerFailure("bad_answer", "服务器未返回任何文书，稍后重试。")
                queue = answer.later + queue
            for digest in missing:
                # Not uploaded yet by the sealing station: the next round tries again.
                number = named[digest][1].get("document_number", "") if digest in named else ""
                report.warnings.append(f"文书{number}尚未上传到服务器。")
            self._store_fetched(named, files, report)
        progress("documents", len(named), len(named))

    @staticmethod
    def _fetch_one_by_one(client: SyncClient,
                          digests: list[str]) -> tuple[dict[str, bytes], list[str]]:
        files: dict[str, bytes] = {}
        missing: list[str] = []
        for digest in digests:
            try:
                files[digest] = client.attachment_content(digest)
            except ServerRefused:
                missing.append(digest)
        return files, missing

    def _store_fetched(self, named: dict[str, tuple[str, dict[str, Any]]],
                       files: dict[str, bytes], report: SyncReport) -> None:
        """Store the downloaded PDFs whose SHA-256 is the one their event names."""
        asked = [digest for digest in files if digest in named]  # not what was not asked for
        with self.uow_factory() as uow:
            # What is held already, in two queries for the whole answer.
            held = set(uow.session.scalars(select(models.Document.pdf_sha256).where(
                models.Document.pdf_sha256.in_(asked))))
            attached = set(uow.session.scalars(select(models.Attachment.sha256).where(
                models.Attachment.sha256.in_(asked))))
            stored = 0
            for digest in asked:
                pdf = files[digest]
                case_id, payload = named[digest]
                if hashlib.sha256(pdf).hexdigest() != digest:
                    report.warnings.append(
                        f"文书{payload.get('document_number', '')}下载不完整，稍后重试。")
                    continue
                if digest in held:
                    continue
                number = str(payload.get("document_number", ""))
                uow.session.add(models.Document(
                    id=str(uuid.uuid4()), case_id=case_id,
                    kind=str(payload.get("document_kind", "")), document_number=number,
                    pdf=pdf, pdf_sha256=digest, docx=None,
                    seal_use_id=str(payload.get("seal_use_id", "")) or None,
                    created_at=_now(),
                ))
                if digest not in attached:
                    uow.session.add(models.Attachment(
                        sha256=digest, size=len(pdf), mime_type="application/pdf",
                        original_name=f"{number}.pdf", uploaded=True, created_at=_now(),
                    ))
                held.add(digest)
                stored += 1
            if stored:
                uow.commit()
                report.documents += stored

    @staticmethod
    def upload_attachment(
        client: SyncClient, path: Path, *, sha256: str, mime_type: str = "",
        original_name: str = "", chunk_bytes: int = ATTACHMENT_CHUNK_BYTES,
    ) -> None:
        """Send a scan in chunks, resuming where the server says it stopped."""
        size = path.stat().st_size
        status = client.attachment_begin(sha256, size, mime_type=mime_type,
                                         original_name=original_name)
        with open(path, "rb") as handle:
            stalls = 0
            while not status.complete:
                handle.seek(status.received)
                chunk = handle.read(chunk_bytes)
                before = status.received
                status = client.attachment_chunk(sha256, status.received, chunk)
                stalls = stalls + 1 if status.received <= before and not status.complete else 0
                if stalls > 3:
                    raise SyncError("attachment_stalled", f"扫描件“{original_name}”上传没有进展，稍后重试。")


def _route_unknown(refusal: ServerRefused) -> bool:
    """A server older than the request: no such path (404), or not for this method (405)."""
    return refusal.status in (404, 405)


def _no_progress(_stage: str, _done: int, _total: int | None) -> None:
    return None


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


__all__ = [
    "AuthenticationFailed",
    "NotEnrolled",
    "StationRewound",
    "SyncEngine",
    "SyncReport",
]
