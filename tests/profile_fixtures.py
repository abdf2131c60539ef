"""A real profile on disk with a small catalog and staff in every role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from app.domain.catalog import CaseType, Department, FeeItem, MaterialForm, Matter, RequiredMaterial
from app.domain.roles import Role
from app.domain.seal import SealKind
from app.services import accounts, catalog, seals
from app.services.cases import CounterSeal
from app.services.context import CurrentUser
from app.services.runtime import Runtime, open_runtime

PASSWORD = "counter2026"
INTAKE_SEAL_SERIAL = "1305340000009"
# A Monday morning in Beijing (01:00 UTC = 09:00 CST).
MONDAY = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)

NATURAL_APPLICANT = {
    "kind": "natural", "name": "张三", "id_type": "resident_id",
    "id_number": "11010519491231002X", "phone": "13800138000", "address": "城关镇人民路1号",
}


def county_department(code: str, name: str, prefix: str, **overrides: object) -> Department:
    """A county department with its 机关代字 and remedy bodies configured."""
    values: dict[str, object] = dict(
        code=code, name=name, document_prefix=prefix, reconsideration_body="某某县人民政府",
        litigation_court="某某县人民法院",
    )
    values.update(overrides)
    return Department(**values)  # type: ignore[arg-type]


def business_matter(**overrides: object) -> Matter:
    values: dict[str, object] = dict(
        code="SCJ-001", name="个体工商户登记", department_code="SCJ",
        department_name="县市场监督管理局", case_type=CaseType.PROMISED,
        statutory_working_days=15, promised_working_days=3,
        legal_basis="《促进个体工商户发展条例》第八条",
        materials=(
            RequiredMaterial("A", "个体工商户登记申请书", MaterialForm.ORIGINAL, 1),
            RequiredMaterial("B", "经营者身份证明", MaterialForm.COPY, 1),
            RequiredMaterial("C", "经营场所使用证明", MaterialForm.COPY, 1,
                             description="房产证或租赁合同复印件"),
        ),
        fee_items=(FeeItem("F1", "工本费", 1000, "《县行政事业性收费目录》"),),
    )
    values.update(overrides)
    return Matter(**values)  # type: ignore[arg-type]


# 容缺 (C) and 告知承诺 (D) marked, with its place and hours and a form template.
TOLERANT = business_matter(
    code="SCJ-009", name="食品小作坊登记",
    materials=(
        RequiredMaterial("A", "登记申请书", MaterialForm.ORIGINAL, 1),
        RequiredMaterial("B", "经营者身份证明", MaterialForm.COPY, 1),
        RequiredMaterial("C", "从业人员健康证明", MaterialForm.COPY, 2),
        RequiredMaterial("D", "经营场所使用证明", MaterialForm.COPY, 1),
    ),
    tolerance_materials=("C",), promise_materials=("D",),
    service_place="城关镇便民服务站3号窗口；工作日 9:00—17:30",
    form_templates=("食品小作坊登记申请书",),
)


@dataclass
class Staff:
    admin: CurrentUser
    clerk: CurrentUser
    clerk2: CurrentUser
    chief: CurrentUser
    other_chief: CurrentUser
    supervisor: CurrentUser


def make_profile(data_dir: Path) -> tuple[Runtime, Staff]:
    runtime = open_runtime(data_dir, backups=False)
    uow = runtime.uow
    admin = accounts.create_first_administrator(
        uow, username="admin", display_name="管理员", password=PASSWORD,
        station_code="XC01", station_name="城关镇便民服务站", window_name="1号窗口",
    )
    catalog.save_department(uow, admin, county_department("SCJ", "县市场监督管理局", "县市监"))
    catalog.save_department(uow, admin, county_department("ZJJ", "县住房和城乡建设局", "县住建"))
    catalog.save_matter(uow, admin, business_matter())

    def user(name: str, display: str, roles: set[Role], dept: str | None) -> CurrentUser:
        accounts.create_user(uow, admin, username=name, display_name=display, password=PASSWORD,
                             roles=frozenset(roles), department_code=dept, window_name="3号窗口")
        return accounts.authenticate(uow, username=name, password=PASSWORD)

    staff = Staff(
        admin=admin,
        clerk=user("clerk", "李受理", {Role.CLERK}, "SCJ"),
        clerk2=user("clerk2", "周受理", {Role.CLERK}, "SCJ"),
        chief=user("chief", "王首席", {Role.CHIEF}, "SCJ"),
        other_chief=user("chief_zj", "赵首席", {Role.CHIEF}, "ZJJ"),
        supervisor=user("watch", "钱监察", {Role.SUPERVISOR}, None),
    )
    register_window_seal(runtime, staff)
    return runtime, staff


def register_window_seal(runtime: Runtime, staff: Staff, *, window_name: str = "3号窗口",
                         serial: str = INTAKE_SEAL_SERIAL) -> None:
    """The 受理专用章 of SCJ's window, kept by the chief, applied by its clerks."""
    seals.register_seal(
        runtime.uow, staff.admin, runtime.key_store, department_code="SCJ",
        authority_name="清河县市场监督管理局", serial=serial, custodian_id=staff.chief.id,
        valid_from=date(2026, 1, 1), valid_to=None, made_on=date(2025, 12, 20),
        made_by="县公安局备案刻章点", kind=SealKind.INTAKE, window_name=window_name,
    )


def counter_seal(runtime: Runtime, password: str = PASSWORD) -> CounterSeal:
    """The password confirmation and key store the counter's sealed acts take."""
    return CounterSeal(password=password, key_store=runtime.key_store)


def register_approval_seal(runtime: Runtime, staff: Staff) -> None:
    """SCJ's 审批专用章, kept by its chief representative, for decisions."""
    seals.register_seal(
        runtime.uow, staff.admin, runtime.key_store, department_code="SCJ",
        authority_name="清河县市场监督管理局", serial="1305340000001", custodian_id=staff.chief.id,
        valid_from=date(2026, 1, 1), valid_to=None, made_on=date(2025, 12, 20),
        made_by="县公安局备案刻章点",
    )


def downgrade_profile(profile_dir: Path, revision: str) -> None:
    """Take a profile's schema back to ``revision``, as an older program left it."""
    from alembic import command

    from app.store.database import Profile, alembic_config, make_engine

    profile = Profile(profile_dir)
    engine = make_engine(profile.url)
    try:
        with engine.begin() as connection:
            config = alembic_config(profile.url)
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
    finally:
        engine.dispose()
