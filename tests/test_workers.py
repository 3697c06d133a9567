"""The forked renderer (reporter/workers.py): values, our errors and crashes come back to
the run as they should, in job order, from the renderer itself and from the children it
forks; a dead process is named; a renderer that never got jobs is killed at once."""

from __future__ import annotations

import os
import signal
import time
import types

import pytest

from reporter.errors import EstimationError
from reporter.workers import Renderer, start_renderer


def _pid_and_double(x: int) -> tuple[int, int]:
    return os.getpid(), 2 * x


def _stages(lang: str, on_stage=None) -> str:
    for stage in (f"render_{lang}", f"pdf_{lang}"):
        on_stage(stage)
    return lang


def _frozen(mapping: types.MappingProxyType) -> types.MappingProxyType:
    return mapping


def _fail_ours() -> None:
    raise EstimationError("estimate.singular", model="baseline", variables="ec")


def _fail_other() -> None:
    raise ZeroDivisionError("boom")


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.fixture
def renderer():
    r = Renderer(parallel=2)
    yield r
    r.close()


def test_jobs_run_in_parallel_processes_and_come_back_in_order(renderer):
    values = renderer.run([(f"job{x}", _pid_and_double, (x,)) for x in range(5)])
    assert [v[1] for v in values] == [0, 2, 4, 6, 8]
    pids = [v[0] for v in values]
    assert os.getpid() not in pids
    assert pids[0] != pids[1]  # a round of two: one forked child, one the renderer itself


def test_each_jobs_stages_reach_the_run_as_they_happen(renderer):
    """The progress line moves through the render: every job's stages, from the renderer
    and from its children, come back to the run's on_stage before the values."""
    seen: list[str] = []
    values = renderer.run([(lang, _stages, (lang,)) for lang in ("zh", "en")], seen.append)
    assert values == ["zh", "en"]
    assert sorted(seen) == sorted(["render_zh", "pdf_zh", "render_en", "pdf_en"])
    assert seen.index("render_zh") < seen.index("pdf_zh")


def test_read_only_mappings_cross_the_pipe(renderer):
    (back,) = renderer.run([("frozen", _frozen, (types.MappingProxyType({"a": 1}),))])
    assert isinstance(back, types.MappingProxyType) and dict(back) == {"a": 1}


@pytest.mark.parametrize("position", [0, 1])  # in a forked child, in the renderer itself
def test_our_error_is_raised_again_as_itself(renderer, position):
    jobs = [("zh", _pid_and_double, (1,)), ("en", _pid_and_double, (2,))]
    jobs[position] = ("zh", _fail_ours, ())
    with pytest.raises(EstimationError) as caught:
        renderer.run(jobs)
    assert caught.value.key == "estimate.singular"
    assert caught.value.params == {"model": "baseline", "variables": "ec"}


def test_a_crash_comes_back_with_its_traceback(renderer):
    with pytest.raises(RuntimeError, match=r"(?s)rendering en failed.*ZeroDivisionError"):
        renderer.run([("zh", _pid_and_double, (1,)), ("en", _fail_other, ())])


def test_a_dead_child_is_named(renderer):
    with pytest.raises(RuntimeError, match=r"(?s)rendering zh failed.*process rendering zh "
                                           r"died"):
        renderer.run([("zh", _die, ()), ("en", _pid_and_double, (1,))])


def test_a_dead_renderer_is_named(renderer):
    with pytest.raises(RuntimeError, match="the render process died"):
        renderer.run([("zh", _die, ())])


def test_an_idle_renderer_leaves_when_closed():
    r = Renderer(parallel=2)
    r.run([("one", _pid_and_double, (1,))])
    start = time.perf_counter()
    r.close()
    assert time.perf_counter() - start < 3
    assert r._process.exitcode == 0


def test_a_renderer_without_jobs_is_killed_at_once():
    """A run that fails before rendering must not wait for its renderer to warm up."""
    r = Renderer(parallel=2)
    start = time.perf_counter()
    r.close()
    assert time.perf_counter() - start < 0.5
    assert r._process.exitcode == -signal.SIGKILL


def test_one_process_means_no_renderer():
    assert start_renderer(1) is None
