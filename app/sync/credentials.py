"""The station credential lives in the operating system's keyring, never in the database.

Service name "CounterDesk"; user name the server's URL and the station code, so one
computer can hold credentials for a test and a production server side by side. Tests
pass their own backend (``keyring.backend.KeyringBackend``) instead of the real one.
"""

from __future__ import annotations

from typing import Any

import keyring
import keyring.backend
import keyring.errors

from app.domain.errors import DomainError

SERVICE_NAME = "CounterDesk"


class CredentialError(DomainError):
    """The keyring cannot be used (locked, missing backend)."""


# What to say when this machine offers no keyring at all (a Linux account without a
# desktop session, say): keyring's own message is English and names Python packages.
NO_KEYRING = ("本机没有可用的系统密钥环（Windows 凭据管理器、macOS 钥匙串或 Linux 的 Secret "
              "Service），站点凭据无法安全保存。请在登录了桌面的用户账户下运行本程序，"
              "Linux 上可由信息科安装并启用 gnome-keyring。")


def _keyring_failure(doing: str, error: keyring.errors.KeyringError) -> CredentialError:
    if isinstance(error, keyring.errors.NoKeyringError):
        return CredentialError("keyring_missing", NO_KEYRING)
    return CredentialError("keyring_unavailable", f"{doing}：{error}")


def normalise_url(server_url: str) -> str:
    """``HTTP://Host:8765/`` → ``http://host:8765``: one spelling per server."""
    url = server_url.strip().rstrip("/")
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}{slash}{path}"


def account_name(server_url: str, station_code: str) -> str:
    return f"{normalise_url(server_url)}#{station_code}"


class CredentialStore:
    """Get, set and forget a station's credential in a keyring backend."""

    def __init__(self, backend: Any | None = None) -> None:
        # None: the backend keyring picks for this machine (resolved when first used).
        self._backend = backend

    @property
    def backend(self) -> Any:
        return self._backend if self._backend is not None else keyring.get_keyring()

    def get(self, server_url: str, station_code: str) -> str | None:
        try:
            return self.backend.get_password(SERVICE_NAME, account_name(server_url, station_code))
        except keyring.errors.KeyringError as error:
            raise _keyring_failure("无法读取系统密钥环中的站点凭据", error) from error

    def set(self, server_url: str, station_code: str, credential: str) -> None:
        try:
            self.backend.set_password(
                SERVICE_NAME, account_name(server_url, station_code), credential
            )
        except keyring.errors.KeyringError as error:
            raise _keyring_failure("无法把站点凭据保存到系统密钥环", error) from error

    def delete(self, server_url: str, station_code: str) -> None:
        try:
            self.backend.delete_password(SERVICE_NAME, account_name(server_url, station_code))
        except keyring.errors.PasswordDeleteError:
            pass
        except keyring.errors.KeyringError as error:
            raise _keyring_failure("无法删除系统密钥环中的站点凭据", error) from error


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring backend in memory: for tests and for the self-test, never for real use."""

    priority = 0  # type: ignore[assignment]  # never chosen automatically

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.passwords.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)
