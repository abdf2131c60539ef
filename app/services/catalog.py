"""Service catalog administration and lookup (事项目录)."""

from __future__ import annotations

from datetime import datetime

from pypinyin import Style, lazy_pinyin

from app.domain.catalog import Department, Matter
from app.domain.errors import NotFound, ValidationError
from app.domain.numbering import validate_document_pattern
from app.domain.roles import Action, authorize
from app.services.context import CurrentUser, utc_now
from app.store.unit_of_work import UnitOfWorkFactory


def pinyin_initials(name: str) -> str:
    """"个体工商户登记" → "gtgshdj": what a clerk types to find a matter quickly."""
    return "".join(
        syllable[0] for syllable in lazy_pinyin(name, style=Style.NORMAL, errors="ignore")
        if syllable
    ).lower()


def validate_matter(matter: Matter) -> None:
    """Refuse a guide a counter could not work with."""
    if not matter.code.strip() or not matter.name.strip():
        raise ValidationError("required", "事项编码和名称不能为空。", field="name")
    if matter.promised_working_days < 0 or matter.statutory_working_days < 0:
        raise ValidationError("bad_days", "办理时限不能为负数。", field="promised_working_days")
    if matter.promised_working_days > matter.statutory_working_days:
        raise ValidationError(
            "promise_exceeds_statute", "承诺时限不能超过法定时限。", field="promised_working_days"
        )
    names = [m.name for m in matter.materials]
    if len(names) != len(set(names)):
        raise ValidationError("duplicate_material", "申请材料名称重复。", field="materials")
    if any(m.copies < 1 for m in matter.materials):
        raise ValidationError("bad_copies", "材料份数至少为1份。", field="materials")
    if any(f.amount_fen < 0 or not f.basis.strip() for f in matter.fee_items):
        raise ValidationError("bad_fee", "收费项目须有非负金额和收费依据。", field="fee_items")


def save_department(
    uow_factory: UnitOfWorkFactory, admin: CurrentUser, department: Department,
    *, now: datetime | None = None,
) -> None:
    authorize(admin.roles, Action.MANAGE_CATALOG, who=admin.display_name)
    if not department.code.strip() or not department.name.strip():
        raise ValidationError("required", "部门编码和名称不能为空。", field="code")
    validate_document_pattern(department.document_number_pattern)
    with uow_factory() as uow:
        uow.catalog.save_department(department)
        uow.audit.append({"kind": "admin", "action": "save_department", "by": admin.id,
                          "department": department.code, "at": (now or utc_now()).isoformat()})
        uow.commit()


def save_matter(
    uow_factory: UnitOfWorkFactory, admin: CurrentUser, matter: Matter,
    *, now: datetime | None = None,
) -> None:
    """Add or change a matter; a change raises its version (cases keep their snapshot)."""
    authorize(admin.roles, Action.MANAGE_CATALOG, who=admin.display_name)
    validate_matter(matter)
    with uow_factory() as uow:
        if uow.catalog.department(matter.department_code) is None:
            raise NotFound("department_not_found", f"部门{matter.department_code}不存在。",
                           field="department_code")
        current = uow.catalog.matter(matter.code)
        if current is not None and current != matter:
            from dataclasses import replace

            matter = replace(matter, version=current.version + 1)
        uow.catalog.save_matter(matter, pinyin_initials(matter.name))
        uow.audit.append({"kind": "admin", "action": "save_matter", "by": admin.id,
                          "matter": matter.code, "version": matter.version,
                          "at": (now or utc_now()).isoformat()})
        uow.commit()


def search_matters(
    uow_factory: UnitOfWorkFactory, text: str = "", *, department_code: str = ""
) -> list[Matter]:
    """Find matters by name, code or pinyin initials ("gtgshdj")."""
    with uow_factory() as uow:
        return uow.catalog.search_matters(text, department_code=department_code)


def get_matter(uow_factory: UnitOfWorkFactory, code: str) -> Matter:
    with uow_factory() as uow:
        matter = uow.catalog.matter(code)
    if matter is None:
        raise NotFound("matter_not_found", f"事项{code}不存在。")
    return matter


def list_departments(uow_factory: UnitOfWorkFactory) -> list[Department]:
    with uow_factory() as uow:
        return uow.catalog.departments()


def list_matters(uow_factory: UnitOfWorkFactory, *, include_inactive: bool = False) -> list[Matter]:
    """Every matter of the catalog; administrators also see the disabled ones."""
    with uow_factory() as uow:
        return uow.catalog.matters(include_inactive=include_inactive)
