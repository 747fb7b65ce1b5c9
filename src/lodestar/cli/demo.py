"""``lodestar demo corpus``: the benign synthetic operation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from lodestar.cli.common import JsonFlag, console
from lodestar.cli.output import emit_message

app = typer.Typer(help="Benign synthetic demo data (no people, ever).", no_args_is_help=True)


@app.command("corpus")
def corpus(
    out: Annotated[Path, typer.Argument(help="Folder to write the operation into.")],
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same bytes).")] = 7,
    scale: Annotated[str, typer.Option(help="tiny, small or large.")] = "small",
    workers: Annotated[int, typer.Option(help="Processes for generation.")] = 2,
    as_json: JsonFlag = False,
) -> None:
    """Write a synthetic operation (seized collections + truth.json)."""
    from lodestar.demo.corpus import generate_corpus

    with Progress(
        *Progress.get_default_columns()[:1],
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=as_json,
    ) as bar:
        task = bar.add_task(f"demo corpus ({scale})", total=None)

        def report(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        summary = generate_corpus(out, seed=seed, scale=scale, progress=report, workers=workers)
    kinds = ", ".join(f"{n} {k}" for k, n in summary["kinds"].items())
    state = "already there (cached)" if summary.get("cached") else "written"
    emit_message(
        summary,
        as_json=as_json,
        message=f"demo operation {state} in {out}: {summary['files']} files ({kinds}), "
        f"{summary['series']} series, {summary['seizures']} seizures, "
        f"{summary['bytes'] / 1e6:.0f} MB, {summary['video_seconds']:.0f} s of video; "
        f"ground truth in {out / 'truth.json'}",
        highlight=False,
    )
