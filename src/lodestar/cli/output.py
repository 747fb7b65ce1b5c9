"""What a command prints: the same data as JSON on stdout (``--json``) or as text on stderr.

Every command gathers its data through a service, then hands it to one of these, so the two
forms cannot drift apart: JSON prints exactly the object the text was made from. The text goes
to stderr (``console``) so that stdout carries only JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from rich.table import Table

from lodestar.cli.common import console, emit_json

Row = Mapping[str, Any]
# A table column: its header and either the row key (None prints as "") or a function of the row.
Column = tuple[str, str | Callable[[Row], str]]


def emit(value: Any, *, as_json: bool, text: Callable[[Any], None]) -> None:
    """``value`` as JSON, or ``text(value)`` for people."""
    if as_json:
        emit_json(value)
    else:
        text(value)


def emit_message(value: Any, *, as_json: bool, message: str, highlight: bool = True) -> None:
    """``value`` as JSON, or one line saying what was done (e.g. ``added source 3``)."""
    if as_json:
        emit_json(value)
    else:
        console.print(message, highlight=highlight)


def emit_table(
    rows: Sequence[Row], *, as_json: bool, columns: Sequence[Column], title: str | None = None
) -> None:
    """A list as JSON, or as a table (headers only when the list is empty)."""
    if as_json:
        emit_json(rows)
    else:
        console.print(table(rows, columns, title=title))


def emit_fields(value: Mapping[str, Any], *, as_json: bool) -> None:
    """One object as JSON, or as ``key: value`` lines."""
    emit(value, as_json=as_json, text=print_fields)


def table(rows: Iterable[Row], columns: Sequence[Column], *, title: str | None = None) -> Table:
    out = Table(*(header for header, _ in columns), title=title)
    for row in rows:
        out.add_row(*(_cell(row, how) for _, how in columns))
    return out


def _cell(row: Row, how: str | Callable[[Row], str]) -> str:
    if callable(how):
        return how(row)
    value = row[how]
    return "" if value is None else str(value)


def str_of(key: str) -> Callable[[Row], str]:
    """A column printed with ``str()``, where a missing value has always shown as "None"."""
    return lambda row: str(row[key])


def yes(key: str) -> Callable[[Row], str]:
    """A column that says "yes" where the row's flag is set and nothing where it is not."""
    return lambda row: "yes" if row[key] else ""


def print_fields(value: Mapping[str, Any], *, skip: Iterable[str] = ()) -> None:
    """``key: value`` lines, leaving out the keys that the caller prints its own way."""
    left_out = set(skip)
    for key, item in value.items():
        if key not in left_out:
            console.print(f"[bold]{key}[/]: {item}", highlight=False)
