"""Suggesters in worker processes: same results, input order, both ways of starting workers."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time

import pytest

from unannotate.nlp import parallel
from unannotate.nlp.base import SuggesterError, SuggesterInput, create

TEXTS = [f"Kenya gave ${n} million to UNICEF on {n} May 2025, the Minister said." for n in
         range(1, 12)] + ["", "Ein Text auf Deutsch über Kenia.", "🌍 UNICEF 🌍"]


def _inputs() -> list[SuggesterInput]:
    return [SuggesterInput(f"key-{i}", text, "de" if "Deutsch" in text else "en")
            for i, text in enumerate(TEXTS)]


@pytest.mark.parametrize("name", ["unannotate.entities.rules.v1", "unannotate.claims.rules.v1"])
@pytest.mark.parametrize("fork", [True, False], ids=["fork", "spawn"])
def test_worker_processes_give_what_one_process_gives(
    name: str, fork: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not fork:
        monkeypatch.setattr(parallel, "_can_fork", lambda: False)
    elif not parallel._can_fork():
        pytest.skip("this platform or process cannot fork")
    one = list(create(name).suggest(_inputs(), batch_size=3))
    monkeypatch.setattr(parallel, "JOB_DOCUMENTS", 2)  # many jobs, several in flight
    two = list(create(name).suggest(_inputs(), batch_size=3, n_process=2))
    assert [key for key, _ in two] == [f"key-{i}" for i in range(len(TEXTS))]
    assert two == one
    assert any(found for _, found in one)
    assert parallel._WORKER is None  # the pool is gone and forgets the suggester


def test_an_error_in_a_worker_reaches_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        def suggest_here(self, items, batch_size):  # type: ignore[no-untyped-def]
            raise ValueError("broken suggester")

    if not parallel._can_fork():
        pytest.skip("this platform or process cannot fork")
    results = parallel.suggest_in_processes(Broken(), "x", {}, _inputs(), n_process=2,
                                            batch_size=4)
    with pytest.raises(ValueError, match="broken suggester"):
        list(results)


class Slow:
    """A suggester that takes a while per job and says which process ran it."""

    def suggest_here(self, items, batch_size):  # type: ignore[no-untyped-def]
        time.sleep(0.02)
        return [(item.key, os.getpid()) for item in items]


def test_this_process_takes_jobs_while_the_workers_are_busy(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    if not parallel._can_fork():
        pytest.skip("this platform or process cannot fork")
    monkeypatch.setattr(parallel, "JOB_DOCUMENTS", 1)
    results = list(parallel.suggest_in_processes(Slow(), "x", {}, _inputs(), n_process=2,
                                                 batch_size=4))
    assert [key for key, _ in results] == [f"key-{i}" for i in range(len(TEXTS))]
    pids = {pid for _, pid in results}
    assert os.getpid() in pids and len(pids) == 2  # this process and one worker


class Sleepy:
    """A suggester whose jobs take ``seconds`` in a worker process and no time here."""

    def __init__(self, seconds: float) -> None:
        self.seconds, self.parent = seconds, os.getpid()

    def suggest_here(self, items, batch_size):  # type: ignore[no-untyped-def]
        if os.getpid() != self.parent:
            time.sleep(self.seconds)
        return [(item.key, os.getpid()) for item in items]


def test_a_caller_stopping_early_lets_the_workers_finish_and_leave(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    if not parallel._can_fork():
        pytest.skip("this platform or process cannot fork")
    monkeypatch.setattr(parallel, "JOB_DOCUMENTS", 1)
    terminated: list[int] = []
    stop = multiprocessing.process.BaseProcess.terminate
    monkeypatch.setattr(multiprocessing.process.BaseProcess, "terminate",
                        lambda self: (terminated.append(self.pid), stop(self)))
    results = parallel.suggest_in_processes(Sleepy(0.05), "x", {}, _inputs(), n_process=3,
                                            batch_size=4)
    assert next(results)[0] == "key-0"
    results.close()  # the caller stops: the jobs in flight end, the workers leave
    assert terminated == [] and multiprocessing.active_children() == []
    assert parallel._WORKER is None



class StuckWorkers(Sleepy):
    """Jobs take 30 s in a worker; here the suggester fails."""

    def suggest_here(self, items, batch_size):  # type: ignore[no-untyped-def]
        if os.getpid() == self.parent:
            raise ValueError("failed here")
        return super().suggest_here(items, batch_size)


def test_workers_that_do_not_finish_in_time_are_stopped(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    if not parallel._can_fork():
        pytest.skip("this platform or process cannot fork")
    monkeypatch.setattr(parallel, "JOB_DOCUMENTS", 1)
    monkeypatch.setattr(parallel, "CLOSE_SECONDS", 0.3)
    started = time.monotonic()
    with pytest.raises(ValueError, match="failed here"):
        # The workers get the first jobs (30 s each); this process fails on the next one.
        list(parallel.suggest_in_processes(StuckWorkers(30.0), "x", {}, _inputs(),
                                           n_process=2, batch_size=4))
    assert multiprocessing.active_children() == []
    assert time.monotonic() - started < 10


class Killed(Sleepy):
    """A worker process is killed in the middle of its first job."""

    def suggest_here(self, items, batch_size):  # type: ignore[no-untyped-def]
        if os.getpid() != self.parent and items[0].key == "key-0":
            os.kill(os.getpid(), signal.SIGKILL)
        return super().suggest_here(items, batch_size)


def test_a_worker_killed_in_a_job_is_an_error_not_a_wait_for_ever(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    if not parallel._can_fork():
        pytest.skip("this platform or process cannot fork")
    monkeypatch.setattr(parallel, "JOB_DOCUMENTS", 1)
    started = time.monotonic()
    with pytest.raises(SuggesterError, match="a worker process ended before finishing"):
        list(parallel.suggest_in_processes(Killed(0.0), "x", {}, _inputs(), n_process=2,
                                           batch_size=4))
    assert multiprocessing.active_children() == []
    assert time.monotonic() - started < 20
