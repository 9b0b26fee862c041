"""Running a suggester in several processes.

spaCy's own ``nlp.pipe(n_process=N)`` sends every finished ``Doc`` back to the parent, which
costs about as much as making it: two processes were no faster than one. Here each worker
process runs the whole suggester on a job of a few documents and sends back only the
suggestions (a few small tuples per document), so the parent's share is small and the
speed-up is close to the number of cores.

Workers are forked where the platform can (Linux): they inherit the suggester already built,
with its pipelines and pattern tables, at no cost. Elsewhere they are spawned and build the
suggester again from its registered name and configuration. At most ``2 * n_process`` jobs
are in flight, so memory stays flat however many documents there are, and results come
back in input order.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from ..core.model import Suggestion
from .base import SuggesterInput, create

JOB_DOCUMENTS = 8  # documents sent to a worker at a time
IN_FLIGHT_PER_PROCESS = 2


class LocalSuggester(Protocol):
    """A suggester that can run a list of documents in this process."""

    def suggest_here(
        self, items: list[SuggesterInput], batch_size: int
    ) -> list[tuple[Any, list[Suggestion]]]: ...


# The suggester of this worker process: inherited through fork, or built by _init_spawned.
_WORKER: LocalSuggester | None = None
_WORKER_BATCH = 64


def _init_spawned(name: str, config: dict[str, Any], batch_size: int) -> None:
    global _WORKER, _WORKER_BATCH
    _WORKER = create(name, **config)  # type: ignore[assignment]
    _WORKER_BATCH = batch_size


def _run_job(items: list[SuggesterInput]) -> list[tuple[Any, list[Suggestion]]]:
    assert _WORKER is not None, "worker process started without a suggester"
    return _WORKER.suggest_here(items, _WORKER_BATCH)


def _jobs(docs: Iterable[SuggesterInput], size: int) -> Iterator[list[SuggesterInput]]:
    job: list[SuggesterInput] = []
    for item in docs:
        job.append(item)
        if len(job) >= size:
            yield job
            job = []
    if job:
        yield job


def _can_fork() -> bool:
    # Linux only: macOS system libraries are not safe to use after fork. The window never
    # asks for several processes, so the only threads here are a progress bar's.
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def suggest_in_processes(
    suggester: LocalSuggester,
    name: str,
    config: dict[str, Any],
    docs: Iterable[SuggesterInput],
    *,
    n_process: int,
    batch_size: int,
    job_documents: int = JOB_DOCUMENTS,
) -> Iterator[tuple[Any, list[Suggestion]]]:
    """Yield ``(key, suggestions)`` for every input, in input order, computed by
    ``n_process`` worker processes."""
    global _WORKER, _WORKER_BATCH
    start: Callable[..., Any]
    if _can_fork():
        context = multiprocessing.get_context("fork")
        _WORKER, _WORKER_BATCH = suggester, batch_size
        pool = context.Pool(n_process)
    else:
        context = multiprocessing.get_context("spawn")
        pool = context.Pool(n_process, initializer=_init_spawned,
                            initargs=(name, config, batch_size))
    start = pool.apply_async
    limit = max(1, n_process * IN_FLIGHT_PER_PROCESS)
    waiting: deque[Any] = deque()
    try:
        for job in _jobs(docs, max(1, job_documents)):
            waiting.append(start(_run_job, (job,)))
            if len(waiting) >= limit:
                yield from waiting.popleft().get()
        while waiting:
            yield from waiting.popleft().get()
        pool.close()
    finally:
        pool.terminate()
        pool.join()
        _WORKER = None
