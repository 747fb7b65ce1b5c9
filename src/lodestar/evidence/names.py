"""Member names → path specs: sanitised, unique, never a path outside the container.

Nothing is ever written next to the evidence: a member's name is only ever turned into a path
spec. ``path_traversal``: absolute names, drive letters, ``..`` components (also
``\\``-separated) are stripped; the member is still read, under the sanitised spec.
``duplicate_name``: a second member with the same spec gets ``name#2`` (``#3``, …).
``filename_encoding``: name bytes that are not UTF-8 (escaped with ``spec_name``). A ``!/``
inside a name is written ``\\x21/`` (``base.escape_separator``): ``!/`` only enters a container.
"""

from __future__ import annotations

import re

from lodestar.evidence.base import ARCHIVE_SEP, EntryWarning, escape_separator, spec_name

_DRIVE = re.compile(r"^[A-Za-z]:")
_SEPS = re.compile(r"[\\/]")

Note = tuple[str, str]  # (code, reason) of a warning whose spec is not final yet


def sanitize_member_name(name: str) -> tuple[str, bool]:
    """A safe relative posix path for a member name; True when the name tried to escape.

    Absolute names, drive letters (``C:``), UNC/backslash roots and ``..`` components (split
    on ``/`` and ``\\``) are suspicious: they are stripped. ``.`` and empty components are
    dropped silently (``./a//b`` → ``a/b``).
    """
    suspicious = (
        name.startswith(("/", "\\")) or bool(_DRIVE.match(name)) or ".." in _SEPS.split(name)
    )
    if not suspicious:
        parts = [p for p in name.split("/") if p not in ("", ".")]
        return "/".join(parts) or "_", False
    stripped = _DRIVE.sub("", name, count=1)
    parts = [p for p in _SEPS.split(stripped) if p not in ("", ".", "..")]
    return "/".join(parts) or "_", True


def member_prefix(container: str) -> str:
    """What precedes a member's name in its spec ("" for the members of a bare source)."""
    return container + ARCHIVE_SEP if container else ""


def member_spec(prefix: str, raw_name: str | bytes, used: set[str]) -> tuple[str, list[Note]]:
    """The unique spec of a member and its notes, before the spec is final."""
    text, valid = spec_name(raw_name)
    safe, suspicious = sanitize_member_name(text)
    safe = escape_separator(safe)  # after sanitising, which splits on the real "/"
    notes: list[Note] = []
    if not valid:
        notes.append(("filename_encoding", "member name is not valid UTF-8; bytes escaped"))
    if suspicious:
        notes.append(
            (
                "path_traversal",
                f"member name {text!r} points outside the archive; read as {safe!r}",
            )
        )
    spec = base = prefix + safe
    n = 1
    while spec in used:
        n += 1
        spec = f"{base}#{n}"
    if n > 1:
        notes.append(("duplicate_name", f"another member is also named {base!r}; read as {spec!r}"))
    used.add(spec)
    return spec, notes


def note_warnings(spec: str, notes: list[Note]) -> tuple[EntryWarning, ...]:
    return tuple(EntryWarning(spec, code, reason) for code, reason in notes)
