"""代办 hand-overs (陕西 第二十三条 to 第二十九条): the villager's materials travel
village → township → county and back, each hand-over recorded by the station that hands
them over, with who gave, who received, when, and each item's originals counted by both
(given, received) and its copies. The domain traces any missing original to the leg or
the holder where it went missing (``domain.case.custody_losses``); a hand-over naming
the receiving station brings the case into that station's scope on the county server.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from app.domain.calendar import WarningLevel, warning_level
from app.domain.case import CUSTODY_LEGS, FORWARD_RESULTS, Case, CaseState, custody_losses
from app.domain.events import EventType
from app.services.cases import record_case_event
from app.services.context import CurrentUser, local_date, utc_now
from app.services.recording import load_calendar
from app.store.unit_of_work import UnitOfWorkFactory

# Working days each leg may take (陕西 第二十五条: 限时办结 at every level), unless the
# station sets ``custody_leg_working_days``.
DEFAULT_LEG_WORKING_DAYS = 2


@dataclass(frozen=True)
class LegDue:
    """The next hand-over and its due day, with its warning level (yellow / red)."""

    leg: str
    due: date
    level: WarningLevel

    @property
    def text(self) -> str:
        return f"{CUSTODY_LEGS[self.leg]}应于{self.due.isoformat()}前交接（{self.level.label}）"


def hand_over(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *, leg: str, giver: str,
    receiver: str, items: list[dict[str, Any]], to_station: str = "",
    now: datetime | None = None,
) -> Case:
    """Record one hand-over of the case's materials (``items``: name, originals_given,
    originals_received, copies)."""
    payload = {"leg": leg, "giver": giver, "receiver": receiver, "to_station": to_station,
               "items": items}
    return record_case_event(uow_factory, user, case_id, EventType.HANDED_OVER, payload,
                             now=now)


def losses(case: Case) -> list[dict[str, Any]]:
    """The originals missing along the case's chain of custody, each with where."""
    return custody_losses(case)


def next_leg_due(uow_factory: UnitOfWorkFactory, case: Case, *,
                 now: datetime | None = None) -> LegDue | None:
    """The next leg of a 代办 chain and when it is due: so many working days after the
    previous hand-over (the first after registration; the way back after completion)."""
    legs = list(CUSTODY_LEGS)
    if not case.custody or len(case.custody) >= len(legs):
        return None
    leg = legs[len(case.custody)]
    if leg == "county_to_township":
        if case.completed_at is None:
            return None
        start = local_date(case.completed_at)
    else:
        start = local_date(datetime.fromisoformat(case.custody[-1]["at"]))
    with uow_factory() as uow:
        setting = uow.settings.get("custody_leg_working_days", "")
        days = int(setting) if setting.isdigit() and int(setting) > 0 else DEFAULT_LEG_WORKING_DAYS
        calendar = load_calendar(uow)
    due, _provisional = calendar.add_working_days(start, days)
    today = local_date(now or utc_now())
    return LegDue(leg, due, warning_level(calendar, due, today, yellow_working_days=1))


def notification_text(case: Case, *, station_name: str = "") -> str:
    """The SMS (or the words for the phone) telling the villager the result is back."""
    if case.state is CaseState.REJECTED:
        result = "不予受理"
    elif case.forward_return:
        result = FORWARD_RESULTS.get(case.forward_return_result(), "已办结")
    else:
        result = {"approved": "准予", "denied": "不予"}.get(case.outcome, "已办结")
    where = station_name or "村便民服务室"
    return (f"【{where}】{case.applicant_name}您好：您委托代办的“{case.matter.name}”"
            f"（编号{case.number}）已有办理结果：{result}。请携带身份证到{where}领取结果和原件。")


def notify_villager(uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
                    channel: str, phone: str, text: str, now: datetime | None = None) -> Case:
    """Record that the villager was told of the result (by phone, or the SMS sent)."""
    return record_case_event(uow_factory, user, case_id, EventType.VILLAGER_NOTIFIED,
                             {"channel": channel, "phone": phone, "text": text}, now=now)


def agent_ledger_pdf(uow_factory: UnitOfWorkFactory, user: CurrentUser, *, start: date,
                     end: date, agent_name: str = "", now: datetime | None = None) -> bytes:
    """The 代办台账 of the station's 代办 cases registered in [start, end] (local days),
    those one 代办员 handed over when ``agent_name`` is given: materials, each hand-over,
    the result and its notification, any original lost and where."""
    from sqlalchemy import select

    from app.domain.calendar import format_chinese_date
    from app.domain.errors import ValidationError
    from app.domain.roles import Action, authorize
    from app.print_templates import AgentLedgerRow, DocumentContext, DocumentKind, render_pdf
    from app.services.context import CHINA_TZ
    from app.services.recording import load_case
    from app.store import models

    authorize(user.roles, Action.PRINT, who=user.display_name)
    if end < start:
        raise ValidationError("bad_range", "结束日期不能早于开始日期。", field="end")
    now = now or utc_now()
    begin = datetime(start.year, start.month, start.day, tzinfo=CHINA_TZ)
    rows: list[AgentLedgerRow] = []
    with uow_factory() as uow:
        c = models.CaseRow
        ids = list(uow.session.scalars(
            select(c.id).where(c.registered_at >= begin).order_by(c.registered_at)))
        for case_id in ids:
            case = load_case(uow, case_id)
            if not case.custody or local_date(case.registered_at) > end \
                    or local_date(case.registered_at) < start:
                continue
            if agent_name and case.custody[0]["giver"] != agent_name:
                continue
            first = case.custody[0]["items"]
            materials = "、".join(f"{i['name']}原件{i['originals_given']}份"
                                  + (f"、复印件{i['copies']}份" if i["copies"] else "")
                                  for i in first)
            legs = "；".join(
                f"{local_date(datetime.fromisoformat(h['at'])):%m-%d} {h['giver']}交{h['receiver']}"
                for h in case.custody)
            result = {"approved": "准予", "denied": "不予", "rejected": "不予受理",
                      "withdrawn": "撤回"}.get(case.outcome, "办理中")
            for notice in case.notifications:
                result += (f"；{local_date(datetime.fromisoformat(notice['at'])):%m-%d}"
                           f"{'短信' if notice['channel'] == 'sms' else '电话'}通知")
            lost = "；".join(f"{x['name']}原件{x['count']}份（{x['where']}）"
                             for x in custody_losses(case))
            rows.append(AgentLedgerRow(
                registered_on_text=local_date(case.registered_at).isoformat(),
                case_number=case.number, villager=case.applicant_name,
                matter_name=case.matter.name, materials_text=materials,
                hand_overs_text=legs, result_text=result, losses_text=lost))
        station_name = uow.settings.get("station_name", user.station)
        who = f"代办员：{agent_name}" if agent_name else f"站点：{station_name}"
        context = DocumentContext(
            kind=DocumentKind.AGENT_LEDGER, authority_name=station_name,
            date_text=format_chinese_date(local_date(now)),
            ledger_period_text=f"{format_chinese_date(start)}至{format_chinese_date(end)}",
            ledger_custodian_text=who, agent_rows=tuple(rows))
        return render_pdf(context, font_path=uow.settings.get("font_path") or None)
