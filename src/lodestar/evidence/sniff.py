"""Read-only opening of evidence files, and container detection by signature (never by name).

``open_readonly`` opens with ``O_NOFOLLOW`` (a path that became a symlink is refused),
``O_NONBLOCK`` (a path that became a FIFO never blocks the walk) and ``O_NOATIME`` where the
kernel allows it, so reading evidence does not touch its access time.

``sniff_container`` reads the first ``SNIFF_BYTES`` and asks each registered container format,
in its ``sniff_order``, whether the file is one of its own; a format may read further (a
compressed tar is decompressed just far enough to see a tar header).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import IO

from lodestar.evidence.base import ContainerFormat, container_formats

SNIFF_BYTES = 512

_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_NOATIME = getattr(os, "O_NOATIME", 0)


def open_readonly(
    path: str | bytes | os.PathLike[str] | os.PathLike[bytes],
    *,
    dir_fd: int | None = None,
    directory: bool = False,
) -> int:
    """An fd opened read-only, no-follow, non-blocking and (where permitted) with O_NOATIME.

    O_NOATIME is refused with EPERM unless the caller owns the file (or is privileged); then
    the open is retried without it. Any other OSError propagates.
    """
    flags = _READ_FLAGS | (os.O_DIRECTORY if directory else 0)
    if _NOATIME:
        try:
            return os.open(path, flags | _NOATIME, dir_fd=dir_fd)
        except OSError as exc:
            if exc.errno != errno.EPERM:
                raise
    return os.open(path, flags, dir_fd=dir_fd)


def open_regular_file(path: Path) -> IO[bytes]:
    """A buffered read-only handle on a regular file given by the user (symlinks resolved)."""
    fd = open_readonly(os.path.realpath(path))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise IsADirectoryError(errno.EINVAL, "not a regular file", str(path))
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _in_sniff_order() -> list[ContainerFormat]:
    return sorted(container_formats, key=lambda fmt: (fmt.sniff_order, fmt.name))


def may_be_container(head: bytes) -> bool:
    """A cheap first look: could a file starting with ``head`` be a container we walk?"""
    return any(fmt.may_be(head) for fmt in _in_sniff_order())


def sniff_container(fh: IO[bytes]) -> ContainerFormat | None:
    """The container format of the seekable ``fh`` from its signature, or None.

    Reads from the start of ``fh`` and seeks back to 0 afterwards. Read errors propagate.
    """
    fh.seek(0)
    try:
        head = fh.read(SNIFF_BYTES)
        for fmt in _in_sniff_order():
            fh.seek(len(head))  # each format starts where the head ends, whatever came before
            if fmt.sniff(fh, head):
                return fmt
        return None
    finally:
        fh.seek(0)


def sniff_path(location: Path) -> ContainerFormat | None:
    """The container format of a regular file given by path; None when not one we walk."""
    with open_regular_file(location) as fh:
        return sniff_container(fh)
