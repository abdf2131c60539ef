"""Sync between stations and the real server on 127.0.0.1: round trips and faults.

Each fault test ends by checking that the server and the stations hold exactly the
same events, none lost and none twice.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from app.domain.roles import Role
from app.services import accounts, cases
from app.store import models as client_models
from app.store.database import backup, restore
from app.sync import client as sync_client
from app.sync.client import ServerRefused, SyncClient
from app.sync.credentials import SERVICE_NAME
from app.sync.engine import SyncEngine
from app.sync.protocol import (
    PULL_PATH,
    REFERENCE_PATH,
    STATION_PATH,
    AnswerStatus,
    PushedEvent,
)
from server import events as server_events
from server.cli import main as server_main
from server.database import ServerConfig
from tests.sync_fixtures import (
    APPLICANT,
    PASSWORD,
    CutAfterSend,
    LiveServer,
    StationProfile,
    make_station,
    postgres_database,
    received_materials,
    session_with,
)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(ServerConfig(tmp_path / "server")).start()
    yield live
    live.dispose()


def enrolled(server: LiveServer, data_dir: Path, code: str, name: str, *,
             all_cases: bool = False, **options: object) -> StationProfile:
    station = make_station(data_dir, code, name, **options)  # type: ignore[arg-type]
    station.engine.enroll(server.url, server.create_station(name, code, all_cases=all_cases))
    return station


@pytest.fixture
def township(server: LiveServer, tmp_path: Path) -> Iterator[StationProfile]:
    station = enrolled(server, tmp_path / "xc01", "XC01", "城关镇便民服务站")
    yield station
    station.close()


@pytest.fixture
def center(server: LiveServer, tmp_path: Path) -> Iterator[StationProfile]:
    station = enrolled(server, tmp_path / "xzzx", "XZZX", "县政务服务中心")
    yield station
    station.close()


def register(station: StationProfile, *, now: datetime | None = None) -> str:
    case = cases.register_case(station.uow, station.clerk, matter_code="SCJ-001",
                               applicant=APPLICANT, materials=received_materials(), now=now)
    return case.id


def assert_replicas_equal(server: LiveServer, *stations: StationProfile,
                          scoped: bool = False) -> None:
    """Every queue empty; every station holds exactly the server's events (or, when
    ``scoped``, a subset of them), each once."""
    on_server = server.event_ids()
    assert len(on_server) == len(set(on_server))
    for station in stations:
        assert station.outbox() == []
        held = station.event_ids()
        assert len(held) == len(set(held))
        if scoped:
            assert set(held) <= set(on_server)
        else:
            assert sorted(held) == sorted(on_server)


# --- enrollment ----------------------------------------------------------------------


def test_enrollment_puts_the_credential_in_the_keyring_and_nowhere_else(
    server: LiveServer, tmp_path: Path
) -> None:
    station = make_station(tmp_path / "xc01", "XC01", "城关镇便民服务站")
    try:
        station.engine.enroll(server.url + "/", server.create_station("城关镇", "XC01"))
        credentials = station.keyring.passwords
        assert list(credentials) == [(SERVICE_NAME, f"{server.url}#XC01")]
        credential = credentials[(SERVICE_NAME, f"{server.url}#XC01")]
        assert len(credential) >= 32
        assert station.setting("server_url") == server.url
        station.runtime.engine.dispose()
        database = station.runtime.profile.database_path.read_bytes()
        assert credential.encode() not in database
    finally:
        station.close()


def test_enrollment_code_is_good_for_one_station_only(server: LiveServer,
                                                     tmp_path: Path) -> None:
    code = server.create_station("城关镇", None)
    first = make_station(tmp_path / "a", "XC01", "城关镇", with_catalog=False)
    second = make_station(tmp_path / "b", "XC02", "复制的计算机", with_catalog=False)
    try:
        info = first.engine.enroll(server.url, code)
        assert info.station_code == "XC01"  # adopted from the installation
        with pytest.raises(ServerRefused) as refused:
            second.engine.enroll(server.url, code)
        assert refused.value.code == "enrollment_invalid"
        assert second.keyring.passwords == {}
    finally:
        first.close()
        second.close()


def test_enrollment_repeated_after_a_lost_answer_succeeds(server: LiveServer,
                                                          tmp_path: Path) -> None:
    cut = CutAfterSend(lambda request: request.path_url.endswith("/enroll"))
    station = make_station(tmp_path / "a", "XC01", "城关镇", session_factory=session_with(cut),
                           with_catalog=False)
    try:
        code = server.create_station("城关镇", "XC01")
        with pytest.raises(sync_client.ServerUnreachable):
            station.engine.enroll(server.url, code)
        cut.cut = lambda request: False
        assert station.engine.enroll(server.url, code).station_code == "XC01"
        assert station.engine.sync_once().ok
    finally:
        station.close()


# --- round trips ---------------------------------------------------------------------


def test_forwarded_case_reaches_the_center_and_its_result_flows_back(
    server: LiveServer, township: StationProfile, center: StationProfile
) -> None:
    case_id = register(township)
    cases.forward(township.uow, township.clerk, case_id, authority="县市场监督管理局",
                  to_station="XZZX", reason="需县级办理")
    pushed = township.engine.sync_once()
    assert pushed.ok and pushed.pushed == 2

    arrived = center.engine.sync_once()
    assert arrived.ok and arrived.pulled == 2
    assert cases.get_case(center.uow, case_id).state.value == "forwarded"

    cases.record_forward_return(center.uow, center.clerk, case_id, result="approved",
                                opinion="准予登记", document_number="县市监〔2026〕1号")
    assert center.engine.sync_once().pushed == 1
    back = township.engine.sync_once()
    assert back.ok and back.pulled == 1
    returned = cases.get_case(township.uow, case_id)
    assert returned.state.value == "completed"
    assert returned.forward_return_result() == "approved"
    assert_replicas_equal(server, township, center)


def test_station_does_not_receive_cases_not_routed_to_it(
    server: LiveServer, township: StationProfile, center: StationProfile
) -> None:
    register(township)
    township.engine.sync_once()
    report = center.engine.sync_once()
    assert report.ok and report.pulled == 0
    assert center.event_ids() == []


def test_pull_comes_in_pages_each_saved_with_its_cursor(
    server: LiveServer, township: StationProfile, center: StationProfile
) -> None:
    for _ in range(3):
        case_id = register(township)
        cases.forward(township.uow, township.clerk, case_id, authority="县局",
                      to_station="XZZX")
    township.engine.sync_once()
    cut = CutAfterSend(lambda r: "after=2" in r.path_url)
    center.engine.session_factory = session_with(cut)
    center.engine.pull_limit = 2
    failed = center.engine.sync_once()
    assert failed.unreachable and cut.cuts == 1
    assert len(center.event_ids()) == 2
    assert center.setting("pull_cursor") == "2"
    cut.cut = lambda r: False
    assert center.engine.sync_once().pulled == 4
    assert_replicas_equal(server, township, center)


def test_a_round_with_nothing_new_asks_the_server_once(
    server: LiveServer, township: StationProfile, center: StationProfile
) -> None:
    case_id = register(township)
    cases.forward(township.uow, township.clerk, case_id, authority="县局", to_station="XZZX")
    assert township.engine.sync_once().ok and center.engine.sync_once().pulled == 2
    assert township.engine.sync_once().ok  # the centre's staff, sent in its first round
    asked: list[str] = []

    def note(request: requests.PreparedRequest) -> bool:
        asked.append(request.path_url.split("?")[0])
        return False

    for station in (township, center):
        station.engine.session_factory = session_with(CutAfterSend(note))
    assert township.engine.sync_once().ok
    assert asked == [STATION_PATH]

    # Something new for the township: the same first answer says so, and it pulls.
    cases.record_forward_return(center.uow, center.clerk, case_id, result="approved",
                                opinion="准予登记", document_number="县市监〔2026〕2号")
    assert center.engine.sync_once().pushed == 1
    asked.clear()
    assert township.engine.sync_once().pulled == 1
    assert asked == [STATION_PATH, PULL_PATH]

    # New reference data on the server (the township's own new staff member, sent back).
    accounts.create_user(township.uow, township.admin, username="clerk3",
                         display_name="新受理员", password=PASSWORD,
                         roles=frozenset({Role.CLERK}), department_code="SCJ")
    asked.clear()
    assert center.engine.sync_once().ok
    assert asked == [STATION_PATH]  # the township has not sent it yet
    assert township.engine.sync_once().reference_sent == 1
    asked.clear()
    assert center.engine.sync_once().ok
    assert asked == [STATION_PATH, REFERENCE_PATH]
    asked.clear()
    assert center.engine.sync_once().ok and township.engine.sync_once().ok
    assert asked == [STATION_PATH, STATION_PATH]


def test_a_round_holds_the_cycle_collector_off_only_while_it_pushes_and_pulls(
    township: StationProfile, center: StationProfile
) -> None:
    case_id = register(township)
    cases.forward(township.uow, township.clerk, case_id, authority="县局", to_station="XZZX")
    collecting: dict[str, bool] = {}

    def progress(stage: str, _done: int, _total: int | None) -> None:
        collecting.setdefault(stage, gc.isenabled())

    assert gc.isenabled()
    assert township.engine.sync_once(progress=progress).pushed == 2
    assert center.engine.sync_once(progress=progress).pulled == 2
    assert collecting == {"connect": True, "push": False, "pull": False, "done": True}
    assert gc.isenabled()


# --- faults ----------------------------------------------------------------------------


def test_push_repeated_after_the_answer_was_lost_stores_each_event_once(
    server: LiveServer, township: StationProfile
) -> None:
    case_id = register(township)
    cases.accept(township.uow, township.clerk, case_id, seal=township.counter_seal)
    cut = CutAfterSend(lambda r: r.method == "POST" and r.path_url.endswith("/events/push"))
    township.engine.session_factory = session_with(cut)
    lost = township.engine.sync_once()
    assert lost.unreachable and cut.cuts == 1
    # Registered, accepted and the acceptance notice sealed at the counter.
    assert server.event_count() == 3  # the server committed...
    assert len(township.outbox()) == 3  # ...but the station never heard, so keeps them

    cut.cut = lambda r: False
    again = township.engine.sync_once()
    assert again.ok and again.duplicates == 3 and again.pushed == 0
    assert_replicas_equal(server, township)
    with township.uow() as uow:
        sequences = [r.server_sequence for r in uow.session.scalars(
            select(client_models.EventRow).order_by(client_models.EventRow.position))]
    assert sequences == [1, 2, 3]


def test_same_batch_pushed_twice_is_answered_duplicate(
    server: LiveServer, township: StationProfile
) -> None:
    register(township)
    township.engine.sync_once()
    with township.uow() as uow:
        uow.events.requeue_all()
        uow.commit()
    report = township.engine.sync_once()
    assert report.duplicates == 1 and report.pushed == 0
    assert_replicas_equal(server, township)


def test_two_stations_pushing_at_once_lose_nothing(
    server: LiveServer, township: StationProfile, center: StationProfile
) -> None:
    _push_at_once(server, township, center)


@pytest.mark.postgres
def test_two_stations_pushing_at_once_on_postgresql_lose_nothing(tmp_path: Path) -> None:
    with postgres_database() as url:
        if url is None:
            pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
        live = LiveServer(ServerConfig(tmp_path / "server", url)).start()
        township = enrolled(live, tmp_path / "xc01", "XC01", "城关镇便民服务站")
        center = enrolled(live, tmp_path / "xzzx", "XZZX", "县政务服务中心")
        try:
            _push_at_once(live, township, center)
        finally:
            township.close()
            center.close()
            live.dispose()


def _push_at_once(server: LiveServer, township: StationProfile,
                  center: StationProfile) -> None:
    for station in (township, center):
        for _ in range(5):
            register(station)
    reports = {}

    def run(station: StationProfile) -> None:
        reports[station.code] = station.engine.sync_once()

    threads = [threading.Thread(target=run, args=(s,)) for s in (township, center)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r.ok and r.pushed == 5 for r in reports.values())
    assert server.event_count() == 10
    with server.session() as session:
        from server.models import EventRow

        sequences = sorted(session.scalars(select(EventRow.server_sequence)))
    assert sequences == list(range(1, 11))
    assert_replicas_equal(server, township, center, scoped=True)


def test_event_recorded_before_a_crash_is_pushed_on_the_next_round(
    server: LiveServer, township: StationProfile, tmp_path: Path
) -> None:
    # The local commit holds the event and its outbox row together; a new process
    # (a new engine on the same profile) finds it queued and sends it.
    register(township)
    township.runtime.close()
    from app.services.runtime import open_runtime

    township.runtime = open_runtime(township.runtime.profile.data_dir, backups=False)
    township.engine = SyncEngine(township.runtime.uow, keyring=township.keyring)
    assert township.engine.sync_once().pushed == 1
    assert_replicas_equal(server, township)


def test_clocks_a_day_fast_and_a_day_slow_do_not_matter(
    server: LiveServer, township: StationProfile, center: StationProfile
) -> None:
    now = datetime.now(UTC)
    fast = register(township, now=now + timedelta(days=1))
    slow = register(center, now=now - timedelta(days=1))
    cases.accept(township.uow, township.clerk, fast, seal=township.counter_seal,
                 now=now + timedelta(days=1))
    cases.accept(center.uow, center.clerk, slow, seal=center.counter_seal,
                 now=now - timedelta(days=1))
    # Registered, accepted, the acceptance notice sealed at the counter.
    assert township.engine.sync_once().pushed == 3
    assert center.engine.sync_once().pushed == 3
    assert_replicas_equal(server, township, center, scoped=True)


def test_event_id_seen_again_with_other_content_is_refused(
    server: LiveServer, township: StationProfile
) -> None:
    case_id = register(township)
    township.engine.sync_once()
    with township.uow() as uow:
        row = uow.session.scalar(select(client_models.EventRow))
        assert row is not None
        forged = {**row.payload, "green_channel": True}
        event = {
            "id": row.id, "case_id": case_id, "type": row.type, "actor_id": row.actor_id,
            "actor_name": row.actor_name, "station": "XC01",
            "device_time": row.device_time.isoformat(), "payload": forged,
        }
    client = SyncClient(server.url, credential=township.keyring.passwords[
        (SERVICE_NAME, f"{server.url}#XC01")])
    answer = client.push([PushedEvent(event, 1)])
    assert answer.answers[0].status is AnswerStatus.CONFLICT
    assert answer.answers[0].code == "event_id_reused"
    assert "不一致" in (answer.answers[0].reason or "")
    with server.session() as session:
        from server.models import EventRow

        stored = session.scalar(select(EventRow))
        assert stored is not None and stored.payload["green_channel"] is False


def test_two_chiefs_approving_offline_the_second_is_a_conflict_both_see(
    server: LiveServer, tmp_path: Path
) -> None:
    first = enrolled(server, tmp_path / "w1", "XZ01", "中心1号窗口", all_cases=True)
    second = enrolled(server, tmp_path / "w2", "XZ02", "中心2号窗口", all_cases=True)
    try:
        case_id = register(first)
        cases.accept(first.uow, first.clerk, case_id, seal=first.counter_seal)
        cases.review(first.uow, first.clerk, case_id, conforms=True, opinion="材料齐全")
        first.engine.sync_once()
        assert second.engine.sync_once().pulled == 4  # with the sealed acceptance notice

        # Both offline: each chief representative approves the same case.
        cases.approve(first.uow, first.chief, case_id, opinion="同意（一号窗口）")
        cases.approve(second.uow, second.chief, case_id, opinion="同意（二号窗口）")
        assert first.engine.sync_once().pushed == 1
        late = second.engine.sync_once()
        assert late.ok and late.conflicts == 1 and late.pulled == 1

        # The second station now holds the first approval, and shows its own refusal.
        decided = cases.get_case(second.uow, case_id)
        assert decided.decision is not None and decided.decision["opinion"] == "同意（一号窗口）"
        refused = second.conflicts()
        assert [c.code for c in refused] == ["illegal_transition"]
        # The first station hears about it on its next round.
        told = first.engine.sync_once()
        assert told.notices == 1
        notice = first.conflicts()
        assert len(notice) == 1 and "XZ02" in notice[0].reason and "被服务器拒绝" in notice[0].reason
        assert_replicas_equal(server, first, second)
    finally:
        first.close()
        second.close()


def test_authentication_errors_never_drop_queued_events(
    server: LiveServer, township: StationProfile
) -> None:
    register(township)
    account = (SERVICE_NAME, f"{server.url}#XC01")
    good = township.keyring.passwords[account]
    township.keyring.passwords[account] = "x" * 43
    wrong = township.engine.sync_once()
    assert wrong.error_code == "unauthenticated" and "凭据" in wrong.errors[0]
    assert len(township.outbox()) == 1 and server.event_count() == 0

    township.keyring.passwords[account] = good
    assert server_main(["revoke-station", "XC01", "--data-dir", str(server.config.data_dir)]) == 0
    revoked = township.engine.sync_once()
    assert revoked.error_code == "station_revoked" and "注销" in revoked.errors[0]
    assert len(township.outbox()) == 1 and server.event_count() == 0


def test_old_client_is_told_to_upgrade(
    server: LiveServer, township: StationProfile, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(township)
    monkeypatch.setattr(sync_client, "PROTOCOL_VERSION", 0)
    report = township.engine.sync_once()
    assert report.error_code == "upgrade_required"
    assert "请升级" in report.errors[0]
    assert len(township.outbox()) == 1 and server.event_count() == 0


def test_restored_server_gets_everything_sent_again(
    server: LiveServer, township: StationProfile, center: StationProfile, tmp_path: Path
) -> None:
    old_backup = tmp_path / "server-backup.sqlite3"
    data_dir = str(server.config.data_dir)
    assert server_main(["backup", "--output", str(old_backup), "--data-dir", data_dir]) == 0
    first = register(township)
    cases.forward(township.uow, township.clerk, first, authority="县局", to_station="XZZX")
    township.engine.sync_once()
    center.engine.sync_once()
    cases.record_forward_return(center.uow, center.clerk, first, result="approved",
                                opinion="准予")
    center.engine.sync_once()
    second = register(township)
    township.engine.sync_once()
    assert server.event_count() == 4

    # The server's disk dies; it is restored from the older backup (new epoch).
    port = server.port
    server.dispose()
    assert server_main(["restore", str(old_backup), "--data-dir", data_dir]) == 0
    restored = LiveServer(server.config).start(port)
    try:
        assert restored.event_count() == 0
        # The centre comes first: its return waits until the case's history is back.
        center_report = center.engine.sync_once()
        assert center_report.ok and center_report.epoch_changed
        assert center_report.retries == 1 and center.outbox() != []
        township_report = township.engine.sync_once()
        assert township_report.ok and township_report.epoch_changed
        assert township_report.pushed == 3
        assert center.engine.sync_once().pushed == 1
        township.engine.sync_once()
        assert restored.event_count() == 4
        assert cases.get_case(township.uow, second).state.value == "registered"
        assert cases.get_case(township.uow, first).state.value == "completed"
        assert_replicas_equal(restored, township)
        assert_replicas_equal(restored, center, scoped=True)
    finally:
        restored.dispose()


def _assert_a_new_window_receives_the_notice(server: LiveServer, window: StationProfile,
                                            case_id: str, tmp_path: Path) -> None:
    from app.services import documents

    other = enrolled(server, tmp_path / "w2", "XZ02", "中心2号窗口", all_cases=True)
    try:
        assert other.engine.sync_once().documents == 1
        [mine] = documents.documents_for_case(window.uow, case_id)
        [theirs] = documents.documents_for_case(other.uow, case_id)
        assert theirs.pdf == mine.pdf
    finally:
        other.close()


def test_a_restored_server_is_offered_the_sealed_documents_again(
    server: LiveServer, tmp_path: Path
) -> None:
    window = enrolled(server, tmp_path / "w1", "XZ01", "中心1号窗口", all_cases=True)
    old_backup = tmp_path / "server-backup.sqlite3"
    data_dir = str(server.config.data_dir)
    assert server_main(["backup", "--output", str(old_backup), "--data-dir", data_dir]) == 0
    try:
        case_id = register(window)
        cases.accept(window.uow, window.clerk, case_id, seal=window.counter_seal)
        assert window.engine.sync_once().attachments == 1  # the sealed acceptance notice

        # Restored from the backup taken before: neither the events nor the PDF are there.
        port = server.port
        server.dispose()
        assert server_main(["restore", str(old_backup), "--data-dir", data_dir]) == 0
        restored = LiveServer(server.config).start(port)
        try:
            report = window.engine.sync_once()
            assert report.ok and report.epoch_changed and report.attachments == 1
            assert "全部事件和文件将重新上传" in report.warnings[0]
            # A window enrolled afterwards receives the very same sealed notice.
            _assert_a_new_window_receives_the_notice(restored, window, case_id, tmp_path)
        finally:
            restored.dispose()
    finally:
        window.close()


def test_a_station_moved_to_another_server_sends_it_its_files_too(
    server: LiveServer, tmp_path: Path
) -> None:
    window = enrolled(server, tmp_path / "w1", "XZ01", "中心1号窗口", all_cases=True)
    other_server = LiveServer(ServerConfig(tmp_path / "other-server")).start()
    try:
        case_id = register(window)
        cases.accept(window.uow, window.clerk, case_id, seal=window.counter_seal)
        assert window.engine.sync_once().attachments == 1

        window.engine.enroll(other_server.url,
                             other_server.create_station("中心1号窗口", "XZ01", all_cases=True))
        report = window.engine.sync_once()
        assert report.ok and report.pushed == 3 and report.attachments == 1
        _assert_a_new_window_receives_the_notice(other_server, window, case_id, tmp_path)
    finally:
        other_server.dispose()
        window.close()


def test_copied_station_database_is_refused_instead_of_overwriting_the_server(
    server: LiveServer, township: StationProfile, tmp_path: Path
) -> None:
    register(township)
    township.engine.sync_once()
    copy = backup(township.runtime.profile, destination=tmp_path / "copy.sqlite3")
    register(township)
    register(township)
    assert township.engine.sync_once().pushed == 2
    held_on_server = server.event_ids()

    # The station's database is replaced by the older copy and used again.
    township.runtime.close()
    restore(township.runtime.profile, copy)
    from app.services.runtime import open_runtime

    township.runtime = open_runtime(township.runtime.profile.data_dir, backups=False)
    township.engine = SyncEngine(township.runtime.uow, keyring=township.keyring)
    reused = register(township)
    report = township.engine.sync_once()
    assert report.error_code == "station_rewound"
    assert any("备份恢复" in e for e in report.errors)
    # The server's anchor of the station's audit chain says so too.
    assert any("审计链" in e for e in report.errors)
    assert server.event_ids() == held_on_server
    with township.uow() as uow:
        queued = list(uow.session.scalars(select(client_models.Outbox.event_id)))
        assert [uow.events.get(q).case_id for q in queued] == [reused]  # type: ignore[union-attr]


def test_server_refuses_a_rewound_station_even_if_the_client_does_not_check(
    server: LiveServer, township: StationProfile
) -> None:
    register(township)
    register(township)
    township.engine.sync_once()
    with township.uow() as uow:
        row = uow.session.scalar(select(client_models.EventRow).order_by(
            client_models.EventRow.position))
        assert row is not None
        event = {"id": "6f1c2a4e-0000-4000-8000-0000000000aa", "case_id": row.case_id,
                 "type": "materials_recorded", "actor_id": row.actor_id,
                 "actor_name": row.actor_name, "station": "XC01",
                 "device_time": row.device_time.isoformat(),
                 "payload": {"materials": received_materials()}}
    client = SyncClient(server.url, credential=township.keyring.passwords[
        (SERVICE_NAME, f"{server.url}#XC01")])
    with pytest.raises(ServerRefused) as refused:
        client.push([PushedEvent(event, 1)])
    assert refused.value.status == 409 and refused.value.code == "station_rewound"
    assert server.event_count() == 2


@pytest.mark.parametrize("push_batch", [1000, 1])
def test_local_event_that_no_longer_applies_is_kept_visible_not_lost(
    server: LiveServer, tmp_path: Path, push_batch: int
) -> None:
    # A queued follow-up of a refused event is refused with it, and both stay visible.
    # In batches of one, the follow-up was read ahead while the refusal was on its way:
    # it must not be sent after all.
    first = enrolled(server, tmp_path / "w1", "XZ01", "中心1号窗口", all_cases=True)
    second = enrolled(server, tmp_path / "w2", "XZ02", "中心2号窗口", all_cases=True)
    second.engine.push_batch = push_batch
    try:
        case_id = register(first)
        first.engine.sync_once()
        second.engine.sync_once()
        cases.reject(first.uow, first.clerk, case_id, reasons="不属于本机关职权范围",
                     ground="outside_powers", redirect_authority="市市场监督管理局",
                     seal=first.counter_seal)
        cases.accept(second.uow, second.clerk, case_id, seal=second.counter_seal)
        cases.review(second.uow, second.clerk, case_id, conforms=True, opinion="符合")
        first.engine.sync_once()
        report = second.engine.sync_once()
        # The acceptance, its sealed notice and the review: all three refused.
        assert report.conflicts == 3
        assert cases.get_case(second.uow, case_id).state.value == "rejected"
        with second.uow() as uow:
            audit = [r.body for r in uow.audit.records()]
        assert sum('"kind":"sync_conflict"' in body for body in audit) == 3
        with server.session() as session:
            # Sent together, the server refuses all; one at a time, the follow-ups never go.
            refused_on_server = server_events.counts(session)["rejections"]
        assert refused_on_server == (3 if push_batch > 1 else 1)
        assert_replicas_equal(server, first, second)
    finally:
        first.close()
        second.close()


def test_sync_reports_unreachable_server(tmp_path: Path) -> None:
    station = make_station(tmp_path / "a", "XC01", "城关镇", with_catalog=False)
    try:
        with station.uow() as uow:
            uow.settings.set("server_url", "http://127.0.0.1:9")
            uow.commit()
        station.keyring.set_password(SERVICE_NAME, "http://127.0.0.1:9#XC01", "y" * 43)
        report = station.engine.sync_once()
        assert report.unreachable and not report.ok
        assert report.summary() == "pushed 0 pulled 0 conflicts 0"
    finally:
        station.close()


def test_sync_without_enrollment_says_so(tmp_path: Path) -> None:
    station = make_station(tmp_path / "a", "XC01", "城关镇", with_catalog=False)
    try:
        report = station.engine.sync_once()
        assert report.error_code == "not_enrolled" and "登记" in report.errors[0]
    finally:
        station.close()


# --- on PostgreSQL -------------------------------------------------------------------


@pytest.mark.postgres
def test_round_trip_with_the_server_on_postgresql(tmp_path: Path) -> None:
    with postgres_database() as url:
        if url is None:
            pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
        live = LiveServer(ServerConfig(tmp_path / "server", url)).start()
        township = enrolled(live, tmp_path / "xc01", "XC01", "城关镇便民服务站")
        center = enrolled(live, tmp_path / "xzzx", "XZZX", "县政务服务中心")
        try:
            case_id = register(township)
            cases.forward(township.uow, township.clerk, case_id, authority="县局",
                          to_station="XZZX")
            assert township.engine.sync_once().pushed == 2
            assert center.engine.sync_once().pulled == 2
            cases.record_forward_return(center.uow, center.clerk, case_id, result="denied",
                                        opinion="不符合条件")
            center.engine.sync_once()
            assert township.engine.sync_once().pulled == 1
            assert cases.get_case(township.uow, case_id).outcome == "denied"
            # A repeated push is a duplicate on PostgreSQL too.
            with township.uow() as uow:
                uow.events.requeue_all()
                uow.commit()
            assert township.engine.sync_once().duplicates == 2
            assert_replicas_equal(live, township, center)
        finally:
            township.close()
            center.close()
            live.dispose()



@pytest.mark.parametrize("older_server", [False, True],
                         ids=["several files an answer", "a server without it: one by one"])
def test_a_decision_sealed_at_another_window_comes_back_byte_for_byte(
    server: LiveServer, tmp_path: Path, older_server: bool
) -> None:
    from datetime import date

    from app.sync.protocol import ATTACHMENT_CONTENTS_PATH

    if older_server:
        server.forget_path(ATTACHMENT_CONTENTS_PATH)

    from app.services import documents, seals

    first = enrolled(server, tmp_path / "w1", "XZ01", "中心1号窗口", all_cases=True)
    second = enrolled(server, tmp_path / "w2", "XZ02", "中心2号窗口", all_cases=True)
    try:
        seals.register_seal(
            second.uow, second.admin, second.runtime.key_store, department_code="SCJ",
            authority_name="县市场监督管理局", serial="130534SCJ0009",
            custodian_id=second.chief.id, valid_from=date(2026, 1, 1), valid_to=None,
            made_on=date(2025, 12, 1), made_by="刻章点",
        )
        case_id = register(first)
        cases.accept(first.uow, first.clerk, case_id, seal=first.counter_seal)
        cases.review(first.uow, first.clerk, case_id, conforms=True, opinion="材料齐全")
        first.engine.sync_once()
        second.engine.sync_once()
        cases.approve(second.uow, second.chief, case_id, opinion="同意")
        issued = seals.apply_seal(second.uow, second.chief, case_id,
                                  document_kind="approval_decision", password=PASSWORD,
                                  key_store=second.runtime.key_store)
        assert second.engine.sync_once().ok
        report = first.engine.sync_once()
        assert report.ok and report.documents == 1
        [received] = [d for d in documents.documents_for_case(first.uow, case_id)
                      if d.kind.value == "approval_decision"]
        assert received.pdf == issued.pdf
        assert received.document_number == issued.document_number
        assert cases.get_case(first.uow, case_id).state.value == "completed"
        # Nothing more to fetch on the next round.
        assert first.engine.sync_once().documents == 0
        # The receiving station vouches for the file and names where it was sealed.
        verdict = seals.verify_document(first.uow, received.pdf)
        assert verdict.status is seals.VerificationStatus.VALID_ELSEWHERE
        assert "其他站点（XZ02）" in verdict.summary and issued.document_number in verdict.summary
    finally:
        first.close()
        second.close()


def test_the_server_answers_a_scanned_qr_code_only_with_the_seal_keys_code(
    server: LiveServer, tmp_path: Path
) -> None:
    import io
    from datetime import date

    import pypdf

    from app.print_templates import parse_verification_url
    from app.services import seals
    from app.signing import generate_seal_key
    from app.signing.codes import DocumentIdentity, verification_code
    from server.verification import DocumentState, check_document

    window = enrolled(server, tmp_path / "w", "XZ02", "中心2号窗口", all_cases=True)
    try:
        seals.register_seal(
            window.uow, window.admin, window.runtime.key_store, department_code="SCJ",
            authority_name="县市场监督管理局", serial="130534SCJ0010",
            custodian_id=window.chief.id, valid_from=date(2026, 1, 1), valid_to=None,
            made_on=date(2025, 12, 1), made_by="刻章点",
        )
        case_id = register(window)
        cases.accept(window.uow, window.clerk, case_id, seal=window.counter_seal)
        cases.review(window.uow, window.clerk2, case_id, conforms=True, opinion="材料齐全")
        cases.approve(window.uow, window.chief, case_id, opinion="同意")
        issued = seals.apply_seal(window.uow, window.chief, case_id,
                                  document_kind="approval_decision", password=PASSWORD,
                                  key_store=window.runtime.key_store)
        assert window.engine.sync_once().ok
        url = pypdf.PdfReader(io.BytesIO(issued.pdf)).metadata["/Keywords"]
        assert url.startswith(f"{server.url}/v/{issued.id}?c=")
        document_id, code = parse_verification_url(url)
        [seal] = [s for s in seals.list_seals(window.uow) if s.serial == "130534SCJ0010"]
        forged = verification_code(generate_seal_key(
            subject_common_name=seal.full_title, organization=seal.authority_name,
            issued_at=datetime(2026, 1, 1, tzinfo=UTC)).key, DocumentIdentity(
                document_id=document_id, seal_id=seal.id,
                case_number=cases.get_case(window.uow, case_id).number,
                document_kind="approval_decision", document_number=issued.document_number,
                sealed_at=issued.created_at))
        with server.session() as session:
            genuine = check_document(session, document_id, code)
            assert genuine.state is DocumentState.VALID
            assert genuine.document_number == issued.document_number
            assert genuine.station == "XZ02"
            assert check_document(session, document_id, forged).state is DocumentState.MISMATCH
        corrected = seals.apply_seal(window.uow, window.chief, case_id,
                                     document_kind="approval_decision", password=PASSWORD,
                                     key_store=window.runtime.key_store, supersedes=issued.id)
        assert window.engine.sync_once().ok
        with server.session() as session:
            old = check_document(session, document_id, code)
        assert old.state is DocumentState.SUPERSEDED
        assert old.superseded_by == corrected.document_number
    finally:
        window.close()


def test_a_centre_window_created_early_and_enrolled_late_gets_each_event_once(
    server: LiveServer, township: StationProfile, tmp_path: Path
) -> None:
    code = server.create_station("中心窗口", "XZZX", all_cases=True)
    case_id = register(township)
    cases.accept(township.uow, township.clerk, case_id, seal=township.counter_seal)
    assert township.engine.sync_once().pushed == 3  # with the sealed acceptance notice
    window = make_station(tmp_path / "centre", "XZZX", "中心窗口")
    try:
        window.engine.enroll(server.url, code)
        report = window.engine.sync_once()
        assert report.ok and report.pulled == 3
        assert len(window.event_ids()) == 3
        with server.session() as session:
            from server.models import Delivery

            deliveries = session.scalars(
                select(Delivery).where(Delivery.station == "XZZX")).all()
        assert len(deliveries) == 3
    finally:
        window.close()


def test_a_case_done_on_the_spot_is_accepted_by_the_server_and_reaches_the_center(
    server: LiveServer, tmp_path: Path
) -> None:
    """即办件 by one authorized officer: the review, approval, sealed decision and delivery
    the station records in one act pass the server's checks and project the same."""
    from app.domain.case import CaseState
    from app.domain.catalog import CaseType
    from app.domain.seal import SealKind
    from app.services import catalog, seals
    from tests.sync_fixtures import business_matter

    first = enrolled(server, tmp_path / "w1", "XZ01", "中心1号窗口", all_cases=True)
    second = enrolled(server, tmp_path / "w2", "XZ02", "中心2号窗口", all_cases=True)
    try:
        catalog.save_matter(first.uow, first.admin, business_matter(
            code="SCJ-009", name="食品经营许可延续", case_type=CaseType.IMMEDIATE,
            promised_working_days=0, single_officer=True))
        seals.register_seal(
            first.uow, first.admin, first.runtime.key_store, department_code="SCJ",
            authority_name="县市场监督管理局", serial="1305XZ0102", custodian_id=first.chief.id,
            valid_from=date(2026, 1, 1), valid_to=None, made_on=date(2025, 12, 20),
            made_by="县公安局备案刻章点", kind=SealKind.WINDOW_COPY, copy_mark="2", title="")
        accounts.create_user(first.uow, first.admin, username="officer", display_name="孙即办",
                             password=PASSWORD, roles=frozenset({Role.CLERK, Role.ON_THE_SPOT}),
                             department_code="SCJ", window_name="3号窗口")
        officer = accounts.authenticate(first.uow, username="officer", password=PASSWORD)
        case = cases.register_case(first.uow, officer, matter_code="SCJ-009",
                                   applicant=APPLICANT, materials=received_materials())
        cases.accept(first.uow, officer, case.id, seal=first.counter_seal)
        done = cases.complete_on_the_spot(first.uow, officer, case.id, opinion="当场准予。",
                                          seal=first.counter_seal, receiver="张三")
        report = first.engine.sync_once()
        assert report.ok and report.conflicts == 0, report
        second.engine.sync_once()
        assert first.conflicts() == [] and second.conflicts() == []
        there = cases.get_case(second.uow, case.id)
        assert there.state is CaseState.DELIVERED and there.decision == done.decision
        assert there.completed_at == done.completed_at
        assert_replicas_equal(server, first, second)
    finally:
        first.close()
        second.close()


def test_a_refused_approval_is_listed_for_the_station_to_read_and_mark_read(
    server: LiveServer, tmp_path: Path
) -> None:
    """Never a silent rollback: the conflict names the case and says why, until someone
    at the station marks it read (audited)."""
    from app.services import queries

    first = enrolled(server, tmp_path / "w1", "XZ01", "中心1号窗口", all_cases=True)
    second = enrolled(server, tmp_path / "w2", "XZ02", "中心2号窗口", all_cases=True)
    try:
        case_id = register(first)
        cases.accept(first.uow, first.clerk, case_id, seal=first.counter_seal)
        cases.review(first.uow, first.clerk, case_id, conforms=True, opinion="材料齐全")
        first.engine.sync_once()
        second.engine.sync_once()
        cases.approve(first.uow, first.chief, case_id, opinion="同意（一号窗口）")
        cases.approve(second.uow, second.chief, case_id, opinion="同意（二号窗口）")
        first.engine.sync_once()
        second.engine.sync_once()
        [conflict] = queries.sync_conflicts(second.uow, second.chief)
        number = cases.get_case(second.uow, case_id).number
        assert (conflict.case_id, conflict.case_number) == (case_id, number)
        assert conflict.matter_name == "个体工商户登记" and conflict.reason
        queries.mark_conflict_read(second.uow, second.chief, conflict.event_id)
        assert queries.sync_conflicts(second.uow, second.chief) == []
        [kept] = queries.sync_conflicts(second.uow, second.chief, include_read=True)
        assert kept.read
        with second.uow() as uow:
            assert '"conflict_read"' in [r.body for r in uow.audit.records()][-1]
        assert queries.sync_status(second.uow).conflicts == 0
    finally:
        first.close()
        second.close()
