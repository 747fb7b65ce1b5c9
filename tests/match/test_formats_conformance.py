"""One conformance suite for every registered hash-set format.

The cases come from the registry's contents: each registered format is tested with every
sample variant ``hashset_fixtures.VARIANTS`` has for it (a format may be written several ways,
e.g. NSRL v2 and v3), and a registered format without a variant fails every test here.
"""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from lodestar.errors import DataError
from lodestar.match.formats import detect_format, format_choices, hashset_formats, read_hashset

from .hashset_fixtures import BAD_HEX_MD5, NO_DIGEST, VARIANTS, Variant, write_vics_big

CONFORMANCE_KIND = "hash-set format"

N = 5
BAD = 3  # the corrupted record (1-based)


def _cases() -> list[object]:
    """(format name, variant) for every registered format; variant None when it has none."""
    cases: list[object] = []
    for name in hashset_formats.names():
        own = [v for v in VARIANTS if v.fmt == name]
        cases += [pytest.param(v, id=v.id) for v in own]
        if not own:
            cases.append(pytest.param(name, id=f"{name}-without-sample"))
    return cases


CASES = _cases()


def _variant(case: Variant | str) -> Variant:
    if isinstance(case, str):
        pytest.fail(
            f"hash-set format {case!r} is registered but has no sample variant in "
            "tests/match/hashset_fixtures.py VARIANTS"
        )
    return case


def test_every_registered_format_has_a_conformance_variant() -> None:
    registered = set(hashset_formats.names())
    sampled = {v.fmt for v in VARIANTS}
    assert not registered - sampled, "registered formats without a sample variant"
    assert not sampled - registered, "sample variants of formats nobody registered"


def test_formats_are_unique_named_plugins() -> None:
    for fmt in hashset_formats:
        assert hashset_formats.get(fmt.name) is fmt
        assert isinstance(fmt.description, str) and fmt.description
        assert isinstance(fmt.writable, bool)
        assert isinstance(fmt.known_ignorable_default, bool)
        assert isinstance(getattr(fmt, "sniff_priority", 50), int)


def test_format_choices_name_every_registered_format() -> None:
    # what ``hashsets import --format`` offers: "icse, nsrl, plain or vics" for the built-ins
    names = hashset_formats.names()
    choices = format_choices()
    assert choices.replace(" or ", ", ").split(", ") == names


@pytest.mark.parametrize("case", CASES)
def test_reads_a_valid_file_into_the_expected_records(tmp_path: Path, case: Variant | str) -> None:
    variant = _variant(case)
    path = variant.write(tmp_path, N, None)
    expected = variant.records(N)
    assert list(read_hashset(path, variant.fmt)) == expected
    # and the format is recognised without being named
    assert detect_format(path).name == variant.fmt
    assert list(read_hashset(path)) == expected


@pytest.mark.parametrize("case", CASES)
def test_refuses_invalid_hex_naming_the_record(tmp_path: Path, case: Variant | str) -> None:
    variant = _variant(case)
    path = variant.write(tmp_path, N, {BAD: {"md5": BAD_HEX_MD5}})
    with pytest.raises(DataError) as info:
        list(read_hashset(path, variant.fmt))
    err = info.value
    no = variant.record_no(BAD)
    assert err.detail["record"] == no
    assert f"{variant.unit} {no}" in err.message
    assert str(path) in err.message
    assert "MD5" in err.message or "digest" in err.message
    assert err.to_dict()["error"]["code"] == "data_error"


@pytest.mark.parametrize("case", CASES)
def test_refuses_a_record_without_any_digest(tmp_path: Path, case: Variant | str) -> None:
    variant = _variant(case)
    path = variant.write(tmp_path, N, {BAD: dict(NO_DIGEST)})
    with pytest.raises(DataError) as info:
        list(read_hashset(path, variant.fmt))
    no = variant.record_no(BAD)
    assert info.value.detail["record"] == no
    assert f"{variant.unit} {no}" in info.value.message
    assert str(path) in info.value.message


@pytest.mark.parametrize("case", CASES)
def test_refuses_a_truncated_file(tmp_path: Path, case: Variant | str) -> None:
    variant = _variant(case)
    n = 400 if variant.fmt == "nsrl" else N  # a database of several pages
    path = variant.truncate(variant.write(tmp_path, n, None))
    with pytest.raises(DataError) as info:
        list(read_hashset(path, variant.fmt))
    assert "truncated" in info.value.message
    assert str(path) in info.value.message


@pytest.mark.parametrize("case", CASES)
def test_empty_or_garbage_file_is_refused_or_empty(tmp_path: Path, case: Variant | str) -> None:
    variant = _variant(case)
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"\x00\x01\x02 not a hash set \xff\xfe" * 10)
    assert not hashset_formats.get(variant.fmt).sniff(garbage)
    with pytest.raises(DataError):
        list(read_hashset(garbage, variant.fmt))


def test_vics_streaming_memory_stays_flat(tmp_path: Path) -> None:
    # tracemalloc slows allocation-heavy code several times over; 60k records keep this test
    # within ~10 s on a loaded machine and still far exceed 20 MB if records were retained
    # (each record with its parsed JSON object is well over 300 bytes).
    n = 60_000
    path = write_vics_big(tmp_path / "big.json", n)
    assert path.stat().st_size > 10_000_000
    started = time.monotonic()
    tracemalloc.start()
    try:
        count = 0
        last = None
        for record in read_hashset(path, "vics"):
            count += 1
            last = record
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == n
    assert last is not None and last.record_no == n
    assert peak < 20 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
    assert time.monotonic() - started < 60
