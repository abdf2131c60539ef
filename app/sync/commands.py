"""``python -m app enroll URL CODE`` and ``python -m app sync``, for app/cli.py to call.

Both are plain functions on an open runtime so the CLI stays a thin parser: ``sync``
runs one round (for scheduled tasks and troubleshooting), prints any problem on
stderr, ends with the line ``pushed N pulled M conflicts K`` and returns non-zero
when the round did not complete (2 when the server could not be reached).
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from app.domain.errors import DomainError
from app.services.runtime import Runtime
from app.sync.engine import SyncEngine

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_UNREACHABLE = 2


def make_engine(runtime: Runtime, *, keyring: Any | None = None) -> SyncEngine:
    return SyncEngine(runtime.uow, keyring=keyring,
                      attachments_dir=runtime.profile.attachments_dir)


def enroll_command(runtime: Runtime, server_url: str, code: str, *,
                   fingerprint: str = "", keyring: Any | None = None,
                   out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Enroll this profile's station; one line of outcome."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        info = make_engine(runtime, keyring=keyring).enroll(server_url, code,
                                                             fingerprint=fingerprint)
    except DomainError as error:
        print(f"登记失败：{error.message}", file=err)
        return EXIT_UNREACHABLE if error.code == "server_unreachable" else EXIT_FAILED
    print(f"已登记到服务器：站点 {info.station_code}（{info.station_name}）", file=out)
    return EXIT_OK


def sync_command(runtime: Runtime, *, keyring: Any | None = None,
                 out: TextIO | None = None, err: TextIO | None = None) -> int:
    """One sync round; the summary line last, the exit code says whether it completed."""
    out, err = out or sys.stdout, err or sys.stderr
    report = make_engine(runtime, keyring=keyring).sync_once()
    for warning in report.warnings:
        print(f"注意：{warning}", file=err)
    for error in report.errors:
        print(f"错误：{error}", file=err)
    print(report.summary(), file=out)
    if report.ok:
        return EXIT_OK
    return EXIT_UNREACHABLE if report.unreachable else EXIT_FAILED
