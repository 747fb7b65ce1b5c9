"""Where per-file tasks run: in this process, or a local process pool (Ray comes later).

Every executor takes the same picklable task function and yields results as they finish,
keeping a bounded number of tasks in flight so memory stays flat however large the source.

A hostile file can crash a native decoder and with it the worker process. The pool then
breaks for every task in flight, so those tasks are re-run one by one in a fresh pool: the
ones that crash again get ``on_crash(task)`` as their result (a stored warning), the others
their normal result, and the run goes on.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    name: str

    def map_unordered(
        self,
        fn: Callable[[T], R],
        tasks: Iterable[T],
        on_crash: Callable[[T], R],
        weight: Callable[[T], int] | None = None,
    ) -> Iterator[R]: ...

    def close(self) -> None: ...


class InlineExecutor:
    """Runs tasks one after another in this process (tests, debugging, one core)."""

    name = "inline"

    def map_unordered(
        self,
        fn: Callable[[T], R],
        tasks: Iterable[T],
        on_crash: Callable[[T], R],
        weight: Callable[[T], int] | None = None,
    ) -> Iterator[R]:
        for task in tasks:
            yield fn(task)

    def close(self) -> None:
        pass


def _run_chunk(fn: Callable[[T], R], chunk: list[T]) -> list[R]:
    return [fn(task) for task in chunk]


class LocalPoolExecutor:
    """A pool of worker processes on this machine.

    Tasks travel in chunks (one pickled call per ``chunk`` tasks): per-call queue and thread
    overhead in this process otherwise competes with the workers for the same cores.
    """

    name = "local"

    def __init__(
        self,
        workers: int,
        in_flight_per_worker: int = 4,
        chunk: int = 8,
        *,
        initializer: Callable[[], None] | None = None,
    ) -> None:
        """``initializer`` runs once in every worker process, including the fresh ones that
        re-run tasks after a crash (the deep pass registers the closing of its tools there)."""
        self._workers = workers
        self._limit = workers * in_flight_per_worker
        self._chunk = chunk
        self._initializer = initializer
        self._pool = self._new_pool(workers)

    def _new_pool(self, workers: int) -> ProcessPoolExecutor:
        # forkserver: workers don't inherit the parent's open DB connections or threads.
        ctx = multiprocessing.get_context("forkserver")
        return ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=self._initializer
        )

    def map_unordered(
        self,
        fn: Callable[[T], R],
        tasks: Iterable[T],
        on_crash: Callable[[T], R],
        weight: Callable[[T], int] | None = None,
    ) -> Iterator[R]:
        """``weight`` (bytes a task carries) closes a chunk early at CHUNK_BYTES."""
        flight: _InFlight[T, R] = _InFlight()
        for chunk in _chunks(tasks, self._chunk, weight):
            try:
                fut = self._pool.submit(_run_chunk, fn, chunk)
            except BrokenProcessPool:
                # The pool broke after the last drain (its manager saw the crash first): the
                # tasks in flight are the suspects; this chunk never ran, so it goes on as usual.
                yield from self._recover(fn, flight.pop_all(), on_crash)
                fut = self._pool.submit(_run_chunk, fn, chunk)
            flight.add(fut, chunk)
            while len(flight) >= self._limit:
                yield from self._drain(fn, flight, on_crash)
        while len(flight):
            yield from self._drain(fn, flight, on_crash)

    def _drain(
        self,
        fn: Callable[[T], R],
        flight: _InFlight[T, R],
        on_crash: Callable[[T], R],
    ) -> Iterator[R]:
        finished, _ = wait(flight.futures(), return_when=FIRST_COMPLETED)
        for fut in finished:
            chunk = flight.pop(fut)
            try:
                yield from fut.result()
            except BrokenProcessPool:
                yield from self._recover(fn, [*chunk, *flight.pop_all()], on_crash)
                return

    def _recover(
        self, fn: Callable[[T], R], suspects: list[T], on_crash: Callable[[T], R]
    ) -> Iterator[R]:
        """The pool broke: re-run the tasks that were in it one by one, then a fresh pool."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        yield from self._isolate(fn, suspects, on_crash)
        self._pool = self._new_pool(self._workers)

    def _isolate(
        self, fn: Callable[[T], R], suspects: list[T], on_crash: Callable[[T], R]
    ) -> Iterator[R]:
        for task in suspects:
            pool = self._new_pool(1)
            try:
                yield pool.submit(fn, task).result()
            except BrokenProcessPool:
                yield on_crash(task)
            finally:
                pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


CHUNK_BYTES = 32 * 1024 * 1024  # in-flight memory stays ≤ chunks in flight × this


def _chunks(tasks: Iterable[T], size: int, weight: Callable[[T], int] | None) -> Iterator[list[T]]:
    chunk: list[T] = []
    carried = 0
    for task in tasks:
        chunk.append(task)
        carried += weight(task) if weight else 0
        if len(chunk) >= size or carried >= CHUNK_BYTES:
            yield chunk
            chunk, carried = [], 0
    if chunk:
        yield chunk


class _InFlight(Generic[T, R]):
    def __init__(self) -> None:
        self._chunks: dict[Future[list[R]], list[T]] = {}

    def add(self, fut: Future[list[R]], chunk: list[T]) -> None:
        self._chunks[fut] = chunk

    def pop(self, fut: Future[list[R]]) -> list[T]:
        return self._chunks.pop(fut)

    def pop_all(self) -> list[T]:
        tasks = [task for chunk in self._chunks.values() for task in chunk]
        self._chunks.clear()
        return tasks

    def futures(self) -> list[Future[list[R]]]:
        return list(self._chunks)

    def __len__(self) -> int:
        return len(self._chunks)


def make_executor(workers: int) -> Executor:
    return InlineExecutor() if workers <= 1 else LocalPoolExecutor(workers)
