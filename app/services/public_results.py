"""办理结果公告: the results the hall screen and the website show, and their exports.

The listing is read from the completed cases (replayed for the decision's document
number and the applicant's kind) and filtered by each matter's ``PublicationRule``,
kept in the profile's settings (``publication_rules``: matter code → rule). The HTML
export is a standalone page: on the hall screen it reloads itself (``refresh_seconds``),
on the website it is a plain list; the CSV is for the website's own tables.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from html import escape

from sqlalchemy import select

from app.domain.case import DECISION_DOCUMENTS
from app.domain.publication import (
    DEFAULT_RULE,
    PUBLISHABLE_OUTCOMES,
    PublicationRule,
    published,
    shown_applicant,
)
from app.domain.roles import Action, authorize
from app.services.context import CHINA_TZ, CurrentUser, local_date, utc_now
from app.services.recording import load_case
from app.store import models
from app.store.unit_of_work import UnitOfWork, UnitOfWorkFactory

RULES_SETTING = "publication_rules"
CSV_HEADERS = ("受理编号", "事项名称", "办理部门", "申请人", "办理结果", "办结日期", "文号")


@dataclass(frozen=True)
class PublicResult:
    case_number: str
    matter_name: str
    department_name: str
    applicant: str  # masked as the matter's rule says; "" for nothing
    result: str
    completed_on: date
    document_number: str


def _rules(uow: UnitOfWork) -> dict[str, PublicationRule]:
    raw = uow.settings.get(RULES_SETTING, "")
    data = json.loads(raw) if raw else {}
    return {code: PublicationRule.from_dict(rule) for code, rule in data.items()}


def publication_rules(uow_factory: UnitOfWorkFactory) -> dict[str, PublicationRule]:
    """Each matter's rule as set; a matter not named follows the default."""
    with uow_factory() as uow:
        return _rules(uow)


def set_publication_rule(uow_factory: UnitOfWorkFactory, user: CurrentUser, matter_code: str,
                         rule: PublicationRule) -> None:
    """The administrator sets what one matter publishes."""
    authorize(user.roles, Action.MANAGE_CATALOG, who=user.display_name)
    with uow_factory() as uow:
        if uow.catalog.matter(matter_code) is None:
            from app.domain.errors import NotFound

            raise NotFound("matter_not_found", "找不到该事项。", field="matter_code")
        rules = _rules(uow)
        rules[matter_code] = rule
        uow.settings.set(RULES_SETTING, json.dumps(
            {code: r.to_dict() for code, r in sorted(rules.items())}, ensure_ascii=False))
        uow.audit.append({"kind": "admin", "action": "settings", "key": RULES_SETTING,
                          "matter_code": matter_code, "rule": rule.to_dict(),
                          "actor_id": user.id, "at": utc_now().isoformat()})
        uow.commit()


def public_results(uow_factory: UnitOfWorkFactory, user: CurrentUser, *, limit: int = 100,
                   since: datetime | None = None) -> list[PublicResult]:
    """The latest published results, newest first."""
    authorize(user.roles, Action.VIEW_CASES, who=user.display_name)
    results: list[PublicResult] = []
    with uow_factory() as uow:
        rules = _rules(uow)
        c = models.CaseRow
        query = (select(c.id, c.matter_code, c.outcome)
                 .where(c.completed_at.is_not(None), c.outcome.in_(list(PUBLISHABLE_OUTCOMES)))
                 .order_by(c.completed_at.desc(), c.number.desc()))
        if since is not None:
            query = query.where(c.completed_at >= since)
        for case_id, matter_code, outcome in uow.session.execute(query):
            rule = rules.get(matter_code, DEFAULT_RULE)
            if not published(rule, outcome):
                continue
            case = load_case(uow, case_id)
            assert case.completed_at is not None
            decision = [s for s in case.seals if s["document_kind"] in DECISION_DOCUMENTS]
            results.append(PublicResult(
                case_number=case.number, matter_name=case.matter.name,
                department_name=case.matter.department_name,
                applicant=shown_applicant(rule, kind=str(case.applicant.get("kind", "natural")),
                                          name=case.applicant_name),
                result=PUBLISHABLE_OUTCOMES[outcome], completed_on=local_date(case.completed_at),
                document_number=str(decision[-1]["document_number"]) if decision else ""))
            if len(results) >= limit:
                break
    return results


def export_csv(results: list[PublicResult]) -> bytes:
    """UTF-8 with BOM, so Excel opens it in Chinese."""
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(CSV_HEADERS)
    for r in results:
        writer.writerow([r.case_number, r.matter_name, r.department_name, r.applicant or "—",
                         r.result, r.completed_on.isoformat(), r.document_number])
    return ("\ufeff" + output.getvalue()).encode("utf-8")


def export_html(results: list[PublicResult], *, title: str, generated_at: datetime,
                refresh_seconds: int = 0) -> str:
    """A standalone page; with ``refresh_seconds`` it reloads itself (the hall screen)."""
    refresh = (f'<meta http-equiv="refresh" content="{int(refresh_seconds)}">'
               if refresh_seconds > 0 else "")
    rows = "\n".join(
        f"<tr><td>{escape(r.case_number)}</td><td>{escape(r.matter_name)}</td>"
        f"<td>{escape(r.department_name)}</td><td>{escape(r.applicant or '—')}</td>"
        f"<td class=\"result\">{escape(r.result)}</td><td>{r.completed_on.isoformat()}</td>"
        f"<td>{escape(r.document_number)}</td></tr>" for r in results)
    if not results:
        rows = '<tr><td colspan="7" class="empty">暂无办理结果</td></tr>'
    stamp = generated_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
    head = "".join(f"<th>{escape(h)}</th>" for h in CSV_HEADERS)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">{refresh}
<title>{escape(title)}</title>
<style>
body {{ margin: 0; font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei",
  sans-serif; background: #0b3a6e; color: #fff; }}
h1 {{ text-align: center; font-size: 2.2em; margin: 0.6em 0 0.2em; letter-spacing: 0.2em; }}
p.meta {{ text-align: center; opacity: 0.8; margin: 0 0 1em; }}
table {{ width: 96%; margin: 0 auto; border-collapse: collapse; font-size: 1.25em; }}
th {{ background: #14508f; padding: 0.5em; }}
td {{ padding: 0.45em 0.5em; border-bottom: 1px solid #2b5f99; text-align: center; }}
tr:nth-child(even) td {{ background: #0f4580; }}
td.result {{ color: #7ee2a8; font-weight: bold; }}
td.empty {{ padding: 2em; opacity: 0.8; }}
</style></head><body>
<h1>{escape(title)}</h1>
<p class="meta">更新时间：{stamp}　申请人个人信息已按规定隐去</p>
<table><thead><tr>{head}</tr></thead><tbody>
{rows}
</tbody></table></body></html>
"""
