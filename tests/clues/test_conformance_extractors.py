"""Conformance of every registered clue extractor (tests/test_conformance_coverage.py).

Parametrised over the registry's contents, so a newly registered extractor is tested without
editing this file — and fails :func:`test_has_samples` until it gets a benign and a corrupt
sample below. Each extractor: a unique name, a version and stage, the media kinds it accepts,
declared needs that the run order can satisfy; on its benign sample it *returns* clues (no
store statement, the evidence untouched), deterministically; on its corrupt sample it returns
a warning instead of raising. Extractors that need an external tool (exiftool, Tesseract) skip
on a workstation without it and fail in CI (``CI`` set), naming the tool.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import event
from sqlalchemy.engine import Engine

from lodestar.clues.base import (
    ClueExtractor,
    ClueInput,
    ClueValue,
    ClueWarning,
    ExtractResult,
    ProductMaker,
    WorkerResource,
    clue_extractors,
)
from lodestar.clues.ocr import find_tessdata
from lodestar.demo.photos import write_video
from lodestar.fonts import load_font

from .metadata_samples import write_jpeg

CONFORMANCE_KIND = "clue extractor"
MEDIA_KINDS = {"image", "video"}  # what the deep pass hands to extractors


@dataclass(frozen=True)
class Sample:
    kind: str
    benign: Callable[[Path], Path]  # writes a benign file into the folder, returns it
    corrupt: Callable[[Path], Path]
    tool: str | None = None  # an external tool the extractor needs, with how to get it
    available: Callable[[], bool] = lambda: True


def _sign_jpeg(folder: Path) -> Path:
    img = Image.new("RGB", (1024, 400), (200, 190, 170))
    draw = ImageDraw.Draw(img)
    draw.rectangle([60, 120, 900, 260], fill=(250, 250, 240))
    draw.text((90, 150), "Farmacia Central", font=load_font("latin", 72, True), fill=(20, 20, 30))
    path = folder / "sign.jpg"
    img.save(path, quality=92)
    return path


def _garbage(name: str) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(b"\x00\x01 plainly not a media file " * 20)
        return path

    return write


def _tesseract() -> bool:
    try:
        import tesserocr  # noqa: F401
    except ImportError:
        return False
    return find_tessdata() is not None


SAMPLES: dict[str, Sample] = {
    "metadata": Sample(
        "image",
        benign=lambda d: write_jpeg(d / "camera.jpg"),
        corrupt=_garbage("broken.jpg"),
        tool="exiftool (scripts/setup.sh installs libimage-exiftool-perl)",
        available=lambda: shutil.which("exiftool") is not None,
    ),
    "keyframes": Sample(
        "video",
        benign=lambda d: write_video(d / "pan.mp4", seconds=2, fps=10, seed=3, gop=10),
        corrupt=_garbage("broken.mp4"),
    ),
    "ocr": Sample(
        "image",
        benign=_sign_jpeg,
        corrupt=_garbage("broken.jpg"),
        tool="Tesseract with language data (scripts/setup.sh installs it)",
        available=_tesseract,
    ),
}

NAMES = clue_extractors.names()


def _extractor(name: str) -> ClueExtractor:
    return clue_extractors.get(name)


def _sample(name: str) -> Sample:
    if name not in SAMPLES:
        pytest.fail(f"clue extractor {name!r} has no conformance sample in {__file__}")
    sample = SAMPLES[name]
    if sample.tool and not sample.available():
        message = f"clue extractor {name!r} needs {sample.tool}, which is missing"
        if os.environ.get("CI"):
            pytest.fail(f"required tool missing in CI: {message}", pytrace=False)
        pytest.skip(message)
    return sample


def _item(path: Path, kind: str, derived: Path) -> ClueInput:
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    return ClueInput(sha256=sha, path=path, kind=kind, derived=derived)


@pytest.fixture
def no_sql() -> Iterator[list[str]]:
    """Every SQL statement any engine runs meanwhile (an extractor must run none)."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


def _facts(result: ExtractResult) -> tuple[list[ClueValue], list[ClueWarning]]:
    return result.clues, result.warnings


def test_has_samples() -> None:
    missing = sorted(set(NAMES) - set(SAMPLES))
    assert not missing, f"registered clue extractors without a conformance sample: {missing}"


@pytest.mark.parametrize("name", NAMES)
def test_declares_name_version_stage_kinds_and_needs(name: str) -> None:
    extractor = _extractor(name)
    assert extractor.name == name and NAMES.count(name) == 1
    assert isinstance(extractor.version, str) and extractor.version
    assert isinstance(extractor.stage, str) and extractor.stage
    assert isinstance(extractor.accepts, frozenset) and extractor.accepts
    assert extractor.accepts <= MEDIA_KINDS, extractor.accepts - MEDIA_KINDS
    assert name not in extractor.needs
    for need in extractor.needs:
        assert need in clue_extractors, f"{name} needs unregistered {need!r}"
        assert isinstance(clue_extractors.get(need), ProductMaker), f"{need!r} makes no product"
    if isinstance(extractor, WorkerResource):
        assert isinstance(extractor.resource, str) and extractor.resource


@pytest.mark.parametrize("name", NAMES)
def test_benign_sample_returns_clues_without_store_writes(
    name: str, tmp_path: Path, no_sql: list[str]
) -> None:
    sample, extractor = _sample(name), _extractor(name)
    assert sample.kind in extractor.accepts
    path = sample.benign(tmp_path)
    item = _item(path, sample.kind, tmp_path / "derived")
    result = extractor.extract(item)
    assert isinstance(result, ExtractResult)
    assert result.clues and all(isinstance(c, ClueValue) for c in result.clues)
    assert result.warnings == []
    assert no_sql == []  # results go back to the mediator; the extractor never writes
    assert hashlib.sha256(path.read_bytes()).hexdigest() == item.sha256  # evidence untouched


@pytest.mark.parametrize("name", NAMES)
def test_corrupt_sample_is_a_warning_not_an_exception(
    name: str, tmp_path: Path, no_sql: list[str]
) -> None:
    sample, extractor = _sample(name), _extractor(name)
    path = sample.corrupt(tmp_path)
    result = extractor.extract(_item(path, sample.kind, tmp_path / "derived"))
    assert isinstance(result, ExtractResult) and result.warnings
    assert all(isinstance(w, ClueWarning) and w.code and w.message for w in result.warnings)
    assert not any(w.code == "extractor_crashed" for w in result.warnings)
    assert no_sql == []


@pytest.mark.parametrize("name", NAMES)
def test_deterministic(name: str, tmp_path: Path) -> None:
    sample, extractor = _sample(name), _extractor(name)
    path = sample.benign(tmp_path)
    first = extractor.extract(_item(path, sample.kind, tmp_path / "one"))
    second = extractor.extract(_item(path, sample.kind, tmp_path / "two"))
    assert _facts(first) == _facts(second)
