"""Where per-file tasks run: in this process, or a local process pool (Ray comes later).

Every executor takes the same picklable task function and yields results as they finish,
keeping a bounded number of tasks in flight so memory stays flat however large the source.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    name: str

    def map_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]: ...

    def close(self) -> None: ...


class InlineExecutor:
    """Runs tasks one after another in this process (tests, debugging, one core)."""

    name = "inline"

    def map_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        for task in tasks:
            yield fn(task)

    def close(self) -> None:
        pass


class LocalPoolExecutor:
    """A pool of worker processes on this machine."""

    name = "local"

    def __init__(self, workers: int, in_flight_per_worker: int = 4) -> None:
        # forkserver: workers don't inherit the parent's open DB connections or threads.
        ctx = multiprocessing.get_context("forkserver")
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
        self._limit = workers * in_flight_per_worker

    def map_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        pending: set[Future[R]] = set()
        done: deque[Future[R]] = deque()
        for task in tasks:
            pending.add(self._pool.submit(fn, task))
            while len(pending) >= self._limit:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                done.extend(finished)
                while done:
                    yield done.popleft().result()
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                yield fut.result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def make_executor(workers: int) -> Executor:
    return InlineExecutor() if workers <= 1 else LocalPoolExecutor(workers)
