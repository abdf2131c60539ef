"""``enroll`` / ``sync`` for the command line, and the retry schedule."""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backends import fail

from app.services import cases
from app.sync.commands import EXIT_OK, EXIT_UNREACHABLE, enroll_command, sync_command
from app.sync.credentials import SERVICE_NAME, MemoryKeyring
from app.sync.schedule import Backoff
from server.database import ServerConfig
from tests.sync_fixtures import APPLICANT, LiveServer, make_station, received_materials


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(ServerConfig(tmp_path / "server")).start()
    yield live
    live.dispose()


def test_enroll_then_sync_end_with_the_summary_line(server: LiveServer, tmp_path: Path) -> None:
    station = make_station(tmp_path / "xc01", "XC01", "城关镇")
    keyring = MemoryKeyring()
    try:
        out, err = io.StringIO(), io.StringIO()
        code = server.create_station("城关镇", "XC01")
        assert enroll_command(station.runtime, server.url, code, keyring=keyring,
                              out=out, err=err) == EXIT_OK
        assert "XC01" in out.getvalue()
        cases.register_case(station.uow, station.clerk, matter_code="SCJ-001",
                            applicant=APPLICANT, materials=received_materials())
        out = io.StringIO()
        assert sync_command(station.runtime, keyring=keyring, out=out, err=err) == EXIT_OK
        assert out.getvalue().splitlines()[-1] == "pushed 1 pulled 0 conflicts 0"
    finally:
        station.close()


def test_enroll_on_a_machine_without_a_keyring_says_so_in_chinese(
    server: LiveServer, tmp_path: Path
) -> None:
    station = make_station(tmp_path / "xc01", "XC01", "城关镇", with_catalog=False)
    try:
        out, err = io.StringIO(), io.StringIO()
        code = server.create_station("城关镇", "XC01")
        # keyring's own stand-in where no backend is found (a Linux account with no
        # desktop session).
        assert enroll_command(station.runtime, server.url, code, keyring=fail.Keyring(),
                              out=out, err=err) != EXIT_OK
        assert "本机没有可用的系统密钥环" in err.getvalue()
        assert "backend" not in err.getvalue()
        assert station.setting("server_url") == ""  # nothing half-done
    finally:
        station.close()


def test_sync_exits_non_zero_when_the_server_cannot_be_reached(tmp_path: Path) -> None:
    station = make_station(tmp_path / "xc01", "XC01", "城关镇", with_catalog=False)
    keyring = MemoryKeyring()
    try:
        with station.uow() as uow:
            uow.settings.set("server_url", "http://127.0.0.1:9")
            uow.commit()
        keyring.set_password(SERVICE_NAME, "http://127.0.0.1:9#XC01", "c" * 43)
        out, err = io.StringIO(), io.StringIO()
        assert sync_command(station.runtime, keyring=keyring, out=out,
                            err=err) == EXIT_UNREACHABLE
        assert out.getvalue().strip() == "pushed 0 pulled 0 conflicts 0"
        assert "无法连接服务器" in err.getvalue()
        assert "无法连接服务器" in station.setting("sync_last_error")
    finally:
        station.close()


def test_backoff_grows_with_jitter_up_to_a_ceiling_and_resets_after_success() -> None:
    backoff = Backoff(interval=300, first_retry=5, ceiling=600, rng=random.Random(7))
    waits = [backoff.next_delay(ok=False, unreachable=True) for _ in range(12)]
    caps = [min(600, 5 * 2 ** n) for n in range(12)]
    assert all(2.5 <= wait <= cap for wait, cap in zip(waits, caps, strict=True))
    assert max(waits[-4:]) > 100  # it does grow
    assert len(set(waits)) == len(waits)  # and is jittered
    assert backoff.next_delay(ok=True, unreachable=False) == 300
    assert backoff.failures == 0
    # A revoked credential is not helped by knocking sooner.
    assert backoff.next_delay(ok=False, unreachable=False) == 300
