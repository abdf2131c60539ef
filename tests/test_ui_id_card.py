"""受理登记 with the ID card reader: F2 fills the form from the fake termb library, the
photo goes with the case, a failed read leaves typing possible."""

from __future__ import annotations

import os
from pathlib import Path

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLabel, QLineEdit, QPushButton

from app.devices.id_card_reader import TermbReader
from app.forms.case_page import CasePage
from app.forms.registration import RegistrationPage
from app.services import cases
from tests import test_ui_support
from tests.device_fixtures import (
    NO_CARD,
    REMOVED_MID_READ,
    accept_on_page,
    fake_termb,
    fake_termb_library,
)
from tests.test_ui_support import GUI, find, type_into, wait_idle

pytestmark = GUI
gui_profile = test_ui_support.gui_profile
__all__ = ["fake_termb", "fake_termb_library"]
# Where to save the screens for a person to look at (not asserted): COUNTERDESK_TEST_SHOTS.
SHOTS_DIR = os.environ.get("COUNTERDESK_TEST_SHOTS", "")


def _page(qtbot, gui_profile, reader) -> RegistrationPage:
    context = gui_profile.context(gui_profile.staff.clerk, id_card_reader=reader)
    page = RegistrationPage(context)
    qtbot.addWidget(page)
    page.resize(1280, 760)
    page.show()
    page.activate()
    wait_idle(qtbot, context)
    type_into(qtbot, find(page, QLineEdit, "matterSearchEdit"), "gtgshdj")
    qtbot.waitUntil(lambda: page.picker.matter is not None)
    return page


def _read(qtbot, page: RegistrationPage) -> None:
    qtbot.keyClick(page, Qt.Key.Key_F2)
    wait_idle(qtbot, page.context)


def test_f2_fills_the_applicant_from_the_card_and_the_photo_goes_with_the_case(
        qtbot, gui_profile, fake_termb) -> None:
    page = _page(qtbot, gui_profile, TermbReader(str(fake_termb.path)))
    _read(qtbot, page)
    assert find(page, QLineEdit, "applicantNameEdit").text() == "王小丫"
    assert find(page, QLineEdit, "applicantIdEdit").text() == "11010519491231002X"
    assert find(page, QLineEdit, "applicantAddressEdit").text().startswith("北京市朝阳区")
    facts = find(page, QLabel, "cardFactsLabel").text()
    assert "汉族" in facts and "长期" in facts and "北京市公安局朝阳分局" in facts
    assert find(page, QLabel, "cardPhotoLabel").isVisible()
    assert not find(page, QLabel, "applicantIdEditError").isVisible()
    if SHOTS_DIR:
        page.grab().save(str(Path(SHOTS_DIR) / "id-card-read.png"))
    outcome = accept_on_page(qtbot, page)
    case = cases.get_case(gui_profile.runtime.uow, outcome.case.id)
    assert case.id_card["gender"] == "女"
    photo = gui_profile.runtime.profile.attachments_dir / case.id_card["photo"]["sha256"]
    assert photo.read_bytes().startswith(b"BM")
    assert find(page, QLabel, "cardFactsLabel").text() == ""  # ready for the next one
    case_page = CasePage(page.context)
    qtbot.addWidget(case_page)
    case_page.show()
    with qtbot.waitSignal(case_page.loaded, timeout=10000):
        case_page.load(case.id)
    overview = case_page.overview.toPlainText()
    assert "身份证读卡" in overview and "汉族" in overview and "照片已存档" in overview


def test_a_card_removed_mid_read_says_so_and_typing_still_works(
        qtbot, gui_profile, fake_termb) -> None:
    page = _page(qtbot, gui_profile, TermbReader(str(fake_termb.path)))
    type_into(qtbot, find(page, QLineEdit, "applicantNameEdit"), "张三")
    fake_termb.set_state(REMOVED_MID_READ)
    _read(qtbot, page)
    assert page.message_bar.level == "error"
    assert "身份证被移开" in page.message_bar.text
    assert find(page, QLineEdit, "applicantNameEdit").text() == "张三"
    type_into(qtbot, find(page, QLineEdit, "applicantIdEdit"), "11010519491231002X")
    assert page.card_panel.card is None
    assert not find(page, QLabel, "applicantIdEditError").isVisible()


def test_no_card_on_the_reader_asks_for_it(qtbot, gui_profile, fake_termb) -> None:
    page = _page(qtbot, gui_profile, TermbReader(str(fake_termb.path)))
    fake_termb.set_state(NO_CARD)
    _read(qtbot, page)
    assert "没有身份证" in page.message_bar.text


def test_without_a_reader_there_is_no_button_and_f2_says_to_type(qtbot, gui_profile) -> None:
    page = _page(qtbot, gui_profile, None)
    assert not find(page, QPushButton, "readCardButton").isVisible()
    _read(qtbot, page)
    assert "未配置身份证阅读器" in page.message_bar.text


def test_editing_the_number_after_a_read_drops_the_card(qtbot, gui_profile,
                                                       fake_termb) -> None:
    page = _page(qtbot, gui_profile, TermbReader(str(fake_termb.path)))
    _read(qtbot, page)
    assert page.card_panel.card is not None
    type_into(qtbot, find(page, QLineEdit, "applicantIdEdit"), "1")
    assert page.card_panel.card is None
    assert find(page, QLabel, "cardFactsLabel").text() == ""
