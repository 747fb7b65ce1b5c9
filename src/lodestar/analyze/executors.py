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
        self, fn: Callable[[T], R], tasks: Iterable[T], on_crash: Callable[[T], R]
    ) -> Iterator[R]: ...

    def close(self) -> None: ...


class InlineExecutor:
    """Runs tasks one after another in this process (tests, debugging, one core)."""

    name = "inline"

    def map_unordered(
        self, fn: Callable[[T], R], tasks: Iterable[T], on_crash: Callable[[T], R]
    ) -> Iterator[R]:
        for task in tasks:
            yield fn(task)

    def close(self) -> None:
        pass


class LocalPoolExecutor:
    """A pool of worker processes on this machine."""

    name = "local"

    def __init__(self, workers: int, in_flight_per_worker: int = 4) -> None:
        self._workers = workers
        self._limit = workers * in_flight_per_worker
        self._pool = self._new_pool(workers)

    @staticmethod
    def _new_pool(workers: int) -> ProcessPoolExecutor:
        # forkserver: workers don't inherit the parent's open DB connections or threads.
        ctx = multiprocessing.get_context("forkserver")
        return ProcessPoolExecutor(max_workers=workers, mp_context=ctx)

    def map_unordered(
        self, fn: Callable[[T], R], tasks: Iterable[T], on_crash: Callable[[T], R]
    ) -> Iterator[R]:
        flight: _InFlight[T, R] = _InFlight()
        for task in tasks:
            flight.add(self._pool.submit(fn, task), task)
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
            task = flight.pop(fut)
            try:
                yield fut.result()
            except BrokenProcessPool:
                suspects = [task, *flight.pop_all()]
                self._pool.shutdown(wait=False, cancel_futures=True)
                yield from self._isolate(fn, suspects, on_crash)
                self._pool = self._new_pool(self._workers)
                return

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


class _InFlight(Generic[T, R]):
    def __init__(self) -> None:
        self._tasks: dict[Future[R], T] = {}

    def add(self, fut: Future[R], task: T) -> None:
        self._tasks[fut] = task

    def pop(self, fut: Future[R]) -> T:
        return self._tasks.pop(fut)

    def pop_all(self) -> list[T]:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        return tasks

    def futures(self) -> list[Future[R]]:
        return list(self._tasks)

    def __len__(self) -> int:
        return len(self._tasks)


def make_executor(workers: int) -> Executor:
    return InlineExecutor() if workers <= 1 else LocalPoolExecutor(workers)
