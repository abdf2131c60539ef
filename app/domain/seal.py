"""The seals of a service window: their registry records, the custodians' delegations,
the rule deciding who may apply which seal to what, and the seal usage record (用印登记).

Three kinds of seal (:class:`SealKind`), each a record of its own with a custodian:

- the chief representative's 审批专用章, for decisions and every other document;
- the window's 受理专用章, for the procedural documents the window issues on the spot
  (行政许可法第三十二条第二款: 受理 / 不予受理 / 一次性告知, and the 特别程序告知书 and
  送达回证 issued where those events are recorded), applied by that window's clerks with
  their own password;
- the 双章制 window copy of the organ's seal, marked "2" (衡阳 意见 四: "具有同等法律效力",
  used only at the window), kept by the window's chief representative like the approval
  seal.

Pure Python: the services load the seal, the actor and the delegations, call
:func:`check_seal_use` (or :func:`seal_use_authority`) and, only if it returns, render,
sign and record a :class:`SealUse`. The store keeps seal uses append-only.

Seal validity (``valid_from`` / ``valid_to``) is a calendar date in China Standard Time,
so a timezone-aware instant is compared by its date in UTC+8, not by its UTC date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from app.domain.calendar import LOCAL_ZONE
from app.domain.errors import SealRefused, ValidationError

# China has one civil time zone and no daylight saving time.
CHINA_STANDARD_TIME = LOCAL_ZONE  # the counter's zone (Asia/Shanghai unless configured)

DEFAULT_SEAL_TITLE = "行政审批专用章"

# The regulations want a named stand-in while the chief representative is away, not a
# standing transfer of the seal; a longer absence calls for a new custodian.
MAX_DELEGATION_DAYS = 90

SealAuthority = Literal["custodian", "deputy", "window", "on_the_spot"]

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class SealStatus(StrEnum):
    """Where a seal is in its life (在用 / 暂停使用 / 已注销 / 已更换)."""

    IN_USE = "in_use"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    REPLACED = "replaced"

    @property
    def label(self) -> str:
        return SEAL_STATUS_LABELS[self]


SEAL_STATUS_LABELS: dict[SealStatus, str] = {
    SealStatus.IN_USE: "在用",
    SealStatus.SUSPENDED: "暂停使用",
    SealStatus.REVOKED: "已注销",
    SealStatus.REPLACED: "已更换",
}


class SealKind(StrEnum):
    """Which seal a record is (印章类别)."""

    APPROVAL = "approval"
    INTAKE = "intake"
    WINDOW_COPY = "window_copy"

    @property
    def label(self) -> str:
        return SEAL_KIND_LABELS[self]

    @property
    def default_title(self) -> str:
        """The words carved under the star (the window copy carries only its mark)."""
        return SEAL_KIND_TITLES[self]

    @property
    def kept_by_chief(self) -> bool:
        """Whether only the custodian chief representative (or a deputy) may apply it."""
        return self is not SealKind.INTAKE


SEAL_KIND_LABELS: dict[SealKind, str] = {
    SealKind.APPROVAL: "审批专用章",
    SealKind.INTAKE: "受理专用章",
    SealKind.WINDOW_COPY: "双章制窗口用章",
}

SEAL_KIND_TITLES: dict[SealKind, str] = {
    SealKind.APPROVAL: DEFAULT_SEAL_TITLE,
    SealKind.INTAKE: "受理专用章",
    SealKind.WINDOW_COPY: "",
}

# 衡阳 意见 四: the seals used at the window "统一标明阿拉伯数字“2”".
WINDOW_COPY_MARK = "2"


class SealableDocument(StrEnum):
    """The documents a seal may be applied to."""

    ONE_TIME_NOTICE = "one_time_notice"
    ACCEPTANCE_NOTICE = "acceptance_notice"
    REJECTION_NOTICE = "rejection_notice"
    APPROVAL_DECISION = "approval_decision"
    DENIAL_DECISION = "denial_decision"
    RESULT_NOTICE = "result_notice"
    REFUSAL_NOTICE = "refusal_notice"
    EXTENSION_NOTICE = "extension_notice"
    SPECIAL_PROCEDURE_NOTICE = "special_procedure_notice"
    DELIVERY_RECEIPT = "delivery_receipt"
    TOLERANCE_NOTICE = "tolerance_notice"

    @property
    def label(self) -> str:
        return SEALABLE_DOCUMENT_LABELS[self]


SEALABLE_DOCUMENT_LABELS: dict[SealableDocument, str] = {
    SealableDocument.ONE_TIME_NOTICE: "一次性告知书",
    SealableDocument.ACCEPTANCE_NOTICE: "受理通知书",
    SealableDocument.REJECTION_NOTICE: "不予受理通知书",
    SealableDocument.APPROVAL_DECISION: "准予行政许可决定书",
    SealableDocument.DENIAL_DECISION: "不予行政许可决定书",
    SealableDocument.RESULT_NOTICE: "办结通知书",
    SealableDocument.REFUSAL_NOTICE: "不予办理告知书",
    SealableDocument.EXTENSION_NOTICE: "延长办理期限告知书",
    SealableDocument.SPECIAL_PROCEDURE_NOTICE: "特别程序告知书",
    SealableDocument.DELIVERY_RECEIPT: "送达回证",
    SealableDocument.TOLERANCE_NOTICE: "容缺受理通知书",
}

# The documents the window issues on the spot, which its 受理专用章 may seal. Decisions
# and the extension notice (第四十二条: approved by the head of the organ) need the
# chief representative's seal.
COUNTER_DOCUMENTS = frozenset({
    SealableDocument.ONE_TIME_NOTICE,
    SealableDocument.ACCEPTANCE_NOTICE,
    SealableDocument.REJECTION_NOTICE,
    SealableDocument.SPECIAL_PROCEDURE_NOTICE,
    SealableDocument.DELIVERY_RECEIPT,
    # 容缺受理 is an acceptance decision in the department's name, sealed with the
    # acceptance notice (the applicant's own promises stay unsealed: they sign them).
    SealableDocument.TOLERANCE_NOTICE,
})

# The decisions an authorized window officer seals when completing a 即办件 alone.
ON_THE_SPOT_DOCUMENTS = frozenset({
    SealableDocument.APPROVAL_DECISION,
    SealableDocument.RESULT_NOTICE,
})

SEAL_KIND_DOCUMENTS: dict[SealKind, frozenset[SealableDocument]] = {
    SealKind.APPROVAL: frozenset(SealableDocument),
    SealKind.WINDOW_COPY: frozenset(SealableDocument),
    SealKind.INTAKE: COUNTER_DOCUMENTS,
}

# How many sealed copies a document is issued in (份数): one for the applicant and one
# for the case file; the delivery receipt is one sheet that goes back into the file.
DEFAULT_COPIES: dict[SealableDocument, int] = {
    **{kind: 2 for kind in SealableDocument},
    SealableDocument.DELIVERY_RECEIPT: 1,
}


def china_date(at: datetime) -> date:
    """The calendar date of ``at`` in China Standard Time; ``at`` must be timezone-aware."""
    _require_aware(at, "at")
    return at.astimezone(CHINA_STANDARD_TIME).date()


def _require_aware(value: datetime, name: str) -> None:
    # A naive datetime would compare by the machine's clock zone: refuse it outright.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")


def _parse_aware(text: str, name: str) -> datetime:
    value = datetime.fromisoformat(text)
    _require_aware(value, name)
    return value.astimezone(UTC)


@dataclass(frozen=True)
class SealRecord:
    """One physical approval seal in the administrator's registry (印章登记)."""

    id: str
    authority_name: str  # 机关名称, as carved on the seal
    department_code: str
    department_name: str
    serial: str  # 印章编号
    custodian_id: str  # the chief representative who keeps it (保管人)
    custodian_name: str
    valid_from: date
    valid_to: date | None
    status: SealStatus
    replaced_by: str | None
    made_on: date  # 刻制日期
    made_by: str  # 刻制单位
    image_sha256: str | None  # the scan or generated image, by hash
    title: str = DEFAULT_SEAL_TITLE
    kind: SealKind = SealKind.APPROVAL
    window_name: str = ""  # 受理专用章: the window whose clerks apply it
    copy_mark: str = ""  # 双章制: the "2" that tells the window copy from the organ's own

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", SealKind(self.kind))
        if self.kind is SealKind.INTAKE and not self.window_name.strip():
            raise ValidationError(
                "seal.window_missing",
                "受理专用章须指定使用窗口（如“3号窗口”），由该窗口的工作人员使用。",
                field="window_name",
            )
        if self.kind is SealKind.WINDOW_COPY and not self.copy_mark.strip():
            raise ValidationError(
                "seal.copy_mark_missing",
                f"双章制窗口用章须标明区别标记（统一为阿拉伯数字“{WINDOW_COPY_MARK}”）。",
                field="copy_mark",
            )
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValidationError(
                "seal.validity_reversed",
                f"印章有效期截止日（{self.valid_to.isoformat()}）早于起始日"
                f"（{self.valid_from.isoformat()}）。",
                field="valid_to",
                valid_from=self.valid_from.isoformat(),
                valid_to=self.valid_to.isoformat(),
            )
        if self.image_sha256 is not None and not _SHA256_HEX.fullmatch(self.image_sha256):
            raise ValidationError(
                "seal.image_hash_malformed",
                "印模图像的 SHA-256 应为 64 位小写十六进制。",
                field="image_sha256",
            )

    @property
    def full_title(self) -> str:
        """The text carved on the seal: authority then title (某某局行政审批专用章); the
        window copy of the organ's seal reads as the authority with its mark (某某局（2）)."""
        if self.kind is SealKind.WINDOW_COPY:
            return f"{self.authority_name}{self.title}（{self.copy_mark}）"
        return f"{self.authority_name}{self.title}"

    @property
    def drawn_title(self) -> str:
        """The horizontal line under the star: the title, or the window copy's mark."""
        if self.kind is SealKind.WINDOW_COPY:
            return f"{self.title}{self.copy_mark}" if self.title else self.copy_mark
        return self.title

    @property
    def description(self) -> str:
        """Which seal this is, as the ledger and messages name it: name, kind, serial."""
        where = f"，{self.window_name}" if self.kind is SealKind.INTAKE else ""
        return f"{self.full_title}（{self.kind.label}{where}，编号 {self.serial}）"

    def may_seal(self, document_kind: SealableDocument) -> bool:
        """Whether a seal of this kind may go on ``document_kind``."""
        return document_kind in SEAL_KIND_DOCUMENTS[self.kind]

    def is_valid_on(self, day: date) -> bool:
        """Whether ``day`` lies within the seal's validity dates (both ends inclusive)."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (reference data the sync engine carries)."""
        return {
            "id": self.id,
            "authority_name": self.authority_name,
            "department_code": self.department_code,
            "department_name": self.department_name,
            "title": self.title,
            "serial": self.serial,
            "custodian_id": self.custodian_id,
            "custodian_name": self.custodian_name,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "status": self.status.value,
            "replaced_by": self.replaced_by,
            "made_on": self.made_on.isoformat(),
            "made_by": self.made_by,
            "image_sha256": self.image_sha256,
            "kind": self.kind.value,
            "window_name": self.window_name,
            "copy_mark": self.copy_mark,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SealRecord:
        """Rebuild a seal from :meth:`to_dict` output (a record from before seal kinds
        is an approval seal)."""
        valid_to = data.get("valid_to")
        kind = SealKind(data.get("kind") or SealKind.APPROVAL.value)
        title = data.get("title")
        return cls(
            id=str(data["id"]),
            authority_name=str(data["authority_name"]),
            department_code=str(data["department_code"]),
            department_name=str(data["department_name"]),
            title=str(title if title is not None else kind.default_title),
            serial=str(data["serial"]),
            custodian_id=str(data["custodian_id"]),
            custodian_name=str(data["custodian_name"]),
            valid_from=date.fromisoformat(data["valid_from"]),
            valid_to=date.fromisoformat(valid_to) if valid_to else None,
            status=SealStatus(data["status"]),
            replaced_by=data.get("replaced_by"),
            made_on=date.fromisoformat(data["made_on"]),
            made_by=str(data["made_by"]),
            image_sha256=data.get("image_sha256"),
            kind=kind,
            window_name=str(data.get("window_name") or ""),
            copy_mark=str(data.get("copy_mark") or ""),
        )


@dataclass(frozen=True)
class Delegation:
    """A chief representative's named temporary deputy (授权代理人) for a period.

    The deputy may apply the chief's seals from ``starts_at`` (inclusive) until
    ``ends_at`` (exclusive); after that the authority ends by itself.
    Construction validates the period and the people and raises
    :class:`ValidationError`.
    """

    id: str
    chief_id: str
    deputy_id: str
    deputy_name: str
    department_code: str
    starts_at: datetime
    ends_at: datetime
    reason: str  # 出差、休假…: why the chief representative is away

    def __post_init__(self) -> None:
        _require_aware(self.starts_at, "starts_at")
        _require_aware(self.ends_at, "ends_at")
        if not self.deputy_id.strip():
            raise ValidationError("delegation.deputy_missing", "请指定代理人。", field="deputy_id")
        if self.deputy_id == self.chief_id:
            raise ValidationError(
                "delegation.deputy_is_chief",
                "首席代表不能指定本人为代理人。",
                field="deputy_id",
            )
        if self.ends_at <= self.starts_at:
            raise ValidationError(
                "delegation.period_reversed",
                "授权结束时间必须晚于开始时间。",
                field="ends_at",
            )
        if self.ends_at - self.starts_at > timedelta(days=MAX_DELEGATION_DAYS):
            raise ValidationError(
                "delegation.period_too_long",
                f"临时授权期限不得超过 {MAX_DELEGATION_DAYS} 天；"
                "长期不在岗应由中心管理员变更印章保管人。",
                field="ends_at",
                max_days=MAX_DELEGATION_DAYS,
            )
        if not self.reason.strip():
            raise ValidationError("delegation.reason_missing", "请填写授权事由。", field="reason")

    def is_active(self, at: datetime) -> bool:
        """Whether the deputy holds the chief's authority at ``at`` (aware datetime)."""
        _require_aware(at, "at")
        return self.starts_at <= at < self.ends_at

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; times in UTC."""
        return {
            "id": self.id,
            "chief_id": self.chief_id,
            "deputy_id": self.deputy_id,
            "deputy_name": self.deputy_name,
            "department_code": self.department_code,
            "starts_at": self.starts_at.astimezone(UTC).isoformat(),
            "ends_at": self.ends_at.astimezone(UTC).isoformat(),
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Delegation:
        """Rebuild a delegation from :meth:`to_dict` output (validating it again)."""
        return cls(
            id=str(data["id"]),
            chief_id=str(data["chief_id"]),
            deputy_id=str(data["deputy_id"]),
            deputy_name=str(data["deputy_name"]),
            department_code=str(data["department_code"]),
            starts_at=_parse_aware(data["starts_at"], "starts_at"),
            ends_at=_parse_aware(data["ends_at"], "ends_at"),
            reason=str(data["reason"]),
        )


def _refuse(code: str, message: str, seal: SealRecord, **params: Any) -> SealRefused:
    return SealRefused(code, message, seal_id=seal.id, serial=seal.serial, **params)


def seal_use_authority(
    seal: SealRecord,
    *,
    actor_id: str,
    actor_department_code: str,
    actor_is_chief: bool,
    delegations: Iterable[Delegation],
    document_kind: SealableDocument | str,
    case_department_code: str,
    at: datetime,
    actor_window_name: str = "",
    on_the_spot: bool = False,
) -> SealAuthority:
    """Decide whether ``actor_id`` may apply ``seal`` at ``at``, and on whose authority.

    Returns ``"custodian"`` when the actor keeps the seal, ``"deputy"`` when the actor
    is the custodian's deputy under a delegation active at ``at`` and ``"window"`` when
    the actor works at the window a 受理专用章 belongs to. ``"on_the_spot"`` when
    ``on_the_spot`` says the actor is the authorized officer completing a 即办件 alone
    (the caller has checked the grant and that the decision is the actor's own) and the
    seal is the department's window copy or approval seal, used at the window
    (衡阳 意见 四; 敖汉 第三十条); a window copy assigned to a window only there. Otherwise raises
    :class:`SealRefused` naming the first reason, checked in this order: the seal itself
    (``seal_revoked``, ``seal_replaced``, ``seal_suspended``, ``seal_expired``), the
    document (``document_not_sealable``, ``seal_kind_not_for_document``), the case
    (``seal_foreign_department``) and the person (``actor_foreign_department``,
    ``actor_foreign_window``, ``custodian_not_chief``, ``delegation_not_started``,
    ``delegation_expired``, ``not_custodian``).

    ``delegations`` may hold any delegations; only those from the seal's custodian to
    the actor in the seal's department count. Whether the *case* is in a sealable state
    is the case state machine's decision, not this one's.
    """
    _require_aware(at, "at")
    today = china_date(at)
    name = seal.full_title

    if seal.status is SealStatus.REVOKED:
        raise _refuse("seal_revoked", f"{name}（编号 {seal.serial}）已注销，不能使用。", seal)
    if seal.status is SealStatus.REPLACED:
        raise _refuse(
            "seal_replaced",
            f"{name}（编号 {seal.serial}）已更换，请使用新印章。",
            seal,
            replaced_by=seal.replaced_by,
        )
    if seal.status is SealStatus.SUSPENDED:
        raise _refuse("seal_suspended", f"{name}（编号 {seal.serial}）已暂停使用。", seal)
    if today < seal.valid_from:
        raise _refuse(
            "seal_expired",
            f"{name}（编号 {seal.serial}）自 {seal.valid_from.isoformat()} 起方可使用。",
            seal,
            valid_from=seal.valid_from.isoformat(),
            today=today.isoformat(),
        )
    if seal.valid_to is not None and today > seal.valid_to:
        raise _refuse(
            "seal_expired",
            f"{name}（编号 {seal.serial}）有效期已于 {seal.valid_to.isoformat()} 届满。",
            seal,
            valid_to=seal.valid_to.isoformat(),
            today=today.isoformat(),
        )

    try:
        kind = SealableDocument(document_kind)
    except ValueError:
        raise _refuse(
            "document_not_sealable",
            f"“{document_kind}”不是可以用印的文书。",
            seal,
            document_kind=str(document_kind),
        ) from None
    if not seal.may_seal(kind):
        raise _refuse(
            "seal_kind_not_for_document",
            f"{name}是{seal.kind.label}，只用于窗口当场出具的程序性文书；"
            f"{kind.label}须加盖审批专用章。",
            seal,
            seal_kind=seal.kind.value,
            document_kind=kind.value,
        )

    if seal.department_code != case_department_code:
        raise _refuse(
            "seal_foreign_department",
            f"{name}属于{seal.department_name}，不能用于其他部门的办件。",
            seal,
            seal_department=seal.department_code,
            case_department=case_department_code,
            document_kind=kind.value,
        )
    if actor_department_code != seal.department_code:
        raise _refuse(
            "actor_foreign_department",
            f"只有{seal.department_name}的人员可以使用{name}。",
            seal,
            actor_department=actor_department_code,
        )

    if seal.kind is SealKind.INTAKE:
        # The window's clerks apply it with their own password; no delegation needed.
        if actor_id == seal.custodian_id:
            return "custodian"
        if actor_window_name.strip() and actor_window_name.strip() == seal.window_name.strip():
            return "window"
        raise _refuse(
            "actor_foreign_window",
            f"{name}（编号 {seal.serial}）由{seal.window_name}使用，"
            f"您（{actor_window_name or '未分配窗口'}）不能使用。",
            seal,
            seal_window=seal.window_name,
            actor_window=actor_window_name,
        )

    if on_the_spot and kind in ON_THE_SPOT_DOCUMENTS:
        if seal.window_name.strip() and actor_window_name.strip() != seal.window_name.strip():
            raise _refuse(
                "actor_foreign_window",
                f"{name}（编号 {seal.serial}）由{seal.window_name}使用，"
                f"您（{actor_window_name or '未分配窗口'}）不能使用。",
                seal,
                seal_window=seal.window_name,
                actor_window=actor_window_name,
            )
        return "on_the_spot"

    if actor_id == seal.custodian_id:
        if not actor_is_chief:
            raise _refuse(
                "custodian_not_chief",
                f"{seal.custodian_name}已不是首席代表，不能使用{name}；"
                "请中心管理员变更印章保管人。",
                seal,
            )
        return "custodian"

    own = [
        d
        for d in delegations
        if d.deputy_id == actor_id
        and d.chief_id == seal.custodian_id
        and d.department_code == seal.department_code
    ]
    if any(d.is_active(at) for d in own):
        return "deputy"
    if own and all(at < d.starts_at for d in own):
        first = min(d.starts_at for d in own)
        raise _refuse(
            "delegation_not_started",
            f"{seal.custodian_name}对您的临时授权自 "
            f"{first.astimezone(CHINA_STANDARD_TIME):%Y-%m-%d %H:%M} 起生效。",
            seal,
            starts_at=first.astimezone(UTC).isoformat(),
        )
    if own:
        last = max(d.ends_at for d in own)
        raise _refuse(
            "delegation_expired",
            f"{seal.custodian_name}对您的临时授权已于 "
            f"{last.astimezone(CHINA_STANDARD_TIME):%Y-%m-%d %H:%M} 到期。",
            seal,
            ended_at=last.astimezone(UTC).isoformat(),
        )
    raise _refuse(
        "not_custodian",
        f"{name}由{seal.custodian_name}保管，您不是保管人，也未获其临时授权。",
        seal,
        custodian_id=seal.custodian_id,
    )


def check_seal_use(
    seal: SealRecord,
    *,
    actor_id: str,
    actor_department_code: str,
    actor_is_chief: bool,
    delegations: Iterable[Delegation],
    document_kind: SealableDocument | str,
    case_department_code: str,
    at: datetime,
    actor_window_name: str = "",
    on_the_spot: bool = False,
) -> None:
    """Raise :class:`SealRefused` unless the actor may apply ``seal`` now.

    The same rule as :func:`seal_use_authority`, for callers that only need yes or no.
    """
    seal_use_authority(
        seal,
        actor_id=actor_id,
        actor_department_code=actor_department_code,
        actor_is_chief=actor_is_chief,
        delegations=delegations,
        document_kind=document_kind,
        case_department_code=case_department_code,
        at=at,
        actor_window_name=actor_window_name,
        on_the_spot=on_the_spot,
    )


@dataclass(frozen=True)
class SealUse:
    """One entry of the seal usage ledger (用印登记簿). Append-only: never edited.

    A corrected document is a new use whose ``supersedes`` names the earlier use's id.
    ``used_at`` is the legal completion time when the document is a decision.
    """

    id: str
    seal_id: str
    case_id: str
    case_number: str
    document_kind: SealableDocument
    document_number: str
    pdf_sha256: str
    actor_id: str
    actor_name: str
    station: str
    window: str
    used_at: datetime
    supersedes: str | None
    acting_as: SealAuthority = "custodian"
    purpose: str = ""  # 用印事由
    copies: int = 1  # 份数

    def __post_init__(self) -> None:
        _require_aware(self.used_at, "used_at")
        if not isinstance(self.copies, int) or self.copies < 1:
            raise ValidationError(
                "seal_use.copies_invalid", "用印份数至少为1份。", field="copies"
            )
        if not _SHA256_HEX.fullmatch(self.pdf_sha256):
            raise ValidationError(
                "seal_use.pdf_hash_malformed",
                "文书的 SHA-256 应为 64 位小写十六进制。",
                field="pdf_sha256",
            )
        if self.supersedes == self.id:
            raise ValidationError(
                "seal_use.supersedes_itself",
                "用印记录不能更正其自身。",
                field="supersedes",
            )
        if self.acting_as not in ("custodian", "deputy", "window"):
            raise ValidationError(
                "seal_use.acting_as_unknown",
                f"未知的用印身份：{self.acting_as}。",
                field="acting_as",
            )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (event payload and audit form); time in UTC."""
        return {
            "id": self.id,
            "seal_id": self.seal_id,
            "case_id": self.case_id,
            "case_number": self.case_number,
            "document_kind": self.document_kind.value,
            "document_number": self.document_number,
            "pdf_sha256": self.pdf_sha256,
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "station": self.station,
            "window": self.window,
            "used_at": self.used_at.astimezone(UTC).isoformat(),
            "supersedes": self.supersedes,
            "acting_as": self.acting_as,
            "purpose": self.purpose,
            "copies": self.copies,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SealUse:
        """Rebuild a seal use from :meth:`to_dict` output."""
        return cls(
            id=str(data["id"]),
            seal_id=str(data["seal_id"]),
            case_id=str(data["case_id"]),
            case_number=str(data["case_number"]),
            document_kind=SealableDocument(data["document_kind"]),
            document_number=str(data["document_number"]),
            pdf_sha256=str(data["pdf_sha256"]),
            actor_id=str(data["actor_id"]),
            actor_name=str(data["actor_name"]),
            station=str(data["station"]),
            window=str(data["window"]),
            used_at=_parse_aware(data["used_at"], "used_at"),
            supersedes=data.get("supersedes"),
            acting_as=data.get("acting_as", "custodian"),
            purpose=str(data.get("purpose") or ""),
            copies=int(data.get("copies") or 1),
        )
