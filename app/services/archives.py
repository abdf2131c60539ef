"""Archiving completed cases (归档, 陕西 第九条) as one package each, and checking a package.

A package is a ZIP file named by the case's 档号 (archival code: 全宗号-年度-保管期限-机构-件号,
as GB/T 18894-2016 and DA/T 13 arrange one 件). Inside one folder of that name:

- ``metadata.xml``: the 件's description (DA/T 46 / DA/T 48 element names: 档号, 题名,
  责任者, 形成日期, 保管期限, 件数 ...) and the list of its files;
- ``events.json``: every event of the case, oldest first, in their wire form;
- ``documents/``: every issued document, the PDF byte for byte as issued;
- ``attachments/``: the scanned materials the case's material list names;
- ``seal_uses.json``: the case's seal-use records (用印登记);
- ``audit_proof.json``: the audit records of the case with their chain hashes, and the
  chain's head when the package was made;
- ``manifest-sha256.txt``: ``<sha256>  <path>`` of every other file (sha256sum's layout).

:func:`verify_package` needs nothing but the file: the manifest's sums, no file missing
or added, the events replaying to a completed case, each document's hash named by its
sealing event, and every event found in an audit record whose chain hash is right. The
manifest's own SHA-256 is kept in ``archive_records`` so a package rewritten wholesale
(manifest included) is caught against the station's record too.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree

from sqlalchemy import select

from app.domain.audit import AuditRecord, chain_hash
from app.domain.case import FINAL_STATES, Case, replay
from app.domain.errors import DomainError, NotFound, TransitionError, ValidationError
from app.domain.events import Event
from app.domain.roles import Action, authorize
from app.print_templates import DocumentKind
from app.services.context import CHINA_TZ, CurrentUser, local_date, utc_now
from app.services.recording import event_audit_text, load_case
from app.store import models
from app.store.unit_of_work import UnitOfWork, UnitOfWorkFactory

MANIFEST = "manifest-sha256.txt"
FONDS_SETTING = "archive_fonds_code"
FORMAT_VERSION = "CounterDesk-EEP-1"
# 保管期限 (DA/T 22 style): a granted or confirmed result 30 years, the rest 10.
RETENTION = {"approved": ("D30", "定期30年")}
DEFAULT_RETENTION = ("D10", "定期10年")
OUTCOME_LABELS = {"approved": "准予", "denied": "不予", "rejected": "不予受理",
                  "returned": "退回", "withdrawn": "申请人撤回"}
# A fixed time for every entry: the same case gives the same package bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class PackageCheck:
    """What :func:`verify_package` found; ``ok`` when ``problems`` is empty."""

    case_number: str
    archival_code: str
    files_checked: int
    manifest_sha256: str
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class BatchResult:
    archived: list[str] = field(default_factory=list)  # package file names
    skipped: int = 0  # archived before
    failed: list[str] = field(default_factory=list)  # "case number: reason"
    cancelled: bool = False


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _safe(text: str) -> str:
    """A file-name part: no path separators or characters Windows refuses."""
    return "".join("_" if c in '\\/:*?"<>|' or ord(c) < 32 else c for c in text).strip() or "_"


def archival_code(fonds: str, case: Case, item_number: int) -> str:
    """档号: 全宗号-年度-保管期限代码-机构（部门）代码-件号."""
    assert case.completed_at is not None
    year = case.completed_at.astimezone(CHINA_TZ).year
    retention = RETENTION.get(case.outcome, DEFAULT_RETENTION)[0]
    return f"{fonds}-{year}-{retention}-{case.department_code}-{item_number:04d}"


def _fonds(uow: UnitOfWork) -> str:
    return _safe(uow.settings.get(FONDS_SETTING, "") or uow.settings.get("station_code", "")
                 or "QZ")


def _case_audit_records(uow: UnitOfWork, case_id: str) -> list[AuditRecord]:
    row = models.AuditRow
    query = (select(row).where(row.body.contains(f'"{case_id}"')).order_by(row.sequence))
    return [AuditRecord(r.sequence, r.body, r.previous_hash, r.record_hash)
            for r in uow.session.scalars(query)]


def _attachment_file(attachments_dir: Path | None, sha256: str) -> Path | None:
    if attachments_dir is None:
        return None
    for candidate in (attachments_dir / sha256, attachments_dir / sha256[:2] / sha256):
        if candidate.is_file():
            return candidate
    return None


def build_package(uow: UnitOfWork, case_id: str, *, attachments_dir: Path | None,
                  archived_by: str, now: datetime) -> tuple[str, bytes, str, int]:
    """The package of one completed case: (file name, ZIP bytes, manifest SHA-256, files).

    Refuses a case still running or one whose attachment files are not all here."""
    case = load_case(uow, case_id)
    if case.state not in FINAL_STATES or case.completed_at is None:
        raise TransitionError("archive.not_completed",
                              f"办件{case.number}尚未办结（{case.state.label}），不能归档。")
    events = uow.events.for_case(case_id)
    fonds = _fonds(uow)
    year = case.completed_at.astimezone(CHINA_TZ).year
    retention_code, retention_label = RETENTION.get(case.outcome, DEFAULT_RETENTION)
    item = uow.sequences.next(f"archive:{fonds}:{year}:{retention_code}:{case.department_code}")
    code = archival_code(fonds, case, item)
    files: dict[str, bytes] = {}
    files["events.json"] = json.dumps([e.to_dict() for e in events], ensure_ascii=False,
                                      indent=1, sort_keys=True).encode()
    documents = []
    for index, document in enumerate(uow.documents.for_case(case_id), start=1):
        try:
            title = DocumentKind(document.kind).label
        except ValueError:
            title = document.kind
        name = f"documents/{index:02d}_{document.kind}_{_safe(document.document_number)}.pdf"
        files[name] = document.pdf
        documents.append({"path": name, "title": title, "number": document.document_number,
                          "sha256": document.pdf_sha256, "seal_use_id": document.seal_use_id})
    attachments = []
    for material in case.materials:
        for attachment in material.get("attachments") or []:
            digest = str(attachment.get("sha256", ""))
            path = _attachment_file(attachments_dir, digest)
            if path is None:
                raise NotFound("archive.attachment_missing",
                               f"办件{case.number}的材料“{material.get('name', '')}”的附件"
                               f"（{attachment.get('name', digest[:12])}）不在本机，"
                               "请先同步附件再归档。")
            suffix = PurePosixPath(str(attachment.get("name", ""))).suffix[:10]
            name = f"attachments/{digest}{_safe(suffix) if suffix else ''}"
            files[name] = path.read_bytes()
            attachments.append({"path": name, "material": material.get("name", ""),
                                "name": attachment.get("name", ""), "sha256": digest})
    uses = uow.seals.uses(case_id=case_id)
    files["seal_uses.json"] = json.dumps([{
        "id": u.id, "seal_id": u.seal_id, "document_kind": u.document_kind,
        "document_number": u.document_number, "pdf_sha256": u.pdf_sha256,
        "actor_name": u.actor_name, "station": u.station, "window_name": u.window_name,
        "used_at": u.used_at.isoformat(), "supersedes": u.supersedes, "purpose": u.purpose,
        "copies": u.copies} for u in uses], ensure_ascii=False, indent=1).encode()
    records = _case_audit_records(uow, case_id)
    head = uow.audit.head()
    files["audit_proof.json"] = json.dumps({
        "records": [{"sequence": r.sequence, "body": r.body, "previous_hash": r.previous_hash,
                     "record_hash": r.record_hash} for r in records],
        "chain_head": {"sequence": head[0], "record_hash": head[1]} if head else None,
    }, ensure_ascii=False, indent=1).encode()
    files["metadata.xml"] = _metadata(case, code, retention_label, documents, attachments,
                                      len(events), archived_by, now)
    manifest = "".join(f"{_sha256(data)}  {path}\n" for path, data in sorted(files.items()))
    files[MANIFEST] = manifest.encode()
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in sorted(files):
            info = zipfile.ZipInfo(f"{code}/{member}", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[member])
    return f"{code}.zip", output.getvalue(), _sha256(files[MANIFEST]), len(files)


def _metadata(case: Case, code: str, retention: str, documents: list[dict[str, Any]],
              attachments: list[dict[str, Any]], event_count: int, archived_by: str,
              now: datetime) -> bytes:
    root = ElementTree.Element("电子文件封装包", {"格式": FORMAT_VERSION,
                                                 "依据": "GB/T 18894-2016；DA/T 48-2009"})
    described = ElementTree.SubElement(root, "被签名对象")
    entity = ElementTree.SubElement(described, "文件实体块")
    meta = ElementTree.SubElement(entity, "文件元数据")
    assert case.completed_at is not None
    values = {
        "档号": code, "全宗号": code.split("-")[0], "年度": code.split("-")[1],
        "保管期限": retention, "机构或问题": case.matter.department_name,
        "题名": f"{case.applicant_name}申请{case.matter.name}（{case.number}）",
        "责任者": case.matter.department_name, "受理编号": case.number,
        "事项编码": case.matter.code, "事项名称": case.matter.name,
        "办理结果": OUTCOME_LABELS.get(case.outcome, case.state.label),
        "形成日期": local_date(case.registered_at).isoformat(),
        "办结日期": local_date(case.completed_at).isoformat(),
        "件数": str(len(documents) + len(attachments)), "事件数": str(event_count),
        "归档人": archived_by, "归档时间": now.astimezone(CHINA_TZ).isoformat(timespec="seconds"),
    }
    for name, value in values.items():
        ElementTree.SubElement(meta, name).text = value
    contents = ElementTree.SubElement(entity, "文件数据")
    for document in documents:
        ElementTree.SubElement(contents, "文档", {
            "类型": "电子文书", "题名": document["title"], "文号": document["number"],
            "路径": document["path"], "摘要算法": "SHA-256", "摘要": document["sha256"]})
    for attachment in attachments:
        ElementTree.SubElement(contents, "文档", {
            "类型": "申请材料", "题名": f"{attachment['material']}（{attachment['name']}）",
            "路径": attachment["path"], "摘要算法": "SHA-256", "摘要": attachment["sha256"]})
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def archive_case(uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
                 out_dir: Path, attachments_dir: Path | None,
                 now: datetime | None = None) -> Path:
    """Archive one completed case into ``out_dir``; returns the package's path. The
    package is written before the record, and the record commits with the 件号."""
    authorize(user.roles, Action.ARCHIVE_CASES, who=user.display_name)
    now = now or utc_now()
    with uow_factory() as uow:
        if uow.archives.get(case_id) is not None:
            raise TransitionError("archive.done", "该办件已经归档。")
        name, data, manifest_sha, count = build_package(
            uow, case_id, attachments_dir=attachments_dir, archived_by=user.display_name,
            now=now)
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / name
        temporary = path.with_suffix(".part")
        temporary.write_bytes(data)
        temporary.replace(path)
        row = uow.cases.get(case_id)
        uow.archives.add(models.ArchiveRecord(
            case_id=case_id, case_number=row.number if row else "", archival_code=path.stem,
            package_name=name, manifest_sha256=manifest_sha, file_count=count,
            archived_at=now, archived_by=user.display_name))
        uow.audit.append({"kind": "archive", "action": "archived", "case_id": case_id,
                          "package": name, "manifest_sha256": manifest_sha,
                          "actor_id": user.id, "at": now.isoformat()})
        uow.commit()
    return path


def archivable_cases(uow_factory: UnitOfWorkFactory, user: CurrentUser, *,
                     start: datetime, end: datetime) -> tuple[list[str], int]:
    """Cases completed in [start, end) and not archived yet, and how many were."""
    authorize(user.roles, Action.ARCHIVE_CASES, who=user.display_name)
    final = [s.value for s in FINAL_STATES]
    with uow_factory() as uow:
        c = models.CaseRow
        ids = list(uow.session.scalars(
            select(c.id).where(c.completed_at >= start, c.completed_at < end,
                               c.state.in_(final)).order_by(c.completed_at, c.number)))
        done = uow.archives.archived_ids(ids)
    return [i for i in ids if i not in done], len(done)


def archive_period(uow_factory: UnitOfWorkFactory, user: CurrentUser, *, start: datetime,
                   end: datetime, out_dir: Path, attachments_dir: Path | None,
                   progress: Callable[[int, int], None] | None = None,
                   cancelled: Callable[[], bool] | None = None,
                   now: datetime | None = None) -> BatchResult:
    """Batch archiving by period: every case completed in [start, end) not archived yet,
    one package each, one transaction each, reporting ``progress(done, total)``. A case
    that cannot be archived (an attachment not here) is reported and the rest go on."""
    pending, skipped = archivable_cases(uow_factory, user, start=start, end=end)
    result = BatchResult(skipped=skipped)
    for index, case_id in enumerate(pending):
        if cancelled is not None and cancelled():
            result.cancelled = True
            break
        try:
            path = archive_case(uow_factory, user, case_id, out_dir=out_dir,
                                attachments_dir=attachments_dir, now=now)
        except DomainError as error:
            with uow_factory() as uow:
                row = uow.cases.get(case_id)
            result.failed.append(f"{row.number if row else case_id}：{error.message}")
        else:
            result.archived.append(path.name)
        if progress is not None:
            progress(index + 1, len(pending))
    return result


def archive_records(uow_factory: UnitOfWorkFactory, user: CurrentUser,
                    limit: int = 500) -> list[models.ArchiveRecord]:
    authorize(user.roles, Action.VIEW_CASES, who=user.display_name)
    with uow_factory() as uow:
        query = (select(models.ArchiveRecord).order_by(models.ArchiveRecord.archived_at.desc())
                 .limit(limit))
        rows = list(uow.session.scalars(query))
        uow.session.expunge_all()
        return rows


# --- verification (offline: the package file and nothing else) ----------------------


def verify_package(data: bytes, *, expected_manifest_sha256: str = "") -> PackageCheck:
    """Check an archive package; every problem found is listed, in Chinese."""
    problems: list[str] = []
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = [n for n in archive.namelist() if not n.endswith("/")]
    except zipfile.BadZipFile:
        return PackageCheck("", "", 0, "", ("不是有效的归档包（ZIP 文件已损坏）。",))
    roots = {n.split("/", 1)[0] for n in names}
    if len(roots) != 1:
        return PackageCheck("", "", 0, "", ("归档包应只有一个以档号命名的文件夹。",))
    code = roots.pop()
    contents: dict[str, bytes] = {}
    unreadable: set[str] = set()
    for name in names:
        path = name.split("/", 1)[1]
        try:
            contents[path] = archive.read(name)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):  # CRC or inflate failure
            unreadable.add(path)
            problems.append(f"文件 {path} 无法读出（内容已损坏）。")
    manifest_bytes = contents.pop(MANIFEST, None)
    if manifest_bytes is None:
        return PackageCheck("", code, 0, "", (*problems, "归档包缺少校验清单 manifest-sha256.txt。"))
    manifest_sha = _sha256(manifest_bytes)
    if expected_manifest_sha256 and manifest_sha != expected_manifest_sha256:
        problems.append("校验清单与归档记录中的摘要不符（清单被改动或替换）。")
    listed: dict[str, str] = {}
    for line in manifest_bytes.decode("utf-8", "replace").splitlines():
        digest, _, path = line.partition("  ")
        if len(digest) != 64 or not path:
            problems.append(f"校验清单有无法识别的行：{line[:80]}")
            continue
        listed[path] = digest
    for path, digest in sorted(listed.items()):
        if path in unreadable:
            continue
        if path not in contents:
            problems.append(f"缺少文件 {path}。")
        elif _sha256(contents[path]) != digest:
            problems.append(f"文件 {path} 的 SHA-256 与校验清单不符（内容被改动）。")
    for path in sorted((set(contents) | unreadable) - set(listed)):
        problems.append(f"文件 {path} 不在校验清单中（被添加）。")
    case_number = ""
    try:
        events = [Event.from_dict(e) for e in json.loads(contents.get("events.json", b"[]"))]
        case = replay(events) if events else None
    except (ValueError, KeyError, TypeError, DomainError) as error:
        problems.append(f"办理过程记录无法重放：{error}")
        events, case = [], None
    if not isinstance(case, Case):
        problems.append("办理过程记录不是一个办件。")
    else:
        case_number = case.number
        if case.state not in FINAL_STATES:
            problems.append(f"办件{case.number}在归档包中不是办结状态。")
        sealed = {s["pdf_sha256"] for s in case.seals}
        for path, body in contents.items():
            if path.startswith("documents/") and _sha256(body) not in sealed:
                problems.append(f"文书 {path} 不是本件用印事件所记的文书。")
        _check_audit(contents.get("audit_proof.json"), events, problems)
    return PackageCheck(case_number, code, len(listed), manifest_sha, tuple(problems))


def _check_audit(raw: bytes | None, events: list[Event], problems: list[str]) -> None:
    if raw is None:
        problems.append("缺少审计证明 audit_proof.json。")
        return
    try:
        records = json.loads(raw)["records"]
        bodies = set()
        for record in records:
            if chain_hash(record["previous_hash"], record["body"]) != record["record_hash"]:
                problems.append(f"审计记录第 {record['sequence']} 条的哈希不符（记录被改动）。")
            bodies.add(record["body"])
    except (ValueError, KeyError, TypeError):
        problems.append("审计证明格式不正确。")
        return
    for event in events:
        if event_audit_text(event) not in bodies:
            problems.append(f"事件“{event.type.label}”（{event.id}）没有对应的审计记录。")


def verify_package_file(path: Path) -> PackageCheck:
    """``verify_package`` of a file on disk (the CLI's ``archive verify``)."""
    if not path.is_file():
        raise ValidationError("archive.no_file", f"找不到归档包 {path}。")
    return verify_package(path.read_bytes())
