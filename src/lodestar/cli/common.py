"""Shared CLI plumbing: global options, JSON output, the error shape, progress bars."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text
from sqlalchemy.orm import Session

from lodestar.config import get_settings
from lodestar.errors import LodestarError
from lodestar.workspace import Workspace, open_workspace

console = Console(stderr=True)
JSON_OPTION_HELP = "Print machine-readable JSON on stdout."
JsonFlag = Annotated[bool, typer.Option("--json", help=JSON_OPTION_HELP)]


@dataclass
class State:
    workspace: Path | None = None


state = State()


@contextmanager
def workspace() -> Iterator[Workspace]:
    ws = open_workspace(state.workspace, settings=get_settings())
    try:
        yield ws
    finally:
        ws.close()


@contextmanager
def session_scope() -> Iterator[Session]:
    """The store session of one command, committed when the block ends (before any output)."""
    with workspace() as ws, ws.store.session() as session:
        yield session


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, default=_default, ensure_ascii=False, indent=2) + "\n")


def error_exit(exc: LodestarError, *, as_json: bool) -> int:
    if as_json:
        sys.stderr.write(json.dumps(exc.to_dict(), ensure_ascii=False) + "\n")
    else:
        console.print(f"[bold red]error:[/] {exc.message}", highlight=False)
    return int(exc.exit_code)


class _RateColumn(ProgressColumn):
    """Files per second and MB per second of the running task."""

    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        if elapsed <= 0:
            return Text("")
        mb = task.fields.get("nbytes", 0) / 1e6
        return Text(f"{task.completed / elapsed:.0f} files/s {mb / elapsed:.1f} MB/s")


class IngestProgressBar:
    """Rich progress for ingest: files with rate/ETA and bytes per second."""

    def __init__(self) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            _RateColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
        )
        self._task: TaskID | None = None
        self._total: int | None = None
        self._done = 0
        self._bytes = 0

    def __enter__(self) -> IngestProgressBar:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def source_started(self, label: str, total_files: int | None) -> None:
        self._task = self._progress.add_task(label, total=total_files, nbytes=0)
        self._done, self._bytes, self._total = 0, 0, total_files

    def advanced(self, files: int, nbytes: int) -> None:
        assert self._task is not None
        self._done += files
        self._bytes += nbytes
        if self._total is not None and self._done > self._total:
            self._total = self._done  # archives hold more files than the folder walk counted
            self._progress.update(self._task, total=self._total)
        self._progress.update(self._task, advance=files, nbytes=self._bytes)

    def source_finished(self) -> None:
        # The folder walk's estimate counts links and refused files: close the bar at 100%.
        if self._task is not None:
            self._progress.update(self._task, total=self._done, completed=self._done)
