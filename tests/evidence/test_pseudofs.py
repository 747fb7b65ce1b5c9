"""Pseudo file systems are refused as sources and skipped inside them (issue 16, #11).

``source add /proc`` was accepted and the kernel's pseudo-files were ingested as evidence.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lodestar.errors import ExitCode, UserError
from lodestar.evidence import FolderReader, pseudofs, reader_for
from lodestar.evidence.service import add_source
from lodestar.store import Source
from lodestar.workspace import Workspace

from ..cli.runner import run
from .helpers import CFG, walk, write

PSEUDO_PATHS = ["/proc", "/sys", "/dev", "/proc/self/status", "/proc/self", "/sys/kernel"]


@pytest.mark.parametrize("location", PSEUDO_PATHS)
def test_pseudo_file_systems_are_refused_as_sources(ws: Workspace, location: str) -> None:
    if not os.path.exists(location):
        pytest.skip(f"{location} does not exist here")
    with pytest.raises(UserError, match="pseudo file system") as caught, ws.store.session() as s:
        add_source(s, location=Path(location), agency="XX", label="kernel", actor="t")
    assert location in caught.value.message and "refused" in caught.value.message
    assert caught.value.detail == {"path": location}
    with ws.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Source)) == 0


def test_a_symlink_to_proc_is_refused_by_its_target(tmp_path: Path) -> None:
    link = tmp_path / "kernel"
    link.symlink_to("/proc")
    with pytest.raises(UserError, match="under /proc"):
        reader_for(link)


def test_cli_source_add_proc_is_a_user_error_in_the_error_shape(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    db_url: str,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("LODESTAR_DB_URL", db_url)
    monkeypatch.delenv("LODESTAR_WORKSPACE", raising=False)
    args = ["--workspace", str(tmp_path / "ws"), "source", "add", "/proc"]
    code, out, err = run(capsys, *args, "--agency", "XX", "--label", "kernel", "--json")
    body = json.loads(err)
    assert code == ExitCode.USER_ERROR and out == ""
    assert body["error"]["code"] == "user_error" and body["error"]["detail"] == {"path": "/proc"}
    assert "/proc" in body["error"]["message"]


def test_a_source_on_a_pseudo_device_is_refused_and_not_walked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Any path whose device is a pseudo file system's (as mountinfo tells), wherever mounted.
    root = tmp_path / "ev"
    write(root / "a.txt", b"a")
    fake = {os.stat(root).st_dev: ("proc", "/proc")}
    monkeypatch.setattr(pseudofs, "pseudo_devices", lambda: fake)
    with pytest.raises(UserError, match="on a proc pseudo file system"):
        reader_for(root)
    monkeypatch.setattr("lodestar.evidence.folder.pseudo_devices", lambda: fake)
    items = list(FolderReader().entries(root, CFG))
    assert [(i.path_spec, getattr(i, "code", None)) for i in items] == [("", "pseudo_filesystem")]


def test_mountinfo_parsing_finds_pseudo_types_and_escaped_mount_points() -> None:
    text = "\n".join(
        [
            "22 27 0:21 / /proc rw,relatime - proc proc rw",
            "24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,size=1k",
            "25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw",
            "27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw",
            "90 27 0:21 / /mnt/with\\040space rw,relatime - proc proc rw",
            "91 27 0:40 / /sys/fs/cgroup rw master:2 - cgroup2 cgroup2 rw",
            "garbage line",
        ]
    )
    found = pseudofs.parse_mountinfo(text)
    assert found == {
        os.makedev(0, 21): ("proc", "/proc"),
        os.makedev(0, 6): ("devtmpfs", "/dev"),
        os.makedev(0, 40): ("cgroup2", "/sys/fs/cgroup"),
    }


def test_a_symlink_to_proc_inside_a_source_is_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "ev"
    write(root / "a.txt", b"a")
    (root / "kernel").symlink_to("/proc")
    entries, warnings = walk(root)
    assert [e.path_spec for e in entries] == ["a.txt"]
    assert [(w.path_spec, w.code) for w in warnings] == [("kernel", "symlink_escape")]


@pytest.fixture
def proc_bind_mount(tmp_path: Path) -> Iterator[Path]:
    """A folder source with /proc bind-mounted at ``sub`` (skipped where mounting is denied)."""
    root = tmp_path / "ev"
    write(root / "a.txt", b"a")
    write(root / "z" / "b.txt", b"b")
    sub = root / "sub"
    sub.mkdir()
    mount = shutil.which("mount")
    if mount is None or os.geteuid() != 0:
        pytest.skip("bind mounts need root and mount(8)")
    done = subprocess.run([mount, "--bind", "/proc", str(sub)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {done.stderr.decode(errors='replace').strip()}")
    pseudofs.refresh_pseudo_devices()
    try:
        yield root
    finally:
        # never leave /proc mounted under a folder pytest will later delete
        if subprocess.run(["umount", str(sub)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(sub)], check=False)
        pseudofs.refresh_pseudo_devices()


def test_a_bind_mount_of_proc_inside_a_source_is_skipped(proc_bind_mount: Path) -> None:
    root = proc_bind_mount
    assert (root / "sub" / "self").exists()  # the mount is there
    entries, warnings = walk(root)
    assert [e.path_spec for e in entries] == ["a.txt", "z/b.txt"]
    assert [(w.path_spec, w.code) for w in warnings] == [("sub", "pseudo_filesystem")]
    assert "proc pseudo file system" in warnings[0].reason
    with pytest.raises(UserError, match="on a proc pseudo file system"):
        reader_for(root / "sub")
