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
results come back in input order. The workers are a ``concurrent.futures``
``ProcessPoolExecutor``: a worker that dies in a job (killed by the system) makes the
executor broken, which is reported, where ``multiprocessing.Pool`` would replace the worker
and wait for the lost job's result for ever.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol, TypeVar

from ..core.batches import batches
from ..core.model import Suggestion
from .base import SuggesterError, SuggesterInput, SuggestionRow, as_suggestions, create

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


def _finished(entry: Future[Any] | list[Any]) -> bool:
    return isinstance(entry, list) or entry.done()


def _result(job: Future[list[Any]]) -> list[Any]:
    """A worker's job's result; a clear error when a worker process ended before giving it
    (killed by the system, out of memory) instead of waiting for it for ever."""
    try:
        return job.result()
    except BrokenProcessPool as error:
        raise SuggesterError(
            "a worker process ended before finishing its documents (killed, or out of "
            "memory?); nothing more was suggested: try again with fewer processes "
            "(--n-process)") from error


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
    flat on long inputs. A worker process that ends before finishing its job (killed) is a
    :class:`SuggesterError`."""
    global _WORKER, _WORKER_BATCH
    if n_process <= 1:
        for items in batches(docs, window or job_documents or JOB_DOCUMENTS):
            yield from suggester.suggest_here(items, batch_size)
        return
    workers = max(1, n_process - 1)
    if _can_fork():
        _WORKER, _WORKER_BATCH = suggester, batch_size
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    else:
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_spawned,
                                   initargs=(name, config, batch_size))
    limit = workers * IN_FLIGHT_PER_PROCESS
    most = limit + IN_FLIGHT_PER_PROCESS  # jobs given out or done, not yet handed on
    # Jobs in input order: a worker's pending result, or the result of a job done here.
    waiting: deque[Future[list[tuple[Any, Found]]] | list[tuple[Any, Found]]] = deque()
    given = 0  # worker jobs in ``waiting``
    try:
        for job in batches(docs, job_documents or JOB_DOCUMENTS):
            # Hand on what is finished at the front, in order; wait for the front when
            # this process has run as many jobs past it as a worker may have.
            while waiting and (len(waiting) >= most or _finished(waiting[0])):
                done = waiting.popleft()
                if isinstance(done, Future):
                    given -= 1
                    done = _result(done)
                yield from done
            if given < limit:
                waiting.append(pool.submit(_run_job, job))
                given += 1
            else:  # the workers have enough to do: this process takes the job
                waiting.append(suggester.suggest_here(job, batch_size))
        while waiting:
            done = waiting.popleft()
            yield from _result(done) if isinstance(done, Future) else done
    finally:
        _WORKER = None
        _close_pool(pool, waiting, abrupt=isinstance(sys.exc_info()[1], KeyboardInterrupt))


def _close_pool(pool: ProcessPoolExecutor, waiting: Iterable[Any], *, abrupt: bool) -> None:
    """Let the workers finish the jobs they were given and leave, and wait for them; stop
    them only when they do not finish within :data:`CLOSE_SECONDS` (a worker stuck) or when
    the user interrupted. (``multiprocessing.Pool`` was used before: its ``terminate()`` can
    wait for ever when it stops a worker in the middle of handing back a result, CPython
    issue 96995.)"""
    jobs = [entry for entry in waiting if isinstance(entry, Future)]
    if not abrupt:
        _, unfinished = concurrent.futures.wait(jobs, timeout=CLOSE_SECONDS)
        if not unfinished:
            pool.shutdown(wait=True)
            return
    # The executor has no public way to stop its workers: its process table is read here.
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


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
