"""No exiftool outlives the deep pass: normal end, an error, Ctrl-C, a worker crash (issue 16 #12).

Leaked processes are re-parented to init, so they cannot be found by ancestry afterwards. The
tests note every ``exiftool -stay_open`` process below this one *while* the pass runs and
check each of them is gone once it returned; other tests running at the same time may start
exiftool processes of their own, which a plain count before and after would pick up.
"""

from __future__ import annotations

import operator
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest

from lodestar.analyze.executors import LocalPoolExecutor
from lodestar.analyze.ingest import ingest
from lodestar.clues import deep
from lodestar.clues.base import ClueInput
from lodestar.clues.deep import run_deep_pass
from lodestar.clues.mediator import DeepTask, run_task, worker_init
from lodestar.evidence.service import add_source
from lodestar.workspace import Workspace

from ..analyze.corpus import make_evidence
from .metadata_samples import EXIFTOOL, write_jpeg

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _processes() -> Iterator[tuple[int, int, str, bytes]]:
    """(pid, parent pid, state, command line) of every process."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmdline = fh.read()
        except OSError:  # it exited while we looked
            continue
        # "pid (comm) state ppid …": comm may hold spaces and parentheses
        fields = stat.rsplit(")", 1)[1].split()
        yield int(entry), int(fields[1]), fields[0], cmdline


def _is_exiftool(cmdline: bytes) -> bool:
    args = cmdline.split(b"\0")
    return any(b"exiftool" in a for a in args) and b"-stay_open" in args


def live_exiftools() -> set[int]:
    return {pid for pid, _, state, cmd in _processes() if state != "Z" and _is_exiftool(cmd)}


def our_exiftools() -> set[int]:
    """Live exiftool processes descended from this one (through the forkserver and workers)."""
    procs = list(_processes())
    children: dict[int, list[int]] = {}
    for pid, ppid, _, _ in procs:
        children.setdefault(ppid, []).append(pid)
    below: set[int] = set()
    todo = [os.getpid()]
    while todo:
        for child in children.get(todo.pop(), []):
            below.add(child)
            todo.append(child)
    return below & live_exiftools()


def assert_all_gone(seen: set[int], timeout: float = 10.0) -> None:
    assert seen, "no exiftool process was started: the test proves nothing"
    deadline = time.monotonic() + timeout
    while (left := seen & live_exiftools()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, f"exiftool processes left running: {sorted(left)}"


@pytest.fixture(autouse=True)
def _needs_exiftool() -> None:
    if EXIFTOOL is None:  # a clear failure, not a skip: these tests must run
        pytest.fail("exiftool not on PATH: apt-get install libimage-exiftool-perl")


def _ingested(ws: Workspace, root: Path) -> None:
    for d in make_evidence(root, images=4):
        with ws.store.session() as s:
            add_source(s, location=d, agency="XX", label=d.name, actor="tester")
    ingest(ws, actor="tester")


def _watching(
    seen: set[int], then: Callable[[int], None] | None = None
) -> Callable[[int, int], None]:
    def progress(done: int, total: int) -> None:
        seen.update(our_exiftools())
        if then is not None:
            then(done)

    return progress


def test_a_finished_pass_leaves_no_exiftool(ws: Workspace, tmp_path: Path) -> None:
    _ingested(ws, tmp_path / "ev")
    seen: set[int] = set()
    summary = run_deep_pass(ws, actor="t", stages=["metadata"], workers=2, progress=_watching(seen))
    assert summary.media >= 4
    assert_all_gone(seen)


def test_a_pass_that_fails_leaves_no_exiftool(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ingested(ws, tmp_path / "ev")
    seen: set[int] = set()
    store_all = deep.store_all

    def store_then_fail(*args: object) -> None:
        store_all(*args)  # type: ignore[arg-type]
        seen.update(our_exiftools())
        raise RuntimeError("the store went away")

    monkeypatch.setattr(deep, "store_all", store_then_fail)
    with pytest.raises(RuntimeError, match="the store went away"):
        run_deep_pass(ws, actor="t", stages=["metadata"], workers=2)
    assert_all_gone(seen)


def test_an_interrupted_pass_leaves_no_exiftool(ws: Workspace, tmp_path: Path) -> None:
    _ingested(ws, tmp_path / "ev")
    seen: set[int] = set()

    def ctrl_c(done: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_deep_pass(
            ws, actor="t", stages=["metadata"], workers=2, progress=_watching(seen, ctrl_c)
        )
    assert_all_gone(seen)


def test_a_crashed_worker_leaves_no_exiftool(tmp_path: Path) -> None:
    """One task aborts its worker (a native crash); the pool's other workers are terminated
    with it. None of them runs any code on the way out, yet their exiftool must go too."""
    image = write_jpeg(tmp_path / "shot.jpg")
    task = DeepTask(ClueInput("0" * 64, image, "image"), ("metadata",), 1, str(image), False)
    read: Callable[[], object] = partial(run_task, task)
    tasks: list[Callable[[], object]] = [*[read] * 4, os.abort, *[read] * 3]
    seen: set[int] = set()
    pool = LocalPoolExecutor(2, in_flight_per_worker=2, chunk=1, initializer=worker_init)
    try:
        for result in pool.map_unordered(operator.call, tasks, lambda t: "crashed"):
            if result != "crashed":
                seen.update(our_exiftools())
    finally:
        pool.close()
    assert_all_gone(seen)


def test_exiftool_dies_with_a_killed_owner() -> None:
    """The process that started exiftool is SIGKILLed: nothing of it runs, exiftool goes."""
    code = (
        "import os, signal\n"
        "from lodestar.clues.exiftool import ExifToolProcess\n"
        "tool = ExifToolProcess()\n"
        "tool.start()\n"
        "print(tool.pid, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert done.returncode == -9, done.stderr
    assert_all_gone({int(done.stdout)})
