"""One long-lived ``exiftool -stay_open`` process per worker, with a per-file time-out.

Hand-written rather than PyExifTool (0.5.6, last release 2023): its reader blocks in
``select()`` without a time-out, so a file on which exiftool hangs stalls the worker for ever;
a crashed exiftool makes it spin on EOF; and it drains stdout before stderr, which can deadlock
when a file produces a lot of stderr. We need all three handled, and the protocol is small:
write the arguments one per line, end with ``-execute{N}``, read stdout up to ``{readyN}`` and
stderr up to an ``-echo4`` marker, both at once, under a deadline.

The process must not outlive its owner. :meth:`ExifToolProcess.close` asks it to leave, and
the deep pass's workers call it as they exit; but a worker that crashes or is killed runs no
code, and exiftool does not notice its stdin closing (in ``-stay_open`` mode it keeps polling
the argument file after EOF). So on Linux it is started with ``PR_SET_PDEATHSIG``: the kernel
kills it when the thread that started it dies, whatever the way.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lodestar.clues.base import ClueWarning

log = logging.getLogger(__name__)

# -G3:1: family-1 group names ("IFD0:Make", "Canon:SerialNumber"), prefixed by the embedded
# document ("Doc1:Track3:GPSLatitude") for samples that -ee pulls out of video tracks.
# -n: numbers as numbers (signed decimal GPS); -u: unknown tags too (-a is implied by -json).
COMMON_ARGS: tuple[str, ...] = (
    "-json",
    "-G3:1",
    "-n",
    "-u",
    "-api",
    "LargeFileSupport=1",
)
# Timed metadata in videos (GoPro GPMF, QuickTime GPS tracks, AVCHD streams).
EMBEDDED_ARGS: tuple[str, ...] = ("-ee",)
DEFAULT_TIMEOUT = 20.0
_READ_BLOCK = 1 << 16


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _load_libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - a Linux without a loadable libc
        return None


# Looked up here, not in the child: after fork only async-signal-safe work should be done,
# and prctl/getppid/_exit through an already resolved function are.
_LIBC = _load_libc()


def _die_with_this_thread() -> Callable[[], None] | None:
    """A ``preexec_fn`` making the child get SIGKILL when the calling thread dies (Linux).

    PDEATHSIG follows the *thread* that forked, so it is only set from the main thread (a
    pool worker's tasks run there); a tool started from another thread — which may end long
    before the process — relies on :meth:`ExifToolProcess.close` alone.
    """
    if _LIBC is None or threading.current_thread() is not threading.main_thread():
        return None
    libc, parent = _LIBC, os.getpid()

    def preexec() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the setting took effect
            os._exit(1)

    return preexec


class ExifToolMissing(RuntimeError):
    """The exiftool executable is not on PATH (Debian: libimage-exiftool-perl)."""


@dataclass
class ExifToolResult:
    path: Path
    tags: dict[str, Any] | None = None  # one JSON object, keys "Group:Tag"
    stderr: str = ""
    status: int | None = None  # exiftool's own exit status for this file
    warnings: list[ClueWarning] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.tags is not None


class _Crashed(Exception):
    pass


class _TimedOut(Exception):
    pass


def find_exiftool(executable: str = "exiftool") -> str:
    found = shutil.which(executable)
    if found is None:
        raise ExifToolMissing(
            f"exiftool not found ({executable!r} is not on PATH); install the Debian package "
            "libimage-exiftool-perl for full metadata (EXIF, XMP, IPTC, maker notes, video)"
        )
    return found


class ExifToolProcess:
    """``exiftool -stay_open True -@ -``: started lazily, restarted after a crash or time-out."""

    def __init__(
        self,
        executable: str = "exiftool",
        *,
        timeout: float = DEFAULT_TIMEOUT,
        common_args: Sequence[str] = COMMON_ARGS,
    ) -> None:
        self.executable = executable
        self.timeout = timeout
        self.common_args = tuple(common_args)
        self.restarts = 0  # processes started after the first one
        self._proc: subprocess.Popen[bytes] | None = None
        self._started = 0
        self._seq = 0
        self._lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    def start(self) -> None:
        with self._lock:
            self._ensure_running()

    def _ensure_running(self) -> subprocess.Popen[bytes]:
        if self._proc is not None and self._proc.poll() is None:
            return self._proc
        if self._proc is not None:
            log.warning("exiftool exited (status %s); starting a new one", self._proc.returncode)
            self._discard()
        exe = find_exiftool(self.executable)
        cmd = [exe, "-stay_open", "True", "-@", "-", "-common_args", *self.common_args]
        self._proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=_die_with_this_thread(),
        )
        if self._started:
            self.restarts += 1
        self._started += 1
        return self._proc

    def _discard(self) -> None:
        """Kill the current process (if any) and forget it; the next call starts a new one."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - a kill that does not take
            log.error("exiftool pid %s did not die after SIGKILL", proc.pid)
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()

    def close(self) -> None:
        """Ask exiftool to leave (``-stay_open False``); kill it if it does not within 5 s."""
        with self._lock:
            proc = self._proc
            if proc is None:
                return
            if proc.poll() is None and proc.stdin is not None:
                try:
                    proc.stdin.write(b"-stay_open\nFalse\n")
                    proc.stdin.flush()
                    proc.stdin.close()
                    proc.wait(timeout=5)
                except (OSError, subprocess.TimeoutExpired):
                    pass
            self._discard()

    def __enter__(self) -> ExifToolProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        proc = getattr(self, "_proc", None)
        if proc is not None and proc.poll() is None:
            proc.kill()

    # -- one file --------------------------------------------------------------------------

    def execute(
        self, path: Path | str, extra_args: Sequence[str] = (), *, timeout: float | None = None
    ) -> ExifToolResult:
        """Read one file's metadata. Never raises for bad input; raises ExifToolMissing only."""
        path = Path(path)
        with self._lock:
            if "\n" in str(path) or "\r" in str(path):
                return self._execute_via_link(path, extra_args, timeout)
            return self._execute(path, path, extra_args, timeout)

    def _execute_via_link(
        self, path: Path, extra_args: Sequence[str], timeout: float | None
    ) -> ExifToolResult:
        # The argument file is one argument per line, so a name with a newline cannot be
        # passed as is: hand exiftool a symlink with a plain name instead.
        with tempfile.TemporaryDirectory(prefix="lodestar-exif-") as tmp:
            link = Path(tmp) / ("file" + path.suffix.replace("\n", "").replace("\r", ""))
            link.symlink_to(path.absolute())
            return self._execute(path, link, extra_args, timeout)

    def _execute(
        self, path: Path, target: Path, extra_args: Sequence[str], timeout: float | None
    ) -> ExifToolResult:
        result = ExifToolResult(path=path)
        self._seq += 1
        seq = self._seq
        args = [*extra_args, str(target.absolute()), "-echo4", f"${{status}}{{err{seq}}}"]
        payload = b"".join(os.fsencode(a) + b"\n" for a in args) + f"-execute{seq}\n".encode()
        proc = self._send(payload)
        if proc is None:
            result.warnings.append(_warn("exiftool_crashed", path, "exiftool could not start"))
            return result
        limit = self.timeout if timeout is None else timeout
        try:
            out, err = _read_until(
                proc, f"{{ready{seq}}}".encode(), f"{{err{seq}}}".encode(), limit
            )
        except _TimedOut:
            self._discard()
            msg = f"no answer within {limit:g} s; exiftool killed, restarted for the next file"
            result.warnings.append(_warn("exiftool_timeout", path, msg))
            return result
        except _Crashed:
            status = _exit_status(self._proc)
            self._discard()
            msg = f"exiftool died (exit status {status}); restarted for the next file"
            result.warnings.append(_warn("exiftool_crashed", path, msg))
            return result
        _fill(result, out, err)
        return result

    def _send(self, payload: bytes) -> subprocess.Popen[bytes] | None:
        # An exiftool that died while idle is not this file's fault: retry once on a new one.
        for _attempt in range(2):
            proc = self._ensure_running()
            assert proc.stdin is not None
            try:
                proc.stdin.write(payload)
                proc.stdin.flush()
                return proc
            except (BrokenPipeError, OSError):
                self._discard()
        return None


def _exit_status(proc: subprocess.Popen[bytes] | None) -> int | None:
    # Its pipes closed; give it a moment to finish exiting so the status can be reported.
    if proc is None:
        return None
    try:
        return proc.wait(timeout=2)
    except subprocess.TimeoutExpired:
        return None


def _warn(code: str, path: Path, message: str) -> ClueWarning:
    return ClueWarning(code=code, message=f"{path}: {message}")


def _read_until(
    proc: subprocess.Popen[bytes], out_marker: bytes, err_marker: bytes, timeout: float
) -> tuple[bytes, bytes]:
    """Read stdout and stderr together until both markers end them, or the deadline passes."""
    assert proc.stdout is not None and proc.stderr is not None
    bufs = {proc.stdout.fileno(): bytearray(), proc.stderr.fileno(): bytearray()}
    markers = {proc.stdout.fileno(): out_marker, proc.stderr.fileno(): err_marker}
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        for fd in bufs:
            sel.register(fd, selectors.EVENT_READ)
        pending = set(bufs)
        while pending:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _TimedOut
            for key, _ in sel.select(left):
                fd = int(key.fd)
                chunk = os.read(fd, _READ_BLOCK)
                if not chunk:
                    raise _Crashed
                buf = bufs[fd]
                buf += chunk
                tail = bytes(buf[-(len(markers[fd]) + 8) :]).rstrip()
                if tail.endswith(markers[fd]):
                    pending.discard(fd)
                    sel.unregister(fd)
    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
    return _strip_marker(bufs[out_fd], out_marker), _strip_marker(bufs[err_fd], err_marker)


def _strip_marker(buf: bytearray, marker: bytes) -> bytes:
    text = bytes(buf).rstrip()
    return text[: -len(marker)]


def _fill(result: ExifToolResult, out: bytes, err: bytes) -> None:
    err_text = err.decode("utf-8", "replace")
    # The last line of stderr is the "-echo4 ${status}" line (without its marker).
    lines = err_text.rstrip("\n").split("\n")
    status_text = lines[-1].strip() if lines else ""
    result.status = int(status_text) if status_text.isdigit() else None
    result.stderr = "\n".join(lines[:-1]).strip()
    if result.stderr:
        result.warnings.append(_warn("exiftool_error", result.path, result.stderr))
    text = out.decode("utf-8", "replace").strip()
    if not text:
        return
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        result.warnings.append(_warn("exiftool_bad_output", result.path, f"bad JSON ({exc})"))
        return
    if isinstance(parsed, list) and parsed and isinstance(parsed[0], dict):
        result.tags = parsed[0]
    else:
        result.warnings.append(_warn("exiftool_bad_output", result.path, "no JSON object"))


def exiftool_version(executable: str = "exiftool") -> str:
    """The installed exiftool's version string (e.g. ``"12.57"``)."""
    exe = find_exiftool(executable)
    done = subprocess.run([exe, "-ver"], capture_output=True, timeout=30, check=False)
    return done.stdout.decode("utf-8", "replace").strip()
