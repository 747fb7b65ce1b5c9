"""Executors: same results inline and pooled; a task that kills its worker becomes on_crash.

Tasks are stdlib callables run with ``operator.call`` so worker processes can unpickle them
(test modules are not importable there); ``os.abort`` is what a native decoder crash looks
like to the pool.
"""

from __future__ import annotations

import operator
import os
import time
from collections.abc import Callable, Iterator
from functools import partial

from lodestar.analyze.executors import InlineExecutor, LocalPoolExecutor


def squares(n: int) -> list[Callable[[], object]]:
    return [partial(pow, i, 2) for i in range(n)]


def crashed(task: Callable[[], object]) -> object:
    return "crashed"


def test_pool_matches_inline() -> None:
    pool = LocalPoolExecutor(2, in_flight_per_worker=2)
    try:
        pooled = sorted(pool.map_unordered(operator.call, squares(40), crashed))
    finally:
        pool.close()
    inline = sorted(InlineExecutor().map_unordered(operator.call, squares(40), crashed))
    assert pooled == inline == [n * n for n in range(40)]


def test_a_crashing_task_is_isolated_and_the_run_goes_on() -> None:
    tasks: list[Callable[[], object]] = [*squares(15), os.abort, *squares(15)]
    pool = LocalPoolExecutor(2, in_flight_per_worker=2)
    try:
        results = list(pool.map_unordered(operator.call, tasks, crashed))
    finally:
        pool.close()
    assert results.count("crashed") == 1
    assert sorted(r for r in results if r != "crashed") == sorted(2 * [n * n for n in range(15)])


def test_a_pool_found_broken_when_submitting_is_recovered_too() -> None:
    """The crash is noticed by the pool before the next submit (not by a drain): the task in
    flight is isolated and the next one, which never ran, still runs."""

    def tasks() -> Iterator[Callable[[], object]]:
        yield os.abort
        time.sleep(1.0)  # the pool's manager sees the worker die before the next submit
        yield from squares(3)

    pool = LocalPoolExecutor(2, in_flight_per_worker=2, chunk=1)
    try:
        results = list(pool.map_unordered(operator.call, tasks(), crashed))
    finally:
        pool.close()
    assert sorted(map(str, results)) == ["0", "1", "4", "crashed"]
