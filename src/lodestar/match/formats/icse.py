"""INTERPOL ICSE CSV export: ``;``-separated, one header row, ``Y``/``N`` flags.

A typical header::

    MD5;SHA1;PhotoDNA;Image ID;Is distributed;Victim identified;Offender identified;
    Series name;Number of submissions;File Available;Media Type;Baseline

Columns are mapped by header name (case, spaces and punctuation ignored), so their order
does not matter; unknown columns are kept in ``extra`` under a snake_case key ("Media Type"
becomes ``media_type``). ``Baseline`` and ``File Available`` are yes/no flags; the other
unknown values stay text. A UTF-8 byte-order mark and CRLF line ends are accepted. Rows
shorter than the header are padded with empty fields (some exports drop trailing empty
fields), except an unterminated last row, which is refused as truncated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from lodestar.match.formats.base import (
    HashSetRecord,
    Source,
    csv_rows,
    first_text_lines,
    hashset_formats,
    parse_flag,
    size_value,
    text_value,
)

DELIMITER = ";"

# normalised header name -> record field
COLUMNS = {
    "md5": "md5",
    "sha1": "sha1",
    "sha256": "sha256",
    "photodna": "photodna",
    "imageid": "media_id",
    "mediaid": "media_id",
    "isdistributed": "is_distributed",
    "distributed": "is_distributed",
    "victimidentified": "victim_identified",
    "offenderidentified": "offender_identified",
    "isprecategorized": "is_precategorized",
    "seriesname": "series",
    "series": "series",
    "category": "category",
    "filename": "file_names",
    "filesize": "size",
    "mediasize": "size",
    "size": "size",
    "tags": "tags",
}
FLAG_FIELDS = frozenset(
    {"is_distributed", "victim_identified", "offender_identified", "is_precategorized"}
)
EXTRA_FLAGS = frozenset({"baseline", "file_available"})
# columns only an ICSE export has (for sniffing)
ICSE_MARKERS = frozenset(
    {
        "imageid",
        "isdistributed",
        "victimidentified",
        "offenderidentified",
        "seriesname",
        "numberofsubmissions",
        "fileavailable",
        "mediatype",
        "baseline",
    }
)
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def _norm(header: str) -> str:
    return _NON_ALNUM.sub("", header.strip().lower())


def _snake(header: str) -> str:
    return _NON_ALNUM.sub("_", header.strip().lower()).strip("_")


class IcseFormat:
    name: ClassVar[str] = "icse"
    description: ClassVar[str] = "INTERPOL ICSE CSV export (';'-separated, Y/N flags)"
    writable: ClassVar[bool] = False
    known_ignorable_default: ClassVar[bool] = False

    def sniff(self, path: Path) -> bool:
        try:
            lines = first_text_lines(Path(path), 1)
        except OSError:
            return False
        if not lines or DELIMITER not in lines[0]:
            return False
        names = {_norm(h.strip('"')) for h in lines[0].split(DELIMITER)}
        return ("md5" in names or "sha1" in names) and len(names & ICSE_MARKERS) >= 2

    def read(self, path: Path) -> Iterator[HashSetRecord]:
        path = Path(path)
        src = Source(path)
        columns: list[tuple[int, str, str]] = []  # (index, field or extra key, header)
        width = 0
        for no, line, row, unterminated in csv_rows(src, path, DELIMITER):
            if no == 0:
                columns, width = self._header(src, row)
                continue
            if len(row) < width and unterminated:
                raise src.error(
                    no, f"{len(row)} fields, the header has {width}", line=line, truncated=True
                )
            if len(row) > width and any(v.strip() for v in row[width:]):
                raise src.error(no, f"{len(row)} fields, the header has {width}", line=line)
            yield self._record(src, no, line, row, columns, unterminated)

    @staticmethod
    def _header(src: Source, row: list[str]) -> tuple[list[tuple[int, str, str]], int]:
        columns: list[tuple[int, str, str]] = []
        seen: dict[str, str] = {}
        width = len(row)
        while width and not row[width - 1].strip():
            width -= 1  # a trailing ';' on the header line
        for i, header in enumerate(row[:width]):
            header = header.strip()
            if not header:
                continue
            target = COLUMNS.get(_norm(header)) or "extra:" + (_snake(header) or f"column_{i}")
            if target in seen:
                raise src.file_error(
                    f"the header names {target.removeprefix('extra:')!r} twice "
                    f"({seen[target]!r} and {header!r})"
                )
            seen[target] = header
            columns.append((i, target, header))
        if not any(t in seen for t in ("md5", "sha1", "sha256")):
            raise src.file_error("not an ICSE export (the header has no MD5 or SHA1 column)")
        return columns, width

    @staticmethod
    def _record(
        src: Source,
        no: int,
        line: int,
        row: list[str],
        columns: list[tuple[int, str, str]],
        last: bool,
    ) -> HashSetRecord:
        fields: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for i, target, header in columns:
            raw = row[i].strip() if i < len(row) else ""
            if not raw:
                continue
            if target in ("md5", "sha1", "sha256"):
                fields[target] = src.digest(
                    no, raw, target, field=header, line=line, truncated=last
                )
            elif target in FLAG_FIELDS:
                fields[target] = src.flag(no, raw, field=header, line=line, truncated=last)
            elif target.startswith("extra:"):
                key = target[len("extra:") :]
                if key in EXTRA_FLAGS:
                    try:
                        extra[key] = parse_flag(raw)
                    except ValueError:
                        extra[key] = raw  # keep what the exporter wrote
                else:
                    extra[key] = raw
            else:
                try:
                    if target == "size":
                        fields["size"] = size_value(raw)
                    elif target == "tags":
                        fields["tags"] = tuple(t for p in raw.split(",") if (t := p.strip()))
                    elif target == "file_names":
                        fields["file_names"] = (raw,)
                    else:
                        fields[target] = text_value(raw)
                except ValueError as exc:
                    raise src.error(no, f"{header}: {exc}", field=header, line=line) from None
        if not any(fields.get(k) for k in ("md5", "sha1", "sha256")):
            raise src.missing_digest(no, line=line)
        return HashSetRecord(record_no=no, extra=extra, **fields)


hashset_formats.register(IcseFormat())
