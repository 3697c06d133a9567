"""Forked render workers (reporter/workers.py): values, our errors and crashes come back
to the parent as they should, a dead worker is named, and a busy one is killed on close."""

from __future__ import annotations

import os
import signal
import time
import types

import pytest

from reporter.errors import EstimationError
from reporter.workers import RenderWorker, start_workers


def _double(x: int) -> int:
    return 2 * x


def _frozen(mapping: types.MappingProxyType) -> types.MappingProxyType:
    return mapping


def _fail_ours() -> None:
    raise EstimationError("estimate.singular", model="baseline", variables="ec")


def _fail_other() -> None:
    raise ZeroDivisionError("boom")


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _sleep() -> None:
    time.sleep(60)


@pytest.fixture
def worker():
    w = RenderWorker()
    yield w
    w.close()


def test_value_and_read_only_mappings_cross_the_pipe(worker):
    worker.submit("double", _double, 21)
    assert worker.result() == 42
    worker.submit("frozen", _frozen, types.MappingProxyType({"a": 1}))
    back = worker.result()
    assert isinstance(back, types.MappingProxyType) and dict(back) == {"a": 1}


def test_our_error_is_raised_again_as_itself(worker):
    worker.submit("zh", _fail_ours)
    with pytest.raises(EstimationError) as caught:
        worker.result()
    assert caught.value.key == "estimate.singular"
    assert caught.value.params == {"model": "baseline", "variables": "ec"}


def test_a_crash_comes_back_with_its_traceback(worker):
    worker.submit("en", _fail_other)
    with pytest.raises(RuntimeError, match=r"(?s)render worker for en failed.*ZeroDivisionError"):
        worker.result()


def test_a_dead_worker_is_named(worker):
    worker.submit("zh", _die)
    with pytest.raises(RuntimeError, match="render worker for zh died"):
        worker.result()


def test_close_kills_a_busy_worker_at_once():
    w = RenderWorker()
    w.submit("zh", _sleep)
    start = time.perf_counter()
    w.close()
    assert time.perf_counter() - start < 3
    assert not w._process.is_alive()


def test_an_idle_worker_leaves_when_closed():
    w = RenderWorker()
    w.submit("double", _double, 1)
    assert w.result() == 2
    start = time.perf_counter()
    w.close()
    assert time.perf_counter() - start < 3
    assert w._process.exitcode == 0


def test_no_workers_asked_none_started():
    assert start_workers(0) == []


def test_a_worker_without_a_job_is_killed_at_once():
    """A run that fails before rendering must not wait for its workers to warm up."""
    w = RenderWorker()
    start = time.perf_counter()
    w.close()
    assert time.perf_counter() - start < 0.5
    assert w._process.exitcode == -signal.SIGKILL
