"""What the documents say in law, through the services: matter types, remedy bodies per
department, GB/T 9704 文号, what an approval grants, what a denial and a rejection cite.

Documents are read back from the Word files issued with them (python-docx needs no
font), so every assertion holds on a machine without CJK fonts.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from docx import Document

from app.domain.catalog import MatterType, PermitField, standard_permit_fields
from app.domain.errors import NotConfigured, TransitionError, ValidationError
from app.print_templates import DocumentKind
from app.services import cases, catalog, documents, seals
from app.services.runtime import Runtime
from tests.profile_fixtures import (
    MONDAY,
    NATURAL_APPLICANT,
    PASSWORD,
    Staff,
    business_matter,
    counter_seal,
    county_department,
    make_profile,
)

ARCHIVE_QUERY = business_matter(
    code="MZJ-002", name="婚姻登记档案查询", legal_basis="《婚姻登记档案管理办法》第十四条",
    matter_type=MatterType.PUBLIC_SERVICE, fee_items=(),
    permit_fields=(PermitField("result", "查询结果", True),),
)
FOOD_LICENCE = business_matter(
    code="SCJ-002", name="食品经营许可", legal_basis="《中华人民共和国食品安全法》第三十五条",
    certificate_name="食品经营许可证", permit_fields=standard_permit_fields(), fee_items=(),
)


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[tuple[Runtime, Staff]]:
    runtime, staff = make_profile(tmp_path / "profile")
    for matter in (ARCHIVE_QUERY, FOOD_LICENCE):
        catalog.save_matter(runtime.uow, staff.admin, matter)
    seals.register_seal(
        runtime.uow, staff.admin, runtime.key_store, department_code="SCJ",
        authority_name="县市场监督管理局", serial="1305340000001", custodian_id=staff.chief.id,
        valid_from=date(2026, 1, 1), valid_to=date(2028, 12, 31), made_on=date(2025, 12, 20),
        made_by="县公安局备案刻章点",
    )
    yield runtime, staff
    runtime.close()


def _registered(runtime: Runtime, staff: Staff, matter_code: str, *, at=MONDAY):
    case = cases.register_case(runtime.uow, staff.clerk, matter_code=matter_code,
                               applicant=NATURAL_APPLICANT, now=at)
    return cases.record_materials(runtime.uow, staff.clerk, case.id, now=at,
                                  materials=[dict(m, received=True) for m in case.materials])


def _reviewed(runtime: Runtime, staff: Staff, matter_code: str):
    case = _registered(runtime, staff, matter_code)
    cases.accept(runtime.uow, staff.clerk, case.id, seal=counter_seal(runtime), now=MONDAY)
    return cases.review(runtime.uow, staff.clerk, case.id, conforms=True, opinion="符合条件",
                        now=MONDAY + timedelta(hours=1))


def _seal(runtime: Runtime, staff: Staff, case_id: str, kind: DocumentKind, hours: int = 3):
    return seals.apply_seal(runtime.uow, staff.chief, case_id, document_kind=kind,
                            password=PASSWORD, key_store=runtime.key_store,
                            now=MONDAY + timedelta(hours=hours))


def _counter_notice(runtime: Runtime, case_id: str, kind: DocumentKind):
    """The notice sealed at the counter with its act."""
    issued = documents.latest_issued(runtime.uow, case_id, kind)
    assert issued is not None and issued.sealed
    return issued


def _pdf_text(pdf: bytes) -> str:
    """The PDF's text as printed, line breaks and page furniture joined up."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as document:
        text = "".join(page.extract_text() or "" for page in document.pages)
    return "".join(text.split())


def _word_text(runtime: Runtime, staff: Staff, issued) -> str:
    """The text of the issued document's Word file (paragraphs, then table cells)."""
    case = cases.get_case(runtime.uow, issued.case_id)
    printed = documents.document_for_case(runtime.uow, staff.clerk, case.number, issued.kind,
                                          word=True)
    assert printed.issued and printed.document_number == issued.document_number
    document = Document(io.BytesIO(printed.data))
    return "\n".join(p.text for p in document.paragraphs) + "\n" + "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )


# --- matter types ---------------------------------------------------------------------


def test_a_public_service_case_gets_a_result_notice_and_no_licensing_law(profile) -> None:
    runtime, staff = profile
    case = _reviewed(runtime, staff, "MZJ-002")
    case = cases.approve(runtime.uow, staff.chief, case.id, opinion="同意",
                         result_fields={"result": "已出具婚姻登记档案证明1份"},
                         now=MONDAY + timedelta(hours=2))
    assert documents.sealable_kind_for(case) is DocumentKind.RESULT_NOTICE
    with pytest.raises(TransitionError) as refused:
        _seal(runtime, staff, case.id, DocumentKind.APPROVAL_DECISION)
    assert refused.value.code == "document_not_for_matter_type"
    issued = _seal(runtime, staff, case.id, DocumentKind.RESULT_NOTICE)
    assert issued.document_number == "县市监结〔2026〕1号"
    text = _word_text(runtime, staff, issued)
    assert "县市场监督管理局办结通知书" in text
    assert "根据《婚姻登记档案管理办法》第十四条的规定，本机关已为你（单位）办理完毕。" in text
    assert "已出具婚姻登记档案证明1份" in text
    assert "行政许可" not in text
    printed = _pdf_text(issued.pdf)
    assert "县市场监督管理局办结通知书" in printed and "县市监结〔2026〕1号" in printed
    assert "已出具婚姻登记档案证明1份" in printed and "行政许可" not in printed
    assert cases.get_case(runtime.uow, case.id).state.value == "completed"


def test_printing_an_approval_decision_of_a_public_service_case_names_the_result_notice(
    profile,
) -> None:
    runtime, staff = profile
    case = _reviewed(runtime, staff, "MZJ-002")
    cases.approve(runtime.uow, staff.chief, case.id, opinion="同意",
                  result_fields={"result": "已出具证明"}, now=MONDAY + timedelta(hours=2))
    with pytest.raises(TransitionError) as refused:
        documents.document_for_case(runtime.uow, staff.clerk, case.number,
                                    DocumentKind.APPROVAL_DECISION)
    assert refused.value.code == "document_not_for_matter_type"
    assert "公共服务事项，不是行政许可，没有准予行政许可决定书" in refused.value.message
    assert "其结果文书为办结通知书" in refused.value.message
    assert refused.value.params["instead"] == "result_notice"


def test_a_public_service_intake_cites_no_licensing_law(profile) -> None:
    runtime, staff = profile
    case = _registered(runtime, staff, "MZJ-002")
    cases.accept(runtime.uow, staff.clerk, case.id, seal=counter_seal(runtime), now=MONDAY)
    text = _word_text(runtime, staff, _counter_notice(runtime, case.id,
                                                      DocumentKind.ACCEPTANCE_NOTICE))
    assert "申请材料齐全、符合规定形式，本机关决定予以受理" in text
    assert "行政许可" not in text


def test_a_public_service_refusal_cites_its_own_basis_and_states_remedies(profile) -> None:
    runtime, staff = profile
    case = _reviewed(runtime, staff, "MZJ-002")
    with pytest.raises(ValidationError) as refused:
        cases.deny(runtime.uow, staff.chief, case.id, opinion="不予办理", reasons="非当事人",
                   legal_basis="《中华人民共和国行政许可法》第三十八条第二款",
                   now=MONDAY + timedelta(hours=2))
    assert refused.value.code == "licensing_law_not_applicable"
    cases.deny(runtime.uow, staff.chief, case.id, opinion="不予办理",
               reasons="申请人不是婚姻当事人，也未提交授权委托书。",
               now=MONDAY + timedelta(hours=2))
    text = _word_text(runtime, staff, _seal(runtime, staff, case.id, DocumentKind.REFUSAL_NOTICE))
    assert "县市场监督管理局不予办理告知书" in text
    assert "根据《婚姻登记档案管理办法》第十四条的规定，本机关决定不予办理。" in text
    assert "自收到本告知书之日起六十日内" in text and "某某县人民政府" in text
    assert "行政许可" not in text


# --- what an approval grants, what a denial cites --------------------------------------


def test_approval_of_a_licence_requires_and_states_the_certificate_fields(profile) -> None:
    runtime, staff = profile
    case = _reviewed(runtime, staff, "SCJ-002")
    with pytest.raises(ValidationError) as refused:
        cases.approve(runtime.uow, staff.chief, case.id, opinion="同意",
                      result_fields={"number": "JY11305340012345"},
                      now=MONDAY + timedelta(hours=2))
    assert refused.value.code == "result_field_required" and refused.value.field == "validity"
    cases.approve(runtime.uow, staff.chief, case.id, opinion="同意", result_fields={
        "number": "JY11305340012345", "validity": "2026年11月23日至2031年11月22日",
        "scope": "热食类食品制售"}, now=MONDAY + timedelta(hours=2))
    issued = _seal(runtime, staff, case.id, DocumentKind.APPROVAL_DECISION)
    assert issued.document_number == "县市监许〔2026〕1号"
    text = _word_text(runtime, staff, issued)
    assert "县市场监督管理局准予行政许可决定书" in text
    assert "县市监许〔2026〕1号" in text
    for expected in ("食品经营许可证", "JY11305340012345", "2026年11月23日至2031年11月22日",
                     "热食类食品制售", "颁发、送达《食品经营许可证》", "凭本决定书"):
        assert expected in text
    assert ("符合《中华人民共和国食品安全法》第三十五条规定的条件、标准。根据《中华人民共和国"
            "行政许可法》第三十八条第一款的规定，本机关决定准予行政许可。") in text
    printed = _pdf_text(issued.pdf)
    for expected in ("县市场监督管理局准予行政许可决定书", "县市监许〔2026〕1号",
                     "JY11305340012345", "2026年11月23日至2031年11月22日", "热食类食品制售",
                     "《食品经营许可证》"):
        assert expected in printed


def test_denial_cites_the_matters_basis_with_the_reasons(profile) -> None:
    runtime, staff = profile
    case = _reviewed(runtime, staff, "SCJ-002")
    cases.deny(runtime.uow, staff.chief, case.id, opinion="不予许可",
               reasons="经营场所位于居民住宅楼内。",
               legal_basis="《食品经营许可和备案管理办法》第十二条",
               now=MONDAY + timedelta(hours=2))
    text = _word_text(runtime, staff, _seal(runtime, staff, case.id, DocumentKind.DENIAL_DECISION))
    assert "经营场所位于居民住宅楼内。" in text
    assert ("根据《中华人民共和国食品安全法》第三十五条、《食品经营许可和备案管理办法》第十二条、"
            "《中华人民共和国行政许可法》第三十八条第二款的规定，本机关决定不予行政许可。") in text


def test_a_denial_of_a_matter_without_basis_needs_the_provision(profile) -> None:
    runtime, staff = profile
    catalog.save_matter(runtime.uow, staff.admin, replace(FOOD_LICENCE, legal_basis=""))
    case = _reviewed(runtime, staff, "SCJ-002")
    with pytest.raises(ValidationError) as refused:
        cases.deny(runtime.uow, staff.chief, case.id, opinion="不予许可", reasons="不符合",
                   now=MONDAY + timedelta(hours=2))
    assert refused.value.code == "legal_basis_required"


def test_reconsideration_first_matter_tells_to_apply_for_reconsideration_first(profile) -> None:
    runtime, staff = profile
    catalog.save_matter(runtime.uow, staff.admin,
                        replace(FOOD_LICENCE, reconsideration_first=True))
    case = _reviewed(runtime, staff, "SCJ-002")
    cases.deny(runtime.uow, staff.chief, case.id, opinion="不予许可", reasons="不符合条件。",
               now=MONDAY + timedelta(hours=2))
    text = _word_text(runtime, staff, _seal(runtime, staff, case.id, DocumentKind.DENIAL_DECISION))
    assert "依照《中华人民共和国行政复议法》第二十三条的规定" in text
    assert "应当先申请行政复议" in text
    assert "六个月内" not in text


# --- rejections -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"ground": "outside_powers"}, "redirect_required"),
        ({"ground": "other"}, "legal_basis_required"),
        ({"ground": ""}, "ground_required"),
    ],
)
def test_a_rejection_must_fit_its_ground(profile, values, code) -> None:
    runtime, staff = profile
    case = _registered(runtime, staff, "SCJ-002")
    with pytest.raises(ValidationError) as refused:
        cases.reject(runtime.uow, staff.clerk, case.id, reasons="不符合",
                     seal=counter_seal(runtime), now=MONDAY, **values)
    assert refused.value.code == code


def test_a_public_service_cannot_be_rejected_as_not_needing_a_licence(profile) -> None:
    runtime, staff = profile
    case = _registered(runtime, staff, "MZJ-002")
    with pytest.raises(ValidationError) as refused:
        cases.reject(runtime.uow, staff.clerk, case.id, reasons="无需办理",
                     ground="not_licensable", seal=counter_seal(runtime), now=MONDAY)
    assert refused.value.code == "ground_not_for_matter_type"


def test_a_rejection_names_item_two_and_where_to_apply(profile) -> None:
    runtime, staff = profile
    case = _registered(runtime, staff, "SCJ-002")
    cases.reject(runtime.uow, staff.clerk, case.id, reasons="药品零售许可不属于本机关职权。",
                 ground="outside_powers", redirect_authority="市市场监督管理局",
                 seal=counter_seal(runtime), now=MONDAY)
    issued = _counter_notice(runtime, case.id, DocumentKind.REJECTION_NOTICE)
    assert issued.document_number == "县市监不受〔2026〕1号"
    text = _word_text(runtime, staff, issued)
    assert "县市场监督管理局不予受理通知书" in text
    assert ("根据《中华人民共和国行政许可法》第三十二条第一款第（二）项的规定，本机关决定不予受理。"
            in text)
    assert "请你（单位）向市市场监督管理局提出申请" in text


# --- remedy bodies per department -------------------------------------------------------


def test_a_remedy_document_is_refused_until_the_department_names_its_bodies(profile) -> None:
    runtime, staff = profile
    catalog.save_department(runtime.uow, staff.admin, county_department(
        "SCJ", "县市场监督管理局", "县市监", reconsideration_body="", litigation_court=""))
    case = _registered(runtime, staff, "SCJ-002")
    # The notice is sealed with the rejection: without the bodies neither is recorded.
    with pytest.raises(NotConfigured) as refused:
        cases.reject(runtime.uow, staff.clerk, case.id, reasons="不属于本机关职权",
                     ground="outside_powers", redirect_authority="市市场监督管理局",
                     seal=counter_seal(runtime), now=MONDAY)
    assert cases.get_case(runtime.uow, case.id).rejection is None
    assert refused.value.code == "remedies_not_configured"
    assert "尚未设置行政复议机关、人民法院" in refused.value.message
    assert "系统管理 → 部门" in refused.value.message
    with pytest.raises(NotConfigured):
        documents.preview_draft(runtime.uow, staff.clerk, case.id, DocumentKind.REJECTION_NOTICE)
    with runtime.uow() as uow:
        assert uow.seals.uses() == []
    catalog.save_department(runtime.uow, staff.admin, county_department(
        "SCJ", "县市场监督管理局", "县市监", reconsideration_body="清河县人民政府",
        litigation_court="清河县人民法院"))
    cases.reject(runtime.uow, staff.clerk, case.id, reasons="不属于本机关职权",
                 ground="outside_powers", redirect_authority="市市场监督管理局",
                 seal=counter_seal(runtime), now=MONDAY)
    text = _word_text(runtime, staff, _counter_notice(runtime, case.id,
                                                      DocumentKind.REJECTION_NOTICE))
    assert ("依照《中华人民共和国行政复议法》的规定向清河县人民政府申请行政复议" in text)
    assert "依照《中华人民共和国行政诉讼法》的规定向清河县人民法院提起行政诉讼" in text
    assert "有管辖权" not in text and "或上一级主管部门" not in text


@pytest.mark.parametrize(
    ("department", "code"),
    [
        (county_department("SCJ", "县市场监督管理局", "县市监",
                           reconsideration_body="本级人民政府或上一级主管部门"),
         "department.body_generic"),
        (county_department("SCJ", "县市场监督管理局", "县市监",
                           reconsideration_body="有管辖权的行政复议机关"),
         "department.body_generic"),
        (county_department("SCJ", "县市场监督管理局", "县市监",
                           reconsideration_body="邢台市市场监督管理局"),
         "department.body_government"),
        (county_department("SWJ", "国家税务总局清河县税务局", "清税",
                           reconsideration_body="清河县人民政府"),
         "department.vertical"),
        (county_department("SWJ", "国家税务总局清河县税务局", "清税", vertical=True,
                           reconsideration_body="清河县人民政府"),
         "department.body_vertical"),
        (county_department("SCJ", "县市场监督管理局", "县市监",
                           litigation_court="有管辖权的人民法院"),
         "department.court"),
        (county_department("SCJ", "县市场监督管理局", "县市监",
                           document_number_pattern="{prefix}{kind}〔{year}〕第{seq:04d}号"),
         "document_pattern.padding"),
        (county_department("ZJX", "县住房保障中心", "县住建"), "document_prefix.duplicate"),
    ],
)
def test_the_admin_cannot_save_a_department_a_legal_officer_would_reject(
    profile, department, code
) -> None:
    runtime, staff = profile
    with pytest.raises(ValidationError) as refused:
        catalog.save_department(runtime.uow, staff.admin, department)
    assert refused.value.code == code


def test_a_vertical_department_names_the_department_above(profile) -> None:
    runtime, staff = profile
    catalog.save_department(runtime.uow, staff.admin, county_department(
        "SWJ", "国家税务总局清河县税务局", "清税", vertical=True,
        reconsideration_body="国家税务总局邢台市税务局", litigation_court="清河县人民法院"))
    saved = next(d for d in catalog.list_departments(runtime.uow) if d.code == "SWJ")
    assert saved.reconsideration_body == "国家税务总局邢台市税务局" and saved.vertical


# --- 文号 ---------------------------------------------------------------------------------


def test_document_numbers_run_per_kind_without_padding_or_di(profile) -> None:
    runtime, staff = profile
    numbers = []
    for _ in range(2):
        case = _registered(runtime, staff, "SCJ-002")
        numbers.append(documents.issue_unsealed(runtime.uow, staff.clerk, case.id,
                                                DocumentKind.RECEIPT, now=MONDAY).document_number)
    notice_case = cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-002",
                                      applicant=NATURAL_APPLICANT, now=MONDAY)
    cases.issue_one_time_notice(runtime.uow, staff.clerk, notice_case.id, now=MONDAY,
                                missing=[{"name": "营业执照", "problem": "未提交"}],
                                seal=counter_seal(runtime))
    # The one-time notice is sealed with the notice given, numbered in its own sequence.
    notice = _counter_notice(runtime, notice_case.id, DocumentKind.ONE_TIME_NOTICE)
    numbers.append(notice.document_number)
    assert numbers == ["县市监收〔2026〕1号", "县市监收〔2026〕2号", "县市监补〔2026〕1号"]


def test_another_station_numbers_with_its_code_after_the_prefix(profile) -> None:
    runtime, staff = profile
    township = replace(staff.clerk, station="XC02")
    case = _registered(runtime, staff, "SCJ-002")
    issued = documents.issue_unsealed(runtime.uow, township, case.id, DocumentKind.RECEIPT,
                                      now=MONDAY)
    assert issued.document_number == "县市监XC02收〔2026〕1号"
    home = documents.issue_unsealed(runtime.uow, staff.clerk, case.id, DocumentKind.RECEIPT,
                                    now=MONDAY)
    assert home.document_number == "县市监收〔2026〕1号"


def test_a_department_without_prefix_cannot_number(profile) -> None:
    runtime, staff = profile
    catalog.save_department(runtime.uow, staff.admin, county_department(
        "SCJ", "县市场监督管理局", ""))
    case = _registered(runtime, staff, "SCJ-002")
    with pytest.raises(NotConfigured) as refused:
        documents.issue_unsealed(runtime.uow, staff.clerk, case.id, DocumentKind.RECEIPT,
                                 now=MONDAY)
    assert refused.value.code == "document_prefix_missing"


def test_the_department_form_preview_shows_every_kinds_number(profile) -> None:
    runtime, staff = profile
    department = county_department("SCJ", "县市场监督管理局", "县市监",
                                   kind_codes={"rejection_notice": "不予受"})
    previews = dict(catalog.document_number_previews(department))
    assert previews["approval_decision"] == "县市监许〔2026〕6号"
    assert previews["rejection_notice"] == "县市监不予受〔2026〕6号"
    assert catalog.parse_kind_codes(catalog.format_kind_codes(department)) == {
        "rejection_notice": "不予受"}


def test_a_saved_department_numbers_plainly_at_the_admins_station(profile) -> None:
    runtime, staff = profile
    saved = next(d for d in catalog.list_departments(runtime.uow) if d.code == "SCJ")
    assert saved.numbering_station == "XC01"

