"""The output helpers every command prints through: JSON is exactly the object, text a table."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from lodestar.cli.output import (
    Column,
    emit,
    emit_fields,
    emit_message,
    emit_table,
    print_fields,
    str_of,
    yes,
)

ROWS: list[dict[str, Any]] = [
    {"id": 1, "name": "laptop", "known": True, "note": None, "at": datetime(2024, 5, 1, 9, 30)},
    {"id": 22, "name": "phone", "known": False, "note": "cracked", "at": datetime(2024, 5, 2)},
]
COLUMNS: list[Column] = [
    ("id", "id"),
    ("name", "name"),
    ("known", yes("known")),
    ("note", "note"),
    ("raw note", str_of("note")),
    ("day", lambda r: f"{r['at']:%Y-%m-%d}"),
]


@pytest.fixture(autouse=True)
def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # one table row a line, whatever the terminal


def _lines(text: str) -> list[list[str]]:
    """The cells of each table line (box-drawing borders dropped)."""
    out = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("│┃").split("│" if "│" in line else "┃")]
        if any(ch.isalnum() for ch in line):
            out.append(cells)
    return out


def test_json_mode_prints_exactly_the_object(capsys: pytest.CaptureFixture[str]) -> None:
    emit_table(ROWS, as_json=True, columns=COLUMNS)
    out, err = capsys.readouterr()
    assert json.loads(out) == [r | {"at": r["at"].isoformat()} for r in ROWS] and err == ""
    value = {"id": 3, "path": Path("/x"), "nested": {"a": [1, None]}}
    for call in (
        lambda: emit(value, as_json=True, text=lambda _: pytest.fail("text in JSON mode")),
        lambda: emit_message(value, as_json=True, message="not printed"),
        lambda: emit_fields(value, as_json=True),
    ):
        call()
        out, err = capsys.readouterr()
        assert json.loads(out) == {"id": 3, "path": "/x", "nested": {"a": [1, None]}}
        assert err == ""


def test_table_mode_prints_headers_and_rows_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    emit_table(ROWS, as_json=False, columns=COLUMNS)
    out, err = capsys.readouterr()
    assert out == ""  # stdout carries JSON only
    assert _lines(err) == [
        ["id", "name", "known", "note", "raw note", "day"],
        ["1", "laptop", "yes", "", "None", "2024-05-01"],
        ["22", "phone", "", "cracked", "cracked", "2024-05-02"],
    ]


def test_an_empty_list_prints_the_headers_alone(capsys: pytest.CaptureFixture[str]) -> None:
    emit_table([], as_json=False, columns=COLUMNS, title="Sources")
    out, err = capsys.readouterr()
    assert out == ""
    assert _lines(err) == [["Sources"], ["id", "name", "known", "note", "raw note", "day"]]
    emit_table([], as_json=True, columns=COLUMNS)
    assert json.loads(capsys.readouterr().out) == []


def test_text_forms_of_one_object(capsys: pytest.CaptureFixture[str]) -> None:
    emit_fields({"id": 3, "label": "laptop [1]"}, as_json=False)
    assert capsys.readouterr().err.splitlines() == ["id: 3", "label: laptop [1]"]
    print_fields({"id": 3, "items": [1, 2]}, skip=["items"])
    assert capsys.readouterr().err.splitlines() == ["id: 3"]
    emit_message({"id": 3}, as_json=False, message="added source 3")
    assert capsys.readouterr() == ("", "added source 3\n")
    emit({"id": 3}, as_json=False, text=lambda v: print("custom", v["id"]))
    assert capsys.readouterr().out == "custom 3\n"
