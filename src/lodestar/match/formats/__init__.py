"""Hash-set file formats: pure parsing and writing of known-content hash sets, no database.

The formats are the plug-ins of ``hashset_formats``, whose first lookup imports the built-in
ones: ``vics`` (Project VIC JSON; the only writable one), ``nsrl`` (NIST RDS v3 SQLite and v2
NSRLFile.txt), ``icse`` (INTERPOL ICSE CSV) and ``plain`` (digest lists, md5sum output).
Everything that names, lists or chooses a format asks the registry (nothing here lists them),
so a new format is one module that registers itself. Sniffing tries formats by ascending
``sniff_priority`` (default 50; ``plain``, the most permissive, is 90).

    for record in read_hashset(path):          # format sniffed
        ...
    write_hashset(records, out, "vics", shape="case", case_meta={"CaseID": "..."})
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, cast

from lodestar.errors import DataError, UserError
from lodestar.match.formats.base import (
    DIGEST_KINDS,
    DIGEST_LENGTHS,
    HashSetFormat,
    HashSetRecord,
    Shape,
    WritableHashSetFormat,
    hashset_formats,
    normalize_digest,
    parse_flag,
)

__all__ = [
    "DIGEST_KINDS",
    "DIGEST_LENGTHS",
    "HashSetFormat",
    "HashSetRecord",
    "Shape",
    "WritableHashSetFormat",
    "detect_format",
    "format_choices",
    "get_format",
    "hashset_formats",
    "normalize_digest",
    "parse_flag",
    "read_hashset",
    "write_hashset",
]


def format_choices() -> str:
    """The registered formats' names for help text: "icse, nsrl, plain or vics"."""
    names = hashset_formats.names()
    return " or ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def get_format(name: str) -> HashSetFormat:
    """The registered format called ``name``; UserError listing the known ones otherwise."""
    if name not in hashset_formats:
        known = ", ".join(hashset_formats.names())
        raise UserError(
            f"unknown hash-set format {name!r} (known: {known})", detail={"format": name}
        )
    return hashset_formats.get(name)


def detect_format(path: Path) -> HashSetFormat:
    """The first registered format whose ``sniff`` accepts ``path``; DataError otherwise."""
    path = Path(path)
    for fmt in sorted(hashset_formats, key=lambda f: getattr(f, "sniff_priority", 50)):
        if fmt.sniff(path):
            return fmt
    known = ", ".join(hashset_formats.names())
    raise DataError(
        f"file {path}: not a recognised hash-set format (known: {known}); "
        "name the format explicitly",
        detail={"path": str(path), "known": hashset_formats.names()},
    )


def _check_input(path: Path) -> None:
    if not path.exists():
        raise UserError(f"hash-set file {path} does not exist", detail={"path": str(path)})
    if not path.is_file():
        raise UserError(f"hash-set file {path} is not a regular file", detail={"path": str(path)})
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise UserError(
            f"cannot read hash-set file {path}: {exc.strerror or exc}",
            detail={"path": str(path)},
        ) from exc


def read_hashset(path: Path | str, fmt: str | None = None) -> Iterator[HashSetRecord]:
    """Stream the records of the hash set at ``path``, in format ``fmt`` or the sniffed one.

    The file and format are checked at once; records (and DataError for a refused record)
    come as the iterator is consumed.
    """
    path = Path(path)
    _check_input(path)
    reader = get_format(fmt) if fmt is not None else detect_format(path)
    return reader.read(path)


def write_hashset(
    records: Iterable[HashSetRecord],
    out_path: Path | str,
    fmt: str = "vics",
    *,
    shape: Shape = "hashset",
    case_meta: dict[str, Any] | None = None,
) -> int:
    """Write ``records`` to ``out_path`` in the writable format ``fmt``; returns the count."""
    writer = get_format(fmt)
    if not getattr(writer, "writable", False):
        writable = [f.name for f in hashset_formats if getattr(f, "writable", False)]
        raise UserError(
            f"hash-set format {fmt!r} cannot be written (writable: {', '.join(writable)})"
        )
    return cast(WritableHashSetFormat, writer).write(
        records, Path(out_path), shape=shape, case_meta=case_meta
    )
