"""A folder as an evidence source: a deterministic, strictly read-only walk.

Directory entries are visited depth-first in byte order of their names. Nothing is followed:
every entry is ``lstat``-ed relative to an open directory fd (``O_NOFOLLOW``, ``O_NOATIME``
where allowed), so a path swapped for a symlink mid-walk is refused rather than followed.
Files are not read except for a signature sniff (``sniff.sniff_container``); a container (an
archive) found that way is yielded as an entry and then its members are walked
(``containers.walk_container``).

Warnings: ``symlink_escape`` (a link whose target resolves outside the source),
``symlink_skipped`` (a link inside the source: its target is walked on its own),
``special_file`` (FIFO, socket, device), ``pseudo_filesystem`` (a folder or file on /proc,
/sys, /dev and the like, e.g. a bind mount of /proc: the kernel's state, not evidence; not
walked, never read), ``unreadable`` (with the OS error),
``filename_encoding`` (in ``entry.warnings``: a path component is not valid UTF-8). Spec
components that are not UTF-8 are escaped with ``spec_name``, the ``!`` ending a folder's name
with ``escape_separator``; ``local_path`` keeps the real bytes (as ``os.fsdecode`` text, so
``open(local_path)`` works).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from lodestar.config import Settings
from lodestar.evidence.base import (
    EntryWarning,
    EvidenceEntry,
    EvidenceItem,
    SkipFn,
    escape_separator,
    source_readers,
    spec_name,
)
from lodestar.evidence.containers import walk_container
from lodestar.evidence.pseudofs import pseudo_devices
from lodestar.evidence.sniff import open_readonly, sniff_container


@dataclass
class _Frame:
    fd: int
    rel: tuple[bytes, ...]
    names: list[bytes]
    index: int = 0


def _listing(fd: int) -> list[bytes]:
    return sorted(os.fsencode(name) for name in os.listdir(fd))


def _spec(rel: tuple[bytes, ...]) -> tuple[str, bool]:
    parts = [spec_name(part) for part in rel]
    text = escape_separator("/".join(text for text, _ok in parts))
    return text, all(ok for _text, ok in parts)


def _os_error(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _special_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    return f"file of type {oct(stat.S_IFMT(mode))}"


def _pseudo_warning(
    spec: str, st: os.stat_result, pseudo: dict[int, tuple[str, str]]
) -> EntryWarning | None:
    found = pseudo.get(st.st_dev)
    if found is None:
        return None
    fstype, mount = found
    what = "folder" if stat.S_ISDIR(st.st_mode) else "file"
    return EntryWarning(
        spec,
        "pseudo_filesystem",
        f"{what} on a {fstype} pseudo file system (like {mount}): the kernel's state, not "
        "evidence; not read",
    )


class FolderReader:
    """Walks a directory tree read-only; see the module docstring."""

    name: ClassVar[str] = "folder"
    description: ClassVar[str] = "a folder"

    @classmethod
    def accepts(cls, location: Path) -> bool:
        return Path(location).is_dir()

    def entries(
        self,
        location: Path,
        settings: Settings,
        *,
        skip: SkipFn | None = None,
        spool_dir: Path | None = None,
    ) -> Iterator[EvidenceItem]:
        root = os.path.realpath(os.fsencode(location))
        stack: list[_Frame] = []
        pseudo = pseudo_devices()
        try:
            try:
                root_fd = open_readonly(root, directory=True)
            except OSError as exc:
                yield EntryWarning("", "unreadable", f"cannot open folder: {_os_error(exc)}")
                return
            if (warning := _pseudo_warning("", os.fstat(root_fd), pseudo)) is not None:
                os.close(root_fd)  # a source added before pseudo file systems were refused
                yield warning
                return
            stack.append(_Frame(root_fd, (), []))
            try:
                stack[0].names = _listing(root_fd)
            except OSError as exc:
                yield EntryWarning("", "unreadable", f"cannot list folder: {_os_error(exc)}")
                return
            while stack:
                frame = stack[-1]
                if frame.index >= len(frame.names):
                    os.close(stack.pop().fd)
                    continue
                name = frame.names[frame.index]
                frame.index += 1
                rel = (*frame.rel, name)
                yield from self._visit(
                    frame.fd, root, rel, stack, settings, skip, spool_dir, pseudo
                )
        finally:
            for frame in stack:
                with contextlib.suppress(OSError):
                    os.close(frame.fd)

    def _visit(
        self,
        dir_fd: int,
        root: bytes,
        rel: tuple[bytes, ...],
        stack: list[_Frame],
        settings: Settings,
        skip: SkipFn | None,
        spool_dir: Path | None,
        pseudo: dict[int, tuple[str, str]],
    ) -> Iterator[EvidenceItem]:
        name = rel[-1]
        spec, valid = _spec(rel)
        try:
            st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except OSError as exc:
            yield EntryWarning(spec, "unreadable", f"cannot stat: {_os_error(exc)}")
            return
        mode = st.st_mode
        # a bind mount of /proc (or /sys …) inside the source: checked before opening
        if (stat.S_ISDIR(mode) or stat.S_ISREG(mode)) and (
            warning := _pseudo_warning(spec, st, pseudo)
        ) is not None:
            yield warning
            return
        if stat.S_ISDIR(mode):
            try:
                fd = open_readonly(name, dir_fd=dir_fd, directory=True)
            except OSError as exc:
                yield EntryWarning(spec, "unreadable", f"cannot open folder: {_os_error(exc)}")
                return
            try:
                names = _listing(fd)
            except OSError as exc:
                os.close(fd)
                yield EntryWarning(spec, "unreadable", f"cannot list folder: {_os_error(exc)}")
                return
            stack.append(_Frame(fd, rel, names))
        elif stat.S_ISLNK(mode):
            yield self._symlink(dir_fd, root, rel, spec)
        elif stat.S_ISREG(mode):
            yield from self._file(dir_fd, root, rel, spec, valid, st, settings, skip, spool_dir)
        else:
            yield EntryWarning(
                spec, "special_file", f"{_special_kind(mode)}; not read (never opened)"
            )

    def _symlink(self, dir_fd: int, root: bytes, rel: tuple[bytes, ...], spec: str) -> EntryWarning:
        full = os.path.join(root, *rel)
        try:
            target = os.fsdecode(os.readlink(rel[-1], dir_fd=dir_fd))
            resolved = os.path.realpath(full)
        except OSError as exc:
            return EntryWarning(spec, "unreadable", f"cannot read symbolic link: {_os_error(exc)}")
        if os.path.commonpath([root, resolved]) != root:
            return EntryWarning(
                spec,
                "symlink_escape",
                f"symbolic link to {target!r} leads outside the source; not followed",
            )
        if not os.path.lexists(resolved):
            return EntryWarning(
                spec, "symlink_skipped", f"dangling symbolic link to {target!r}; not followed"
            )
        return EntryWarning(
            spec,
            "symlink_skipped",
            f"symbolic link to {target!r} inside the source; its target is walked on its own",
        )

    def _file(
        self,
        dir_fd: int,
        root: bytes,
        rel: tuple[bytes, ...],
        spec: str,
        valid: bool,
        st: os.stat_result,
        settings: Settings,
        skip: SkipFn | None,
        spool_dir: Path | None,
    ) -> Iterator[EvidenceItem]:
        notes: tuple[EntryWarning, ...] = ()
        if not valid:
            notes = (
                EntryWarning(spec, "filename_encoding", "path is not valid UTF-8; bytes escaped"),
            )
        entry = EvidenceEntry(
            path_spec=spec,
            size=st.st_size,
            mtime=st.st_mtime,
            atime=st.st_atime,
            ctime=st.st_ctime,
            local_path=os.fsdecode(os.path.join(root, *rel)),
            warnings=notes,
        )
        skipped = skip is not None and skip(spec)
        if st.st_size == 0:
            if not skipped:
                yield entry
            return
        try:
            fd = open_readonly(rel[-1], dir_fd=dir_fd)
        except OSError as exc:
            yield EntryWarning(spec, "unreadable", f"cannot open: {_os_error(exc)}")
            return
        fh = os.fdopen(fd, "rb")
        try:
            try:
                now = os.fstat(fd)
                if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (
                    st.st_dev,
                    st.st_ino,
                ):
                    yield EntryWarning(spec, "unreadable", "file was replaced during the walk")
                    return
                fmt = sniff_container(fh)
            except OSError as exc:
                yield EntryWarning(spec, "unreadable", f"cannot read: {_os_error(exc)}")
                return
            if fmt is None:
                fh.close()
            if not skipped:
                yield entry
            if fmt is not None:
                yield from walk_container(
                    fh,
                    fmt,
                    spec,
                    settings,
                    archive_size=st.st_size,
                    skip=skip,
                    spool_dir=spool_dir,
                )
        finally:
            fh.close()


source_readers.register(FolderReader())
