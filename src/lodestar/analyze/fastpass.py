"""The fast pass over one file: a pure function, path spec in → record out.

It runs in a worker process (local pool now, Ray later), so its input and output are plain,
picklable dataclasses and it touches no database. The only thing it writes is the
content-addressed thumbnail under the workspace's derived folder. Its signals are those of the
registered signal types that fit the file's kind (``lodestar.analyze.signals``), as returned.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lodestar.analyze.hashing import Digests, digest_bytes, read_and_digest
from lodestar.analyze.identify import identify
from lodestar.analyze.images import ImageProblem, analyze_image, save_thumbnail
from lodestar.analyze.signals.base import SignalValue
from lodestar.analyze.signals.compute import hash_file
from lodestar.analyze.video import analyze_video
from lodestar.derived import thumb_path, thumb_relpath


@dataclass(frozen=True)
class FastPassTask:
    source_id: int
    path_spec: str
    size: int
    mtime: float | None
    atime: float | None
    ctime: float | None
    in_archive: bool
    local_path: str | None
    data: bytes | None
    spooled: bool
    derived_dir: str
    max_image_pixels: int
    thumb_size: int


@dataclass
class FastPassRecord:
    source_id: int
    path_spec: str
    size: int
    mtime: float | None
    atime: float | None
    ctime: float | None
    in_archive: bool
    sha256: str | None = None
    md5: str | None = None
    sha1: str | None = None
    mime: str | None = None
    kind: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    signals: list[SignalValue] = field(default_factory=list)
    warnings: list[tuple[str, str, str]] = field(default_factory=list)  # (stage, code, reason)


def _bare_record(task: FastPassTask) -> FastPassRecord:
    """What is known of a file before it is read: where it is, its listed size and times."""
    return FastPassRecord(
        task.source_id,
        task.path_spec,
        task.size,
        task.mtime,
        task.atime,
        task.ctime,
        task.in_archive,
    )


def fast_pass(task: FastPassTask) -> FastPassRecord:
    try:
        return _fast_pass(task)
    finally:
        # A spooled archive member lives until its analysis is done: a large video is read
        # from the spool file by the video analysis, after hashing.
        if task.spooled and task.local_path:
            _remove_quietly(task.local_path)


def _fast_pass(task: FastPassTask) -> FastPassRecord:
    record = _bare_record(task)
    try:
        digests, data, header = _read(task)
    except OSError as exc:
        record.warnings.append(("hash", "unreadable", f"cannot read: {exc.strerror or exc}"))
        return record
    record.sha256, record.md5, record.sha1 = digests.sha256, digests.md5, digests.sha1
    record.size = digests.size
    record.mime, record.kind = identify(header)
    if digests.size == 0:
        record.warnings.append(("identify", "empty_file", "zero-byte file"))
    elif digests.size != task.size:
        record.warnings.append(
            ("hash", "size_changed", f"listed as {task.size} bytes, read {digests.size}")
        )
    _analyze_kind(task, record, data)
    return record


def crashed_record(task: FastPassTask) -> FastPassRecord:
    """The record of a file whose analysis killed its worker process twice."""
    if task.spooled and task.local_path:
        _remove_quietly(task.local_path)
    record = _bare_record(task)
    record.warnings.append(
        ("fast_pass", "worker_crashed", "analysing this file crashed the worker process twice")
    )
    return record


def _read(task: FastPassTask) -> tuple[Digests, bytes | None, bytes]:
    if task.data is not None:
        return digest_bytes(task.data), task.data, task.data[:8192]
    assert task.local_path is not None, "a task carries either data or a local path"
    return read_and_digest(task.local_path)


def _analyze_kind(task: FastPassTask, record: FastPassRecord, data: bytes | None) -> None:
    thumb = None
    problems: list[ImageProblem] = []
    if record.kind == "image":
        if data is None:
            record.warnings.append(("image", "image_too_large", "image file over 64 MiB"))
            return
        img = analyze_image(data, max_pixels=task.max_image_pixels, thumb_size=task.thumb_size)
        thumb, problems = img.thumb, img.problems
        record.signals = list(img.signals)
        record.facts = {
            k: v
            for k, v in vars(img).items()
            if k not in ("thumb", "problems", "signals") and v not in (None, {})
        }
    elif record.kind == "video":
        source = data if data is not None else task.local_path
        assert source is not None
        vid = analyze_video(source, thumb_size=task.thumb_size)
        thumb, problems = vid.thumb, vid.problems
        record.facts = {
            "width": vid.width,
            "height": vid.height,
            "duration_s": vid.duration_s,
            "video_codec": vid.codec,
            "frame_rate": vid.frame_rate,
        }
    record.warnings.extend((record.kind or "", p.code, p.reason) for p in problems)
    _hash_file(task, record, data)
    if thumb is not None and record.sha256:
        target = thumb_path(Path(task.derived_dir), record.sha256)
        if not target.exists():
            save_thumbnail(thumb, target)
        # The store keeps the path relative to derived/, as text: "thumbs/ab/<sha>.jpg".
        record.facts["thumb"] = thumb_relpath(record.sha256).as_posix()


def _hash_file(task: FastPassTask, record: FastPassRecord, data: bytes | None) -> None:
    """The registered signal types that hash this kind of file from its bytes (none of the
    built-in ones: PDQ hashes the image decode above, vPDQ runs after the fast pass)."""
    source = data if data is not None else task.local_path
    if record.kind is None or source is None:
        return
    run = hash_file(record.kind, source)
    record.signals.extend(run.values)
    record.warnings.extend((record.kind, code, reason) for code, reason in run.failures)


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
