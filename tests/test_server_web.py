"""The server's two web pages in a real headless Chromium (Debian's chromium and
chromium-driver, driven with selenium): the public verification page of a scanned QR
code and the county IT staff's console. The server runs on 127.0.0.1, started here.

Screenshots go to $COUNTERDESK_SCREENSHOTS (or the test's temporary folder).
"""

from __future__ import annotations

import io
import os
import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pypdf
import pytest
import requests
from sqlalchemy import select

from app.domain.errors import AuthenticationError
from app.print_templates import parse_verification_url
from app.services import cases, seals
from app.sync.protocol import VERIFICATIONS_PATH
from server import accounts
from server.cli import main as server_main
from server.database import ServerConfig
from server.models import AdminAudit, Station, VerificationRecord
from tests.sync_fixtures import (
    APPLICANT,
    PASSWORD,
    LiveServer,
    StationProfile,
    make_station,
    received_materials,
    session_with,
)

ADMIN_PASSWORD = "county-it-2026"
PHONE = (390, 844)
DESKTOP = (1366, 900)


def _browser() -> Any:
    binary = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                   if shutil.which(n)), None)
    driver_path = shutil.which("chromedriver")
    if binary is None or driver_path is None:
        pytest.skip("no Chromium with chromedriver found (Debian: apt-get install chromium "
                    "chromium-driver; .ci/run installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--lang=zh-CN",
                     f"--window-size={DESKTOP[0]},{DESKTOP[1]}"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(driver_path), options=options)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    driver = _browser()
    yield driver
    driver.quit()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("COUNTERDESK_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(ServerConfig(tmp_path / "server")).start()
    yield live
    live.dispose()


def _look(browser: Any, url: str, size: tuple[int, int]) -> str:
    browser.set_window_size(*size)
    browser.get(url)
    return str(browser.find_element("tag name", "body").text)


def _loads_next_page(browser: Any, action: Any) -> None:
    """Do ``action`` (a click) and wait until the page it submits to has replaced this one."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    old = browser.find_element("tag name", "html")

    def replaced(_browser: Any) -> bool:
        try:
            old.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            # What chromedriver says instead, asked while the old document goes away.
            if "does not belong to the document" in str(error.msg):
                return True
            raise
        return False

    action()
    WebDriverWait(browser, 10).until(replaced)


def _shot(browser: Any, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    browser.save_screenshot(str(path))
    assert path.stat().st_size > 1000
    return path


# --- a station that seals ------------------------------------------------------------


class _Recorder(requests.adapters.HTTPAdapter):
    """Notes the path of every request a station's sync client sends."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    def send(self, request: requests.PreparedRequest, *args: Any,  # type: ignore[override]
             **kwargs: Any) -> requests.Response:
        self.paths.append(f"{request.method} {request.path_url.split('?')[0]}")
        return super().send(request, *args, **kwargs)


def _sealing_station(server: LiveServer, folder: Path, recorder: _Recorder | None = None
                     ) -> StationProfile:
    factory = session_with(recorder) if recorder is not None else None
    station = make_station(folder, "XZ02", "中心2号窗口", session_factory=factory)
    station.engine.enroll(server.url, server.create_station("中心2号窗口", "XZ02"))
    seals.register_seal(
        station.uow, station.admin, station.runtime.key_store, department_code="SCJ",
        authority_name="县市场监督管理局", serial="130534SCJ0010",
        custodian_id=station.chief.id, valid_from=date(2026, 1, 1), valid_to=None,
        made_on=date(2025, 12, 1), made_by="刻章点",
    )
    return station


def _approve_and_seal(station: StationProfile, **options: Any) -> tuple[str, Any]:
    case = cases.register_case(station.uow, station.clerk, matter_code="SCJ-001",
                               applicant=APPLICANT, materials=received_materials())
    cases.accept(station.uow, station.clerk, case.id, seal=station.counter_seal)
    cases.review(station.uow, station.clerk2, case.id, conforms=True, opinion="材料齐全")
    cases.approve(station.uow, station.chief, case.id, opinion="同意")
    issued = seals.apply_seal(station.uow, station.chief, case.id,
                              document_kind="approval_decision", password=PASSWORD,
                              key_store=station.runtime.key_store, **options)
    return case.id, issued


def _qr_url(issued: Any) -> str:
    return str(pypdf.PdfReader(io.BytesIO(issued.pdf)).metadata["/Keywords"])


def _forged(url: str) -> str:
    base, _, code = url.partition("?c=")
    return f"{base}?c={'A' if code[0] != 'A' else 'B'}{code[1:]}"


# --- the public page -------------------------------------------------------------------


def test_a_document_sealed_offline_verifies_on_a_phone_once_its_station_has_synced(
    server: LiveServer, browser: Any, shots: Path, tmp_path: Path
) -> None:
    station = _sealing_station(server, tmp_path / "xz02")
    try:
        case_id, issued = _approve_and_seal(station)
        url = _qr_url(issued)
        assert url.startswith(f"{server.url}/v/{issued.id}?c=")

        before = _look(browser, url, PHONE)
        _shot(browser, shots, "verify-not-synced")
        assert "尚未同步" in before and "未能核验" in before
        assert "县市场监督管理局" not in before  # nothing shown of a document not on record

        assert station.engine.sync_once().ok
        page = _look(browser, url, PHONE)
        _shot(browser, shots, "verify-valid-phone")
        assert browser.find_element("id", "verdict").get_attribute("data-state") == "valid"
        assert "核验通过" in page
        assert browser.find_element("id", "authority").text == "县市场监督管理局"
        assert browser.find_element("id", "kind").text == "准予行政许可决定书"
        assert browser.find_element("id", "number").text == issued.document_number
        number = cases.get_case(station.uow, case_id).number
        assert browser.find_element("id", "case").text == number
        assert browser.find_element("id", "applicant").text == "张*"
        # Nothing beyond the paper: no full name, ID or phone number in the page at all.
        source = browser.page_source
        for secret in (APPLICANT["name"], APPLICANT["id_number"], APPLICANT["phone"],
                       APPLICANT["id_number"][-4:], "138****"):
            assert secret not in source
        # Readable on a phone: nothing wider than the screen.
        width = browser.execute_script("return document.documentElement.scrollWidth")
        inner = browser.execute_script("return window.innerWidth")
        assert width <= inner

        forged = _look(browser, _forged(url), PHONE)
        _shot(browser, shots, "verify-forged")
        assert "核验未通过" in forged and issued.document_number not in forged
        unknown = _look(browser, url.replace(issued.id, "0" * 8 + issued.id[8:]), PHONE)
        assert "未能核验" in unknown and issued.document_number not in unknown
    finally:
        station.close()


def test_the_records_travel_before_the_events_and_a_correction_supersedes(
    server: LiveServer, browser: Any, shots: Path, tmp_path: Path
) -> None:
    recorder = _Recorder()
    station = _sealing_station(server, tmp_path / "xz02", recorder)
    try:
        case_id, first = _approve_and_seal(station)
        assert station.engine.sync_once().ok
        assert recorder.paths.index(f"POST {VERIFICATIONS_PATH}") < recorder.paths.index(
            "POST /api/v1/events/push")
        with server.session() as session:
            record = session.get(VerificationRecord, first.id)
            assert record is not None and record.applicant == "张*"
            assert first.document_number in record.document_number
            # The code is kept as a hash, not as printed.
            _, code = parse_verification_url(_qr_url(first))
            assert code.replace("-", "") not in str(record.code_hash).upper()

        corrected = seals.apply_seal(station.uow, station.chief, case_id,
                                     document_kind="approval_decision", password=PASSWORD,
                                     key_store=station.runtime.key_store, supersedes=first.id)
        assert station.engine.sync_once().ok
        old = _look(browser, _qr_url(first), PHONE)
        _shot(browser, shots, "verify-superseded")
        assert "已被更正" in old
        assert browser.find_element("id", "superseded-by").text == corrected.document_number
        new = _look(browser, _qr_url(corrected), PHONE)
        assert "核验通过" in new
    finally:
        station.close()


def test_the_public_page_refuses_a_client_that_asks_too_often(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COUNTERDESK_VERIFY_PER_MINUTE", "3")
    live = LiveServer(ServerConfig(tmp_path / "server")).start()
    try:
        url = f"{live.url}/v/{'a' * 8}-0000-4000-8000-{'b' * 12}?c=AAAABBBBCCCCDDDD"
        answers = [requests.get(url, timeout=5) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert "查询过于频繁" in answers[-1].text
        assert answers[0].headers["Cache-Control"] == "no-store"
    finally:
        live.dispose()


# --- the console -------------------------------------------------------------------------


def _add_admin(server: LiveServer, username: str = "it") -> None:
    with server.session() as session:
        accounts.create_account(session, username=username, display_name="县信息中心王工",
                                password=ADMIN_PASSWORD)
        session.commit()


def _log_in(browser: Any, server: LiveServer, password: str = ADMIN_PASSWORD,
            username: str = "it") -> str:
    browser.set_window_size(*DESKTOP)
    browser.delete_all_cookies()
    browser.get(f"{server.url}/admin")
    browser.find_element("id", "username").send_keys(username)
    browser.find_element("id", "password").send_keys(password)
    _loads_next_page(browser, browser.find_element("id", "login").click)
    return str(browser.find_element("tag name", "body").text)


def _submit(browser: Any, form_id: str, **fields: str) -> str:
    form = browser.find_element("id", form_id)
    for name, value in fields.items():
        element = form.find_element("name", name)
        if element.tag_name == "select":
            from selenium.webdriver.support.ui import Select

            Select(element).select_by_value(value)
        else:
            element.clear()
            element.send_keys(value)
    _loads_next_page(browser, form.find_element("css selector", "button[type=submit]").click)
    return str(browser.find_element("tag name", "body").text)


def test_console_login_locks_out_after_five_wrong_passwords(
    server: LiveServer, browser: Any, shots: Path
) -> None:
    _add_admin(server)
    for left in (4, 3, 2, 1):
        assert f"还可尝试{left}次" in _log_in(browser, server, "wrong-password-1")
    assert "已锁定15分钟" in _log_in(browser, server, "wrong-password-1")
    locked = _log_in(browser, server)  # the right password, too late
    _shot(browser, shots, "console-locked")
    assert "已锁定" in locked and "服务器概况" not in locked
    with server.session() as session:
        outcomes = [a.outcome for a in session.scalars(select(AdminAudit).order_by(AdminAudit.id))]
    assert outcomes == ["bad_credentials"] * 4 + ["locked", "locked"]
    # The CLI unlocks it (and sets a new password).
    os.environ["COUNTERDESK_ADMIN_PASSWORD"] = "county-it-2027"
    try:
        assert server_main(["add-admin", "it", "--reset",
                            "--data-dir", str(server.config.data_dir)]) == 0
    finally:
        del os.environ["COUNTERDESK_ADMIN_PASSWORD"]
    assert "服务器概况" in _log_in(browser, server, "county-it-2027")


def test_console_shows_stations_as_they_report_and_audits_every_act(
    server: LiveServer, browser: Any, shots: Path, tmp_path: Path
) -> None:
    _add_admin(server)
    station = _sealing_station(server, tmp_path / "xz02")
    try:
        _approve_and_seal(station)
        station.engine.sync_once()
        # A fresh case waits in the outbox; the next round's station request says how
        # many events wait before pushing them.
        cases.register_case(station.uow, station.clerk, matter_code="SCJ-001",
                            applicant=APPLICANT, materials=received_materials())
        queued = len(station.outbox())
        assert queued > 0
        assert station.engine.sync_once().ok
        with server.session() as session:
            row = session.scalar(select(Station).where(Station.code == "XZ02"))
            assert row is not None and row.protocol_version == 1
            assert row.reported_outbox == queued

        page = _log_in(browser, server)
        assert "服务器概况" in page
        cells = [c.text for c in browser.find_elements(
            "css selector", "#stations tr[data-code=XZ02] td")]
        assert cells[0] == "XZ02" and cells[2].startswith("已登记")
        assert cells[5] == str(queued) and cells[6] == "1" and cells[7] == "当前"
        _shot(browser, shots, "console-dashboard")

        created = _submit(browser, "new-station", name="城关镇便民服务站", code="XC01")
        _shot(browser, shots, "console-enrollment-code")
        code = browser.find_element("id", "code").text
        assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4})+", code), created
        assert "只能使用一次" in created

        browser.get(f"{server.url}/admin")
        revoke = browser.find_element(
            "css selector", "#stations tr[data-code=XC01] form[action$='/revoke'] button")

        def confirm() -> None:
            revoke.click()
            browser.switch_to.alert.accept()

        _loads_next_page(browser, confirm)
        assert "已注销站点 XC01" in browser.find_element("id", "flash").text

        browser.get(f"{server.url}/admin/calendar")
        published = _submit(browser, "calendar-form", year="2027",
                            holidays="2027-01-01\n2027-10-01", adjusted_workdays="2027-09-26")
        assert "已发布 2027 年节假日安排" in published
        wrong = _submit(browser, "calendar-form", year="2027", holidays="2028-01-01")
        assert "不在 2027 年内" in wrong

        browser.get(f"{server.url}/admin/audit")
        _shot(browser, shots, "console-audit")
        audit = browser.find_element("id", "audit").text
        for action in ("登录", "新增站点", "注销站点凭据", "发布节假日"):
            assert action in audit
        assert "被拒绝" in audit and "不在 2027 年内" in audit  # refused acts are on record too
    finally:
        station.close()


def test_what_the_console_publishes_reaches_the_station_and_a_revocation_the_page(
    server: LiveServer, browser: Any, shots: Path, tmp_path: Path
) -> None:
    import json

    from app.services import accounts as station_accounts
    from app.store.models import Seal as SealRow
    from tests.sync_fixtures import business_matter

    _add_admin(server)
    station = _sealing_station(server, tmp_path / "xz02")
    try:
        _, issued = _approve_and_seal(station)
        assert station.engine.sync_once().ok
        _log_in(browser, server)

        browser.get(f"{server.url}/admin/catalog")
        matter = business_matter(code="ZJJ-007", name="建筑工程施工许可", department_code="ZJJ",
                                 department_name="")
        document = {"departments": [{"code": "SCJ", "name": "县市场监督管理局"},
                                    {"code": "ZJJ", "name": "县住房和城乡建设局"}],
                    "matters": [{k: v for k, v in matter.to_dict().items()
                                 if k != "department_name"}]}
        browser.execute_script("document.getElementById('catalog-json').value = arguments[0]",
                               json.dumps(document, ensure_ascii=False))
        _loads_next_page(browser, browser.find_element("css selector", "#catalog-form button").click)
        assert "已发布：部门变更" in browser.find_element("id", "flash").text
        assert "建筑工程施工许可" in browser.find_element("id", "matters").text
        bad = _submit(browser, "catalog-form", document="{not json")
        assert "JSON 格式不正确" in bad

        browser.get(f"{server.url}/admin/staff?station=XZ02")
        saved = _submit(browser, "staff-form", username="newclerk", name="新受理员",
                        roles="clerk", department="ZJJ")
        assert "已保存站点 XZ02 的人员 newclerk" in saved
        assert "新受理员" in browser.find_element("id", "staff").text
        refused = _submit(browser, "staff-form", username="x", name="某", roles="boss")
        assert "角色只能是" in refused

        browser.get(f"{server.url}/admin/seals")
        added = _submit(browser, "seal-form", authority="县住房和城乡建设局", serial="ZJJ-2026-01",
                        department="ZJJ", station="XZ02", custodian="chief")
        assert "已登记印章 ZJJ-2026-01" in added
        _shot(browser, shots, "console-seals")

        assert station.engine.sync_once().ok
        with station.uow() as uow:
            assert uow.catalog.matter("ZJJ-007") is not None
            seal = uow.session.scalars(select(SealRow).where(SealRow.serial == "ZJJ-2026-01")).one()
            assert seal.data["authority_name"] == "县住房和城乡建设局"
        # The new clerk arrives without a password (credentials never travel in sync):
        # no password logs in until the station's administrator gives the first one.
        with station.uow() as uow:
            assert uow.users.by_username("newclerk") is not None
        with pytest.raises(AuthenticationError):
            station_accounts.authenticate(station.uow, username="newclerk", password="welcome2027")

        browser.get(f"{server.url}/admin/documents?number={issued.document_number}")
        row = browser.find_element("id", "documents")
        row.find_element("name", "decision_number").send_keys("县市监撤〔2026〕1号")
        row.find_element("name", "reason").send_keys("以欺骗手段取得行政许可（行政许可法第六十九条第二款）")
        _loads_next_page(browser, row.find_element("css selector", "button").click)
        assert "已登记撤销" in browser.find_element("id", "flash").text
        _shot(browser, shots, "console-documents")

        page = _look(browser, _qr_url(issued), PHONE)
        _shot(browser, shots, "verify-revoked")
        assert "文书已被撤销" in page
        assert "县市监撤〔2026〕1号" in browser.find_element("id", "revocation").text
    finally:
        station.close()


def test_a_console_act_without_the_session_or_its_csrf_token_changes_nothing(
    server: LiveServer
) -> None:
    _add_admin(server)
    server.create_station("城关镇便民服务站", "XC01")
    base = f"{server.url}/admin"
    anonymous = requests.post(f"{base}/stations/XC01/revoke", data={"csrf": "x"},
                              allow_redirects=False, timeout=10)
    assert anonymous.status_code == 303 and anonymous.headers["location"].endswith("/login")
    client = requests.Session()
    logged = client.post(f"{base}/login", data={"username": "it", "password": ADMIN_PASSWORD},
                         timeout=10)
    assert "服务器概况" in logged.text
    forged = client.post(f"{base}/stations/XC01/revoke", data={"csrf": "not-the-token"},
                         timeout=10)
    assert "表单已过期" in forged.text
    with server.session() as session:
        station = session.scalar(select(Station).where(Station.code == "XC01"))
        assert station is not None and station.revoked_at is None
        outcomes = [(a.action, a.outcome) for a in session.scalars(select(AdminAudit))]
    assert ("revoke_station", "csrf_refused") in outcomes
    # The session cookie is HttpOnly and SameSite=Strict, limited to the console.
    cookie = logged.history[0].headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/admin" in cookie
