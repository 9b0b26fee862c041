"""Suggesters in worker processes: same results, input order, both ways of starting workers."""

from __future__ import annotations

import os
import time

import pytest

from unannotate.nlp import parallel
from unannotate.nlp.base import SuggesterInput, create

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
