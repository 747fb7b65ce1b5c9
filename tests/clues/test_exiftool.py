"""The stay-open exiftool wrapper, against the real exiftool (fake processes only to hang/crash)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lodestar.clues.exiftool import (
    EMBEDDED_ARGS,
    ExifToolMissing,
    ExifToolProcess,
    exiftool_version,
)

from .metadata_samples import EXIFTOOL, fake_executable, write_jpeg


@pytest.fixture
def tool() -> Iterator[ExifToolProcess]:
    if EXIFTOOL is None:  # a clear failure, not a skip: these tests must run
        pytest.fail("exiftool not on PATH: apt-get install libimage-exiftool-perl")
    proc = ExifToolProcess()
    yield proc
    proc.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A killed child that was reaped is gone; one not yet reaped is a zombie.
    with open(f"/proc/{pid}/stat") as fh:
        return fh.read().split()[2] != "Z"


def test_reads_groups_and_numeric_gps_with_one_process(
    tool: ExifToolProcess, tmp_path: Path
) -> None:
    files = [write_jpeg(tmp_path / f"shot{i}.jpg", seed=i) for i in range(3)]
    results = [tool.execute(f) for f in files]
    pid = tool.pid
    assert pid is not None and tool.restarts == 0
    for f, res in zip(files, results, strict=True):
        assert res.ok and res.status == 0 and res.warnings == []
        assert res.tags is not None
        assert res.tags["SourceFile"] == str(f)
        assert res.tags["IFD0:Make"] == "Canon"
        assert res.tags["ExifIFD:SerialNumber"] == "0123456789"
        assert res.tags["ExifIFD:OffsetTimeOriginal"] == "+02:00"
        # -n: signed decimal degrees, not "8 deg 36' 39.60\" W"
        assert res.tags["Composite:GPSLongitude"] == pytest.approx(-8.611, abs=1e-6)
    assert tool.execute(files[0], EMBEDDED_ARGS).ok
    assert tool.pid == pid  # one process for all files


def test_missing_and_non_image_files_are_warnings(tool: ExifToolProcess, tmp_path: Path) -> None:
    missing = tool.execute(tmp_path / "nope.jpg")
    assert not missing.ok and missing.status == 1
    assert [w.code for w in missing.warnings] == ["exiftool_error"]
    assert "nope.jpg" in missing.warnings[0].message
    assert "File not found" in missing.warnings[0].message
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture at all\n")
    res = tool.execute(text)
    assert res.tags is not None and res.tags.get("File:FileType") != "JPEG"
    assert tool.execute(write_jpeg(tmp_path / "ok.jpg")).ok  # the process carries on
    assert tool.restarts == 0


def test_odd_file_names(tool: ExifToolProcess, tmp_path: Path) -> None:
    for name in ("-ver.jpg", "line\nbreak.jpg", "ünï cødé.jpg", "-execute.jpg"):
        path = write_jpeg(tmp_path / name)
        res = tool.execute(path)
        assert res.ok, (name, res.warnings)
        assert res.tags is not None and res.tags["IFD0:Model"] == "Canon EOS 5D Mark IV"
        assert res.path == path
    assert tool.restarts == 0


def test_real_timeout_kills_and_next_file_restarts(tool: ExifToolProcess, tmp_path: Path) -> None:
    shot = write_jpeg(tmp_path / "a.jpg")
    assert tool.execute(shot).ok
    first = tool.pid
    assert first is not None
    late = tool.execute(shot, timeout=0.0)  # no exiftool answers in zero seconds
    assert not late.ok
    assert [w.code for w in late.warnings] == ["exiftool_timeout"]
    assert str(shot) in late.warnings[0].message
    assert tool.pid is None and not _alive(first)
    again = tool.execute(shot)
    assert again.ok and tool.pid not in (None, first) and tool.restarts == 1


def test_hanging_exiftool_times_out(tmp_path: Path) -> None:
    hang = fake_executable(tmp_path, "hang-exiftool", "exec sleep 600")
    shot = write_jpeg(tmp_path / "a.jpg")
    with ExifToolProcess(str(hang), timeout=0.5) as tool:
        t0 = time.monotonic()
        res = tool.execute(shot)
        assert time.monotonic() - t0 < 5
        assert [w.code for w in res.warnings] == ["exiftool_timeout"]
        res = tool.execute(shot)  # a fresh process, which hangs too
        assert [w.code for w in res.warnings] == ["exiftool_timeout"]
        assert tool.restarts == 1


def test_crashing_exiftool_is_a_warning(tmp_path: Path) -> None:
    crash = fake_executable(tmp_path, "crash-exiftool", "read line; exit 3")
    shot = write_jpeg(tmp_path / "a.jpg")
    with ExifToolProcess(str(crash), timeout=5) as tool:
        for _ in range(2):
            res = tool.execute(shot)
            assert not res.ok
            assert [w.code for w in res.warnings] == ["exiftool_crashed"]
            assert "exit status 3" in res.warnings[0].message


def test_exiftool_killed_while_idle_is_restarted(tool: ExifToolProcess, tmp_path: Path) -> None:
    shot = write_jpeg(tmp_path / "a.jpg")
    assert tool.execute(shot).ok
    pid = tool.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while tool.pid is not None and time.monotonic() < deadline:
        time.sleep(0.02)
    res = tool.execute(shot)
    assert res.ok and res.warnings == []
    assert tool.pid not in (None, pid)


def test_close_ends_the_process(tmp_path: Path) -> None:
    tool = ExifToolProcess()
    assert tool.execute(write_jpeg(tmp_path / "a.jpg")).ok
    pid = tool.pid
    assert pid is not None
    tool.close()
    assert tool.pid is None and not _alive(pid)
    tool.close()  # twice is fine


def test_missing_binary_raises_clear_error(tmp_path: Path) -> None:
    tool = ExifToolProcess("no-such-exiftool-here")
    with pytest.raises(ExifToolMissing, match="libimage-exiftool-perl"):
        tool.execute(write_jpeg(tmp_path / "a.jpg"))
    with pytest.raises(ExifToolMissing):
        exiftool_version("no-such-exiftool-here")


def test_version(tool: ExifToolProcess) -> None:
    major = exiftool_version().split(".")[0]
    assert major.isdigit() and int(major) >= 12
