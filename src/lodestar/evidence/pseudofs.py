"""Pseudo file systems (/proc, /sys, /dev …): never evidence, never walked.

Their "files" are the kernel's live state (processes, devices, settings), not seized data:
reading them ingests this machine instead of the evidence, some never end or block, and some
have side effects. A source is refused when its path is under one of the well-known mount
points (``PSEUDO_ROOTS``) or when it lies on a file system of a pseudo type
(``PSEUDO_FS_TYPES``), told by its device number against ``/proc/self/mountinfo`` — which also
catches a bind mount of /proc elsewhere. Inside a folder source, a folder or file on such a
device is skipped with a ``pseudo_filesystem`` warning.
"""

from __future__ import annotations

import contextlib
import os
from functools import lru_cache
from pathlib import Path

from lodestar.errors import UserError

PSEUDO_ROOTS = ("/proc", "/sys", "/dev")
# Kernel-state file systems. Not tmpfs: it holds real files (and /dev/shm, a tmpfs, is
# refused through its /dev mount point).
PSEUDO_FS_TYPES = frozenset(
    {
        "proc",
        "sysfs",
        "devtmpfs",
        "devpts",
        "debugfs",
        "tracefs",
        "securityfs",
        "cgroup",
        "cgroup2",
        "configfs",
        "fusectl",
        "pstore",
        "bpf",
        "efivarfs",
        "mqueue",
        "binfmt_misc",
        "selinuxfs",
        "nsfs",
        "rpc_pipefs",
    }
)
MOUNTINFO = "/proc/self/mountinfo"


def _unescape(field: str) -> str:
    """mountinfo escapes space, tab, newline and backslash as octal (``\\040``)."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def parse_mountinfo(text: str) -> dict[int, tuple[str, str]]:
    """``{st_dev: (fs type, mount point)}`` of the pseudo file systems in a mountinfo text."""
    found: dict[int, tuple[str, str]] = {}
    for line in text.splitlines():
        fields = line.split()
        if "-" not in fields:
            continue
        sep = fields.index("-")
        if sep < 5 or sep + 1 >= len(fields):
            continue
        fstype = fields[sep + 1]
        if fstype not in PSEUDO_FS_TYPES:
            continue
        major, _, minor = fields[2].partition(":")
        if not (major.isdigit() and minor.isdigit()):
            continue
        found.setdefault(os.makedev(int(major), int(minor)), (fstype, _unescape(fields[4])))
    return found


@lru_cache(maxsize=1)
def _mounted() -> dict[int, tuple[str, str]]:
    try:
        with open(MOUNTINFO, encoding="utf-8", errors="replace") as fh:
            found = parse_mountinfo(fh.read())
    except OSError:
        found = {}
    # Without mountinfo (not Linux, or hidden), the well-known mount points still tell.
    for root, fstype in (("/proc", "proc"), ("/sys", "sysfs"), ("/dev/pts", "devpts")):
        with contextlib.suppress(OSError):
            found.setdefault(os.stat(root).st_dev, (fstype, root))
    return found


def pseudo_devices() -> dict[int, tuple[str, str]]:
    """The device numbers of this machine's pseudo file systems: (fs type, mount point).

    Read once per process: mounts seldom change while a walk runs, and a walk asks for every
    folder. ``refresh_pseudo_devices`` forgets the answer (after mounting, in tests).
    """
    return _mounted()


def refresh_pseudo_devices() -> None:
    _mounted.cache_clear()


def pseudo_reason(path: Path | str) -> str | None:
    """Why ``path`` (already resolved) is on a pseudo file system, or None when it is not."""
    text = os.fspath(path)
    for root in PSEUDO_ROOTS:
        if text == root or text.startswith(root + "/"):
            return f"it is under {root}, a pseudo file system of the running kernel"
    try:
        dev = os.stat(text).st_dev
    except OSError:
        return None
    found = pseudo_devices().get(dev)
    if found is not None:
        fstype, mount = found
        return f"it is on a {fstype} pseudo file system (like the one at {mount})"
    return None


def refuse_pseudo(location: Path) -> None:
    """UserError naming ``location`` (as given) when it is on a pseudo file system."""
    resolved = Path(location).resolve()
    reason = pseudo_reason(resolved)
    if reason is None:
        return
    via = f" (it leads to {resolved})" if str(resolved) != str(location) else ""
    raise UserError(
        f"evidence source {location} is refused{via}: {reason}, not evidence",
        detail={"path": str(location)},
    )
