"""Small benign disk images built at test time with Debian tools (never committed).

``ext4_bytes`` / ``fat_bytes``: a bare file system holding ``members``; ``partitioned``: an
MBR or GPT layout (sfdisk) with file systems copied into its partitions; ``to_e01`` (ewf-tools)
and ``convert`` (qemu-img) wrap a raw image. Builds are cached per content: mke2fs stamps a
random UUID and the time, and the suites compare walks of the same bytes.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.conftest import requires_tool

MiB = 1024 * 1024
HAVE_MKE2FS = shutil.which("mke2fs") is not None
HAVE_MTOOLS = bool(shutil.which("mkfs.fat") and shutil.which("mcopy"))
HAVE_SFDISK = shutil.which("sfdisk") is not None
HAVE_EWF = shutil.which("ewfacquire") is not None
HAVE_QEMU = shutil.which("qemu-img") is not None

needs_mke2fs = requires_tool("mke2fs", available=HAVE_MKE2FS, install="apt install e2fsprogs")
needs_mtools = requires_tool(
    "mkfs.fat + mcopy", available=HAVE_MTOOLS, install="apt install dosfstools mtools"
)
needs_sfdisk = requires_tool("sfdisk", available=HAVE_SFDISK, install="apt install fdisk")
needs_ewf = requires_tool("ewfacquire", available=HAVE_EWF, install="apt install ewf-tools")
needs_qemu = requires_tool("qemu-img", available=HAVE_QEMU, install="apt install qemu-utils")


def _run(*cmd: str | Path, cwd: Path | None = None) -> None:
    env = {**os.environ, "E2FSPROGS_FAKE_TIME": "1700000000", "MTOOLS_SKIP_CHECK": "1"}
    subprocess.run([str(c) for c in cmd], check=True, capture_output=True, cwd=cwd, env=env)


def _tree(at: Path, members: dict[str, bytes]) -> Path:
    for name, data in members.items():
        p = at / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return at


def _key(members: dict[str, bytes]) -> tuple[tuple[str, bytes], ...]:
    return tuple(sorted(members.items()))


@functools.cache
def _ext4(key: tuple[tuple[str, bytes], ...], size_mib: int) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        src = _tree(Path(tmp) / "src", dict(key))
        img = Path(tmp) / "fs.img"
        _run(
            "mke2fs",
            "-q",
            "-F",
            "-t",
            "ext4",
            "-U",
            "clear",
            "-E",
            "hash_seed=" + "0" * 8 + "-0000-0000-0000-000000000000",
            "-d",
            src,
            img,
            f"{size_mib}M",
        )
        return img.read_bytes()


def ext4_bytes(members: dict[str, bytes], size_mib: int = 4) -> bytes:
    return _ext4(_key(members), size_mib)


@functools.cache
def _fat(key: tuple[tuple[str, bytes], ...], size_mib: int) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        src = _tree(Path(tmp) / "src", dict(key))
        img = Path(tmp) / "fs.img"
        _run("mkfs.fat", "-C", "-i", "12345678", img, str(size_mib * 1024))
        for child in sorted(src.iterdir()):
            _run("mcopy", "-s", "-m", "-i", img, child, "::")
        return img.read_bytes()


def fat_bytes(members: dict[str, bytes], size_mib: int = 4) -> bytes:
    return _fat(_key(members), size_mib)


def partitioned(at: Path, filesystems: list[bytes], label: str = "gpt") -> Path:
    """A raw disk with one partition per file system (1 MiB aligned), written to ``at``."""
    sizes = [-(-len(fs) // MiB) for fs in filesystems]
    total = 1 + sum(sizes) + 1  # leading gap and the GPT's backup header
    with open(at, "wb") as fh:
        fh.truncate(total * MiB)
    script = [f"label: {label}"]
    start = 1
    for size in sizes:
        script.append(
            f"start={start * 2048}, size={size * 2048}, type="
            + ("0FC63DAF-8483-4772-8E79-3D69D8477DE4" if label == "gpt" else "83")
        )
        start += size
    subprocess.run(
        ["sfdisk", "-q", str(at)], input="\n".join(script).encode(), check=True, capture_output=True
    )
    with open(at, "r+b") as fh:
        start = 1
        for fs, size in zip(filesystems, sizes, strict=True):
            fh.seek(start * MiB)
            fh.write(fs)
            start += size
    return at


def to_e01(raw: Path, target_base: Path, *extra: str) -> Path:
    """``target_base``.E01 acquired from ``raw`` (MD5 + SHA-1 stored); extra ewfacquire args."""
    _run(
        "ewfacquire",
        "-u",
        "-q",
        "-t",
        target_base,
        "-f",
        "encase6",
        "-c",
        "deflate:fast",
        "-d",
        "sha1",
        "-C",
        "c",
        "-D",
        "d",
        "-E",
        "e",
        "-e",
        "x",
        "-N",
        "n",
        *extra,
        raw,
    )
    return target_base.with_name(target_base.name + ".E01")


def convert(raw: Path, target: Path, fmt: str, *opts: str) -> Path:
    _run("qemu-img", "convert", "-q", "-f", "raw", "-O", fmt, *opts, raw, target)
    return target


def require(available: bool, what: str, install: str) -> None:
    """Inside a sample builder: skip (fail in CI) when a build tool is missing."""
    import pytest

    if available:
        return
    message = f"{what} is not installed ({install})"
    if os.environ.get("CI"):
        pytest.fail(f"required tool missing in CI: {message}", pytrace=False)
    pytest.skip(message)


def ext4_sample(members: dict[str, bytes]) -> bytes:
    """A bare ext4 file system large enough for ``members`` (the conformance samples)."""
    require(HAVE_MKE2FS, "mke2fs", "apt install e2fsprogs")
    need = sum(len(d) for d in members.values())
    return ext4_bytes(members, max(4, 2 * -(-need // MiB) + 2))
