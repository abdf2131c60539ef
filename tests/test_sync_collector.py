"""The cyclic garbage collector is held off while a round moves events, and only then."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from app.sync.collector import CollectorPause


@pytest.fixture
def collector_running() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    if was_enabled:
        gc.enable()
    else:
        gc.disable()


def test_collector_runs_again_once_the_pause_ends(collector_running: None) -> None:
    pause = CollectorPause()
    with pause.paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_collector_runs_again_only_when_the_last_of_two_pauses_ends(
    collector_running: None,
) -> None:
    pause = CollectorPause()
    outer = pause.paused()
    inner = pause.paused()
    outer.__enter__()
    inner.__enter__()
    outer.__exit__(None, None, None)  # the round that began first ends first
    assert not gc.isenabled()
    inner.__exit__(None, None, None)
    assert gc.isenabled()


def test_collector_stopped_by_someone_else_stays_stopped(collector_running: None) -> None:
    pause = CollectorPause()
    gc.disable()
    with pause.paused():
        pass
    assert not gc.isenabled()


def test_collector_runs_again_when_the_paused_work_fails(collector_running: None) -> None:
    pause = CollectorPause()
    with pytest.raises(ConnectionError), pause.paused():
        raise ConnectionError("network down")
    assert gc.isenabled()
