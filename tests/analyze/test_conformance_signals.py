"""One conformance suite for every registered signal type.

The cases come from the registry's contents (``signal_types.names()``), so a newly registered
type is tested without editing this file — and fails here until :data:`SAMPLES` gives it sample
inputs. Every type must be deterministic, give values of its declared shape, compare values
symmetrically with distance 0 to themselves, and treat corrupt input as data (None or a
:class:`SignalError` with a code, never another exception). Types the fast pass computes must
come out of it (stored as they are returned), and corrupt files must become warnings there.

Benign inputs only: procedural scenes and slow pans over them, made on the fly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
from PIL import Image

from lodestar.analyze.fastpass import FastPassTask, fast_pass
from lodestar.analyze.signals import (
    FileSignalType,
    ImageSignalType,
    SignalError,
    SignalType,
    SignalValue,
    signal_types,
)
from lodestar.demo.photos import jpeg_bytes, scene, write_video

CONFORMANCE_KIND = "signal type"

MEDIA_KINDS = {"image", "video", "archive", "other"}  # what lodestar.analyze.identify returns
MAX_NAME = 32  # signals.type is String(32)
MAX_STORED_VALUE = 256  # signals.value is String(256): what the fast pass stores must fit


@dataclass(frozen=True)
class Sample:
    """Inputs for one signal type: a valid file per seed (different content for different
    seeds), a damaged one, and the shape of a value."""

    write: Callable[[Path, int], Path]
    corrupt: Callable[[bytes], bytes]  # damage the bytes of a valid file
    shape: re.Pattern[str]


def _jpeg(tmp: Path, seed: int) -> Path:
    path = tmp / f"scene-{seed}.jpg"
    path.write_bytes(jpeg_bytes(scene(seed, (800, 600))))
    return path


def _video(tmp: Path, seed: int) -> Path:
    return write_video(tmp / f"pan-{seed}.mp4", seconds=3, fps=10, seed=seed, gop=10)


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 3]


SAMPLES: dict[str, Sample] = {
    "pdq": Sample(_jpeg, _truncated, re.compile(r"[0-9a-f]{64}")),
    "vpdq": Sample(
        _video, _truncated, re.compile(r"[0-9a-f]{64},\d{1,3},\d+\.\d{3}(\n[0-9a-f]{64},.*)*")
    ),
}
GARBAGE = b"\x00\x01 not an image nor a video \xfe\xff" * 64

NAMES = signal_types.names()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, int], Path]:
    """The sample file of a type for a seed, written once per module."""
    made: dict[tuple[str, int], Path] = {}

    def get(name: str, seed: int) -> Path:
        if (name, seed) not in made:
            tmp = tmp_path_factory.mktemp(f"{name}-{seed}")
            made[name, seed] = _sample(name).write(tmp, seed)
        return made[name, seed]

    return get


def _sample(name: str) -> Sample:
    if name not in SAMPLES:
        pytest.fail(
            f"signal type {name!r} is registered but has no sample input in "
            "tests/analyze/test_conformance_signals.py SAMPLES"
        )
    return SAMPLES[name]


def _hash(signal_type: SignalType, path: Path) -> list[SignalValue]:
    """The values every capability of the type gives for the file at ``path``."""
    values: list[SignalValue | None] = []
    if isinstance(signal_type, FileSignalType):
        values += [signal_type.hash_file(path), signal_type.hash_file(path.read_bytes())]
    if isinstance(signal_type, ImageSignalType):
        with Image.open(path) as img:
            img.load()
            values.append(signal_type.hash_image(img))
    assert all(v is not None for v in values), f"{signal_type.name}: no value for a valid sample"
    return [v for v in values if v is not None]


def _task(path: Path, derived: Path) -> FastPassTask:
    return FastPassTask(
        source_id=1,
        path_spec=path.name,
        size=path.stat().st_size,
        mtime=None,
        atime=None,
        ctime=None,
        in_archive=False,
        local_path=str(path),
        data=None,
        spooled=False,
        derived_dir=str(derived),
        max_image_pixels=50_000_000,
        thumb_size=256,
    )


def test_every_registered_signal_type_has_a_sample() -> None:
    missing = sorted(set(signal_types.names()) - set(SAMPLES))
    assert not missing, f"registered signal types without a sample input: {missing}"
    stale = sorted(set(SAMPLES) - set(signal_types.names()))
    assert not stale, f"samples of signal types nobody registered: {stale}"


@pytest.mark.parametrize("name", NAMES)
def test_is_a_well_formed_plugin(name: str) -> None:
    _sample(name)
    signal_type = signal_types.get(name)
    assert isinstance(signal_type, SignalType)
    assert signal_type.name == name and 0 < len(name) <= MAX_NAME
    assert isinstance(signal_type.kinds, tuple) and signal_type.kinds
    assert set(signal_type.kinds) <= MEDIA_KINDS
    assert isinstance(signal_type.in_fast_pass, bool)
    assert isinstance(signal_type.max_distance_default, int)
    assert signal_type.max_distance_default >= 0
    assert isinstance(signal_type, ImageSignalType | FileSignalType), "no hashing capability"


@pytest.mark.parametrize("name", NAMES)
def test_deterministic_values_of_the_declared_shape(
    name: str, files: Callable[[str, int], Path]
) -> None:
    sample = _sample(name)
    signal_type = signal_types.get(name)
    first = _hash(signal_type, files(name, 1))
    assert _hash(signal_type, files(name, 1)) == first  # same input, same values
    for value in first:
        assert value.type == name
        assert sample.shape.fullmatch(value.value), value.value
        assert value.quality is None or 0 <= value.quality <= 100
    if isinstance(signal_type, FileSignalType):
        by_path, by_bytes = first[:2]
        assert by_path == by_bytes  # a file hashes the same from its path and its bytes


@pytest.mark.parametrize("name", NAMES)
def test_distance_is_zero_to_itself_and_symmetric(
    name: str, files: Callable[[str, int], Path]
) -> None:
    _sample(name)
    signal_type = signal_types.get(name)
    a = _hash(signal_type, files(name, 1))[0].value
    b = _hash(signal_type, files(name, 2))[0].value
    assert a != b, "the two samples should have different content"
    assert signal_type.distance(a, a) == 0
    assert signal_type.distance(b, b) == 0
    assert signal_type.distance(a, b) == signal_type.distance(b, a) > 0


@pytest.mark.parametrize("name", NAMES)
def test_corrupt_input_is_none_or_a_signal_error(
    name: str, files: Callable[[str, int], Path]
) -> None:
    sample = _sample(name)
    signal_type = signal_types.get(name)
    inputs: list[Callable[[], SignalValue | None]] = []
    if isinstance(signal_type, FileSignalType):
        damaged = sample.corrupt(files(name, 1).read_bytes())
        inputs += [partial(signal_type.hash_file, damaged), partial(signal_type.hash_file, GARBAGE)]
    if isinstance(signal_type, ImageSignalType):
        for size in ((1, 1), (3, 2), (0, 0)):  # decoded, but too small to carry a signal
            inputs.append(partial(signal_type.hash_image, Image.new("RGB", size)))
    for attempt in inputs:
        try:
            value = attempt()
        except SignalError as exc:
            assert exc.code and exc.reason
        else:
            assert value is None or value.type == name


@pytest.mark.parametrize("name", NAMES)
def test_the_fast_pass_stores_what_the_type_returns(
    name: str, files: Callable[[str, int], Path], tmp_path: Path
) -> None:
    _sample(name)
    signal_type = signal_types.get(name)
    path = files(name, 1)
    record = fast_pass(_task(path, tmp_path))
    assert record.kind in signal_type.kinds
    found = [s for s in record.signals if s.type == name]
    if not signal_type.in_fast_pass:
        assert found == []  # a later stage computes it, by name
        return
    assert len(found) == 1
    (value,) = found
    assert len(value.value) <= MAX_STORED_VALUE
    # the fast pass hashes its own decode; within the type's match threshold of its own value
    own = _hash(signal_type, path)[0]
    assert signal_type.distance(value.value, own.value) <= signal_type.max_distance_default


@pytest.mark.parametrize("name", NAMES)
def test_a_corrupt_file_is_a_warning_in_the_fast_pass(
    name: str, files: Callable[[str, int], Path], tmp_path: Path
) -> None:
    sample = _sample(name)
    signal_type = signal_types.get(name)
    path = tmp_path / f"damaged{files(name, 1).suffix}"
    path.write_bytes(sample.corrupt(files(name, 1).read_bytes()))
    record = fast_pass(_task(path, tmp_path / "derived"))  # never raises
    assert record.sha256 is not None
    assert record.warnings, "damage is stored as a warning"
    if signal_type.in_fast_pass:
        assert all(s.type != name or sample.shape.fullmatch(s.value) for s in record.signals)
