"""Test helpers for sync: a real server on 127.0.0.1, station profiles, fault injection."""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
import uvicorn
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.orm import Session

from app.domain.catalog import CaseType, MaterialForm, Matter, RequiredMaterial
from app.domain.roles import Role
from app.domain.seal import SealKind
from app.services import accounts, catalog, seals
from app.services.cases import CounterSeal
from app.services.context import CurrentUser
from app.services.runtime import Runtime, open_runtime
from app.store import models as client_models
from app.sync.credentials import MemoryKeyring
from app.sync.engine import SyncEngine
from server import stations
from server.app import create_app
from server.database import ServerConfig, open_database
from server.models import EventRow as ServerEventRow
from tests.profile_fixtures import county_department

PASSWORD = "counter2026"
POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

APPLICANT = {
    "kind": "natural", "name": "张三", "id_type": "resident_id",
    "id_number": "11010519491231002X", "phone": "13800138000",
}


def business_matter(**overrides: Any) -> Matter:
    values: dict[str, Any] = dict(
        code="SCJ-001", name="个体工商户登记", department_code="SCJ",
        department_name="县市场监督管理局", case_type=CaseType.PROMISED,
        statutory_working_days=15, promised_working_days=3,
        materials=(
            RequiredMaterial("A", "个体工商户登记申请书", MaterialForm.ORIGINAL, 1),
            RequiredMaterial("B", "经营者身份证明", MaterialForm.COPY, 1),
        ),
    )
    values.update(overrides)
    return Matter(**values)


def received_materials(matter: Matter | None = None) -> list[dict[str, Any]]:
    matter = matter or business_matter()
    return [{"code": m.code, "name": m.name, "form": m.form.value, "copies": m.copies,
             "received": True} for m in matter.materials]


# --- the server ------------------------------------------------------------------------


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (for a server process to take)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LiveServer:
    """The real server app under uvicorn on 127.0.0.1, in a thread, on a free port."""

    def __init__(self, config: ServerConfig, *, engine: Engine | None = None,
                 tls: tuple[Path, Path] | None = None, **app_options: Any) -> None:
        self.config = config
        self.engine = engine or open_database(config)
        self.app_options = app_options
        # (certificate, key): serve https, as ``python -m server --cert --key`` does.
        self.tls = tls
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.app: Any = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def start(self, port: int = 0) -> LiveServer:
        app = self.app = create_app(self.config, engine=self.engine, **self.app_options)
        tls = ({"ssl_certfile": str(self.tls[0]), "ssl_keyfile": str(self.tls[1])}
               if self.tls else {})
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                lifespan="off", access_log=False, **tls)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("server did not start")
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    def forget_path(self, path: str) -> None:
        """Serve as a server older than ``path`` would: its routes are gone."""
        self.app.router.routes[:] = [route for route in self.app.router.routes
                                     if getattr(route, "path", None) != path]

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._server = None

    def dispose(self) -> None:
        self.stop()
        self.engine.dispose()

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def create_station(self, name: str, code: str | None = None, *,
                       publisher: bool = False, all_cases: bool = False) -> str:
        with self.session() as session:
            created = stations.create_station(session, name=name, code=code,
                                              may_publish=publisher,
                                              sees_all_cases=all_cases)
            session.commit()
            return created.enrollment_code

    def event_ids(self) -> list[str]:
        with self.session() as session:
            query = select(ServerEventRow.id).order_by(ServerEventRow.server_sequence)
            return list(session.scalars(query))

    def event_count(self) -> int:
        with self.session() as session:
            return session.scalar(select(func.count()).select_from(ServerEventRow)) or 0


@contextmanager
def postgres_database() -> Iterator[str | None]:
    """A throwaway PostgreSQL database URL, or None when PostgreSQL is not reachable."""
    try:
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT",
                              connect_args={"connect_timeout": 3})
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        yield None
        return
    name = f"counterdesk_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
            ), {"n": name})
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@contextmanager
def server_config_on(database: str, tmp_path: Path) -> Iterator[ServerConfig]:
    """A server's configuration on ``database`` ("sqlite", or "postgresql": a throwaway
    database); the test is skipped where PostgreSQL is not reachable."""
    if database == "sqlite":
        yield ServerConfig(tmp_path / "server")
        return
    with postgres_database() as url:
        if url is None:
            pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
        yield ServerConfig(tmp_path / "server", url)


@pytest.fixture(name="server",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def server_on_both_databases(request: pytest.FixtureRequest,
                             tmp_path: Path) -> Iterator[LiveServer]:
    """The ``server`` fixture of tests that run on SQLite and on PostgreSQL (import it
    into the test module)."""
    with server_config_on(request.param, tmp_path) as config:
        live = LiveServer(config).start()
        try:
            yield live
        finally:
            live.dispose()


# --- stations ------------------------------------------------------------------------


@dataclass
class StationProfile:
    """One CounterDesk installation: its profile, its people, its sync engine."""

    code: str
    runtime: Runtime
    keyring: MemoryKeyring
    engine: SyncEngine
    admin: CurrentUser
    clerk: CurrentUser
    chief: CurrentUser
    clerk2: CurrentUser

    @property
    def uow(self) -> Any:
        return self.runtime.uow

    def event_ids(self) -> list[str]:
        with self.uow() as uow:
            query = select(client_models.EventRow.id).order_by(client_models.EventRow.position)
            return list(uow.session.scalars(query))

    def outbox(self) -> list[str]:
        with self.uow() as uow:
            return list(uow.session.scalars(select(client_models.Outbox.event_id)))

    def conflicts(self) -> list[client_models.SyncConflict]:
        with self.uow() as uow:
            return uow.events.conflicts(unresolved_only=False)

    def setting(self, key: str) -> str:
        with self.uow() as uow:
            return uow.settings.get(key, "")

    @property
    def counter_seal(self) -> CounterSeal:
        """What the counter's sealed acts (accept, reject, ...) take at this station."""
        return CounterSeal(password=PASSWORD, key_store=self.runtime.key_store)

    def close(self) -> None:
        self.runtime.close()


def make_station(
    data_dir: Path,
    code: str,
    name: str,
    *,
    session_factory: Callable[[], requests.Session] | None = None,
    with_catalog: bool = True,
) -> StationProfile:
    runtime = open_runtime(data_dir, backups=False)
    uow = runtime.uow
    admin = accounts.create_first_administrator(
        uow, username="admin", display_name=f"{code}管理员", password=PASSWORD,
        station_code=code, station_name=name, window_name="1号窗口",
    )
    catalog.save_department(uow, admin, county_department("SCJ", "县市场监督管理局", "县市监"))
    if with_catalog:
        catalog.save_matter(uow, admin, business_matter())

    def user(username: str, display: str, roles: set[Role]) -> CurrentUser:
        department = "SCJ"
        user_id = accounts.create_user(uow, admin, username=username, display_name=display,
                                       password=PASSWORD, roles=frozenset(roles),
                                       department_code=department or None,
                                       window_name="3号窗口")
        # Built directly: logging in would cost another argon2 hash per person.
        return CurrentUser(id=user_id, username=username, display_name=display,
                           roles=frozenset(roles), station=code, department_code=department,
                           window_name="3号窗口")

    clerk = user("clerk", f"{code}李受理", {Role.CLERK})
    clerk2 = user("clerk2", f"{code}周受理", {Role.CLERK})
    chief = user("chief", f"{code}王首席", {Role.CHIEF})
    # The window's 受理专用章: accepting seals the acceptance notice at the counter.
    seals.register_seal(
        uow, admin, runtime.key_store, department_code="SCJ", authority_name="县市场监督管理局",
        serial=f"1305{code}09", custodian_id=chief.id, valid_from=date(2026, 1, 1),
        valid_to=None, made_on=date(2025, 12, 20), made_by="县公安局备案刻章点",
        kind=SealKind.INTAKE, window_name="3号窗口",
    )
    keyring = MemoryKeyring()
    engine = SyncEngine(uow, keyring=keyring, attachments_dir=runtime.profile.attachments_dir,
                        session_factory=session_factory, timeout=(2.0, 10.0), retries=0)
    return StationProfile(code, runtime, keyring, engine, admin, clerk, chief, clerk2)


# --- fault injection -------------------------------------------------------------------


class CutAfterSend(requests.adapters.HTTPAdapter):
    """Delivers the request, then loses the answer: "the server committed, the client
    never heard". ``cut`` decides which requests (method, url) are cut."""

    def __init__(self, cut: Callable[[requests.PreparedRequest], bool]) -> None:
        super().__init__(max_retries=0)
        self.cut = cut
        self.cuts = 0

    def send(self, request: requests.PreparedRequest, *args: Any,  # type: ignore[override]
             **kwargs: Any) -> requests.Response:
        response = super().send(request, *args, **kwargs)
        if self.cut(request):
            self.cuts += 1
            response.close()
            raise requests.ConnectionError("connection reset after the request was sent")
        return response


class FlakyUpload(requests.adapters.HTTPAdapter):
    """Resets the connection on every ``every``-th chunk upload, after the server took it
    (half the time) or before it was sent (the other half)."""

    def __init__(self, every: int = 3) -> None:
        super().__init__(max_retries=0)
        self.every = every
        self.count = 0
        self.resets = 0

    def send(self, request: requests.PreparedRequest, *args: Any,  # type: ignore[override]
             **kwargs: Any) -> requests.Response:
        if request.method == "PUT":
            self.count += 1
            if self.count % self.every == 0:
                self.resets += 1
                if self.resets % 2:
                    raise requests.ConnectionError("reset before sending")
                response = super().send(request, *args, **kwargs)
                response.close()
                raise requests.ConnectionError("reset after sending")
        return super().send(request, *args, **kwargs)


def enrolled_station(server: LiveServer, data_dir: Path, code: str, name: str, *,
                     all_cases: bool = False) -> StationProfile:
    """A station profile enrolled with ``server`` (``all_cases``: it sees every case)."""
    station = make_station(data_dir, code, name)
    station.engine.enroll(server.url, server.create_station(name, code, all_cases=all_cases))
    return station


def session_with(adapter: requests.adapters.HTTPAdapter) -> Callable[[], requests.Session]:
    def factory() -> requests.Session:
        session = requests.Session()
        session.mount("http://", adapter)
        return session

    return factory


class FaultProxy:
    """A TCP proxy on 127.0.0.1 (asyncio, in a thread) that resets each connection once
    ``reset_after`` bytes have gone from client to server on it: a network that drops
    every few hundred kilobytes."""

    def __init__(self, target_port: int, *, reset_after: int) -> None:
        self.target_port = target_port
        self.reset_after = reset_after
        self.resets = 0
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._server = loop.run_until_complete(
                asyncio.start_server(self._handle, "127.0.0.1", 0))
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            self._server.close()
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(self._server.wait_closed())
            loop.close()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)

    async def _handle(self, client_reader: asyncio.StreamReader,
                      client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(
                "127.0.0.1", self.target_port)
        except OSError:
            client_writer.close()
            return
        budget = self.reset_after

        async def upstream() -> None:
            nonlocal budget
            while True:
                data = await client_reader.read(16384)
                if not data:
                    break
                if len(data) >= budget:
                    server_writer.write(data[:budget])
                    await server_writer.drain()
                    self.resets += 1
                    return  # the connection is reset below
                budget -= len(data)
                server_writer.write(data)
                await server_writer.drain()

        async def downstream() -> None:
            while True:
                data = await server_reader.read(16384)
                if not data:
                    break
                client_writer.write(data)
                await client_writer.drain()

        tasks = [asyncio.ensure_future(upstream()), asyncio.ensure_future(downstream())]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            for writer in (client_writer, server_writer):
                transport = writer.transport
                sock = transport.get_extra_info("socket")
                if sock is not None:  # RST, not FIN: a real reset
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                    struct.pack("ii", 1, 0))
                transport.abort()
