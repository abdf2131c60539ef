"""A realistic demo profile: a county service hall's catalog, staff, seal and cases.

Every case is made through the same use cases a clerk's screen calls, at times spread
over the last weeks, so deadlines, yellow and red warnings and completion times are
what they would be for real.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from app.domain.calendar import WorkingCalendar, format_chinese_date
from app.domain.case import decision_document
from app.domain.catalog import (
    CaseType,
    Department,
    FeeItem,
    MaterialForm,
    Matter,
    MatterType,
    PermitField,
    RequiredMaterial,
    standard_permit_fields,
)
from app.domain.identity import resident_id_check_char, uscc_check_char
from app.domain.roles import Role
from app.domain.seal import SealKind
from app.services import accounts, cases, catalog, system
from app.services.context import CHINA_TZ, CurrentUser, local_date, utc_now
from app.services.recording import load_calendar
from app.signing import SealKeyStore
from app.store.unit_of_work import UnitOfWorkFactory

DEMO_PASSWORD = "demo2026"
STATION_CODE = "XZ01"
STATION_NAME = "清河县政务服务中心"

O, C, B = MaterialForm.ORIGINAL, MaterialForm.COPY, MaterialForm.BOTH  # noqa: E741

def _county(code: str, name: str, prefix: str, phone: str) -> Department:
    # A county department's acts go to the county government (行政复议法 第二十四条) and
    # its first-instance cases to the county court (行政诉讼法 第十八条).
    return Department(code, name, phone=phone, document_prefix=prefix,
                      numbering_station=STATION_CODE, reconsideration_body="清河县人民政府",
                      litigation_court="清河县人民法院")


DEPARTMENTS = (
    _county("SCJ", "清河县市场监督管理局", "清市监", "0315-5551201"),
    _county("ZJJ", "清河县住房和城乡建设局", "清住建", "0315-5551202"),
    _county("WJJ", "清河县卫生健康局", "清卫健", "0315-5551203"),
    _county("MZJ", "清河县民政局", "清民", "0315-5551204"),
    _county("JTJ", "清河县交通运输局", "清交", "0315-5551205"),
)


def _m(code: str, name: str, form: MaterialForm = O, copies: int = 1, *, required: bool = True,
       condition: str = "", description: str = "") -> RequiredMaterial:
    return RequiredMaterial(code, name, form, copies, required, condition, description)


ID_COPY = _m("ID", "申请人身份证明", C, description="居民身份证正反面复印件，须与原件核对")

_GUIDES = (
    Matter("SCJ-001", "个体工商户登记", "SCJ", "清河县市场监督管理局", CaseType.PROMISED, 15, 3,
           "《促进个体工商户发展条例》第八条；《市场主体登记管理条例》第三条",
           "有经营能力的公民", "申请—受理—审查—决定—发照",
           (_m("A", "个体工商户登记申请书"), ID_COPY,
            _m("C", "经营场所使用证明", C, description="房屋产权证明或租赁合同复印件")),
           (), False),
    Matter("SCJ-002", "食品经营许可", "SCJ", "清河县市场监督管理局", CaseType.PROMISED, 20, 10,
           "《中华人民共和国食品安全法》第三十五条",
           "有与经营的食品品种相适应的场所、设备和人员", "申请—受理—现场核查—决定",
           (_m("A", "食品经营许可申请书"), _m("B", "营业执照", C),
            _m("C", "与食品经营相适应的主要设备设施布局、操作流程等文件", O),
            _m("D", "食品安全管理制度文本"), ID_COPY),
           (), True),
    Matter("SCJ-003", "营业执照遗失补领", "SCJ", "清河县市场监督管理局", CaseType.IMMEDIATE, 5, 0,
           "《市场主体登记管理条例实施细则》第六十八条", "", "申请—当场办结",
           (_m("A", "补领营业执照申请书"), ID_COPY), (), False, True),
    Matter("ZJJ-001", "建筑工程施工许可证核发", "ZJJ", "清河县住房和城乡建设局",
           CaseType.JOINT, 15, 7, "《中华人民共和国建筑法》第七条；《建筑工程施工许可管理办法》",
           "已办理用地批准手续、规划许可证，施工图审查合格",
           "申请—受理—联合审查—决定",
           (_m("A", "建筑工程施工许可申请表"), _m("B", "建设工程规划许可证", C),
            _m("C", "施工图设计文件审查合格书", C), _m("D", "中标通知书及施工合同", C),
            _m("E", "建设资金已经落实承诺书")),
           (), True, False, ("JTJ",)),
    Matter("ZJJ-002", "商品房预售许可", "ZJJ", "清河县住房和城乡建设局", CaseType.PROMISED, 10, 5,
           "《城市商品房预售管理办法》第七条", "已交付全部土地使用权出让金", "申请—受理—审查—决定",
           (_m("A", "商品房预售许可申请表"), _m("B", "营业执照和资质证书", C),
            _m("C", "土地使用权证", C), _m("D", "工程施工合同", C),
            _m("E", "商品房预售方案")),
           (FeeItem("F1", "房屋测绘费", 120000, "《河北省房产测绘收费标准》"),), True),
    Matter("ZJJ-003", "建设工程竣工验收备案", "ZJJ", "清河县住房和城乡建设局",
           CaseType.FORWARDED, 15, 5, "《房屋建筑和市政基础设施工程竣工验收备案管理办法》",
           "", "申请—受理—上报市住建局—备案",
           (_m("A", "竣工验收备案表", O, 2), _m("B", "工程竣工验收报告"),
            _m("C", "消防验收意见书", C)), (), False),
    Matter("WJJ-001", "医疗机构执业登记", "WJJ", "清河县卫生健康局", CaseType.PROMISED, 45, 20,
           "《医疗机构管理条例》第十五条", "取得设置医疗机构批准书", "申请—受理—现场审查—决定",
           (_m("A", "医疗机构执业登记申请书"), _m("B", "设置医疗机构批准书", C),
            _m("C", "医疗机构用房产权证明或使用证明", C), _m("D", "医疗机构规章制度"),
            _m("E", "卫生技术人员名录及执业证书", C)),
           (FeeItem("F1", "医疗机构执业登记注册费", 10000, "《医疗机构管理条例实施细则》"),),
           True),
    Matter("WJJ-002", "公共场所卫生许可", "WJJ", "清河县卫生健康局", CaseType.PROMISED, 20, 10,
           "《公共场所卫生管理条例》第八条", "", "申请—受理—现场核查—决定",
           (_m("A", "公共场所卫生许可申请表"), _m("B", "营业执照", C),
            _m("C", "公共场所卫生检测或评价报告"), _m("D", "从业人员健康合格证明", C)),
           (), True),
    Matter("MZJ-001", "社会团体成立登记", "MZJ", "清河县民政局", CaseType.PROMISED, 60, 40,
           "《社会团体登记管理条例》第十一条", "有50个以上个人会员或30个以上单位会员",
           "申请—受理—审查—决定",
           (_m("A", "成立登记申请书"), _m("B", "业务主管单位批准文件"),
            _m("C", "验资报告"), _m("D", "章程草案"), _m("E", "拟任负责人身份证明", C)),
           (), False),
    Matter("MZJ-002", "婚姻登记档案查询", "MZJ", "清河县民政局", CaseType.IMMEDIATE, 1, 0,
           "《婚姻登记档案管理办法》第十四条", "", "申请—当场出具",
           (ID_COPY,), (), False, True),
    Matter("JTJ-001", "道路货物运输经营许可", "JTJ", "清河县交通运输局", CaseType.PROMISED, 20, 10,
           "《中华人民共和国道路运输条例》第二十四条", "有与经营业务相适应并经检测合格的车辆",
           "申请—受理—审查—决定",
           (_m("A", "道路货物运输经营申请表"), _m("B", "车辆行驶证", B),
            _m("C", "驾驶人员从业资格证", C), _m("D", "安全生产管理制度文本")),
           (FeeItem("F1", "道路运输证工本费", 1500, "《河北省行政事业性收费目录清单》"),), False),
    Matter("JTJ-002", "出租汽车驾驶员从业资格注册", "JTJ", "清河县交通运输局",
           CaseType.PROMISED, 20, 5, "《出租汽车驾驶员从业资格管理规定》第二十二条", "",
           "申请—受理—审查—决定",
           (_m("A", "从业资格注册申请表"), _m("B", "从业资格证", O),
            _m("C", "出租汽车经营者出具的聘用证明")), (), False),
)

# Each matter's type and what its result states (事项类型; 证件和结果字段).
_LICENCE_FIELDS = standard_permit_fields()
_MATTER_EXTRAS: dict[str, dict[str, object]] = {
    "SCJ-001": {"certificate_name": "营业执照", "permit_fields": (
        PermitField("number", "统一社会信用代码", True), PermitField("validity", "有效期限", True,
                                                              "个体工商户营业执照长期有效"),
        PermitField("scope", "经营范围", True)),
        # 住所（经营场所）申报承诺制: the applicant's promise replaces the proof.
        "promise_materials": ("C",), "form_templates": ("个体工商户登记申请书",),
        "service_place": "清河县政务服务中心一楼市场监管窗口（清河县长江东街88号）；"
                         "周一至周五 9:00—12:00、13:30—17:30，周六上午延时服务"},
    "SCJ-002": {"certificate_name": "食品经营许可证", "permit_fields": _LICENCE_FIELDS,
                "tolerance_materials": ("D",), "form_templates": ("食品经营许可申请书",)},
    "SCJ-003": {"matter_type": MatterType.OTHER_POWER,
                "permit_fields": (PermitField("number", "补领的营业执照编号", True),)},
    "ZJJ-001": {"certificate_name": "建筑工程施工许可证", "permit_fields": _LICENCE_FIELDS},
    "ZJJ-002": {"certificate_name": "商品房预售许可证", "permit_fields": _LICENCE_FIELDS},
    "ZJJ-003": {"matter_type": MatterType.FILING},
    "WJJ-001": {"certificate_name": "医疗机构执业许可证", "permit_fields": _LICENCE_FIELDS},
    "WJJ-002": {"certificate_name": "公共场所卫生许可证", "permit_fields": _LICENCE_FIELDS},
    "MZJ-001": {"certificate_name": "社会团体法人登记证书", "permit_fields": _LICENCE_FIELDS},
    "MZJ-002": {"matter_type": MatterType.PUBLIC_SERVICE, "permit_fields": (
        PermitField("result", "查询结果", True, "如：已出具婚姻登记档案证明1份"),)},
    "JTJ-001": {"certificate_name": "道路运输经营许可证", "permit_fields": _LICENCE_FIELDS},
    "JTJ-002": {"matter_type": MatterType.CONFIRMATION, "permit_fields": (
        PermitField("validity", "注册有效期", True),)},
}
MATTERS: tuple[Matter, ...] = tuple(
    replace(m, **_MATTER_EXTRAS.get(m.code, {})) for m in _GUIDES  # type: ignore[arg-type]
)


SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ("伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰",
         "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英")
COMPANIES = ("清河县鑫源商贸有限公司", "清河县恒通物流有限公司", "河北清河建工集团有限公司",
             "清河县康宁诊所", "清河县悦来酒店有限公司", "清河县老年人协会")
REGIONS = ("130534", "130535", "130502", "110105", "130124")


@dataclass(frozen=True)
class DemoSummary:
    departments: int
    matters: int
    users: int
    cases: int
    usernames: tuple[str, ...]


def _resident_id(rng: random.Random) -> str:
    birth = datetime(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 52))
    first17 = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first17 + resident_id_check_char(first17)


def _uscc(rng: random.Random) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    first17 = "9113053" + "4" + "".join(rng.choice(alphabet) for _ in range(9))
    return first17 + uscc_check_char(first17)


def _applicant(rng: random.Random, legal: bool) -> dict[str, object]:
    phone = f"1{rng.choice('3578')}{rng.randrange(0, 10**9):09d}"
    if legal:
        return {"kind": "legal", "name": rng.choice(COMPANIES), "id_type": "uscc",
                "id_number": _uscc(rng), "phone": phone, "address": "清河县城关镇建设路18号",
                "legal_representative": rng.choice(SURNAMES) + rng.choice(GIVEN)}
    return {"kind": "natural", "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "id_type": "resident_id", "id_number": _resident_id(rng), "phone": phone,
            "address": f"清河县{rng.choice(['城关镇', '葛仙庄镇', '连庄镇', '油坊镇'])}"
                       f"{rng.randrange(1, 99)}号"}


def _working_moments(calendar: WorkingCalendar, end: datetime, count: int) -> list[datetime]:
    """The last ``count`` working days before ``end``, at 09:00 Beijing time."""
    days: list[datetime] = []
    day = local_date(end)
    while len(days) < count:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            days.append(datetime.combine(day, time(9, 0), CHINA_TZ))
    return list(reversed(days))


# What happens to each demo case: (matter code, legal person?, days ago index, script).
Script = Callable[["_Demo", str, datetime], None]


class _Demo:
    def __init__(self, uow: UnitOfWorkFactory, staff: dict[str, CurrentUser],
                 seal: Callable[[CurrentUser, str, str, datetime], object] | None,
                 counter: cases.CounterSeal) -> None:
        self.uow = uow
        self.staff = staff
        self.seal = seal
        self.counter = counter  # every demo account has the same password

    def clerk(self, department: str) -> CurrentUser:
        return self.staff[f"clerk_{department.lower()}"]

    def chief(self, department: str) -> CurrentUser:
        return self.staff[f"chief_{department.lower()}"]


def create_demo(uow: UnitOfWorkFactory, key_store: SealKeyStore, *,
                now: datetime | None = None, seed: int = 20261123,
                progress: Callable[[str], None] | None = None) -> DemoSummary:
    """Fill an empty profile with the demo; refuses a profile that already has accounts.

    ``progress`` is told each step in a Chinese sentence (the demo takes some 20
    seconds: every seal use renders and signs a PDF)."""
    from app.services import seals

    say = progress or (lambda _text: None)
    now = now or utc_now()
    rng = random.Random(seed)
    say("正在初始化站点并创建管理员……")
    admin = accounts.create_first_administrator(
        uow, username="admin", display_name="系统管理员", password=DEMO_PASSWORD,
        station_code=STATION_CODE, station_name=STATION_NAME, window_name="综合窗口",
    )
    system.update_station_settings(uow, admin, {
        "resubmission_address": "清河县政务服务中心一楼综合受理窗口（清河县长江东街88号）",
    })
    say(f"正在登记{len(DEPARTMENTS)}个部门和{len(MATTERS)}个事项的办事指南……")
    for department in DEPARTMENTS:
        catalog.save_department(uow, admin, department)
    for matter in MATTERS:
        catalog.save_matter(uow, admin, matter)

    staff: dict[str, CurrentUser] = {"admin": admin}
    people: list[tuple[str, str, set[Role], str | None, str]] = [
        ("supervisor", "孙监察", {Role.SUPERVISOR}, None, "")]
    for index, department in enumerate(DEPARTMENTS, start=1):
        code = department.code.lower()
        # The market regulator's window officer may complete its 即办件 alone (一人办结).
        clerk_roles = {Role.CLERK, Role.ON_THE_SPOT} if department.code == "SCJ" else {Role.CLERK}
        people.append((f"clerk_{code}", rng.choice(SURNAMES) + rng.choice(GIVEN),
                       clerk_roles, department.code, f"{index}号窗口"))
        people.append((f"chief_{code}", rng.choice(SURNAMES) + rng.choice(GIVEN),
                       {Role.CHIEF}, department.code, f"{index}号窗口"))
    say(f"正在创建{len(people)}名工作人员的账号……")
    for username, name, roles, department_code, window in people:
        accounts.create_user(uow, admin, username=username, display_name=name,
                             password=DEMO_PASSWORD, roles=frozenset(roles),
                             department_code=department_code, window_name=window)
        staff[username] = accounts.authenticate(uow, username=username, password=DEMO_PASSWORD)

    say("正在登记各部门的审批专用章和受理专用章，并生成印章密钥……")
    for department in DEPARTMENTS:
        chief = staff[f"chief_{department.code.lower()}"]
        seals.register_seal(
            uow, admin, key_store, department_code=department.code, authority_name=department.name,
            serial=f"130534{department.code}0001", custodian_id=chief.id,
            valid_from=local_date(now) - timedelta(days=400), valid_to=None,
            made_on=local_date(now) - timedelta(days=410), made_by="清河县公安局备案刻章点",
        )
        # The window's 受理专用章: its clerks seal the intake notices on the spot.
        seals.register_seal(
            uow, admin, key_store, department_code=department.code,
            authority_name=department.name, serial=f"130534{department.code}0002",
            custodian_id=chief.id, valid_from=local_date(now) - timedelta(days=400),
            valid_to=None, made_on=local_date(now) - timedelta(days=410),
            made_by="清河县公安局备案刻章点", kind=SealKind.INTAKE, window_name=chief.window_name,
        )
        if department.code == "SCJ":
            # 双章制: the organ's seal for the window, marked "2" (衡阳 意见 四).
            seals.register_seal(
                uow, admin, key_store, department_code=department.code,
                authority_name=department.name, serial=f"130534{department.code}0003",
                custodian_id=chief.id, valid_from=local_date(now) - timedelta(days=400),
                valid_to=None, made_on=local_date(now) - timedelta(days=410),
                made_by="清河县公安局备案刻章点", kind=SealKind.WINDOW_COPY, copy_mark="2",
                title="", window_name=chief.window_name,
            )

    demo = _Demo(uow, staff, lambda user, case_id, kind, at: seals.apply_seal(
        uow, user, case_id, document_kind=kind, password=DEMO_PASSWORD, key_store=key_store,
        now=at), cases.CounterSeal(password=DEMO_PASSWORD, key_store=key_store))
    with uow() as unit:
        calendar = load_calendar(unit)
    moments = _working_moments(calendar, now, 25)
    count = 0
    for matter_code, legal, day_index, script in _PLAN:
        at = moments[day_index] + timedelta(minutes=rng.randrange(0, 420))
        matter = next(m for m in MATTERS if m.code == matter_code)
        say(f"正在办理演示办件 {count + 1}/{len(_PLAN)}：{matter.name}……")
        clerk = demo.clerk(matter.department_code)
        case = cases.register_case(uow, clerk, matter_code=matter_code,
                                   applicant=_applicant(rng, legal), now=at,
                                   green_channel=script is _special)
        script(demo, case.id, at)
        count += 1
    _consultations_and_appointments(uow, staff, calendar, now)
    _ab_post(uow, staff, now)
    say("演示数据已全部写入。")
    return DemoSummary(len(DEPARTMENTS), len(MATTERS), len(staff), count,
                       tuple(sorted(staff)))


def _dept(demo: _Demo, case_id: str) -> str:
    return cases.get_case(demo.uow, case_id).matter.department_code


def _decision_kind(demo: _Demo, case_id: str) -> str:
    """The document a decided case waits to have sealed (by its matter's type)."""
    case = cases.get_case(demo.uow, case_id)
    return decision_document(case.matter, case.decision["outcome"] if case.decision else "")


def _receive_all(demo: _Demo, case_id: str, at: datetime) -> None:
    case = cases.get_case(demo.uow, case_id)
    clerk = demo.clerk(case.matter.department_code)
    cases.record_materials(demo.uow, clerk, case_id,
                           materials=[dict(m, received=True) for m in case.materials], now=at)


def _registered_only(demo: _Demo, case_id: str, at: datetime) -> None:
    case = cases.get_case(demo.uow, case_id)
    rows = [dict(m, received=i % 2 == 0) for i, m in enumerate(case.materials)]
    cases.record_materials(demo.uow, demo.clerk(case.matter.department_code), case_id,
                           materials=rows, now=at)


def _notice(demo: _Demo, case_id: str, at: datetime) -> None:
    _registered_only(demo, case_id, at)
    case = cases.get_case(demo.uow, case_id)
    missing = cases.missing_materials(case)
    if not missing:
        missing = [{"name": case.matter.materials[0].name, "problem": "签字不全",
                    "needed": "申请人本人签字的原件"}]
    cases.issue_one_time_notice(demo.uow, demo.clerk(case.matter.department_code), case_id,
                                missing=missing, seal=demo.counter,
                                now=at + timedelta(minutes=10))


def _accepted(demo: _Demo, case_id: str, at: datetime) -> None:
    _receive_all(demo, case_id, at)
    cases.accept(demo.uow, demo.clerk(_dept(demo, case_id)), case_id, seal=demo.counter,
                 now=at + timedelta(minutes=15))


def _reviewed(demo: _Demo, case_id: str, at: datetime, conforms: bool = True) -> None:
    _accepted(demo, case_id, at)
    case = cases.get_case(demo.uow, case_id)
    cases.review(demo.uow, demo.clerk(case.matter.department_code), case_id, conforms=conforms,
                 opinion="申请材料齐全，符合法定形式，经审查符合许可条件。" if conforms
                 else "经审查，申请人不符合许可条件。",
                 site_inspection_done=case.matter.site_inspection,
                 site_inspection_result="经现场核查，场所与申报一致。"
                 if case.matter.site_inspection else "",
                 now=at + timedelta(days=1))
    for department in case.matter.joint_departments:
        cases.countersign(demo.uow, demo.chief(department), case_id,
                          department_code=department, agree=True, opinion="同意，请主办部门核准。",
                          now=at + timedelta(days=1, hours=2))


def result_values(matter: Matter, case_number: str, on: date) -> dict[str, str]:
    """Plausible entries for the matter's result fields (证件编号、有效期限 ...)."""
    until = on.replace(year=on.year + 5) - timedelta(days=1)
    serial = case_number.replace("-", "")[-10:]
    samples = {
        "number": f"{matter.department_code}{serial}",
        "validity": f"{format_chinese_date(on)}至{format_chinese_date(until)}",
        "scope": matter.name.replace("许可", "").replace("登记", "") + "（按申请内容核定）",
        "result": "已出具婚姻登记档案证明1份",
    }
    return {f.code: samples.get(f.code, "详见证件") for f in matter.permit_fields}


def _approve(demo: _Demo, case_id: str, opinion: str, at: datetime) -> None:
    case = cases.get_case(demo.uow, case_id)
    cases.approve(demo.uow, demo.chief(case.matter.department_code), case_id, opinion=opinion,
                  result_fields=result_values(case.matter, case.number, local_date(at)),
                  now=at)


def _approved(demo: _Demo, case_id: str, at: datetime) -> None:
    _reviewed(demo, case_id, at)
    _approve(demo, case_id, "同意准予许可。", at + timedelta(days=1, hours=3))


def _completed(demo: _Demo, case_id: str, at: datetime) -> None:
    _approved(demo, case_id, at)
    assert demo.seal is not None
    demo.seal(demo.chief(_dept(demo, case_id)), case_id, _decision_kind(demo, case_id),
              at + timedelta(days=1, hours=4))


def _delivered(demo: _Demo, case_id: str, at: datetime) -> None:
    _completed(demo, case_id, at)
    dept = _dept(demo, case_id)
    cases.deliver(demo.uow, demo.clerk(dept), case_id, method="窗口领取", receiver="申请人本人",
                  seal=demo.counter, now=at + timedelta(days=2))
    cases.record_evaluation(demo.uow, demo.clerk(dept), case_id, rating="very_satisfied",
                            channel="rating_device", comment="办事效率高", now=at + timedelta(days=2, minutes=5))


def _denied(demo: _Demo, case_id: str, at: datetime) -> None:
    _reviewed(demo, case_id, at, conforms=False)
    dept = _dept(demo, case_id)
    cases.deny(demo.uow, demo.chief(dept), case_id, opinion="不予许可。",
               reasons="经营场所位于居民住宅楼内，不符合规划用途要求。",
               legal_basis="《市场主体登记管理条例》第十一条",
               now=at + timedelta(days=1, hours=3))
    assert demo.seal is not None
    demo.seal(demo.chief(dept), case_id, _decision_kind(demo, case_id),
              at + timedelta(days=1, hours=4))


def _refused(demo: _Demo, case_id: str, at: datetime) -> None:
    """A matter that is not 行政许可 refused on review: its 不予办理告知书."""
    _reviewed(demo, case_id, at, conforms=False)
    dept = _dept(demo, case_id)
    cases.deny(demo.uow, demo.chief(dept), case_id, opinion="不予办理。",
               reasons="申请人不是婚姻当事人，也未提交当事人的授权委托书。",
               now=at + timedelta(hours=2))
    assert demo.seal is not None
    demo.seal(demo.chief(dept), case_id, _decision_kind(demo, case_id),
              at + timedelta(hours=3))


def _rejected(demo: _Demo, case_id: str, at: datetime) -> None:
    cases.reject(demo.uow, demo.clerk(_dept(demo, case_id)), case_id,
                 reasons="申请事项依法不属于本机关职权范围。", ground="outside_powers",
                 redirect_authority="邢台市行政审批局", seal=demo.counter,
                 now=at + timedelta(minutes=20))


def _immediate(demo: _Demo, case_id: str, at: datetime) -> None:
    _receive_all(demo, case_id, at)
    dept = _dept(demo, case_id)
    clerk = demo.clerk(dept)
    cases.accept(demo.uow, clerk, case_id, seal=demo.counter, now=at + timedelta(minutes=5))
    cases.review(demo.uow, clerk, case_id, conforms=True, opinion="符合条件，当场办结。",
                 now=at + timedelta(minutes=10))
    _approve(demo, case_id, "同意。", at + timedelta(minutes=15))
    assert demo.seal is not None
    demo.seal(demo.chief(dept), case_id, _decision_kind(demo, case_id),
              at + timedelta(minutes=20))


def _forwarded(demo: _Demo, case_id: str, at: datetime) -> None:
    _accepted(demo, case_id, at)
    cases.forward(demo.uow, demo.clerk(_dept(demo, case_id)), case_id,
                  authority="邢台市住房和城乡建设局", reason="按规定报市级备案",
                  now=at + timedelta(hours=1))


def _forward_returned(demo: _Demo, case_id: str, at: datetime) -> None:
    _forwarded(demo, case_id, at)
    cases.record_forward_return(demo.uow, demo.clerk(_dept(demo, case_id)), case_id,
                                result="approved", opinion="准予备案。",
                                document_number="邢住建备〔2026〕0317号",
                                now=at + timedelta(days=3))


def _withdrawn(demo: _Demo, case_id: str, at: datetime) -> None:
    _accepted(demo, case_id, at)
    cases.withdraw(demo.uow, demo.clerk(_dept(demo, case_id)), case_id,
                   reason="申请人书面申请撤回。", now=at + timedelta(days=1))


def _suspended(demo: _Demo, case_id: str, at: datetime) -> None:
    _accepted(demo, case_id, at)
    # 专家评审 (第四十五条): its time is told in writing, the notice sealed at the window.
    cases.suspend(demo.uow, demo.clerk(_dept(demo, case_id)), case_id,
                  reason_code="expert_review", reason="经营场所的安全条件需组织专家评审",
                  expected_working_days=10, seal=demo.counter, now=at + timedelta(days=1))


def _extended(demo: _Demo, case_id: str, at: datetime) -> None:
    _reviewed(demo, case_id, at)
    cases.extend(demo.uow, demo.chief(_dept(demo, case_id)), case_id, working_days=5,
                 reason="情况复杂，需补充专家意见。", head_approval="局长 王建国",
                 seal=demo.counter, now=at + timedelta(days=1, hours=5))


def _special(demo: _Demo, case_id: str, at: datetime) -> None:
    _approved(demo, case_id, at)


def _fee_paid(demo: _Demo, case_id: str, at: datetime) -> None:
    _completed(demo, case_id, at)
    case = cases.get_case(demo.uow, case_id)
    clerk = demo.clerk(case.matter.department_code)
    fee_codes = [f.code for f in case.matter.fee_items]
    if fee_codes:
        case = cases.record_fee(demo.uow, clerk, case_id, fee_codes=fee_codes,
                                now=at + timedelta(days=2))
        cases.record_payment(demo.uow, clerk, case_id, amount_fen=case.fee_total_fen,
                             receipt_number=f"FS{rng_receipt(case_id)}",
                             now=at + timedelta(days=2, minutes=30))


def _tolerated(demo: _Demo, case_id: str, at: datetime) -> None:
    """容缺受理: the 食品安全管理制度文本 owed, promised within a week (overdue by now)."""
    case = cases.get_case(demo.uow, case_id)
    owed = [m.name for m in case.matter.materials_by_codes(case.matter.tolerance_materials)]
    clerk = demo.clerk(case.matter.department_code)
    cases.record_materials(demo.uow, clerk, case_id, now=at, materials=[
        dict(m, received=m["name"] not in owed) for m in case.materials])
    cases.accept(demo.uow, clerk, case_id, seal=demo.counter, now=at + timedelta(minutes=15),
                 tolerance_materials=owed, tolerance_deadline=local_date(at) + timedelta(days=7),
                 tolerance_promise_signed=True)


def _promise_broken(demo: _Demo, case_id: str, at: datetime) -> None:
    """告知承诺: the premises proof replaced by the promise, found untrue on checking."""
    case = cases.get_case(demo.uow, case_id)
    promised = [m.name for m in case.matter.materials_by_codes(case.matter.promise_materials)]
    clerk = demo.clerk(case.matter.department_code)
    cases.record_materials(demo.uow, clerk, case_id, now=at, materials=[
        dict(m, received=m["name"] not in promised) for m in case.materials])
    cases.accept(demo.uow, clerk, case_id, seal=demo.counter, now=at + timedelta(minutes=15),
                 promise_materials=promised, promise_signed=True)
    from app.services import promises

    promises.check_promise(demo.uow, clerk, case_id, kept=False,
                           finding="现场核查，申报的经营场所为他人住宅，未经同意。",
                           now=at + timedelta(days=2))


def _inspected(demo: _Demo, case_id: str, at: datetime) -> None:
    """联办件: the joint inspection the countersigning departments read."""
    _accepted(demo, case_id, at)
    case = cases.get_case(demo.uow, case_id)
    from app.services import inspections

    clerk = demo.clerk(case.matter.department_code)
    departments = [{"code": case.matter.department_code, "name": case.matter.department_name,
                    "people": clerk.display_name}]
    departments += [{"code": code, "name": next(d.name for d in DEPARTMENTS if d.code == code),
                     "people": demo.clerk(code).display_name}
                    for code in case.matter.joint_departments]
    inspections.schedule_inspection(demo.uow, clerk, case_id, on=local_date(at) + timedelta(days=1),
                                    place="清河县长江东街18号（建设项目现场）",
                                    departments=departments, now=at + timedelta(minutes=30))
    inspections.record_inspection(
        demo.uow, clerk, case_id, conclusion="现场具备施工条件，同意进入会签。",
        findings={d["name"]: "现场与申报材料一致，符合要求" for d in departments},
        now=at + timedelta(days=1, hours=3))


def _consultations_and_appointments(uow: UnitOfWorkFactory, staff: dict[str, CurrentUser],
                                    calendar: WorkingCalendar, now: datetime) -> None:
    """Today's consultations at the 市场监管 window and the next working day's appointments."""
    from app.services import appointments, consultations

    clerk = staff["clerk_scj"]
    for minutes, matter_code, name, answer in (
            (5, "SCJ-001", "", "告知个体工商户登记所需3项材料，经营场所可申报承诺"),
            (40, "SCJ-002", "刘洋", "告知食品经营许可条件和现场核查程序，打印办事指南"),
            (75, "SCJ-001", "陈静", "告知可网上办理，也可预约延时服务")):
        consultations.record_consultation(uow, clerk, matter_code=matter_code, answer=answer,
                                          asker_name=name, now=now - timedelta(minutes=minutes))
    day, _provisional = calendar.add_working_days(local_date(now), 1)
    for slot, name, phone, channel, mode in (
            ("09:00-10:00", "王芳", "13912345678", "counter", ""),
            ("10:00-11:00", "清河县鑫源商贸有限公司", "0319-8123456", "phone", ""),
            ("17:30-18:30", "赵强", "13698765432", "phone", "extended_hours")):
        appointments.book_appointment(uow, clerk, day=day, slot=slot,
                                      window_name=clerk.window_name, matter_code="SCJ-002",
                                      applicant_name=name, applicant_phone=phone,
                                      channel=channel, service_mode=mode, now=now)


def _handed_over(demo: _Demo, case_id: str, at: datetime) -> None:
    """代办: a village 代办员's request, carried to the county and back, one original
    short on the way (the ledger and the case show where)."""
    from app.services import custody

    case = cases.get_case(demo.uow, case_id)
    clerk = demo.clerk(case.matter.department_code)
    items = [{"name": str(m["name"]), "originals_given": 1, "originals_received": 1,
              "copies": 1} for m in case.materials]
    custody.hand_over(demo.uow, clerk, case_id, leg="village_to_township", giver="李梅",
                      receiver="王军", items=items, now=at + timedelta(minutes=1))
    short = [dict(items[0], originals_given=1, originals_received=0), *items[1:]]
    custody.hand_over(demo.uow, clerk, case_id, leg="township_to_county", giver="王军",
                      receiver=clerk.display_name, items=short, now=at + timedelta(minutes=2))
    _completed(demo, case_id, at + timedelta(minutes=10))


def _ab_post(uow: UnitOfWorkFactory, staff: dict[str, CurrentUser], now: datetime) -> None:
    """AB岗: the market regulator's window is covered by the housing bureau's officer,
    and its own officer is away at training today and tomorrow (顶岗补位)."""
    from app.services import ab_posts

    a_post, b_post, admin = staff["clerk_scj"], staff["clerk_zjj"], staff["admin"]
    ab_posts.set_window_post(uow, admin, window_name=a_post.window_name,
                             a_staff_id=a_post.id, b_staff_id=b_post.id, now=now)
    today = local_date(now)
    ab_posts.record_absence(uow, admin, staff_id=a_post.id, first_day=today,
                            last_day=today + timedelta(days=1), kind="培训",
                            reason="参加市市场监管局登记注册业务培训", now=now)


def rng_receipt(case_id: str) -> str:
    return case_id.replace("-", "")[:10].upper()


# (matter, legal person?, index into the last 25 working days (24 = yesterday), script)
_PLAN: tuple[tuple[str, bool, int, Script], ...] = (
    ("SCJ-001", False, 24, _registered_only),
    ("SCJ-001", False, 23, _notice),
    ("SCJ-001", False, 22, _accepted),          # 3 days: near or past its deadline
    ("SCJ-001", False, 18, _accepted),          # red
    ("SCJ-001", False, 10, _delivered),
    ("SCJ-001", False, 5, _denied),
    ("SCJ-002", True, 21, _reviewed),
    ("SCJ-002", True, 12, _suspended),
    ("SCJ-002", True, 4, _fee_paid),
    ("SCJ-003", True, 24, _immediate),
    ("SCJ-003", False, 15, _immediate),
    ("ZJJ-001", True, 19, _approved),           # joint, countersigned
    ("ZJJ-001", True, 9, _completed),
    ("ZJJ-002", True, 16, _reviewed),
    ("ZJJ-002", True, 3, _fee_paid),
    ("ZJJ-003", True, 20, _forwarded),
    ("ZJJ-003", True, 8, _forward_returned),
    ("WJJ-001", True, 14, _extended),
    ("WJJ-001", True, 2, _rejected),
    ("WJJ-002", True, 22, _accepted),
    ("WJJ-002", False, 11, _withdrawn),
    ("MZJ-001", True, 17, _notice),
    ("MZJ-001", True, 6, _reviewed),
    ("MZJ-002", False, 24, _immediate),
    ("MZJ-002", False, 13, _rejected),
    ("MZJ-002", False, 9, _refused),
    ("JTJ-001", True, 24, _accepted),           # fresh
    ("JTJ-001", True, 7, _delivered),
    ("JTJ-002", False, 19, _accepted),          # yellow/red
    ("JTJ-002", False, 1, _special),
    ("SCJ-001", False, 0, _completed),
    ("ZJJ-002", True, 23, _accepted),           # yellow
    ("SCJ-002", True, 20, _approved),
    ("MZJ-001", True, 22, _accepted),           # due in 2027: provisional deadline
    ("SCJ-002", True, 15, _tolerated),          # 容缺: owed material overdue
    ("SCJ-001", False, 12, _promise_broken),    # 告知承诺 found untrue
    ("ZJJ-001", True, 23, _inspected),          # 联合踏勘 recorded, countersign next
    ("SCJ-001", False, 14, _handed_over),       # 代办 from a village, an original lost
)
