"""Plain digest lists: one MD5, SHA-1 or SHA-256 per line (the kind is told by length).

Accepted lines::

    d41d8cd98f00b204e9800998ecf8427e                     a bare digest
    d41d8cd98f00b204e9800998ecf8427e  name.jpg           md5sum / sha1sum / sha256sum
    d41d8cd98f00b204e9800998ecf8427e *name.jpg           (binary-mode marker)
    \\d41d8cd98f00b204e9800998ecf8427e  odd\\nname        (GNU escaped name)
    MD5 (name.jpg) = d41d8cd98f00b204e9800998ecf8427e    BSD / ``--tag`` style

Blank lines and lines starting with ``#`` are skipped. A record's ``record_no`` is its line
number; the file name, when given, is kept in ``file_names``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from lodestar.match.formats import base
from lodestar.match.formats.base import (
    DIGEST_LABELS,
    KIND_BY_LENGTH,
    UTF8_BOM,
    HashSetRecord,
    Source,
    first_text_lines,
    hashset_formats,
    normalize_digest,
)

_BARE = re.compile(r"([0-9A-Fa-f]+)")
_GNU = re.compile(r"(\\?)([0-9A-Fa-f]+) [ *](.*)")
_LOOSE = re.compile(r"([0-9A-Fa-f]+)\s+\*?(\S.*)")
_BSD = re.compile(r"(MD5|SHA-?1|SHA-?256) ?\((.*)\) ?= ?([0-9A-Fa-f]+)", re.IGNORECASE)
_BSD_KIND = {"md5": "md5", "sha1": "sha1", "sha-1": "sha1", "sha256": "sha256",
             "sha-256": "sha256"}  # fmt: skip


def _unescape(name: str) -> str:
    """Undo GNU coreutils escaping of a name (``\\\\`` and ``\\n``)."""
    out = []
    i = 0
    while i < len(name):
        ch = name[i]
        if ch == "\\" and i + 1 < len(name):
            nxt = name[i + 1]
            out.append("\n" if nxt == "n" else "\r" if nxt == "r" else nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def parse_line(text: str) -> tuple[str, str, str | None]:
    """``(kind, digest, name)`` of one digest line; ValueError with a reason otherwise."""
    name: str | None = None
    kind_hint: str | None = None
    if m := _BARE.fullmatch(text):
        hexd = m.group(1)
    elif m := _GNU.fullmatch(text):
        hexd, name = m.group(2), m.group(3)
        if m.group(1):
            name = _unescape(name)
    elif m := _LOOSE.fullmatch(text):
        hexd, name = m.group(1), m.group(2)
    elif m := _BSD.fullmatch(text):
        kind_hint = _BSD_KIND[m.group(1).lower()]
        name, hexd = m.group(2), m.group(3)
    else:
        raise ValueError(f"not a digest line: {text[:80]!r}")
    kind = KIND_BY_LENGTH.get(len(hexd))
    if kind is None:
        raise ValueError(
            f"{hexd[:80]!r} has {len(hexd)} hex digits (an MD5 has 32, a SHA-1 40, a SHA-256 64)"
        )
    if kind_hint is not None and kind_hint != kind:
        raise ValueError(f"{DIGEST_LABELS[kind_hint]} line with a {len(hexd)}-digit digest")
    digest = normalize_digest(hexd, kind)
    assert digest is not None
    return kind, digest, name or None


class PlainFormat:
    name: ClassVar[str] = "plain"
    description: ClassVar[str] = "one MD5/SHA-1/SHA-256 per line, or md5sum/sha*sum output"
    writable: ClassVar[bool] = False
    known_ignorable_default: ClassVar[bool] = False
    sniff_priority: ClassVar[int] = 90  # the most permissive sniff: tried last

    def sniff(self, path: Path) -> bool:
        try:
            lines = first_text_lines(Path(path), 20)
        except OSError:
            return False
        data = [ln.strip() for ln in lines if not ln.lstrip().startswith("#")][:5]
        if not data:
            return False
        try:
            for text in data:
                parse_line(text)
        except ValueError:
            return False
        return True

    def read(self, path: Path) -> Iterator[HashSetRecord]:
        path = Path(path)
        src = Source(path, unit="line")
        src.check_size()
        try:
            fh = open(path, "rb")  # noqa: SIM115 - closed below, in the generator
        except OSError as exc:
            raise src.file_error(f"cannot read: {exc.strerror or exc}") from None
        with fh:
            line_no = 0
            # readline with a bound: a file without newlines must not become one huge line
            while raw := fh.readline(base.MAX_RECORD_BYTES + 1):
                line_no += 1
                if len(raw) > base.MAX_RECORD_BYTES:
                    raise src.too_large(line_no, "the line")
                if line_no == 1 and raw.startswith(UTF8_BOM):
                    raw = raw[len(UTF8_BOM) :]
                text = raw.decode("utf-8", "replace").rstrip("\r\n")
                stripped = text.strip()
                if not stripped or stripped.startswith("#"):
                    continue
                candidate = stripped if _BARE.fullmatch(stripped) else text.lstrip()
                try:
                    kind, digest, name = parse_line(candidate)
                except ValueError as exc:
                    raise src.error(
                        line_no, str(exc), field="digest", truncated=not raw.endswith(b"\n")
                    ) from None
                yield HashSetRecord(
                    record_no=line_no,
                    md5=digest if kind == "md5" else None,
                    sha1=digest if kind == "sha1" else None,
                    sha256=digest if kind == "sha256" else None,
                    file_names=(name,) if name is not None else (),
                )


hashset_formats.register(PlainFormat())
