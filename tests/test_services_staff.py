"""The administrator keeps staff: edit, disable, unlock, reset a password; each audited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from app.domain.errors import AuthenticationError, PermissionDenied, ValidationError
from app.domain.roles import Role
from app.services import accounts
from app.services.runtime import Runtime
from tests.profile_fixtures import MONDAY, PASSWORD, Staff, make_profile

NEW_PASSWORD = "Reset2026a"


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[tuple[Runtime, Staff]]:
    runtime, staff = make_profile(tmp_path / "profile")
    yield runtime, staff
    runtime.close()


def _audit_actions(runtime: Runtime) -> list[dict]:
    with runtime.uow() as uow:
        return [json.loads(r.body) for r in uow.audit.records()
                if json.loads(r.body).get("kind") == "admin"]


def _lock(runtime: Runtime, username: str) -> None:
    for _ in range(accounts.MAX_FAILED_ATTEMPTS):
        with pytest.raises(AuthenticationError):
            accounts.authenticate(runtime.uow, username=username, password="nope-nope1",
                                  now=MONDAY)


def test_administrator_edits_name_roles_department_and_window(profile) -> None:
    runtime, staff = profile
    accounts.update_user(runtime.uow, staff.admin, user_id=staff.clerk.id,
                         display_name="张三丰", roles=frozenset({Role.CLERK, Role.CHIEF}),
                         department_code="ZJJ", window_name="5号窗口")
    user = next(u for u in accounts.list_users(runtime.uow) if u["id"] == staff.clerk.id)
    assert (user["display_name"], user["department_code"], user["window_name"]) == (
        "张三丰", "ZJJ", "5号窗口")
    assert set(user["roles"]) == {"clerk", "chief"}
    record = _audit_actions(runtime)[-1]
    assert record["action"] == "update_user" and record["by"] == staff.admin.id
    assert record["after"]["display_name"] == "张三丰"


def test_a_chief_without_a_department_is_refused_on_edit(profile) -> None:
    runtime, staff = profile
    with pytest.raises(ValidationError) as err:
        accounts.update_user(runtime.uow, staff.admin, user_id=staff.clerk.id,
                             display_name="张三", roles=frozenset({Role.CHIEF}),
                             department_code=None, window_name="")
    assert err.value.field == "department_code"


def test_the_last_administrator_keeps_the_role(profile) -> None:
    runtime, staff = profile
    with pytest.raises(ValidationError) as err:
        accounts.update_user(runtime.uow, staff.admin, user_id=staff.admin.id,
                             display_name="管理员", roles=frozenset({Role.CLERK}),
                             department_code=None, window_name="")
    assert err.value.code == "last_admin"


def test_a_disabled_employee_cannot_log_in_but_stays_listed(profile) -> None:
    runtime, staff = profile
    accounts.set_user_active(runtime.uow, staff.admin, user_id=staff.clerk.id, active=False,
                             reason="调离")
    with pytest.raises(AuthenticationError):
        accounts.authenticate(runtime.uow, username="clerk", password=PASSWORD)
    listed = next(u for u in accounts.list_users(runtime.uow) if u["id"] == staff.clerk.id)
    assert listed["active"] is False and listed["display_name"] == staff.clerk.display_name
    assert _audit_actions(runtime)[-1]["action"] == "disable_user"
    accounts.set_user_active(runtime.uow, staff.admin, user_id=staff.clerk.id, active=True)
    assert accounts.authenticate(runtime.uow, username="clerk", password=PASSWORD)


def test_disabling_needs_a_reason_and_never_oneself(profile) -> None:
    runtime, staff = profile
    with pytest.raises(ValidationError):
        accounts.set_user_active(runtime.uow, staff.admin, user_id=staff.clerk.id,
                                 active=False, reason=" ")
    with pytest.raises(ValidationError) as err:
        accounts.set_user_active(runtime.uow, staff.admin, user_id=staff.admin.id,
                                 active=False, reason="离职")
    assert err.value.code == "self_disable"


def test_administrator_unlocks_a_locked_account(profile) -> None:
    runtime, staff = profile
    _lock(runtime, "clerk")
    listed = accounts.list_users(runtime.uow, now=MONDAY)
    assert next(u for u in listed if u["id"] == staff.clerk.id)["locked"] is True
    accounts.unlock_user(runtime.uow, staff.admin, user_id=staff.clerk.id, now=MONDAY)
    assert accounts.authenticate(runtime.uow, username="clerk", password=PASSWORD,
                                 now=MONDAY + timedelta(seconds=5)).id == staff.clerk.id
    assert _audit_actions(runtime)[-1]["action"] == "unlock_user"


def test_a_reset_password_must_be_changed_at_the_next_login(profile) -> None:
    runtime, staff = profile
    _lock(runtime, "clerk")
    accounts.reset_password(runtime.uow, staff.admin, user_id=staff.clerk.id,
                            new_password=NEW_PASSWORD, now=MONDAY)
    with pytest.raises(AuthenticationError) as err:
        accounts.authenticate(runtime.uow, username="clerk", password=NEW_PASSWORD, now=MONDAY)
    assert err.value.code == "password_change_required"
    with pytest.raises(ValidationError):
        accounts.authenticate(runtime.uow, username="clerk", password=NEW_PASSWORD,
                              new_password=NEW_PASSWORD, now=MONDAY)
    user = accounts.authenticate(runtime.uow, username="clerk", password=NEW_PASSWORD,
                                 new_password="Mine2026bb", now=MONDAY)
    assert user.id == staff.clerk.id
    # The change is done once: the next login is an ordinary one with the new password.
    assert accounts.authenticate(runtime.uow, username="clerk", password="Mine2026bb",
                                 now=MONDAY).id == staff.clerk.id
    assert any(r["action"] == "reset_password" for r in _audit_actions(runtime))


def test_only_administrators_keep_staff(profile) -> None:
    runtime, staff = profile
    with pytest.raises(PermissionDenied):
        accounts.unlock_user(runtime.uow, staff.chief, user_id=staff.clerk.id)
    with pytest.raises(PermissionDenied):
        accounts.reset_password(runtime.uow, staff.supervisor, user_id=staff.clerk.id,
                                new_password=NEW_PASSWORD)


def test_the_screen_unlock_counts_wrong_passwords_with_the_login(profile) -> None:
    """Five wrong tries at the locked screen lock the account as five at the login do:
    the lock screen is no way to guess a password without limit."""
    runtime, staff = profile
    for left in (4, 3, 2, 1):
        with pytest.raises(AuthenticationError) as wrong:
            accounts.confirm_password(runtime.uow, staff.clerk, "guess-1234", now=MONDAY)
        assert f"还可尝试{left}次" in wrong.value.message
    with pytest.raises(AuthenticationError) as locked:
        accounts.confirm_password(runtime.uow, staff.clerk, "guess-1234", now=MONDAY)
    assert locked.value.code == "locked"
    # Locked: the right password is refused too, at the screen and at the login.
    with pytest.raises(AuthenticationError, match="已锁定"):
        accounts.confirm_password(runtime.uow, staff.clerk, PASSWORD,
                                  now=MONDAY + timedelta(minutes=5))
    with pytest.raises(AuthenticationError, match="已锁定"):
        accounts.authenticate(runtime.uow, username="clerk", password=PASSWORD,
                              now=MONDAY + timedelta(minutes=5))
    accounts.confirm_password(runtime.uow, staff.clerk, PASSWORD,
                              now=MONDAY + timedelta(minutes=16))
    with runtime.uow() as uow:
        bodies = [json.loads(r.body) for r in uow.audit.records()]
    actions = [b["action"] for b in bodies if b.get("user") == staff.clerk.id]
    assert actions.count("password_confirm_failed") == 5
