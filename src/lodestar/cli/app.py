"""The ``lodestar`` command."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from lodestar.cli import demo, hashsets, ingest, media, source
from lodestar.cli.common import error_exit, state
from lodestar.errors import ExitCode, LodestarError
from lodestar.registry import load_entry_point_plugins

app = typer.Typer(
    name="lodestar",
    help="Lodestar: offline workbench for victim-identification teams.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _global(
    workspace: Annotated[
        Path | None,
        typer.Option("--workspace", "-w", envvar="LODESTAR_WORKSPACE", help="Workspace directory."),
    ] = None,
) -> None:
    state.workspace = workspace


app.add_typer(source.app, name="source")
app.add_typer(media.media_app, name="media")
app.add_typer(media.warnings_app, name="warnings")
app.add_typer(demo.app, name="demo")
app.add_typer(hashsets.app, name="hashsets")
app.command("match")(hashsets.match_command)
app.command("similar")(hashsets.similar_command)
app.command("ingest")(ingest.ingest_command)
app.command("status")(ingest.status_command)
# Stage command groups (each stage adds its own lines below its marker).
# [clues]
from lodestar.cli import clues as clues_cli  # noqa: E402

app.add_typer(clues_cli.clues_app, name="clues")
app.add_typer(clues_cli.search_app, name="search")
app.command("places")(clues_cli.places_command)
app.command("jurisdiction")(clues_cli.jurisdiction_command)
# [series]
from lodestar.cli import series as series_cli  # noqa: E402

app.add_typer(series_cli.app, name="series")
app.add_typer(series_cli.cameras_app, name="cameras")
# [review]
from lodestar.cli import review  # noqa: E402

app.command("serve")(review.serve_command)
app.add_typer(review.users_app, name="users")
app.add_typer(review.agencies_app, name="agencies")
app.add_typer(review.audit_app, name="audit")
# [analyze]
from lodestar.cli import analyze as analyze_cli  # noqa: E402

app.command("analyze")(analyze_cli.analyze_command)
app.command("stages")(analyze_cli.stages_command)
# [pipeline]
from lodestar.cli import run as run_cli  # noqa: E402

app.command("run")(run_cli.run_command)
# [leads]
from lodestar.cli import leads as leads_cli  # noqa: E402

app.add_typer(leads_cli.app, name="leads")
app.command("report")(leads_cli.report_command)
app.command("crop")(leads_cli.crop_command)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    try:
        load_entry_point_plugins()  # third-party plug-ins register like built-in ones
        app(args=args, standalone_mode=True)
    except LodestarError as exc:
        sys.exit(error_exit(exc, as_json="--json" in args))
    except KeyboardInterrupt:
        sys.exit(int(ExitCode.INTERRUPTED))


if __name__ == "__main__":
    main()
