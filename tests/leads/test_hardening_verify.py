"""Issue 16, defects 4 and 5: verifying a hostile or malformed package costs little and
never crashes: each malformation is a named failure in the report, and the CLI exits with
the data-error code naming the failing check."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest

from lodestar.errors import ExitCode
from lodestar.leads import verify
from lodestar.leads.verify import verify_package

from ..cli.runner import run
from .badpackages import DATA, MALFORMED, PAYLOAD, package

PACKAGE = "(package)"  # the report's name for the ZIP as a whole


def _write(tmp_path: Path, data: bytes, name: str = "p.zip") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.fixture
def bytes_read(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Inflated bytes read per member during verification."""
    seen: dict[str, int] = {}
    original = zipfile.ZipExtFile.read

    def counting(self: zipfile.ZipExtFile, n: int | None = -1) -> bytes:
        got = original(self, n)
        seen[self.name] = seen.get(self.name, 0) + len(got)
        return got

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting)
    return seen


def test_a_well_formed_package_passes(tmp_path: Path) -> None:
    report = verify_package(_write(tmp_path, package()))
    assert report.ok, report.as_dict()


def test_forty_thousand_entries_verify_in_well_under_a_second(tmp_path: Path) -> None:
    # 40,000 empty entries: 20,000 names twice each (the old count-per-name was quadratic).
    names = tuple((f"e/{i % 20_000}", b"") for i in range(40_000))
    path = _write(tmp_path, package(extra=names))
    start = time.perf_counter()
    report = verify_package(path)
    took = time.perf_counter() - start
    assert not report.ok and len(report.failing) == 20_000
    assert took < 2.0, f"{took:.1f} s"


def test_too_many_members_refused_before_the_directory_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verify, "MAX_MEMBERS", 10)
    path = _write(tmp_path, package(extra=tuple((f"x{i}", b"") for i in range(20))))
    report = verify_package(path)
    assert report.failing == [PACKAGE] and "at most 10" in report.files[0].reason


def test_a_lying_size_is_refused_without_inflating(
    tmp_path: Path, bytes_read: dict[str, int]
) -> None:
    bomb = bytes(8 << 20)  # 8 MiB of zeros: ~8 KB deflated

    def claim(doc: dict) -> None:
        doc["files"][0]["size"] = 2**50

    report = verify_package(_write(tmp_path, package({DATA: bomb}, edit=claim)))
    reasons = {f.path: f.reason for f in report.files}
    assert report.failing == [DATA]
    assert f"where the manifest says {2**50}" in reasons[DATA]
    assert bytes_read.get(DATA, 0) == 0


def test_an_honest_bomb_is_refused_by_its_ratio(tmp_path: Path, bytes_read: dict[str, int]) -> None:
    report = verify_package(_write(tmp_path, package({DATA: bytes(8 << 20)})))
    assert report.failing == [DATA] and "not inflated" in report.files[-1].reason
    assert bytes_read.get(DATA, 0) == 0


def test_inflated_total_is_capped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bytes_read: dict[str, int]
) -> None:
    monkeypatch.setattr(verify, "MAX_INFLATED", len(PAYLOAD) + 10)
    path = _write(tmp_path, package({"a.bin": PAYLOAD, "b.bin": PAYLOAD}))
    report = verify_package(path)
    assert report.failing == ["b.bin"] and "inflates past" in report.files[-1].reason
    assert bytes_read.get("b.bin", 0) == 0 and bytes_read["a.bin"] == len(PAYLOAD)


def test_time_budget_stops_the_checks(tmp_path: Path) -> None:
    report = verify_package(_write(tmp_path, package()), time_budget=0)
    assert report.failing == [DATA] and "time budget" in report.files[-1].reason


def test_a_path_listed_twice_is_hashed_once(tmp_path: Path, bytes_read: dict[str, int]) -> None:
    def twice(doc: dict) -> None:
        doc["files"] = doc["files"] * 50

    report = verify_package(_write(tmp_path, package(edit=twice)))
    assert "listed more than once in the manifest" in report.files[-1].reason
    assert bytes_read[DATA] == len(PAYLOAD)


@pytest.mark.parametrize("kind", sorted(MALFORMED))
def test_malformed_package_is_a_named_failure(tmp_path: Path, kind: str) -> None:
    make, check, word = MALFORMED[kind]
    report = verify_package(_write(tmp_path, make()))
    reasons = {f.path: f.reason for f in report.files if not f.ok}
    assert not report.ok and check in reasons, report.as_dict()
    assert word in reasons[check]


@pytest.mark.parametrize("kind", sorted(MALFORMED))
def test_cli_names_the_malformation(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, kind: str
) -> None:
    make, check, word = MALFORMED[kind]
    path = _write(tmp_path, make())
    code, _, err = run(capsys, "leads", "verify", str(path))
    assert code == ExitCode.DATA_ERROR, err
    assert "failing:" in err and check in err.split("failing:")[1]
    code, report, _ = run(capsys, "leads", "verify", str(path), "--json")
    assert code == ExitCode.DATA_ERROR and check in report["failing"]


def test_zip_is_still_read_as_before(tmp_path: Path) -> None:
    """The verified bytes are the package's own: a stored (uncompressed) package passes too."""
    src = zipfile.ZipFile(io.BytesIO(package()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as out:
        for info in src.infolist():
            out.writestr(info.filename, src.read(info))
    assert verify_package(_write(tmp_path, buf.getvalue())).ok
