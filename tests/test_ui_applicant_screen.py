"""The applicant's screen offscreen: it follows the clerk's ticks, shows the outcome and the
promised date, takes the applicant's 好差评 and blanks; nothing of another applicant."""

from __future__ import annotations

import os
from pathlib import Path

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QGuiApplication
from PyQt6.QtWidgets import QLineEdit

from app.forms.applicant_screen import ApplicantScreen, chosen_screen, open_applicant_screen
from app.forms.registration import RegistrationPage
from app.services import cases
from app.settings import Settings
from tests import test_ui_support
from tests.device_fixtures import accept_on_page
from tests.test_ui_support import GUI, find, type_into, wait_idle

pytestmark = GUI
gui_profile = test_ui_support.gui_profile
SHOTS_DIR = os.environ.get("COUNTERDESK_TEST_SHOTS", "")


def _setup(qtbot, gui_profile) -> tuple[RegistrationPage, ApplicantScreen]:
    context = gui_profile.context(gui_profile.staff.clerk)
    page = RegistrationPage(context)
    qtbot.addWidget(page)
    page.resize(1280, 720)
    page.show()
    page.activate()
    wait_idle(qtbot, context)
    screen = open_applicant_screen(context, page, screen=QGuiApplication.primaryScreen(),
                                   full_screen=False)
    assert screen is not None
    qtbot.addWidget(screen)
    screen.resize(1280, 720)
    return page, screen


def _shot(widget, name: str) -> None:
    if SHOTS_DIR:
        widget.grab().save(str(Path(SHOTS_DIR) / name))


def _register_and_accept(qtbot, page: RegistrationPage, name: str = "张三") -> object:
    return accept_on_page(qtbot, page, name=name, id_number="11010519491231002X")


def _choose_matter(qtbot, page: RegistrationPage) -> None:
    type_into(qtbot, find(page, QLineEdit, "matterSearchEdit"), "gtgshdj")
    qtbot.waitUntil(lambda: page.picker.matter is not None)


def _shown(screen: ApplicantScreen) -> str:
    return screen.title_label.text() + screen.body_label.text() + screen.call_label.text()


def test_the_screen_follows_the_materials_as_the_clerk_ticks_them(qtbot, gui_profile) -> None:
    page, screen = _setup(qtbot, gui_profile)
    assert "欢迎办理" in _shown(screen)
    _choose_matter(qtbot, page)
    page.materials.rows[0].received_check.click()
    text = _shown(screen)
    assert "个体工商户登记" in text and "承诺办理时限：受理后3个工作日" in text
    assert "✔</td><td>个体工商户登记申请书</td><td style='color:#1e8449'>已收取" in text
    assert "经营场所使用证明</td><td style='color:#c0392b'>待提交" in text
    assert not screen.rating_buttons["satisfied"].isVisible()
    _shot(screen, "applicant-screen-materials.png")


def test_the_applicant_rates_on_the_screen_and_it_is_recorded_as_theirs(
        qtbot, gui_profile) -> None:
    page, screen = _setup(qtbot, gui_profile)
    _choose_matter(qtbot, page)
    outcome = _register_and_accept(qtbot, page)
    qtbot.waitUntil(lambda: screen.case_id == outcome.case.id)
    text = _shown(screen)
    assert outcome.case.number in text and "承诺办结日期" in text
    assert "张三" not in text and "002X" not in text  # no name, no ID number
    assert all(button.isVisible() for button in screen.rating_buttons.values())
    _shot(screen, "applicant-screen-rating.png")
    qtbot.mouseClick(screen.rating_buttons["satisfied"], Qt.MouseButton.LeftButton)
    wait_idle(qtbot, page.context)
    case = cases.get_case(gui_profile.runtime.uow, outcome.case.id)
    assert case.evaluation["rating"] == "satisfied"
    assert case.evaluation["channel"] == "counter_screen"
    assert case.evaluation["source"] == "applicant"
    assert "感谢您的评价" in _shown(screen)
    assert outcome.case.number not in _shown(screen)
    _shot(screen, "applicant-screen-thanks.png")


def test_the_next_applicant_never_sees_the_last_ones_case(qtbot, gui_profile) -> None:
    page, screen = _setup(qtbot, gui_profile)
    _choose_matter(qtbot, page)
    outcome = _register_and_accept(qtbot, page)
    qtbot.waitUntil(lambda: screen.case_id == outcome.case.id)
    type_into(qtbot, find(page, QLineEdit, "applicantNameEdit"), "李四")
    assert screen.case_id == ""
    assert outcome.case.number not in _shown(screen)
    assert not screen.rating_buttons["satisfied"].isVisible()


def test_a_press_after_the_screen_blanked_records_nothing(qtbot, gui_profile) -> None:
    page, screen = _setup(qtbot, gui_profile)
    _choose_matter(qtbot, page)
    outcome = _register_and_accept(qtbot, page)
    qtbot.waitUntil(lambda: screen.case_id == outcome.case.id)
    screen.blank()
    screen.rating_buttons["unsatisfied"].click()
    wait_idle(qtbot, page.context)
    assert cases.get_case(gui_profile.runtime.uow, outcome.case.id).evaluation is None


def test_without_a_screen_configured_there_is_no_window(qtbot, gui_profile, tmp_path) -> None:
    settings = Settings(tmp_path / "settings.json")
    context = gui_profile.context(gui_profile.staff.clerk, settings=settings)
    page = RegistrationPage(context)
    qtbot.addWidget(page)
    assert open_applicant_screen(context, page) is None
    settings.set("applicant_screen", 2)  # a second monitor that is not connected
    assert chosen_screen(2) is None
    assert open_applicant_screen(context, page) is None
