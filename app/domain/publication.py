"""办理结果公告 (北票 第三十条, 敖汉 第三十八条): which results are published and what of
them, with personal data masked.

What a matter shows is the administrator's choice, per matter (``PublicationRule``);
by default a matter publishes its granted results (准予 / 办结) with nothing personal:
the case number, the matter, the department, the result, the day and the document
number. A matter may add the applicant: an organisation's name in full, a natural
person's only masked (张*, 欧阳**). ID numbers, phones and addresses are never shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.domain.errors import ValidationError

# Outcomes a result notice may publish; 不予 only where the rule says so.
PUBLISHABLE_OUTCOMES = {"approved": "准予", "denied": "不予"}
APPLICANT_DISPLAY = {"none": "不公示申请人", "organisation": "只公示单位名称",
                     "masked": "单位全称、个人姓名脱敏"}


@dataclass(frozen=True)
class PublicationRule:
    """What one matter publishes."""

    publish: bool = True
    include_denied: bool = False
    applicant: str = "none"  # a key of APPLICANT_DISPLAY

    def to_dict(self) -> dict[str, Any]:
        return {"publish": self.publish, "include_denied": self.include_denied,
                "applicant": self.applicant}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PublicationRule:
        applicant = data.get("applicant", "none")
        if applicant not in APPLICANT_DISPLAY:
            raise ValidationError("publication.applicant", "申请人公示方式不正确。",
                                  field="applicant")
        return cls(publish=bool(data.get("publish", True)),
                   include_denied=bool(data.get("include_denied", False)),
                   applicant=str(applicant))


DEFAULT_RULE = PublicationRule()


def mask_person_name(name: str) -> str:
    """A natural person's name with all but the first character hidden: 张*, 欧阳**."""
    text = "".join(name.split())
    if not text:
        return ""
    return text[0] + "*" * max(len(text) - 1, 1)


def shown_applicant(rule: PublicationRule, *, kind: str, name: str) -> str:
    """The applicant as the rule lets the public see them ("" for nothing)."""
    if rule.applicant == "none":
        return ""
    if kind != "natural":
        return name
    return mask_person_name(name) if rule.applicant == "masked" else ""


def published(rule: PublicationRule, outcome: str) -> bool:
    """Whether a result with ``outcome`` appears in the announcement."""
    if not rule.publish:
        return False
    return outcome == "approved" or (outcome == "denied" and rule.include_denied)
