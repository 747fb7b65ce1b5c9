"""Where a member's bytes go while it is read: memory, or a spool file once it is large.

Small members (``<= SPOOL_THRESHOLD``) come back as ``data``; larger ones are copied into a
``NamedTemporaryFile`` in ``spool_dir`` (the system temp dir when None) that the consumer
deletes. A read is never longer than the member's declared size + 1 byte, so a member that
lies about its size is caught without expanding it further.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from lodestar.evidence.guards import MiB, Refused, WalkContext
from lodestar.evidence.sniff import SNIFF_BYTES, may_be_container

SPOOL_THRESHOLD = 64 * MiB  # members larger than this are spooled to a temporary file
READ_CHUNK = 1 * MiB


@dataclass
class Payload:
    """A member's bytes: ``data`` in memory, or an open ``spool`` file (never both)."""

    size: int
    data: bytes | None = None
    spool: IO[bytes] | None = None


def _new_spool(spool_dir: Path | None) -> IO[bytes]:
    if spool_dir is not None:
        spool_dir.mkdir(parents=True, exist_ok=True)
    return tempfile.NamedTemporaryFile(  # noqa: SIM115 - handed to the caller, closed there
        mode="w+b", prefix="lodestar-spool-", dir=spool_dir, delete=False
    )


def discard_spool(f: IO[bytes]) -> None:
    f.close()
    with contextlib.suppress(OSError):
        os.unlink(f.name)


def discard_payload(payload: Payload | None) -> None:
    if payload is not None and payload.spool is not None:
        discard_spool(payload.spool)


class _Sink:
    """Member bytes in memory, moved to a spool file once past SPOOL_THRESHOLD."""

    def __init__(self, spool_dir: Path | None) -> None:
        self._dir = spool_dir
        self._parts: list[bytes] = []
        self._file: IO[bytes] | None = None
        self.size = 0

    def write(self, chunk: bytes) -> None:
        # The module global is read on each write so a test can lower the threshold.
        if self._file is None and self.size + len(chunk) > SPOOL_THRESHOLD:
            self._file = _new_spool(self._dir)
            for part in self._parts:
                self._file.write(part)
            self._parts = []
        if self._file is not None:
            self._file.write(chunk)
        else:
            self._parts.append(chunk)
        self.size += len(chunk)

    def finish(self) -> Payload:
        if self._file is None:
            return Payload(size=self.size, data=b"".join(self._parts))
        self._file.flush()
        return Payload(size=self.size, spool=self._file)

    def discard(self) -> None:
        self._parts = []
        if self._file is not None:
            discard_spool(self._file)
            self._file = None


def read_payload(
    stream: IO[bytes],
    declared: int | None,
    ctx: WalkContext,
    *,
    count_expansion: bool,
    probe_only: bool,
) -> Payload | None:
    """Read one member, never more than its declared size + 1 byte.

    ``probe_only`` (a skipped member): return None unless the first bytes look like a
    container. ``declared=None`` (size unknown): bounded by ``max_member_bytes``.
    ``count_expansion``: the bytes are decompressed ones and spend the walk's budget.
    """
    cap = declared if declared is not None else ctx.settings.max_member_bytes
    limit = cap + 1
    sink = _Sink(ctx.spool_dir)
    total = 0
    first = True
    try:
        while total < limit:
            want = min(SNIFF_BYTES if first else READ_CHUNK, limit - total)
            chunk = stream.read(want)
            while first and chunk and len(chunk) < want:  # a whole head for the sniff
                more = stream.read(want - len(chunk))
                if not more:
                    break
                chunk += more
            if not chunk:
                break
            total += len(chunk)
            if count_expansion:
                ctx.budget.take(len(chunk))
            if first and probe_only and not may_be_container(chunk):
                sink.discard()
                return None
            first = False
            sink.write(chunk)
        if total > cap:
            what = "its declared size" if declared is not None else "max_member_bytes"
            raise Refused("archive_bomb", f"expands beyond {what} ({cap} bytes); refused")
        if declared is not None and total < declared:
            raise Refused(
                "archive_corrupt", f"data ends after {total} of {declared} declared bytes"
            )
        return sink.finish()
    except BaseException:
        sink.discard()
        raise
