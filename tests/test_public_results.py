"""办理结果公告: what is published, masked, per matter; the exports; the page in Chromium."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.domain.errors import PermissionDenied
from app.domain.publication import PublicationRule, mask_person_name
from app.services import public_results
from app.services.runtime import Runtime
from tests.profile_fixtures import MONDAY, Staff, make_profile, register_approval_seal
from tests.test_archives import _completed


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[tuple[Runtime, Staff]]:
    runtime, staff = make_profile(tmp_path / "profile")
    register_approval_seal(runtime, staff)
    yield runtime, staff
    runtime.close()


def test_names_are_masked_to_their_first_character() -> None:
    assert mask_person_name("张三") == "张*"
    assert mask_person_name("欧阳娜娜") == "欧***"
    assert mask_person_name("李") == "李*"


def test_by_default_an_approval_is_published_with_nothing_personal(profile) -> None:
    runtime, staff = profile
    case = _completed(runtime, staff)
    [result] = public_results.public_results(runtime.uow, staff.supervisor)
    assert (result.case_number, result.result, result.applicant) == (case.number, "准予", "")
    assert result.document_number == "县市监许〔2026〕1号"
    assert result.completed_on == MONDAY.date()
    text = public_results.export_csv([result]).decode("utf-8-sig")
    assert "张三" not in text and "11010519491231002X" not in text and "13800138000" not in text


def test_a_matter_may_show_the_applicant_masked_or_publish_nothing(profile) -> None:
    runtime, staff = profile
    _completed(runtime, staff)
    public_results.set_publication_rule(runtime.uow, staff.admin, "SCJ-001",
                                        PublicationRule(applicant="masked"))
    [result] = public_results.public_results(runtime.uow, staff.supervisor)
    assert result.applicant == "张*"
    public_results.set_publication_rule(runtime.uow, staff.admin, "SCJ-001",
                                        PublicationRule(publish=False))
    assert public_results.public_results(runtime.uow, staff.supervisor) == []


def test_only_the_administrator_sets_what_a_matter_publishes(profile) -> None:
    runtime, staff = profile
    with pytest.raises(PermissionDenied):
        public_results.set_publication_rule(runtime.uow, staff.clerk, "SCJ-001",
                                            PublicationRule(applicant="masked"))


def test_csv_has_the_headers_and_one_row_per_result(profile) -> None:
    runtime, staff = profile
    _completed(runtime, staff)
    results = public_results.public_results(runtime.uow, staff.supervisor)
    rows = list(csv.reader(io.StringIO(public_results.export_csv(results).decode("utf-8-sig"))))
    assert rows[0] == list(public_results.CSV_HEADERS)
    assert rows[1][4] == "准予" and rows[1][3] == "—"


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs headless Chromium")
def test_hall_page_renders_in_a_real_browser_and_refreshes_itself(profile, tmp_path) -> None:
    runtime, staff = profile
    case = _completed(runtime, staff)
    results = public_results.public_results(runtime.uow, staff.supervisor)
    page = tmp_path / "hall.html"
    page.write_text(public_results.export_html(results, title="办理结果公告",
                                               generated_at=MONDAY, refresh_seconds=60),
                    encoding="utf-8")
    done = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
         page.as_uri()], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-500:]
    assert case.number in done.stdout and "准予" in done.stdout
    assert 'http-equiv="refresh" content="60"' in done.stdout
    assert "张三" not in done.stdout
