"""Archiving a completed case as one package, checked offline after a round trip."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from app.domain.errors import PermissionDenied, TransitionError
from app.print_templates import DocumentKind
from app.services import archives, cases, seals
from app.services.runtime import Runtime
from tests.profile_fixtures import (
    MONDAY,
    NATURAL_APPLICANT,
    PASSWORD,
    Staff,
    counter_seal,
    make_profile,
    register_approval_seal,
)

SCAN = b"%PDF-1.4 scanned business licence application\n"


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[tuple[Runtime, Staff]]:
    runtime, staff = make_profile(tmp_path / "profile")
    register_approval_seal(runtime, staff)
    yield runtime, staff
    runtime.close()


def _completed(runtime: Runtime, staff: Staff, *, day: int = 0):
    now = MONDAY + timedelta(days=day)
    digest = hashlib.sha256(SCAN).hexdigest()
    attachments = runtime.profile.attachments_dir
    attachments.mkdir(parents=True, exist_ok=True)
    (attachments / digest).write_bytes(SCAN)
    case = cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-001",
                               applicant=NATURAL_APPLICANT, now=now)
    materials = [dict(m, received=True) for m in case.materials]
    materials[0]["attachments"] = [{"sha256": digest, "name": "申请书.pdf", "size": len(SCAN)}]
    cases.record_materials(runtime.uow, staff.clerk, case.id, materials=materials, now=now)
    cases.accept(runtime.uow, staff.clerk, case.id, seal=counter_seal(runtime), now=now)
    cases.review(runtime.uow, staff.clerk, case.id, conforms=True, opinion="符合条件",
                 now=now + timedelta(hours=1))
    cases.approve(runtime.uow, staff.chief, case.id, opinion="同意", now=now + timedelta(hours=2))
    seals.apply_seal(runtime.uow, staff.chief, case.id,
                     document_kind=DocumentKind.APPROVAL_DECISION, password=PASSWORD,
                     key_store=runtime.key_store, now=now + timedelta(hours=3))
    return cases.get_case(runtime.uow, case.id)


def _archive(runtime: Runtime, staff: Staff, case_id: str, out: Path) -> Path:
    return archives.archive_case(runtime.uow, staff.admin, case_id, out_dir=out,
                                 attachments_dir=runtime.profile.attachments_dir,
                                 now=MONDAY + timedelta(days=10))


def _rewritten(package: bytes, path_end: str, change) -> bytes:
    """The package with one member's bytes changed and everything else as it was."""
    source = zipfile.ZipFile(io.BytesIO(package))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, change(data) if info.filename.endswith(path_end) else data)
    return output.getvalue()


def test_package_holds_events_documents_attachments_seal_uses_and_audit(profile, tmp_path) -> None:
    runtime, staff = profile
    case = _completed(runtime, staff)
    path = _archive(runtime, staff, case.id, tmp_path / "out")
    assert path.name == "XC01-2026-D30-SCJ-0001.zip"
    names = zipfile.ZipFile(path).namelist()
    root = "XC01-2026-D30-SCJ-0001/"
    assert {f"{root}events.json", f"{root}metadata.xml", f"{root}seal_uses.json",
            f"{root}audit_proof.json", f"{root}manifest-sha256.txt"} <= set(names)
    assert f"{root}attachments/{hashlib.sha256(SCAN).hexdigest()}.pdf" in names
    documents = [n for n in names if "/documents/" in n]
    assert any("approval_decision" in n for n in documents)
    assert any("acceptance_notice" in n for n in documents)
    metadata = zipfile.ZipFile(path).read(f"{root}metadata.xml").decode()
    assert "<档号>XC01-2026-D30-SCJ-0001</档号>" in metadata and "定期30年" in metadata
    assert "<办理结果>准予</办理结果>" in metadata
    uses = json.loads(zipfile.ZipFile(path).read(f"{root}seal_uses.json"))
    assert {u["document_kind"] for u in uses} >= {"approval_decision", "acceptance_notice"}
    check = archives.verify_package(path.read_bytes())
    assert check.ok, check.problems
    assert check.case_number == case.number and check.files_checked == len(names) - 1


def test_one_byte_changed_in_a_document_is_refused(profile, tmp_path) -> None:
    runtime, staff = profile
    case = _completed(runtime, staff)
    package = _archive(runtime, staff, case.id, tmp_path / "out").read_bytes()

    def flip(data: bytes) -> bytes:
        return data[:200] + bytes([data[200] ^ 1]) + data[201:]

    changed = _rewritten(package, "approval_decision_县市监许〔2026〕1号.pdf", flip)
    check = archives.verify_package(changed)
    assert not check.ok
    assert any("SHA-256 与校验清单不符" in p for p in check.problems)


def test_one_byte_changed_in_the_zip_itself_is_refused(profile, tmp_path) -> None:
    runtime, staff = profile
    case = _completed(runtime, staff)
    package = bytearray(_archive(runtime, staff, case.id, tmp_path / "out").read_bytes())
    package[len(package) // 3] ^= 0x40
    assert not archives.verify_package(bytes(package)).ok


def test_an_edited_event_with_a_fixed_manifest_is_caught_by_the_audit_proof(
        profile, tmp_path) -> None:
    runtime, staff = profile
    case = _completed(runtime, staff)
    package = _archive(runtime, staff, case.id, tmp_path / "out").read_bytes()
    forged = _rewritten(package, "events.json",
                        lambda data: data.replace("符合条件".encode(), "完全符合".encode()))
    source = zipfile.ZipFile(io.BytesIO(forged))
    root = source.namelist()[0].split("/")[0]
    lines = []
    for name in sorted(n for n in source.namelist() if not n.endswith("manifest-sha256.txt")):
        lines.append(f"{hashlib.sha256(source.read(name)).hexdigest()}  {name.split('/', 1)[1]}\n")
    forged = _rewritten(forged, "manifest-sha256.txt", lambda _d: "".join(lines).encode())
    check = archives.verify_package(forged)
    assert any("没有对应的审计记录" in p for p in check.problems)
    assert root.startswith("XC01")


def test_a_running_case_is_not_archived(profile, tmp_path) -> None:
    runtime, staff = profile
    case = cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-001",
                               applicant=NATURAL_APPLICANT, now=MONDAY)
    with pytest.raises(TransitionError) as error:
        _archive(runtime, staff, case.id, tmp_path / "out")
    assert error.value.code == "archive.not_completed"
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_only_the_administrator_archives(profile, tmp_path) -> None:
    runtime, staff = profile
    case = _completed(runtime, staff)
    with pytest.raises(PermissionDenied):
        archives.archive_case(runtime.uow, staff.clerk, case.id, out_dir=tmp_path,
                              attachments_dir=None)


def test_batch_archives_the_period_once_with_progress(profile, tmp_path) -> None:
    runtime, staff = profile
    first = _completed(runtime, staff)
    second = _completed(runtime, staff, day=1)
    seen: list[tuple[int, int]] = []
    start, end = MONDAY - timedelta(days=1), MONDAY + timedelta(days=5)
    result = archives.archive_period(
        runtime.uow, staff.admin, start=start, end=end, out_dir=tmp_path / "out",
        attachments_dir=runtime.profile.attachments_dir,
        progress=lambda done, total: seen.append((done, total)))
    assert sorted(result.archived) == ["XC01-2026-D30-SCJ-0001.zip", "XC01-2026-D30-SCJ-0002.zip"]
    assert seen == [(1, 2), (2, 2)]
    again = archives.archive_period(runtime.uow, staff.admin, start=start, end=end,
                                    out_dir=tmp_path / "out", attachments_dir=None)
    assert again.archived == [] and again.skipped == 2
    recorded = {r.case_id for r in archives.archive_records(runtime.uow, staff.supervisor)}
    assert recorded == {first.id, second.id}


def test_missing_attachment_stops_that_case_only(profile, tmp_path) -> None:
    runtime, staff = profile
    _completed(runtime, staff)
    result = archives.archive_period(runtime.uow, staff.admin, start=MONDAY - timedelta(days=1),
                                     end=MONDAY + timedelta(days=5), out_dir=tmp_path / "out",
                                     attachments_dir=tmp_path / "nowhere")
    assert result.archived == [] and "附件" in result.failed[0]


def test_cli_archive_verify_after_a_round_trip(profile, tmp_path) -> None:
    runtime, staff = profile
    case = _completed(runtime, staff)
    path = _archive(runtime, staff, case.id, tmp_path / "out")
    copy = tmp_path / "copied" / path.name
    copy.parent.mkdir()
    copy.write_bytes(path.read_bytes())
    good = subprocess.run([sys.executable, "-m", "app", "archive", "verify", str(copy)],
                          capture_output=True, text=True, timeout=120)
    assert good.returncode == 0, good.stderr
    assert "校验通过" in good.stdout
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 1
    copy.write_bytes(bytes(data))
    bad = subprocess.run([sys.executable, "-m", "app", "archive", "verify", str(copy)],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 4
    assert "未通过" in bad.stdout
