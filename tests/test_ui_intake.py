"""咨询与预约 and the case page's 容缺 / 告知承诺 / 联合踏勘 actions, through the real
widgets; results checked through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLineEdit, QPlainTextEdit, QPushButton

from app.domain.case import CaseState
from app.domain.catalog import CaseType
from app.forms.case_page import CasePage
from app.forms.intake_desk import IntakeDeskPage
from app.forms.registration import RegistrationPage, carry_over
from app.services import appointments, cases, catalog, consultations, inspections, promises
from app.services.context import local_date, utc_now
from app.services.recording import load_calendar
from tests import test_ui_support
from tests.profile_fixtures import NATURAL_APPLICANT, PASSWORD, business_matter, counter_seal
from tests.test_ui_support import GUI, GuiProfile, find, type_into, wait_idle

pytestmark = GUI
gui_profile = test_ui_support.gui_profile

PROMISED = business_matter(promise_materials=("C",), tolerance_materials=("C",))


def _desk(qtbot, profile: GuiProfile) -> IntakeDeskPage:
    context = profile.context(profile.staff.clerk)
    page = IntakeDeskPage(context)
    qtbot.addWidget(page)
    page.resize(1280, 760)
    page.show()
    page.activate()
    wait_idle(qtbot, context)
    return page


def _case_page(qtbot, profile: GuiProfile, user, case_id: str) -> CasePage:
    page = CasePage(profile.context(user))
    qtbot.addWidget(page)
    page.resize(1280, 760)
    page.show()
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.load(case_id)
    return page


def _submit(qtbot, page: CasePage) -> None:
    with qtbot.waitSignal(page.loaded, timeout=15000):
        qtbot.mouseClick(find(page.dialog, QPushButton, "dialogSubmitButton"),
                         Qt.MouseButton.LeftButton)


def test_a_consultation_is_saved_listed_and_carried_into_the_registration(
        qtbot, gui_profile) -> None:
    desk = _desk(qtbot, gui_profile)
    matter = catalog.get_matter(gui_profile.runtime.uow, "SCJ-001")
    desk.picker.set_matter(matter)
    type_into(qtbot, find(desk, QLineEdit, "askerNameEdit"), "王五")
    find(desk, QPlainTextEdit, "answerEdit").setPlainText("告知需提交3项材料，经营场所可承诺。")
    qtbot.mouseClick(desk.save_consultation_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: desk.consultation_list.topLevelItemCount() == 1, timeout=10000)
    row = desk.consultation_list.topLevelItem(0)
    assert row.text(1) == "王五" and row.text(4) == "李受理"
    desk.consultation_list.setCurrentItem(row)
    with qtbot.waitSignal(desk.registerRequested, timeout=10000) as carried:
        qtbot.mouseClick(desk.consultation_to_register_button, Qt.MouseButton.LeftButton)
    values = dict(carried.args[0])
    [saved] = consultations.consultations_on(gui_profile.runtime.uow, gui_profile.staff.clerk,
                                             local_date(utc_now()))
    assert values["consultation_id"] == saved.id and values["name"] == "王五"
    registration = RegistrationPage(gui_profile.context(gui_profile.staff.clerk))
    qtbot.addWidget(registration)
    carry_over(registration, values.pop("matter"), **values)
    assert registration.picker.matter.code == "SCJ-001"
    assert find(registration, QLineEdit, "applicantNameEdit").text() == "王五"
    assert registration.origin == {"consultation_id": saved.id}


def test_the_guide_button_previews_the_one_page_guide(qtbot, gui_profile) -> None:
    desk = _desk(qtbot, gui_profile)
    desk.picker.set_matter(catalog.get_matter(gui_profile.runtime.uow, "SCJ-001"))
    qtbot.mouseClick(desk.print_guide_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: desk.preview_dialog is not None, timeout=15000)
    assert desk.preview_dialog.isVisible()


def test_the_days_appointments_are_listed_and_arrival_carries_the_service_mode(
        qtbot, gui_profile) -> None:
    uow, clerk = gui_profile.runtime.uow, gui_profile.staff.clerk
    today = local_date(utc_now())
    with uow() as reading:
        working = load_calendar(reading).is_working_day(today)
    # Today's list whatever today is: on a day off only 周末服务 may be booked.
    slot, mode, mode_label = (("17:30-18:30", "extended_hours", "延时服务") if working
                              else (appointments.DEFAULT_SLOTS[0], "weekend", "周末服务"))
    booked = appointments.book_appointment(
        uow, clerk, day=today, slot=slot, window_name="3号窗口", matter_code="SCJ-001",
        applicant_name="赵强", applicant_phone="13698765432", channel="phone",
        service_mode=mode)
    desk = _desk(qtbot, gui_profile)
    desk.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: desk.appointment_list.topLevelItemCount() == 1, timeout=10000)
    row = desk.appointment_list.topLevelItem(0)
    assert [row.text(i) for i in (0, 3, 5, 6, 7)] == [
        slot, "赵强", "电话预约", mode_label, "已预约"]
    desk.appointment_list.setCurrentItem(row)
    with qtbot.waitSignal(desk.registerRequested, timeout=10000) as carried:
        qtbot.mouseClick(desk.arrive_button, Qt.MouseButton.LeftButton)
    assert carried.args[0]["appointment_id"] == booked.id
    assert carried.args[0]["service_mode"] == mode


def _promise_case(profile: GuiProfile):
    catalog.save_matter(profile.runtime.uow, profile.staff.admin, PROMISED)
    case = cases.register_case(profile.runtime.uow, profile.staff.clerk, matter_code="SCJ-001",
                               applicant=NATURAL_APPLICANT)
    return cases.record_materials(profile.runtime.uow, profile.staff.clerk, case.id, materials=[
        dict(m, received=m["code"] != "C") for m in case.materials])


def test_tolerance_acceptance_from_the_case_page_needs_the_signed_promise(
        qtbot, gui_profile) -> None:
    case = _promise_case(gui_profile)
    page = _case_page(qtbot, gui_profile, gui_profile.staff.clerk, case.id)
    page.action_buttons["accept_tolerance"].click()
    dialog = page.dialog
    dialog.inputs["p0"].setChecked(False)  # 容缺 only, not 告知承诺
    find(dialog, QLineEdit, "tolerancePasswordEdit").setText(PASSWORD)
    qtbot.mouseClick(find(dialog, QPushButton, "dialogSubmitButton"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, page.context)
    assert dialog.isVisible()
    shown = " ".join(dialog.errors.errors().values()) + dialog.message_bar.text
    assert "承诺书" in shown
    assert cases.get_case(gui_profile.runtime.uow, case.id).state is CaseState.REGISTERED
    dialog.inputs["tolerance_signed"].setChecked(True)
    _submit(qtbot, page)
    accepted = cases.get_case(gui_profile.runtime.uow, case.id)
    assert accepted.tolerance_owed == ["经营场所使用证明"]
    assert "fulfil_tolerance" in page.action_buttons
    assert "暂缺：经营场所使用证明" in page.overview.toPlainText()
    titles = [page.documents_list.topLevelItem(i).text(0)
              for i in range(page.documents_list.topLevelItemCount())]
    assert "容缺受理通知书" in titles and "容缺受理承诺书" in titles


def test_a_broken_promise_shows_red_on_the_applicants_next_case(qtbot, gui_profile) -> None:
    case = _promise_case(gui_profile)
    uow, clerk = gui_profile.runtime.uow, gui_profile.staff.clerk
    cases.accept(uow, clerk, case.id, seal=counter_seal(gui_profile.runtime),
                 promise_materials=["经营场所使用证明"], promise_signed=True)
    page = _case_page(qtbot, gui_profile, clerk, case.id)
    page.action_buttons["check_promise"].click()
    combo = page.dialog.inputs["kept"]
    combo.setCurrentIndex(combo.findData("no"))
    page.dialog.inputs["finding"].setPlainText("租赁合同系伪造")
    _submit(qtbot, page)
    assert cases.get_case(uow, case.id).promise_broken
    later = cases.register_case(uow, clerk, matter_code="SCJ-001", applicant=NATURAL_APPLICANT)
    next_page = _case_page(qtbot, gui_profile, clerk, later.id)
    assert "不实承诺记录" in next_page.overview.toPlainText()
    assert "租赁合同系伪造" in next_page.overview.toPlainText()
    assert "告知承诺" in next_page.message_bar.text
    assert promises.broken_promises(uow, clerk, id_number=NATURAL_APPLICANT["id_number"],
                                    except_case_id=later.id)[0].case_number == case.number


def test_joint_inspection_is_scheduled_recorded_and_shown_at_countersign(
        qtbot, gui_profile) -> None:
    uow, staff = gui_profile.runtime.uow, gui_profile.staff
    joint = business_matter(code="SCJ-010", name="联合审批事项", case_type=CaseType.JOINT,
                            joint_departments=("ZJJ",))
    catalog.save_matter(uow, staff.admin, joint)
    case = cases.register_case(uow, staff.clerk, matter_code="SCJ-010",
                               applicant=NATURAL_APPLICANT)
    cases.record_materials(uow, staff.clerk, case.id,
                           materials=[dict(m, received=True) for m in case.materials])
    cases.accept(uow, staff.clerk, case.id, seal=counter_seal(gui_profile.runtime))
    page = _case_page(qtbot, gui_profile, staff.clerk, case.id)
    page.action_buttons["schedule_inspection"].click()
    dialog = page.dialog
    late = local_date(utc_now()) + timedelta(days=20)
    from PyQt6.QtCore import QDate

    dialog.inputs["date"].setDate(QDate(late.year, late.month, late.day))
    dialog.inputs["place"].setText("城关镇人民路1号")
    dialog.inputs["departments"].setPlainText("县市场监督管理局：李受理\n县住房和城乡建设局：赵工")
    _submit(qtbot, page)
    assert "个工作日" in page.message_bar.text  # the late date's warning
    page.action_buttons["record_inspection"].click()
    dialog = page.dialog
    dialog.inputs["f0"].setPlainText("主体合法")
    dialog.inputs["f1"].setPlainText("现场具备条件")
    dialog.inputs["conclusion"].setPlainText("符合条件")
    _submit(qtbot, page)
    assert "现场具备条件" in page.overview.toPlainText()
    cases.review(uow, staff.clerk, case.id, conforms=True, opinion="符合")
    chief_page = _case_page(qtbot, gui_profile, staff.other_chief, case.id)
    chief_page.action_buttons["countersign"].click()
    texts = " ".join(label.text() for label in chief_page.dialog.findChildren(
        type(chief_page.title)))
    assert "县住房和城乡建设局：现场具备条件" in texts
    inspected = inspections.inspection_due(uow, cases.get_case(uow, case.id), late)
    assert inspected.late


def test_the_catalog_editor_marks_tolerance_and_promise_materials(qtbot, gui_profile) -> None:
    from app.domain.errors import ValidationError
    from app.forms.catalog_page import MatterEditor
    from app.services.catalog import validate_matter

    uow = gui_profile.runtime.uow
    context = gui_profile.context(gui_profile.staff.admin)
    editor = MatterEditor(context, catalog.list_departments(uow),
                          catalog.get_matter(uow, "SCJ-001"))
    qtbot.addWidget(editor)
    editor.materials_table.cellWidget(2, 7).setChecked(True)  # 经营场所使用证明: 容缺
    editor.materials_table.cellWidget(1, 8).setChecked(True)  # 经营者身份证明: 承诺
    editor.place_edit.setText("城关镇便民服务站3号窗口；工作日 9:00—17:30")
    edited = editor.matter()
    assert edited.tolerance_materials == ("C",) and edited.promise_materials == ("B",)
    assert edited.service_place.startswith("城关镇便民服务站")
    for row in range(3):
        editor.materials_table.cellWidget(row, 7).setChecked(True)
    with pytest.raises(ValidationError) as err:
        validate_matter(editor.matter())
    assert err.value.code == "tolerance_all_materials"


def test_a_hand_over_short_of_an_original_shows_where_it_was_lost(qtbot, gui_profile) -> None:
    uow, clerk = gui_profile.runtime.uow, gui_profile.staff.clerk
    agent = {"name": "李梅", "id_type": "resident_id", "id_number": "110105194912310021",
             "phone": "13900001111"}
    from app.domain.identity import resident_id_check_char

    agent["id_number"] = agent["id_number"][:17] + resident_id_check_char(agent["id_number"][:17])
    case = cases.register_case(uow, clerk, matter_code="SCJ-001",
                               applicant={**NATURAL_APPLICANT, "agent": agent})
    cases.record_materials(uow, clerk, case.id,
                           materials=[dict(m, received=True) for m in case.materials])
    page = _case_page(qtbot, gui_profile, clerk, case.id)
    page.action_buttons["hand_over"].click()
    dialog = page.dialog
    dialog.inputs["giver"].setText("村代办员李梅")
    dialog.inputs["receiver"].setText("乡镇站王军")
    dialog.inputs["g0"].setValue(1)
    dialog.inputs["r0"].setValue(0)  # the application form's original did not arrive
    _submit(qtbot, page)
    text = page.overview.toPlainText()
    assert "原件遗失" in text and "个体工商户登记申请书原件少1份" in text
    assert "村便民服务室 → 乡镇便民服务站途中" in text
    assert "hand_over" in page.action_buttons  # the next leg: township → county
    assert "乡镇便民服务站 → 县政务服务中心" in page.action_buttons["hand_over"].text()


def test_the_next_leg_shows_its_deadline_and_the_villager_is_notified(qtbot, gui_profile):
    from app.services import custody

    uow, clerk = gui_profile.runtime.uow, gui_profile.staff.clerk
    case = cases.register_case(uow, clerk, matter_code="SCJ-001", applicant=NATURAL_APPLICANT)
    custody.hand_over(uow, clerk, case.id, leg="village_to_township", giver="李梅",
                      receiver="王军", items=[{"name": "个体工商户登记申请书",
                                               "originals_given": 1, "originals_received": 1,
                                               "copies": 1}])
    page = _case_page(qtbot, gui_profile, clerk, case.id)
    assert "乡镇便民服务站 → 县政务服务中心应于" in page.overview.toPlainText()
    cases.reject(uow, clerk, case.id, seal=counter_seal(gui_profile.runtime),
                 reasons="不属于本机关职权", ground="outside_powers",
                 redirect_authority="市市场监督管理局")
    page = _case_page(qtbot, gui_profile, clerk, case.id)
    page.action_buttons["notify_villager"].click()
    assert "不予受理" in page.dialog.inputs["text"].toPlainText()
    _submit(qtbot, page)
    assert cases.get_case(uow, case.id).notifications[0]["channel"] == "phone"
    assert "通知村民" in page.overview.toPlainText()


def test_the_ledger_tab_previews_the_agents_ledger(qtbot, gui_profile) -> None:
    desk = _desk(qtbot, gui_profile)
    desk.tabs.setCurrentIndex(2)
    desk.agent_edit.setText("李梅")
    qtbot.mouseClick(desk.ledger_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: desk.preview_dialog is not None, timeout=15000)
    assert desk.preview_dialog.isVisible()
