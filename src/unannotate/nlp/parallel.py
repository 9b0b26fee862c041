"""Running a suggester in several processes.

spaCy's own ``nlp.pipe(n_process=N)`` sends every finished ``Doc`` back to the parent, which
costs about as much as making it: two processes were no faster than one. Here each worker
process runs the whole suggester on a job of a few documents and sends back only the
suggestions (a few small tuples per document).

With ``n_process=N`` this process and ``N - 1`` workers share the jobs: the workers are kept
a few jobs ahead, and whenever they have enough to do this process runs the next job itself,
between storing the results that came back. N processes then do the work of N cores; a
process that only waited and stored would take the cores in turn with the workers.

Workers are forked where the platform can (Linux): they inherit the suggester already built,
with its pipelines and pattern tables, at no cost. Elsewhere they are spawned and build the
suggester again from its registered name and configuration. A bounded number of jobs is
given out or waiting at a time, so memory stays flat however many documents there are, and
results come back in input order.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator
from multiprocessing.pool import AsyncResult
from typing import Any, Protocol, TypeVar

from ..core.batches import batches
from ..core.model import Suggestion
from .base import SuggesterInput, SuggestionRow, as_suggestions, create

JOB_DOCUMENTS = 8  # documents in one job, for a worker or for this process
IN_FLIGHT_PER_PROCESS = 2  # jobs given to each worker at a time
CLOSE_SECONDS = 60.0  # for the workers to finish their jobs when the caller stops early

# What a suggester gives for one document: its suggestions, as rows or as objects.
Found = TypeVar("Found", covariant=True)


class LocalSuggester(Protocol[Found]):
    """A suggester that can run a list of documents in this process."""

    def suggest_here(
        self, items: list[SuggesterInput], batch_size: int
    ) -> list[tuple[Any, Found]]: ...


# The suggester of this worker process: inherited through fork, or built by _init_spawned.
_WORKER: LocalSuggester[Any] | None = None
_WORKER_BATCH = 64


def _init_spawned(name: str, config: dict[str, Any], batch_size: int) -> None:
    global _WORKER, _WORKER_BATCH
    _WORKER = create(name, **config)  # type: ignore[assignment]
    _WORKER_BATCH = batch_size


def _run_job(items: list[SuggesterInput]) -> list[tuple[Any, Any]]:
    assert _WORKER is not None, "worker process started without a suggester"
    return _WORKER.suggest_here(items, _WORKER_BATCH)


def _finished(entry: AsyncResult[Any] | list[Any]) -> bool:
    return isinstance(entry, list) or entry.ready()


def _can_fork() -> bool:
    # Linux only: macOS system libraries are not safe to use after fork. The window never
    # asks for several processes, so the only threads here are a progress bar's.
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def suggest_in_processes(
    suggester: LocalSuggester[Found],
    name: str,
    config: dict[str, Any],
    docs: Iterable[SuggesterInput],
    *,
    n_process: int,
    batch_size: int,
    job_documents: int | None = None,
    window: int | None = None,
) -> Iterator[tuple[Any, Found]]:
    """Yield ``(key, suggestions)`` for every input, in input order, computed by this
    process and ``n_process - 1`` worker processes (``name`` and ``config`` build the
    suggester again in a spawned worker). With ``n_process`` 1 (or less) this process does
    it all, ``window`` documents at a time (a job's worth if None), so that memory stays
    flat on long inputs."""
    global _WORKER, _WORKER_BATCH
    if n_process <= 1:
        for items in batches(docs, window or job_documents or JOB_DOCUMENTS):
            yield from suggester.suggest_here(items, batch_size)
        return
    workers = max(1, n_process - 1)
    if _can_fork():
        context = multiprocessing.get_context("fork")
        _WORKER, _WORKER_BATCH = suggester, batch_size
        pool = context.Pool(workers)
    else:
        context = multiprocessing.get_context("spawn")
        pool = context.Pool(workers, initializer=_init_spawned,
                            initargs=(name, config, batch_size))
    limit = workers * IN_FLIGHT_PER_PROCESS
    most = limit + IN_FLIGHT_PER_PROCESS  # jobs given out or done, not yet handed on
    # Jobs in input order: a worker's pending result, or the result of a job done here.
    waiting: deque[AsyncResult[list[tuple[Any, Found]]] | list[tuple[Any, Found]]] = deque()
    given = 0  # worker jobs in ``waiting``
    try:
        for job in batches(docs, job_documents or JOB_DOCUMENTS):
            # Hand on what is finished at the front, in order; wait for the front when
            # this process has run as many jobs past it as a worker may have.
            while waiting and (len(waiting) >= most or _finished(waiting[0])):
                done = waiting.popleft()
                if isinstance(done, AsyncResult):
                    given -= 1
                    done = done.get()
                yield from done
            if given < limit:
                waiting.append(pool.apply_async(_run_job, (job,)))
                given += 1
            else:  # the workers have enough to do: this process takes the job
                waiting.append(suggester.suggest_here(job, batch_size))
        pool.close()  # the workers leave once their last jobs are done
        while waiting:
            done = waiting.popleft()
            yield from done.get() if isinstance(done, AsyncResult) else done
    finally:
        _WORKER = None
        _close_pool(pool, waiting, abrupt=isinstance(sys.exc_info()[1], KeyboardInterrupt))


def _close_pool(pool: Any, waiting: Iterable[Any], *, abrupt: bool) -> None:
    """Let the workers finish the jobs they were given and leave, and wait for them; stop
    them only when they do not finish within :data:`CLOSE_SECONDS` (a worker lost) or when
    the user interrupted. ``Pool.terminate()`` can wait for ever when it stops a worker in
    the middle of handing back a result (the worker dies holding the result queue's lock:
    CPython issue 96995), so it is kept for those cases."""
    if not abrupt:
        pool.close()
        deadline = time.monotonic() + CLOSE_SECONDS
        for entry in waiting:
            if isinstance(entry, AsyncResult):
                entry.wait(max(0.0, deadline - time.monotonic()))
        if all(_finished(entry) for entry in waiting):
            pool.join()
            return
    pool.terminate()
    pool.join()


class WindowedSuggester:
    """What the suggesters that make rows share: ``suggest`` and ``suggest_rows`` in this
    process, windows of documents at a time, or in ``n_process`` processes. A subclass
    gives its registered ``name``, ``suggest_here``, and where they differ from these
    defaults the configuration that builds it again and the size of a window."""

    name: str

    def spawn_config(self) -> dict[str, Any]:
        """The configuration that :func:`~.base.create` builds this suggester again from."""
        return {}

    def window(self, batch_size: int) -> int:
        """Documents read into memory at a time in this process."""
        return batch_size * 16

    def suggest_here(self, items: list[SuggesterInput], batch_size: int
                     ) -> list[tuple[Any, list[SuggestionRow]]]:
        raise NotImplementedError

    def suggest(self, docs: Iterable[SuggesterInput], *, batch_size: int = 64,
                n_process: int = 1) -> Iterator[tuple[Any, list[Suggestion]]]:
        """Yield ``(key, suggestions)`` for each input, in input order."""
        yield from as_suggestions(
            self.suggest_rows(docs, batch_size=batch_size, n_process=n_process))

    def suggest_rows(self, docs: Iterable[SuggesterInput], *, batch_size: int = 64,
                     n_process: int = 1) -> Iterator[tuple[Any, list[SuggestionRow]]]:
        """What ``suggest`` yields, each suggestion as a ``SuggestionRow``."""
        batch_size = max(1, batch_size)
        yield from suggest_in_processes(self, self.name, self.spawn_config(), docs,
                                        n_process=n_process, batch_size=batch_size,
                                        window=self.window(batch_size))
