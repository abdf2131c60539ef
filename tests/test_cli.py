"""The command line, run as a user would: in a subprocess."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


# The CLI writes logs and reads settings: keep them off the real user's folders.
_HOME = tempfile.mkdtemp(prefix="counterdesk-cli-home-")


def _env() -> dict[str, str]:
    return dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=_HOME,
                XDG_CONFIG_HOME=f"{_HOME}/config", XDG_STATE_HOME=f"{_HOME}/state",
                XDG_DATA_HOME=f"{_HOME}/data", XDG_CACHE_HOME=f"{_HOME}/cache")


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, env=_env(),
                            capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}: {result.stderr}")
    return result


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[str, bool]]]:
    """The demo made as a user runs it: each line of its output, and whether the
    program was still working when the line arrived."""
    data_dir = tmp_path_factory.mktemp("demo")
    with subprocess.Popen([sys.executable, "-m", "app", "demo", "--data-dir", str(data_dir)],
                          cwd=ROOT, env=_env(), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        lines = [(line.rstrip("\n"), process.poll() is None) for line in process.stdout]
        stderr = process.stderr.read() if process.stderr else ""
        assert process.wait(timeout=300) == 0, stderr
    return data_dir, lines


@pytest.fixture(scope="module")
def demo_dir(demo_run: tuple[Path, list[tuple[str, bool]]]) -> Path:
    return demo_run[0]


def test_demo_tells_each_step_while_it_works(demo_run) -> None:
    _data_dir, lines = demo_run
    texts = [text for text, _running in lines]
    assert texts[0].startswith("正在")
    # Told as it happens, not all at the end: the first steps arrive while it works.
    assert all(running for _text, running in lines[:3])
    steps = [t for t in texts if t.startswith("正在办理演示办件")]
    assert steps[0].startswith("正在办理演示办件 1/") and len(steps) > 10
    assert any("印章" in t for t in texts[:6])
    assert texts[-2].startswith("演示数据已创建")


def test_version_is_printed() -> None:
    assert "CounterDesk 0." in run("--version").stdout


def test_init_creates_a_profile_and_refuses_a_second_administrator(tmp_path: Path) -> None:
    args = ["init", "--data-dir", str(tmp_path), "--station-code", "XC01",
            "--station-name", "城关镇便民服务站", "--admin-password", "admin2026x"]
    assert "已初始化" in run(*args).stdout
    again = run(*args, check=False)
    assert again.returncode != 0
    assert again.stderr.startswith("错误：") and len(again.stderr.strip().splitlines()) == 1


def test_init_with_a_bad_station_code_fails_with_one_line(tmp_path: Path) -> None:
    result = run("init", "--data-dir", str(tmp_path), "--station-code", "x 1",
                 "--station-name", "站", "--admin-password", "admin2026x", check=False)
    assert result.returncode == 1
    assert "站点" in result.stderr or "编码" in result.stderr


def test_demo_cases_cover_every_category_state_and_warning(demo_dir: Path) -> None:
    cases = json.loads(run("cases", "--json", "--data-dir", str(demo_dir)).stdout)
    assert len(cases) >= 30
    required = {"number", "category", "state", "matter", "applicant_name", "accepted_at",
                "deadline", "deadline_provisional", "warning"}
    assert all(required <= set(c) for c in cases)
    assert {c["category"] for c in cases} == {
        "即办件", "承诺件", "联办件", "上报件", "补办件", "退回件", "特办件"}
    states = {c["state"] for c in cases}
    assert {"registered", "awaiting_supplement", "accepted", "reviewed", "approved",
            "completed", "delivered", "rejected", "forwarded", "withdrawn"} <= states
    assert {"yellow", "red"} <= {c["warning"] for c in cases}
    assert any(c["deadline_provisional"] for c in cases)
    assert all("*" in c["applicant_id"] for c in cases)


def test_a_listing_piped_into_a_reader_that_stops_ends_without_an_error(
    demo_dir: Path,
) -> None:
    # ``cases | head -1``: the reader is gone before the listing is written.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "app", "cases", "--data-dir", str(demo_dir)],
            cwd=ROOT, env=_env(), stdout=write_end, stderr=subprocess.PIPE, text=True,
            timeout=300,
        )
    finally:
        os.close(write_end)
    assert result.returncode == 1
    assert result.stderr == ""


def test_audit_verify_passes_then_names_the_tampered_record(demo_dir: Path,
                                                            tmp_path: Path) -> None:
    assert "完整" in run("audit", "verify", "--data-dir", str(demo_dir)).stdout
    copy = tmp_path / "copy"
    shutil.copytree(demo_dir, copy)
    database = sqlite3.connect(copy / "counterdesk.sqlite3")
    database.execute("DROP TRIGGER audit_log_no_update")
    database.execute("UPDATE audit_log SET body = body || ' ' WHERE sequence = 40")
    database.commit()
    database.close()
    result = run("audit", "verify", "--data-dir", str(copy), check=False)
    assert result.returncode != 0
    assert "第 40 条" in result.stderr


def test_backup_and_restore_round_trip(demo_dir: Path, tmp_path: Path) -> None:
    backup = tmp_path / "saved.sqlite3"
    run("backup", "--data-dir", str(demo_dir), "--output", str(backup))
    target = tmp_path / "restored"
    run("restore", str(backup), "--data-dir", str(target))
    cases = json.loads(run("cases", "--json", "--data-dir", str(target)).stdout)
    assert len(cases) >= 30


def test_restore_refuses_a_file_that_is_not_a_profile(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.sqlite3"
    sqlite3.connect(bogus).execute("CREATE TABLE x (y)").connection.commit()
    result = run("restore", str(bogus), "--data-dir", str(tmp_path / "p"), check=False)
    assert result.returncode == 1
    assert "不是 CounterDesk" in result.stderr


def test_db_upgrade_on_a_current_profile_changes_nothing(demo_dir: Path) -> None:
    assert "最新" in run("db", "upgrade", "--data-dir", str(demo_dir)).stdout


def test_db_rebuild_reprojects_every_case(demo_dir: Path) -> None:
    # Open suspensions move deadlines day by day, so compare two rebuilds of today.
    assert "重建" in run("db", "rebuild", "--data-dir", str(demo_dir)).stdout
    before = json.loads(run("cases", "--json", "--data-dir", str(demo_dir)).stdout)
    assert "重建" in run("db", "rebuild", "--data-dir", str(demo_dir)).stdout
    after = json.loads(run("cases", "--json", "--data-dir", str(demo_dir)).stdout)
    assert before == after


def test_verify_doc_accepts_an_issued_decision_and_refuses_a_changed_one(
    demo_dir: Path, tmp_path: Path
) -> None:
    database = sqlite3.connect(demo_dir / "counterdesk.sqlite3")
    [pdf] = database.execute(
        "SELECT pdf FROM documents WHERE seal_use_id IS NOT NULL LIMIT 1").fetchone()
    database.close()
    original = tmp_path / "decision.pdf"
    original.write_bytes(pdf)
    assert "通过" in run("verify-doc", str(original), "--data-dir", str(demo_dir)).stdout
    changed = bytearray(pdf)
    changed[pdf.index(b"/Type /Page") + 2] ^= 0x01
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(changed))
    result = run("verify-doc", str(tampered), "--data-dir", str(demo_dir), check=False)
    assert result.returncode == 4
    assert "未通过" in result.stdout
    padded = tmp_path / "padded.pdf"
    padded.write_bytes(pdf + b"\r\n")  # what some mail gateways do to attachments
    assert "通过" in run("verify-doc", str(padded), "--data-dir", str(demo_dir)).stdout


def test_verify_doc_reports_a_receipt_as_unsealed_not_forged(demo_dir: Path,
                                                              tmp_path: Path) -> None:
    from app.print_templates import DocumentKind
    from app.services import accounts, cases, documents
    from app.services.demo import DEMO_PASSWORD
    from app.services.runtime import open_runtime

    with open_runtime(demo_dir, backups=False) as runtime:
        case_id = json.loads(run("cases", "--json", "--data-dir", str(demo_dir)).stdout)[0]["id"]
        department = cases.get_case(runtime.uow, case_id).department_code
        clerk = accounts.authenticate(runtime.uow, username=f"clerk_{department.lower()}",
                                      password=DEMO_PASSWORD)
        issued = documents.issue_unsealed(runtime.uow, clerk, case_id, DocumentKind.RECEIPT)
    number = issued.document_number
    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(issued.pdf)
    result = run("verify-doc", str(receipt), "--data-dir", str(demo_dir), check=False)
    assert result.returncode == 5
    assert "未盖章" in result.stdout and number in result.stdout
    assert "改动" not in result.stdout


def test_commands_log_what_they_did_without_personal_numbers(demo_dir: Path) -> None:
    run("audit", "verify", "--data-dir", str(demo_dir))
    logs = list(Path(_HOME).rglob("*.log"))
    assert logs, "no log file written"
    text = "".join(path.read_text(encoding="utf-8") for path in logs)
    assert "station=cli" in text
    assert not re.search(r"\b\d{17}[\dX]\b", text)


def _case_with_state(demo_dir: Path, state: str) -> str:
    cases = json.loads(run("cases", "--json", "--data-dir", str(demo_dir)).stdout)
    return next(c["number"] for c in cases if c["state"] == state)


def test_print_writes_the_issued_decision_and_its_word_file(demo_dir: Path,
                                                            tmp_path: Path) -> None:
    import io

    import docx
    import pdfplumber

    number = _case_with_state(demo_dir, "delivered")
    pdf_path, docx_path = tmp_path / "d.pdf", tmp_path / "d.docx"
    out = run("print", number, "--doc", "approval", "--out", str(pdf_path),
              "--data-dir", str(demo_dir)).stdout
    assert "已输出" in out and "草稿" not in out
    with pdfplumber.open(pdf_path) as pdf:
        assert "准予行政许可决定书" in (pdf.pages[0].extract_text() or "").replace(" ", "")
    out = run("print", number, "--doc", "approval", "--format", "docx", "--out",
              str(docx_path), "--data-dir", str(demo_dir)).stdout
    assert "Word 参考副本" in out and "不含印章" in out
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(docx_path.read_bytes())).paragraphs)
    assert "准予行政许可决定书" in text.replace(" ", "")
    assert "以该PDF文件为准" in text
    with zipfile.ZipFile(docx_path) as archive:
        assert len([n for n in archive.namelist() if n.startswith("word/media/")]) == 1  # QR


def test_print_refuses_an_approval_decision_for_a_rejected_case(demo_dir: Path,
                                                               tmp_path: Path) -> None:
    number = _case_with_state(demo_dir, "rejected")
    result = run("print", number, "--doc", "approval", "--out", str(tmp_path / "x.pdf"),
                 "--data-dir", str(demo_dir), check=False)
    assert result.returncode == 1
    assert "没有准予行政许可决定书" in result.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_print_of_a_public_service_case_gives_its_result_notice_not_a_licence(
    demo_dir: Path, tmp_path: Path
) -> None:
    import io

    import docx

    listed = json.loads(run("cases", "--json", "--data-dir", str(demo_dir)).stdout)
    numbers = [c["number"] for c in listed
               if c["matter"] == "婚姻登记档案查询" and c["state"] == "completed"]
    out = tmp_path / "result.docx"
    # The demo has one done (办结通知书) and one refused (不予办理告知书).
    printed = {number: run("print", number, "--doc", "result", "--format", "docx", "--out",
                           str(out), "--data-dir", str(demo_dir), check=False)
               for number in numbers}
    number = next(n for n, result in printed.items() if result.returncode == 0)
    refused = run("print", number, "--doc", "approval", "--out", str(tmp_path / "x.pdf"),
                  "--data-dir", str(demo_dir), check=False)
    assert refused.returncode == 1
    assert "公共服务事项，不是行政许可，没有准予行政许可决定书" in refused.stderr
    assert "请使用 --doc result" in refused.stderr
    assert not (tmp_path / "x.pdf").exists()
    printed_text = run("print", number, "--doc", "result", "--format", "docx", "--out",
                       str(out), "--data-dir", str(demo_dir)).stdout
    assert "已输出 清民结〔" in printed_text
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(out.read_bytes())).paragraphs)
    assert "清河县民政局办结通知书" in text
    assert "行政许可" not in text


def test_print_ledger_writes_the_period(demo_dir: Path, tmp_path: Path) -> None:
    import pdfplumber

    out = tmp_path / "ledger.pdf"
    run("print-ledger", "--from", "2026-01-01", "--to", "2026-12-31", "--department", "SCJ",
        "--out", str(out), "--data-dir", str(demo_dir))
    with pdfplumber.open(out) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages).replace(" ", "")
        cells = ["".join((cell or "").split()) for page in pdf.pages
                 for table in page.extract_tables() for row in table for cell in row]
    assert "用印登记簿" in text
    assert "保管部门：清河县市场监督管理局" in text
    assert {"印章（名称、类别、编号）", "用印事由", "份数"} <= set(cells)
    assert "当场受理，出具受理通知书" in cells
    assert any("（受理专用章，" in cell for cell in cells)


def test_print_ledger_of_several_departments_asks_which_one(demo_dir: Path,
                                                            tmp_path: Path) -> None:
    result = run("print-ledger", "--out", str(tmp_path / "l.pdf"), "--data-dir", str(demo_dir),
                 check=False)
    assert result.returncode == 1
    assert "分别签署" in result.stderr and "--department" in result.stderr
    assert not (tmp_path / "l.pdf").exists()


@pytest.mark.parametrize(("state", "doc", "title"), [
    ("delivered", "delivery", "送达回证"),
    ("awaiting_supplement", "notice", "一次性告知书"),
    ("rejected", "rejection", "不予受理通知书"),
])
def test_print_gives_the_notice_sealed_when_its_act_was_recorded(
    demo_dir: Path, tmp_path: Path, state: str, doc: str, title: str
) -> None:
    import pdfplumber

    number = _case_with_state(demo_dir, state)
    out = tmp_path / f"{doc}.pdf"
    printed = run("print", number, "--doc", doc, "--out", str(out),
                  "--data-dir", str(demo_dir)).stdout
    assert "已输出" in printed and "草稿" not in printed
    with pdfplumber.open(out) as pdf:
        assert title in (pdf.pages[0].extract_text() or "").replace(" ", "")
    assert "通过" in run("verify-doc", str(out), "--data-dir", str(demo_dir)).stdout
