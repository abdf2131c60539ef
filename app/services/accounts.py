"""Local accounts: argon2 password hashes, first-start administrator, lock-out."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.domain import limits
from app.domain.errors import AuthenticationError, NotFound, PermissionDenied, ValidationError
from app.domain.roles import Action, Role, authorize
from app.services.context import CHINA_TZ, CurrentUser, utc_now
from app.store import models
from app.store.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 8
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            "weak_password", f"密码至少需要{MIN_PASSWORD_LENGTH}位。", field="password"
        )
    if password.isdigit() or password.isalpha():
        raise ValidationError("weak_password", "密码需同时包含字母和数字。", field="password")


def deputy_departments(uow: UnitOfWork, user_id: str, now: datetime) -> frozenset[str]:
    """Departments whose chief representative the user stands in for at ``now``."""
    return frozenset(
        d.department_code for d in uow.users.active_delegations_for(user_id, now)
    )


def _current_user(uow: UnitOfWork, row: models.User, now: datetime) -> CurrentUser:
    deputy_for = deputy_departments(uow, row.id, now)
    return CurrentUser(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        roles=frozenset(Role(r) for r in row.roles.split(",") if r),
        station=row.station,
        department_code=row.department_code or "",
        window_name=row.window_name,
        deputy_for_departments=deputy_for,
    )


def needs_first_start(uow_factory: UnitOfWorkFactory) -> bool:
    """True while the profile has no account at all (the first-start wizard runs)."""
    with uow_factory() as uow:
        return uow.users.count() == 0


def _check_staff_fields(
    *, display_name: str, roles: frozenset[Role], department_code: str | None,
    window_name: str = "",
) -> None:
    if not display_name.strip():
        raise ValidationError("required", "请填写姓名。", field="display_name")
    limits.check_length(display_name.strip(), limits.PERSON_NAME, "姓名", "display_name")
    limits.check_length(window_name, limits.WINDOW_NAME, "窗口", "window_name")
    if not roles:
        raise ValidationError("required", "请至少选择一个角色。", field="roles")
    if Role.CHIEF in roles and not department_code:
        raise ValidationError("required", "首席代表必须属于一个部门。", field="department_code")


def _new_user(
    *,
    username: str,
    display_name: str,
    password: str,
    roles: frozenset[Role],
    station: str,
    department_code: str | None,
    window_name: str,
    now: datetime,
) -> models.User:
    username = username.strip()
    if not username or not username.replace("_", "").replace(".", "").isalnum():
        raise ValidationError("bad_username", "用户名只能由字母、数字组成。", field="username")
    limits.check_length(username, limits.USERNAME, "用户名", "username")
    _check_staff_fields(display_name=display_name, roles=roles, department_code=department_code,
                        window_name=window_name)
    check_password_strength(password)
    return models.User(
        id=str(uuid.uuid4()),
        username=username,
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        roles=",".join(sorted(r.value for r in roles)),
        department_code=department_code or None,
        window_name=window_name,
        station=station,
        active=True,
        failed_attempts=0,
        updated_at=now,
    )


def create_first_administrator(
    uow_factory: UnitOfWorkFactory,
    *,
    username: str,
    display_name: str,
    password: str,
    station_code: str,
    station_name: str,
    window_name: str = "",
    now: datetime | None = None,
) -> CurrentUser:
    """The first start: name the station and create its administrator."""
    from app.domain.numbering import validate_station_code

    now = now or utc_now()
    station_code = validate_station_code(station_code)
    if not station_name.strip():
        raise ValidationError("required", "请填写服务中心或站点名称。", field="station_name")
    with uow_factory() as uow:
        if uow.users.count():
            raise PermissionDenied("already_initialised", "本机已经初始化，不能再次创建管理员。")
        user = _new_user(
            username=username, display_name=display_name, password=password,
            roles=frozenset({Role.ADMIN}), station=station_code, department_code=None,
            window_name=window_name, now=now,
        )
        uow.users.add(user)
        uow.settings.set("station_code", station_code)
        uow.settings.set("station_name", station_name.strip())
        uow.settings.set("window_name", window_name)
        uow.audit.append({"kind": "admin", "action": "first_start", "user": username,
                          "station": station_code, "at": now.isoformat()})
        uow.commit()
        return _current_user(uow, user, now)


def create_user(
    uow_factory: UnitOfWorkFactory,
    admin: CurrentUser,
    *,
    username: str,
    display_name: str,
    password: str,
    roles: frozenset[Role],
    department_code: str | None = None,
    window_name: str = "",
    now: datetime | None = None,
) -> str:
    """An administrator adds a staff member; returns the new user's id."""
    authorize(admin.roles, Action.MANAGE_STAFF, who=admin.display_name)
    now = now or utc_now()
    with uow_factory() as uow:
        if uow.users.by_username(username.strip()) is not None:
            raise ValidationError("duplicate_username", f"用户名“{username}”已存在。",
                                  field="username")
        if department_code and uow.catalog.department(department_code) is None:
            raise NotFound("department_not_found", f"部门{department_code}不存在。")
        user = _new_user(
            username=username, display_name=display_name, password=password, roles=roles,
            station=admin.station, department_code=department_code, window_name=window_name,
            now=now,
        )
        uow.users.add(user)
        uow.audit.append({"kind": "admin", "action": "create_user", "by": admin.id,
                          "user": user.id, "roles": user.roles, "at": now.isoformat()})
        uow.commit()
        return user.id


def authenticate(
    uow_factory: UnitOfWorkFactory,
    *,
    username: str,
    password: str,
    new_password: str | None = None,
    now: datetime | None = None,
) -> CurrentUser:
    """Log in; wrong passwords are counted and lock the account after a few.

    After the administrator reset the password, the login is refused with the code
    ``password_change_required`` until it comes with a strong ``new_password``, which
    replaces the one the administrator gave.
    """
    now = now or utc_now()
    name = username.strip()
    with uow_factory() as uow:
        row = uow.users.by_username(name)
        if row is None or not row.active:
            # The same answer, after the same work, as for a wrong password: the login
            # screen must not tell whether a user name exists.
            verify_password(dummy_hash(), password)
            log.info("login refused: unknown or inactive user")
            raise _unknown_names.refuse(name, now)
        if row.locked_until is not None and row.locked_until > now:
            raise locked_error(row.locked_until, now)
        if not verify_password(row.password_hash, password):
            left = _count_wrong_try(uow, row, now, "login_failed")
            log.info("login failed for user %s", row.id)
            raise wrong_password_error(left)
        row.failed_attempts = 0
        row.locked_until = None
        if row.must_change_password:
            if new_password is None:
                uow.commit()
                raise AuthenticationError(
                    "password_change_required",
                    "管理员已重置您的密码，请先设置新密码再登录。", field="new_password")
            try:
                check_password_strength(new_password)
            except ValidationError as error:
                raise ValidationError(error.code, error.message,
                                      field="new_password") from None
            if new_password == password:
                raise ValidationError("same_password", "新密码不能与管理员设置的密码相同。",
                                      field="new_password")
            row.password_hash = hash_password(new_password)
            row.must_change_password = False
            row.updated_at = now
            uow.audit.append({"kind": "auth", "action": "password_changed", "user": row.id,
                              "at_login": True, "at": now.isoformat()})
        uow.audit.append({"kind": "auth", "action": "login", "user": row.id,
                          "at": now.isoformat()})
        uow.commit()
        return _current_user(uow, row, now)


def wrong_password_error(left: int) -> AuthenticationError:
    if left <= 0:
        return AuthenticationError("locked", "密码错误次数过多，账户已锁定15分钟。")
    return AuthenticationError("bad_credentials", f"用户名或密码错误，还可尝试{left}次。")


def locked_error(locked_until: datetime, now: datetime) -> AuthenticationError:
    minutes = max(1, int((locked_until - now).total_seconds() // 60) + 1)
    return AuthenticationError(
        "locked", f"密码错误次数过多，账户已锁定，请{minutes}分钟后再试或联系管理员。"
    )


class _UnknownNames:
    """Failed logins under names that are no account, counted and locked out as an
    account's are (in this process), so that every answer looks the same either way."""

    LIMIT = 1000

    def __init__(self) -> None:
        self._failures: dict[str, tuple[int, datetime | None]] = {}

    def refuse(self, name: str, now: datetime) -> AuthenticationError:
        count, locked_until = self._failures.pop(name, (0, None))
        if len(self._failures) >= self.LIMIT:
            self._failures.pop(next(iter(self._failures)))
        if locked_until is not None and locked_until > now:
            self._failures[name] = (count, locked_until)
            return locked_error(locked_until, now)
        count += 1
        if count >= MAX_FAILED_ATTEMPTS:
            self._failures[name] = (0, now + LOCKOUT)
        else:
            self._failures[name] = (count, None)
        return wrong_password_error(MAX_FAILED_ATTEMPTS - count)


_unknown_names = _UnknownNames()


def dummy_hash() -> str:
    """A hash made with the current hasher, to verify against for unknown names."""
    global _dummy
    if _dummy is None or _dummy[0] is not _hasher:
        _dummy = (_hasher, _hasher.hash("counterdesk-no-such-user"))
    return _dummy[1]


_dummy: tuple[PasswordHasher, str] | None = None


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _count_wrong_try(uow: UnitOfWork, row: models.User, now: datetime, action: str) -> int:
    """One wrong password for ``row`` (at the login or a re-entry), audited as ``action``
    and committed; the account locks for :data:`LOCKOUT` at the last allowed try.
    Returns the tries left (0 once locked)."""
    row.failed_attempts += 1
    left = MAX_FAILED_ATTEMPTS - row.failed_attempts
    if left <= 0:
        row.locked_until = now + LOCKOUT
        row.failed_attempts = 0
    uow.audit.append({"kind": "auth", "action": action, "user": row.id,
                      "at": now.isoformat()})
    uow.commit()
    return left


def confirm_password(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, password: str, *,
    now: datetime | None = None,
) -> None:
    """Re-entry of the password (unlocking the screen, changing the password), counted
    with the login's wrong tries: a locked screen is no way round the lock-out. Every
    wrong try is audited."""
    now = now or utc_now()
    with uow_factory() as uow:
        row = uow.users.get(user.id)
        if row is None or not row.active:
            raise AuthenticationError("wrong_password", "密码不正确，未执行操作。",
                                      field="password")
        if row.locked_until is not None and row.locked_until > now:
            raise locked_error(row.locked_until, now)
        if not verify_password(row.password_hash, password):
            left = _count_wrong_try(uow, row, now, "password_confirm_failed")
            if left <= 0:
                raise locked_error(now + LOCKOUT, now)
            raise AuthenticationError(
                "wrong_password", f"密码不正确，未执行操作；还可尝试{left}次。",
                field="password", attempts_left=left)
        if row.failed_attempts:
            row.failed_attempts = 0
            uow.commit()


def confirm_seal_password(
    uow_factory: UnitOfWorkFactory,
    user: CurrentUser,
    password: str,
    *,
    seal_id: str,
    seal_name: str,
    now: datetime | None = None,
) -> None:
    """Re-entry of the password for one use of one seal, limited like the login: after
    :data:`MAX_FAILED_ATTEMPTS` wrong tries that person may not use that seal for
    :data:`LOCKOUT`, and is told until when. Every wrong try and every lock is audited,
    in a transaction of its own (the refused act writes nothing)."""
    now = now or utc_now()
    with uow_factory() as uow:
        lock = uow.users.seal_password_lock(user.id, seal_id)
        if lock is not None and lock.locked_until is not None and lock.locked_until > now:
            raise _seal_locked(seal_name, lock.locked_until, now)
        row = uow.users.get(user.id)
        if row is not None and row.active and verify_password(row.password_hash, password):
            if lock is not None and (lock.failed_attempts or lock.locked_until):
                lock.failed_attempts = 0
                lock.locked_until = None
                lock.updated_at = now
                uow.commit()
            return
        if lock is None:
            lock = models.SealPasswordLock(user_id=user.id, seal_id=seal_id,
                                           failed_attempts=0, updated_at=now)
            uow.users.add_seal_password_lock(lock)
        lock.failed_attempts += 1
        lock.updated_at = now
        left = MAX_FAILED_ATTEMPTS - lock.failed_attempts
        uow.audit.append({"kind": "seal", "action": "seal_password_failed", "user": user.id,
                          "seal": seal_id, "at": now.isoformat()})
        if left <= 0:
            lock.failed_attempts = 0
            lock.locked_until = now + LOCKOUT
            uow.audit.append({"kind": "seal", "action": "seal_password_locked",
                              "user": user.id, "seal": seal_id,
                              "until": lock.locked_until.isoformat(), "at": now.isoformat()})
        uow.commit()
        log.info("seal password refused for user %s, seal %s", user.id, seal_id)
        if left <= 0:
            raise _seal_locked(seal_name, now + LOCKOUT, now)
        raise AuthenticationError(
            "wrong_password", f"密码不正确，再错{left}次将暂停用印{LOCKOUT.seconds // 60}分钟。",
            field="password", attempts_left=left)


def _seal_locked(seal_name: str, locked_until: datetime, now: datetime) -> AuthenticationError:
    # Short enough for the line under the password field: the time is what matters.
    local, today = locked_until.astimezone(CHINA_TZ), now.astimezone(CHINA_TZ).date()
    until = f"{local:%H:%M}" if local.date() == today else f"{local:%Y-%m-%d %H:%M}"
    return AuthenticationError(
        "seal_password_locked",
        f"密码错误{MAX_FAILED_ATTEMPTS}次，{seal_name}暂停使用至{until}。",
        field="password", until=locked_until.isoformat(), seal_name=seal_name,
    )


def change_password(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, *, old_password: str, new_password: str
) -> None:
    """Change one's own password: the current one first, then a strong new one."""
    try:
        confirm_password(uow_factory, user, old_password)
    except AuthenticationError as error:
        raise AuthenticationError(error.code, error.message, field="old_password") from None
    try:
        check_password_strength(new_password)
    except ValidationError as error:
        raise ValidationError(error.code, error.message, field="new_password") from None
    if new_password == old_password:
        raise ValidationError("same_password", "新密码不能与原密码相同。", field="new_password")
    with uow_factory() as uow:
        row = uow.users.get(user.id)
        assert row is not None
        row.password_hash = hash_password(new_password)
        row.updated_at = utc_now()
        uow.audit.append({"kind": "auth", "action": "password_changed", "user": user.id,
                          "at": utc_now().isoformat()})
        uow.commit()


def refresh_user(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, *, now: datetime | None = None
) -> CurrentUser:
    """The user's current roles and delegations (a deputy's authority ends by itself)."""
    with uow_factory() as uow:
        row = uow.users.get(user.id)
        if row is None:
            raise NotFound("user_not_found", "用户不存在。")
        return _current_user(uow, row, now or utc_now())


def name_deputy(
    uow_factory: UnitOfWorkFactory,
    chief: CurrentUser,
    *,
    deputy_id: str,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    now: datetime | None = None,
) -> str:
    """A chief representative names a temporary deputy for a period."""
    if Role.CHIEF not in chief.roles:
        raise PermissionDenied("not_chief", "只有首席代表可以指定临时代理人。")
    if deputy_id == chief.id:
        raise ValidationError("self_deputy", "不能指定自己为代理人。", field="deputy")
    if ends_at <= starts_at:
        raise ValidationError("bad_period", "代理结束时间必须晚于开始时间。", field="ends_at")
    if ends_at - starts_at > timedelta(days=90):
        raise ValidationError("bad_period", "临时代理期限不能超过90天。", field="ends_at")
    if not reason.strip():
        raise ValidationError("required", "请填写代理事由。", field="reason")
    if ends_at <= (now or utc_now()):
        raise ValidationError("bad_period", "代理期限已经结束，请重新选择时间。", field="ends_at")
    with uow_factory() as uow:
        deputy = uow.users.get(deputy_id)
        if deputy is None or not deputy.active:
            raise NotFound("user_not_found", "代理人不存在或已停用。")
        deputy_roles = set(deputy.roles.split(","))
        if not deputy_roles & {Role.CLERK.value, Role.CHIEF.value}:
            raise ValidationError("deputy_not_counter_staff",
                                  "临时代理人须是窗口工作人员或首席代表。", field="deputy")
        delegation = models.Delegation(
            id=str(uuid.uuid4()), chief_id=chief.id, deputy_id=deputy_id,
            department_code=chief.department_code, starts_at=starts_at, ends_at=ends_at,
            reason=reason.strip(), created_at=utc_now(),
        )
        uow.users.add_delegation(delegation)
        uow.audit.append({"kind": "admin", "action": "delegation", "chief": chief.id,
                          "deputy": deputy_id, "from": starts_at.isoformat(),
                          "to": ends_at.isoformat()})
        uow.commit()
        return delegation.id


def list_users(
    uow_factory: UnitOfWorkFactory, *, now: datetime | None = None
) -> list[dict[str, object]]:
    """Every account, departed ones too (停用), with whether it is locked out now."""
    now = now or utc_now()
    with uow_factory() as uow:
        return [
            {"id": u.id, "username": u.username, "display_name": u.display_name,
             "roles": u.roles.split(","), "department_code": u.department_code or "",
             "window_name": u.window_name, "active": u.active,
             "locked": u.locked_until is not None and u.locked_until > now,
             "must_change_password": u.must_change_password}
            for u in uow.users.all()
        ]


def _staff_row(uow: UnitOfWork, admin: CurrentUser, user_id: str) -> models.User:
    authorize(admin.roles, Action.MANAGE_STAFF, who=admin.display_name)
    row = uow.users.get(user_id)
    if row is None:
        raise NotFound("user_not_found", "该工作人员不存在。")
    return row


def _other_active_admins(uow: UnitOfWork, user_id: str) -> int:
    return sum(1 for u in uow.users.all()
               if u.id != user_id and u.active and Role.ADMIN.value in u.roles.split(","))


def update_user(
    uow_factory: UnitOfWorkFactory,
    admin: CurrentUser,
    *,
    user_id: str,
    display_name: str,
    roles: frozenset[Role],
    department_code: str | None,
    window_name: str,
    now: datetime | None = None,
) -> None:
    """An administrator corrects a staff member's name, roles, department and window.

    The user name stays (events and the audit trail name the account by it); the
    station keeps at least one active administrator.
    """
    now = now or utc_now()
    _check_staff_fields(display_name=display_name, roles=roles, department_code=department_code,
                        window_name=window_name)
    with uow_factory() as uow:
        row = _staff_row(uow, admin, user_id)
        if department_code and uow.catalog.department(department_code) is None:
            raise NotFound("department_not_found", f"部门{department_code}不存在。")
        if (Role.ADMIN not in roles and row.active
                and Role.ADMIN.value in row.roles.split(",")
                and not _other_active_admins(uow, row.id)):
            raise ValidationError("last_admin", "本机至少要保留一位在用的中心管理员。",
                                  field="roles")
        before = {"display_name": row.display_name, "roles": row.roles,
                  "department_code": row.department_code or "",
                  "window_name": row.window_name}
        row.display_name = display_name.strip()
        row.roles = ",".join(sorted(r.value for r in roles))
        row.department_code = department_code or None
        row.window_name = window_name.strip()
        row.updated_at = now
        after = {"display_name": row.display_name, "roles": row.roles,
                 "department_code": row.department_code or "",
                 "window_name": row.window_name}
        uow.audit.append({"kind": "admin", "action": "update_user", "by": admin.id,
                          "user": row.id, "before": before, "after": after,
                          "at": now.isoformat()})
        uow.commit()


def set_user_active(
    uow_factory: UnitOfWorkFactory,
    admin: CurrentUser,
    *,
    user_id: str,
    active: bool,
    reason: str = "",
    now: datetime | None = None,
) -> None:
    """停用 a departed employee (the account stays: events keep the name) or 启用 again."""
    now = now or utc_now()
    if not active and not reason.strip():
        raise ValidationError("required", "请填写停用原因（如调离、离职）。", field="reason")
    with uow_factory() as uow:
        row = _staff_row(uow, admin, user_id)
        if not active and row.id == admin.id:
            raise ValidationError("self_disable", "不能停用自己的账户。", field="reason")
        if (not active and Role.ADMIN.value in row.roles.split(",")
                and not _other_active_admins(uow, row.id)):
            raise ValidationError("last_admin", "本机至少要保留一位在用的中心管理员。",
                                  field="reason")
        if row.active == active:
            return
        row.active = active
        row.updated_at = now
        uow.audit.append({"kind": "admin", "action": "enable_user" if active else "disable_user",
                          "by": admin.id, "user": row.id, "reason": reason.strip(),
                          "at": now.isoformat()})
        uow.commit()


def unlock_user(
    uow_factory: UnitOfWorkFactory, admin: CurrentUser, *, user_id: str,
    now: datetime | None = None,
) -> None:
    """Lift a lock-out after too many wrong passwords (the employee asked in person)."""
    now = now or utc_now()
    with uow_factory() as uow:
        row = _staff_row(uow, admin, user_id)
        if row.locked_until is None or row.locked_until <= now:
            raise ValidationError("not_locked", "该账户未被锁定。")
        row.locked_until = None
        row.failed_attempts = 0
        row.updated_at = now
        uow.audit.append({"kind": "admin", "action": "unlock_user", "by": admin.id,
                          "user": row.id, "at": now.isoformat()})
        uow.commit()


def reset_password(
    uow_factory: UnitOfWorkFactory,
    admin: CurrentUser,
    *,
    user_id: str,
    new_password: str,
    now: datetime | None = None,
) -> None:
    """Give a forgotten password a new one-time value; the employee must change it at the
    next login. The lock-out, if any, ends with it."""
    now = now or utc_now()
    check_password_strength(new_password)
    with uow_factory() as uow:
        row = _staff_row(uow, admin, user_id)
        if row.id == admin.id:
            raise ValidationError("self_reset", "请用“修改密码”修改自己的密码。",
                                  field="password")
        row.password_hash = hash_password(new_password)
        row.must_change_password = True
        row.locked_until = None
        row.failed_attempts = 0
        row.updated_at = now
        uow.audit.append({"kind": "admin", "action": "reset_password", "by": admin.id,
                          "user": row.id, "at": now.isoformat()})
        uow.commit()
