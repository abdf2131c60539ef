"""AB岗 and 顶岗补位 (陕西 第十条、第二十二条): the windows' A and B officers, the staff's
recorded absences, and who covers whom today.

The administrator names each window's A (its own officer) and B (the backup). An
absence (请假、公出、培训…) is recorded by the administrator, the chief representative
of the person's department, or the person themselves beforehand; it can be ended early
or cancelled, both audited, never deleted. While A is absent, B's 待我审查 shows A's
window's accepted cases, and every event B records on a case of A's window carries
``acting_for`` (see :func:`acting_for`). A chief representative's deputy
(``accounts.name_deputy``) is the same idea at the approval step: :func:`cover_list`
shows both in one list.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from app.domain import limits
from app.domain.ab_post import ABSENCE_KINDS, MAX_ABSENCE_DAYS, acting_for_mark
from app.domain.errors import NotFound, PermissionDenied, ValidationError
from app.domain.roles import Action, Role, authorize
from app.services.context import CHINA_TZ, CurrentUser, local_date, utc_now
from app.store import models
from app.store.unit_of_work import UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True)
class PostLine:
    """One window's AB岗 as the list shows it, with whether B covers today."""

    station: str
    window_name: str
    a_staff_id: str
    a_staff_name: str
    b_staff_id: str
    b_staff_name: str
    a_absent_today: bool
    absence_text: str  # "请假 12-02至12-04", or ""


@dataclass(frozen=True)
class AbsenceLine:
    id: str
    staff_id: str
    staff_name: str
    first_day: date
    last_day: date
    planned_last_day: date
    kind: str
    reason: str
    recorded_by_name: str
    status: str  # 有效 / 提前结束 / 已取消

    @property
    def period_text(self) -> str:
        return f"{self.first_day:%Y-%m-%d}至{self.last_day:%Y-%m-%d}"


@dataclass(frozen=True)
class DelegationLine:
    """A chief representative's deputy (临时授权), shown beside the AB岗."""

    chief_name: str
    deputy_name: str
    department_name: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    current: bool


@dataclass(frozen=True)
class CoverList:
    """The hall's one list of who covers whom: windows, absences, approval deputies."""

    posts: list[PostLine]
    absences: list[AbsenceLine]
    delegations: list[DelegationLine]


@dataclass(frozen=True)
class Covering:
    """A window whose A is absent on a day and whose B is the asking user."""

    station: str
    window_name: str
    a_staff_id: str
    a_staff_name: str


def _counter_staff(uow: UnitOfWork, staff_id: str, post: str) -> models.User:
    field = "a_staff_id" if post == "A岗" else "b_staff_id"
    row = uow.users.get(staff_id)
    if row is None or not row.active:
        raise NotFound("user_not_found", f"{post}人员不存在或已停用。", field=field)
    if Role.CLERK.value not in row.roles.split(","):
        raise ValidationError("not_counter_staff",
                              f"{row.display_name}不是窗口受理员，不能担任{post}。", field=field)
    return row


def set_window_post(
    uow_factory: UnitOfWorkFactory, admin: CurrentUser, *, window_name: str,
    a_staff_id: str, b_staff_id: str, now: datetime | None = None,
) -> None:
    """Name (or change) a window's A岗 and B岗: two different active window clerks; one
    person is the A岗 of one window only."""
    authorize(admin.roles, Action.MANAGE_STAFF, who=admin.display_name)
    now = now or utc_now()
    window_name = window_name.strip()
    if not window_name:
        raise ValidationError("required", "请填写窗口名称。", field="window_name")
    limits.check_length(window_name, limits.WINDOW_NAME, "窗口", "window_name")
    if not a_staff_id:
        raise ValidationError("required", "请选择A岗人员。", field="a_staff_id")
    if not b_staff_id:
        raise ValidationError("required", "请选择B岗人员。", field="b_staff_id")
    if a_staff_id == b_staff_id:
        raise ValidationError("same_person", "A岗和B岗不能是同一人。", field="b_staff_id")
    with uow_factory() as uow:
        a_row = _counter_staff(uow, a_staff_id, "A岗")
        b_row = _counter_staff(uow, b_staff_id, "B岗")
        for other in uow.users.posts_of_a(a_staff_id):
            if (other.station, other.window_name) != (admin.station, window_name):
                raise ValidationError(
                    "already_a_post", f"{a_row.display_name}已是“{other.window_name}”的A岗。",
                    field="a_staff_id")
        post = uow.users.window_post(admin.station, window_name)
        before = None
        if post is None:
            post = models.WindowPost(station=admin.station, window_name=window_name)
        else:
            before = {"a": post.a_staff_id, "b": post.b_staff_id}
        post.a_staff_id, post.b_staff_id, post.updated_at = a_row.id, b_row.id, now
        uow.users.save_window_post(post)
        _touch(a_row, now)
        uow.audit.append({"kind": "admin", "action": "window_post", "by": admin.id,
                          "user": a_row.id, "window": window_name, "before": before,
                          "after": {"a": a_row.id, "b": b_row.id}, "at": now.isoformat()})
        uow.commit()


def _touch(row: models.User, now: datetime) -> None:
    # The post travels in A's staff record: a new updated_at marks it changed.
    row.updated_at = now


def clear_window_post(
    uow_factory: UnitOfWorkFactory, admin: CurrentUser, *, window_name: str,
    now: datetime | None = None,
) -> None:
    """Remove a window's AB岗 (the window is closed or reorganised)."""
    authorize(admin.roles, Action.MANAGE_STAFF, who=admin.display_name)
    now = now or utc_now()
    with uow_factory() as uow:
        post = uow.users.window_post(admin.station, window_name)
        if post is None:
            raise NotFound("post_not_found", f"“{window_name}”没有设置AB岗。")
        uow.audit.append({"kind": "admin", "action": "window_post_removed", "by": admin.id,
                          "window": window_name,
                          "before": {"a": post.a_staff_id, "b": post.b_staff_id},
                          "at": now.isoformat()})
        uow.users.delete_window_post(post)
        uow.commit()


def _may_record_for(user: CurrentUser, staff: models.User) -> bool:
    """The administrator, or the chief representative (or deputy) of the department."""
    if Role.ADMIN in user.roles:
        return True
    department = staff.department_code or ""
    return bool(department) and (
        (Role.CHIEF in user.roles and user.department_code == department)
        or department in user.deputy_for_departments)


def _check_recorder(user: CurrentUser, staff: models.User, *, first_day: date,
                    today: date) -> None:
    if _may_record_for(user, staff):
        return
    if staff.id == user.id:
        if first_day < today:
            raise PermissionDenied(
                "absence_not_beforehand",
                "本人只能事先登记请假、公出或培训；已经开始的请由管理员或首席代表登记。")
        return
    raise PermissionDenied(
        "absence_not_allowed",
        f"只有中心管理员、本部门首席代表或{staff.display_name}本人可以登记其请假、公出或培训。")


def record_absence(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, *, staff_id: str, first_day: date,
    last_day: date, kind: str, reason: str = "", now: datetime | None = None,
) -> str:
    """Record an absence from ``first_day`` to ``last_day`` (local days, inclusive);
    returns its id. It may not overlap another absence of the same person."""
    now = now or utc_now()
    today = local_date(now)
    if kind not in ABSENCE_KINDS:
        raise ValidationError("bad_kind", "请选择请假、公出、培训、会议或其他。", field="kind")
    if kind == "其他" and not reason.strip():
        raise ValidationError("required", "请填写事由。", field="reason")
    if last_day < first_day:
        raise ValidationError("bad_period", "结束日期不能早于开始日期。", field="last_day")
    if (last_day - first_day).days + 1 > MAX_ABSENCE_DAYS:
        raise ValidationError("bad_period", f"一次登记不能超过{MAX_ABSENCE_DAYS}天。",
                              field="last_day")
    with uow_factory() as uow:
        staff = uow.users.get(staff_id)
        if staff is None or not staff.active:
            raise NotFound("user_not_found", "该工作人员不存在或已停用。", field="staff_id")
        _check_recorder(user, staff, first_day=first_day, today=today)
        for other in uow.users.absences(staff_id):
            if (other.cancelled_at is None and other.first_day <= last_day
                    and first_day <= other.last_day):
                raise ValidationError(
                    "absence_overlaps",
                    f"{staff.display_name}在{other.first_day:%Y-%m-%d}至"
                    f"{other.last_day:%Y-%m-%d}已登记{other.kind}，时间不能重叠。",
                    field="first_day")
        absence = models.StaffAbsence(
            id=str(uuid.uuid4()), staff_id=staff_id, first_day=first_day, last_day=last_day,
            planned_last_day=last_day, kind=kind, reason=reason.strip(),
            recorded_by_id=user.id, recorded_by_name=user.display_name, recorded_at=now,
            cancelled_at=None, closed_by_name="", close_reason="", updated_at=now,
        )
        uow.users.add_absence(absence)
        _touch(staff, now)
        uow.audit.append({"kind": "admin", "action": "absence_recorded", "by": user.id,
                          "absence": absence.id, "user": staff_id, "kind_of": kind,
                          "from": first_day.isoformat(), "to": last_day.isoformat(),
                          "at": now.isoformat()})
        uow.commit()
        return absence.id


def _open_absence(uow: UnitOfWork, user: CurrentUser, absence_id: str,
                  ) -> tuple[models.StaffAbsence, models.User]:
    absence = uow.users.absence(absence_id)
    if absence is None:
        raise NotFound("absence_not_found", "找不到该条请假、公出或培训记录。")
    if absence.cancelled_at is not None:
        raise ValidationError("absence_cancelled", "该记录已取消。")
    staff = uow.users.get(absence.staff_id)
    assert staff is not None
    if not _may_record_for(user, staff) and staff.id != user.id:
        raise PermissionDenied(
            "absence_not_allowed",
            f"只有中心管理员、本部门首席代表或{staff.display_name}本人可以修改该记录。")
    return absence, staff


def end_absence_early(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, *, absence_id: str, last_day: date,
    reason: str = "", now: datetime | None = None,
) -> None:
    """The person came back early: the absence now ends on ``last_day`` (yesterday at
    the earliest: what has passed stays as it was)."""
    now = now or utc_now()
    today = local_date(now)
    with uow_factory() as uow:
        absence, staff = _open_absence(uow, user, absence_id)
        earliest = max(absence.first_day, today - timedelta(days=1))
        if last_day >= absence.last_day:
            raise ValidationError("bad_period",
                                  f"提前结束的日期须早于原定的{absence.last_day:%Y-%m-%d}。",
                                  field="last_day")
        if last_day < earliest:
            raise ValidationError("bad_period",
                                  f"提前结束的日期不能早于{earliest:%Y-%m-%d}；"
                                  "尚未开始的记录请取消。", field="last_day")
        before = absence.last_day
        absence.last_day = last_day
        _close(uow, absence, staff, user, "absence_ended_early", reason, now,
               before=before.isoformat(), after=last_day.isoformat())


def cancel_absence(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, *, absence_id: str, reason: str,
    now: datetime | None = None,
) -> None:
    """Cancel an absence that has not begun (or begins today); one under way is ended
    early instead, so the days B covered stay on record."""
    now = now or utc_now()
    today = local_date(now)
    if not reason.strip():
        raise ValidationError("required", "请填写取消原因。", field="reason")
    with uow_factory() as uow:
        absence, staff = _open_absence(uow, user, absence_id)
        if absence.first_day < today:
            raise ValidationError("absence_under_way",
                                  "该记录已经开始，不能取消，请改为提前结束。", field="reason")
        absence.cancelled_at = now
        _close(uow, absence, staff, user, "absence_cancelled", reason, now)


def _close(uow: UnitOfWork, absence: models.StaffAbsence, staff: models.User,
           user: CurrentUser, action: str, reason: str, now: datetime, **change: str) -> None:
    """Who ended or cancelled the absence and why, audited and committed."""
    absence.closed_by_name = user.display_name
    absence.close_reason = reason.strip()
    absence.updated_at = now
    _touch(staff, now)
    uow.audit.append({"kind": "admin", "action": action, "by": user.id, "absence": absence.id,
                      "user": staff.id, "reason": reason.strip(), **change,
                      "at": now.isoformat()})
    uow.commit()


def _absent_today(uow: UnitOfWork, staff_id: str, day: date) -> models.StaffAbsence | None:
    for absence in uow.users.absences(staff_id):
        if absence.cancelled_at is None and absence.first_day <= day <= absence.last_day:
            return absence
    return None


def covering(uow: UnitOfWork, user_id: str, day: date) -> list[Covering]:
    """The windows ``user_id`` covers on local ``day``: B of a window whose A is absent."""
    result = []
    for post in uow.users.posts_covered_by(user_id):
        if _absent_today(uow, post.a_staff_id, day) is None:
            continue
        a_row = uow.users.get(post.a_staff_id)
        result.append(Covering(post.station, post.window_name, post.a_staff_id,
                               a_row.display_name if a_row else ""))
    return result


def acting_for(uow: UnitOfWork, *, station: str, window_name: str, actor_id: str,
               moment: datetime) -> dict[str, Any] | None:
    """The ``acting_for`` mark of an event ``actor_id`` records at ``moment`` on a case of
    ``window_name`` at ``station``: set while the actor is that window's B and its A is
    absent that local day; None otherwise (and where no AB岗 is configured)."""
    if not window_name:
        return None
    post = uow.users.window_post(station, window_name)
    if post is None or post.b_staff_id != actor_id:
        return None
    if _absent_today(uow, post.a_staff_id, local_date(moment)) is None:
        return None
    a_row = uow.users.get(post.a_staff_id)
    return acting_for_mark(window_name=window_name, a_staff_id=post.a_staff_id,
                           a_staff_name=a_row.display_name if a_row else "")


def _status(absence: models.StaffAbsence) -> str:
    if absence.cancelled_at is not None:
        return "已取消"
    if absence.last_day != absence.planned_last_day:
        return "提前结束"
    return "有效"


def cover_list(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, *, now: datetime | None = None,
) -> CoverList:
    """Windows' AB岗, recorded absences and the chief representatives' deputies."""
    now = now or utc_now()
    today = local_date(now)
    with uow_factory() as uow:
        names = {u.id: u.display_name for u in uow.users.all()}
        department_names = {d.code: d.name for d in uow.catalog.departments()}
        posts = []
        for post in uow.users.window_posts():
            absence = _absent_today(uow, post.a_staff_id, today)
            posts.append(PostLine(
                station=post.station, window_name=post.window_name,
                a_staff_id=post.a_staff_id, a_staff_name=names.get(post.a_staff_id, ""),
                b_staff_id=post.b_staff_id, b_staff_name=names.get(post.b_staff_id, ""),
                a_absent_today=absence is not None,
                absence_text=(f"{absence.kind} {absence.first_day:%m-%d}至"
                              f"{absence.last_day:%m-%d}" if absence else ""),
            ))
        absences = [
            AbsenceLine(id=a.id, staff_id=a.staff_id, staff_name=names.get(a.staff_id, ""),
                        first_day=a.first_day, last_day=a.last_day,
                        planned_last_day=a.planned_last_day, kind=a.kind, reason=a.reason,
                        recorded_by_name=a.recorded_by_name, status=_status(a))
            for a in uow.users.absences()
        ]
        delegations = [
            DelegationLine(chief_name=names.get(d.chief_id, ""),
                           deputy_name=names.get(d.deputy_id, ""),
                           department_name=department_names.get(
                               d.department_code, d.department_code),
                           starts_at=d.starts_at.astimezone(CHINA_TZ),
                           ends_at=d.ends_at.astimezone(CHINA_TZ), reason=d.reason,
                           current=d.starts_at <= now < d.ends_at)
            for rows in uow.users.delegations_by_deputy().values() for d in rows
        ]
        delegations.sort(key=lambda d: d.starts_at, reverse=True)
        return CoverList(posts=posts, absences=absences, delegations=delegations)
