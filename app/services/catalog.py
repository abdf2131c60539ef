"""Service catalog administration and lookup (事项目录)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime

from app.domain.catalog import Department, Matter, validate_department
from app.domain.errors import NotFound, ValidationError
from app.domain.numbering import (
    DEFAULT_KIND_CODES,
    kind_code,
    preview_document_number,
    validate_kind_codes,
)
from app.domain.roles import Action, authorize
from app.services.context import CurrentUser, utc_now
from app.store.unit_of_work import UnitOfWorkFactory


def pinyin_initials(name: str) -> str:
    """"个体工商户登记" → "gtgshdj": what a clerk types to find a matter quickly."""
    from pypinyin import Style, lazy_pinyin  # its dictionaries take a quarter second

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
    unnamed = [str(i) for i, m in enumerate(matter.materials, start=1) if not m.name.strip()]
    if unnamed:
        raise ValidationError(
            "material_name_required",
            f"第{'、'.join(unnamed)}项申请材料没有名称：请填写材料名称，或删除该行。",
            field="materials", rows=unnamed,
        )
    names = [m.name for m in matter.materials]
    if len(names) != len(set(names)):
        raise ValidationError("duplicate_material", "申请材料名称重复。", field="materials")
    if any(m.copies < 1 for m in matter.materials):
        raise ValidationError("bad_copies", "材料份数至少为1份。", field="materials")
    if any(f.amount_fen < 0 or not f.basis.strip() for f in matter.fee_items):
        raise ValidationError("bad_fee", "收费项目须有非负金额和收费依据。", field="fee_items")
    validate_result_fields(matter)
    validate_intake_marks(matter)


def validate_intake_marks(matter: Matter) -> None:
    """容缺 and 告知承诺 marks name the guide's materials; 容缺 leaves the main ones."""
    codes = {m.code for m in matter.materials}
    for marked, what in ((matter.tolerance_materials, "可容缺受理"),
                         (matter.promise_materials, "可告知承诺")):
        unknown = [c for c in marked if c not in codes]
        if unknown:
            raise ValidationError("unknown_material", f"标为{what}的材料“{'、'.join(unknown)}”"
                                  "不在申请材料中。", field="materials")
    required = [m.code for m in matter.materials if m.required]
    if required and all(c in matter.tolerance_materials for c in required):
        raise ValidationError(
            "tolerance_all_materials",
            "容缺受理只适用于非主要材料：不能把全部必交材料都标为可容缺。", field="materials")


def validate_result_fields(matter: Matter) -> None:
    """The fields the approver fills in: distinct, labelled; a certificate has its number
    and validity (what a 准予行政许可决定书 must state)."""
    codes = [f.code.strip() for f in matter.permit_fields]
    labels = [f.label.strip() for f in matter.permit_fields]
    if any(not c for c in codes) or any(not label for label in labels):
        raise ValidationError("bad_permit_field", "结果字段须有编码和名称。", field="permit_fields")
    if len(set(codes)) != len(codes) or len(set(labels)) != len(labels):
        raise ValidationError("duplicate_permit_field", "结果字段的编码或名称重复。",
                              field="permit_fields")
    if matter.certificate_name.strip():
        for needed, marks in (("编号", ("编号", "证号", "代码")), ("有效期限", ("有效期",))):
            if not any(any(m in label for m in marks) and f.required
                       for label, f in zip(labels, matter.permit_fields, strict=True)):
                raise ValidationError(
                    "certificate_fields",
                    f"颁发《{matter.certificate_name.strip()}》的事项须有必填的证件{needed}字段"
                    "（核准时填写，决定书载明）。",
                    field="permit_fields",
                )


def save_department(
    uow_factory: UnitOfWorkFactory, admin: CurrentUser, department: Department,
    *, now: datetime | None = None,
) -> None:
    """Add or change a department: its 文号 pattern and 代字 (GB/T 9704 7.2.4) and its
    remedy bodies are checked here, so the CLI and sync obey the admin page's rules.

    A department saved without a numbering station numbers plainly at the station of
    the administrator who saves it (the county centre).
    """
    authorize(admin.roles, Action.MANAGE_CATALOG, who=admin.display_name)
    department = replace(
        department,
        document_number_pattern=department.document_number_pattern.strip(),
        document_prefix=department.document_prefix.strip(),
        kind_codes=validate_kind_codes(department.kind_codes),
        numbering_station=(department.numbering_station.strip().upper() or admin.station),
        reconsideration_body=department.reconsideration_body.strip(),
        litigation_court=department.litigation_court.strip(),
    )
    validate_department(department, require_prefix=False)
    with uow_factory() as uow:
        clash = next((d for d in uow.catalog.departments()
                      if d.code != department.code and department.document_prefix
                      and d.document_prefix == department.document_prefix), None)
        if clash is not None:
            raise ValidationError(
                "document_prefix.duplicate",
                f"机关代字“{department.document_prefix}”已由“{clash.name}”使用，两个部门的文号会相同。",
                field="document_prefix",
            )
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
            matter = replace(matter, version=current.version + 1)
        uow.catalog.save_matter(matter, pinyin_initials(matter.name))
        uow.audit.append({"kind": "admin", "action": "save_matter", "by": admin.id,
                          "matter": matter.code, "version": matter.version,
                          "at": (now or utc_now()).isoformat()})
        uow.commit()


# What an import names when it changes a matter (the guide's own words).
MATTER_FIELD_LABELS = {
    "name": "事项名称", "department_code": "实施部门", "department_name": "实施部门",
    "case_type": "办件类型", "statutory_working_days": "法定时限",
    "promised_working_days": "承诺时限", "legal_basis": "设定依据", "conditions": "申请条件",
    "procedure": "办理流程", "materials": "申请材料", "fee_items": "收费项目",
    "site_inspection": "现场核查", "site_inspection_excluded": "现场核查不计时",
    "single_officer": "一人办结", "joint_departments": "会签部门", "active": "启用",
    "matter_type": "事项类型", "reconsideration_first": "复议前置",
    "certificate_name": "结果证件", "permit_fields": "结果字段",
    "tolerance_materials": "可容缺材料", "promise_materials": "可告知承诺材料",
    "service_place": "办理地点和时间", "form_templates": "申请书格式文本",
}


@dataclass(frozen=True)
class ImportPreview:
    """What importing a catalog sheet would change, for the administrator to confirm."""

    added: list[str] = field(default_factory=list)  # "编码 名称"
    changed: list[str] = field(default_factory=list)  # "编码 名称：申请材料、承诺时限"
    unchanged: int = 0

    @property
    def has_changes(self) -> bool:
        """Whether saving the sheet would add or change anything."""
        return bool(self.added or self.changed)


def preview_import(
    uow_factory: UnitOfWorkFactory, admin: CurrentUser, matters: list[Matter],
) -> ImportPreview:
    """Compare imported matters with the catalog: new ones, changed ones (naming what
    changes), unchanged ones. Nothing is written."""
    authorize(admin.roles, Action.MANAGE_CATALOG, who=admin.display_name)
    preview = ImportPreview()
    unchanged = 0
    with uow_factory() as uow:
        for matter in matters:
            current = uow.catalog.matter(matter.code)
            label = f"{matter.code} {matter.name}"
            if current is None:
                preview.added.append(label)
                continue
            names: list[str] = []
            for spec in fields(Matter):
                if spec.name in ("code", "version"):
                    continue
                if getattr(current, spec.name) != getattr(matter, spec.name):
                    name = MATTER_FIELD_LABELS.get(spec.name, spec.name)
                    if name not in names:
                        names.append(name)
            if names:
                preview.changed.append(f"{label}：{'、'.join(names)}")
            else:
                unchanged += 1
    return replace(preview, unchanged=unchanged)


def document_number_previews(department: Department) -> list[tuple[str, str]]:
    """(document kind value, the 文号 it would print) for the administrator's form.

    Raises the pattern's or prefix's ValidationError, which the form shows as it types.
    """
    overrides = validate_kind_codes(department.kind_codes)
    return [
        (kind, preview_document_number(department.document_number_pattern,
                                       department.document_prefix, kind=kind,
                                       overrides=overrides))
        for kind in _numbered_kinds()
    ]


# The documents' kinds are imported where a department's numbering is shown: the
# catalog is needed at every start, the documents' vocabulary (12 ms) is not.


def _kind_label(kind: str) -> str:
    from app.print_templates import DocumentKind

    return DocumentKind(kind).label


def _numbered_kinds() -> list[str]:
    """The document kinds this program issues that have a default 文种代字."""
    from app.print_templates import DocumentKind

    return [kind for kind in DEFAULT_KIND_CODES if kind in DocumentKind._value2member_map_]


def format_kind_codes(department: Department | None) -> str:
    """``受理通知书=受；不予受理通知书=不受；…``: every kind's 文种代字, for editing."""
    overrides = department.kind_codes if department else {}
    return "；".join(f"{_kind_label(kind)}={kind_code(kind, overrides)}"
                    for kind in _numbered_kinds())


def parse_kind_codes(text: str) -> dict[str, str]:
    """The overrides in a :func:`format_kind_codes` text (codes equal to the default are
    not stored). Unknown document names are refused, naming them."""
    by_label = {_kind_label(kind): kind for kind in _numbered_kinds()}
    codes: dict[str, str] = {}
    for part in text.replace(";", "；").replace("\n", "；").split("；"):
        if not part.strip():
            continue
        label, _, code = part.replace("＝", "=").partition("=")
        kind = by_label.get(label.strip())
        if kind is None or not code.strip():
            raise ValidationError(
                "kind_code.unreadable",
                f"无法识别“{part.strip()}”：请写作“文书名称=代字”，如“受理通知书=受”。",
                field="kind_codes",
            )
        if code.strip() != DEFAULT_KIND_CODES[kind]:
            codes[kind] = code.strip()
    return validate_kind_codes(codes)


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
