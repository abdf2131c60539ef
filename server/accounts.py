"""The console's accounts (county IT staff): argon2 hashes, lock-out, sessions, audit.

The same rules as the stations' own accounts (``app.services.accounts``): the same
hasher, password strength, five wrong passwords lock an account for fifteen minutes,
and an unknown name costs the same password check as a wrong password. A session is a
random cookie of which the server keeps only the SHA-256; each carries a CSRF token
that every form posts back. Every act is written to ``admin_audit``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.domain.errors import AuthenticationError, ValidationError
from app.services.accounts import (
    LOCKOUT,
    MAX_FAILED_ATTEMPTS,
    check_password_strength,
    dummy_hash,
    hash_password,
    locked_error,
    verify_password,
    wrong_password_error,
)
from server.models import AdminAccount, AdminAudit, AdminSession

SESSION_LIFETIME = timedelta(hours=8)
_USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")


def _now() -> datetime:
    return datetime.now(UTC)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def audit(session: Session, username: str, action: str, target: str = "", *,
          outcome: str = "ok", remote: str = "", **details: Any) -> None:
    """Append one act to the audit log (in the caller's transaction)."""
    session.add(AdminAudit(at=_now(), username=username[:40], action=action[:40],
                           target=target[:120], outcome=outcome, details=details,
                           remote=remote[:64]))


def create_account(session: Session, *, username: str, display_name: str,
                   password: str) -> AdminAccount:
    name = username.strip().lower()
    if not name or not set(name) <= _USERNAME_CHARS or len(name) > 40:
        raise ValidationError("bad_username", "用户名只能使用小写字母、数字和 . _ -，最长40位。",
                              field="username")
    if not display_name.strip():
        raise ValidationError("required", "请填写姓名。", field="display_name")
    check_password_strength(password)
    if session.get(AdminAccount, name) is not None:
        raise ValidationError("duplicate_username", f"用户名 {name} 已存在。", field="username")
    account = AdminAccount(username=name, display_name=display_name.strip(),
                           password_hash=hash_password(password), active=True,
                           failed_attempts=0, created_at=_now())
    session.add(account)
    session.flush()
    return account


def set_password(session: Session, username: str, password: str) -> AdminAccount:
    account = _account(session, username)
    check_password_strength(password)
    account.password_hash = hash_password(password)
    account.failed_attempts = 0
    account.locked_until = None
    end_sessions(session, account.username)
    return account


def set_active(session: Session, username: str, active: bool) -> AdminAccount:
    account = _account(session, username)
    if not active and _active_count(session) <= 1 and account.active:
        raise ValidationError("last_account", "不能停用最后一个可用的管理账户。")
    account.active = active
    account.failed_attempts = 0
    account.locked_until = None
    if not active:
        end_sessions(session, account.username)
    return account


def _active_count(session: Session) -> int:
    return len(list(session.scalars(select(AdminAccount.username)
                                    .where(AdminAccount.active.is_(True)))))


def _account(session: Session, username: str) -> AdminAccount:
    account = session.get(AdminAccount, username.strip().lower())
    if account is None:
        raise ValidationError("account_not_found", f"没有管理账户 {username}。")
    return account


def accounts(session: Session) -> list[AdminAccount]:
    return list(session.scalars(select(AdminAccount).order_by(AdminAccount.username)))


def log_in(session: Session, username: str, password: str, *,
           now: datetime | None = None) -> AdminAccount:
    """The account, or an AuthenticationError (wrong passwords counted and locking).
    The caller commits in either case."""
    now = now or _now()
    account = session.get(AdminAccount, username.strip().lower())
    if account is None or not account.active:
        verify_password(dummy_hash(), password)
        raise AuthenticationError("bad_credentials", "用户名或密码错误。")
    if account.locked_until is not None and account.locked_until > now:
        raise locked_error(account.locked_until, now)
    if not verify_password(account.password_hash, password):
        account.failed_attempts += 1
        left = MAX_FAILED_ATTEMPTS - account.failed_attempts
        if left <= 0:
            account.locked_until = now + LOCKOUT
            account.failed_attempts = 0
        raise wrong_password_error(left)
    account.failed_attempts = 0
    account.locked_until = None
    account.last_login_at = now
    return account


@dataclass(frozen=True)
class ConsoleSession:
    username: str
    display_name: str
    csrf_token: str


def start_session(session: Session, account: AdminAccount) -> tuple[str, ConsoleSession]:
    """A new session: (the cookie to set, the session)."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = _now()
    session.execute(delete(AdminSession).where(AdminSession.expires_at < now))
    session.add(AdminSession(token_hash=_token_hash(token), username=account.username,
                             csrf_token=csrf, created_at=now, expires_at=now + SESSION_LIFETIME))
    return token, ConsoleSession(account.username, account.display_name, csrf)


def find_session(session: Session, token: str) -> ConsoleSession | None:
    if not token:
        return None
    row = session.get(AdminSession, _token_hash(token))
    if row is None or row.expires_at < _now():
        return None
    account = session.get(AdminAccount, row.username)
    if account is None or not account.active:
        return None
    return ConsoleSession(account.username, account.display_name, row.csrf_token)


def end_session(session: Session, token: str) -> None:
    session.execute(delete(AdminSession).where(AdminSession.token_hash == _token_hash(token)))


def end_sessions(session: Session, username: str) -> None:
    session.execute(delete(AdminSession).where(AdminSession.username == username))


def recent_audit(session: Session, limit: int = 200) -> list[AdminAudit]:
    return list(session.scalars(select(AdminAudit).order_by(AdminAudit.id.desc()).limit(limit)))
