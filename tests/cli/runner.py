"""Run the CLI in-process the way a user would, and read what it printed (JSON parsed)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lodestar.cli.app import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    parsed = json.loads(out) if out.strip().startswith(("{", "[")) else out
    return code, parsed, err
