"""Member names → path specs: "!/" in a name is escaped, so "!/" only enters a container."""

from __future__ import annotations

from pathlib import Path

from lodestar.evidence import ARCHIVE_SEP
from lodestar.evidence.base import escape_separator

from .helpers import tar_bytes, walk, write, zip_bytes


def test_escape_separator_touches_only_bang_slash() -> None:
    assert escape_separator("wow!.jpg") == "wow!.jpg"
    assert escape_separator("a!b/c!") == "a!b/c!"
    assert escape_separator("a!/b") == "a\\x21/b"
    assert escape_separator("a!!/b!/c") == "a!\\x21/b\\x21/c"


def test_bang_slash_in_names_never_reads_as_entering_a_container(tmp_path: Path) -> None:
    root = tmp_path / "ev"
    write(root / "wow!" / "x.jpg", b"x")  # a folder whose name ends in "!"
    write(root / "plain!.jpg", b"p")
    inner = zip_bytes({"b": b"b"})
    write(
        root / "z.zip",
        zip_bytes({"a!/b": b"dir a!", "a!": inner, "c!d": b"c"}),  # member "a!" is a zip
    )
    write(root / "t.tar", tar_bytes({"d!/e": b"e"}))
    entries, warnings = walk(root)
    assert warnings == []
    specs = [e.path_spec for e in entries]
    assert specs == [
        "plain!.jpg",
        "t.tar",
        "t.tar!/d\\x21/e",
        "wow\\x21/x.jpg",
        "z.zip",
        "z.zip!/a\\x21/b",
        "z.zip!/a!",
        "z.zip!/a!!/b",
        "z.zip!/c!d",
    ]
    # Every "!/" is a container boundary: splitting gives the real chain of containers.
    chains = {spec: spec.split(ARCHIVE_SEP) for spec in specs}
    assert chains["z.zip!/a\\x21/b"] == ["z.zip", "a\\x21/b"]
    assert chains["z.zip!/a!!/b"] == ["z.zip", "a!", "b"]
    assert chains["wow\\x21/x.jpg"] == ["wow\\x21/x.jpg"]
    by_spec = {e.path_spec: e for e in entries}
    assert by_spec["z.zip!/a\\x21/b"].data == b"dir a!"
    assert by_spec["z.zip!/a!!/b"].data == b"b"
    assert by_spec["wow\\x21/x.jpg"].local_path == str((root / "wow!" / "x.jpg").resolve())
