"""One conformance suite for every registered hash-set format (parametrised over variants)."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from lodestar.errors import DataError
from lodestar.match.formats import detect_format, hashset_formats, read_hashset

from .hashset_fixtures import BAD_HEX_MD5, NO_DIGEST, VARIANTS, Variant, write_vics_big

N = 5
BAD = 3  # the corrupted record (1-based)
VARIANT_IDS = [v.id for v in VARIANTS]


def test_every_registered_format_has_a_conformance_variant() -> None:
    assert set(hashset_formats.names()) == {v.fmt for v in VARIANTS}


def test_formats_are_unique_named_plugins() -> None:
    for fmt in hashset_formats:
        assert hashset_formats.get(fmt.name) is fmt
        assert isinstance(fmt.description, str) and fmt.description
        assert isinstance(fmt.writable, bool)


@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_reads_a_valid_file_into_the_expected_records(tmp_path: Path, variant: Variant) -> None:
    path = variant.write(tmp_path, N, None)
    expected = variant.records(N)
    assert list(read_hashset(path, variant.fmt)) == expected
    # and the format is recognised without being named
    assert detect_format(path).name == variant.fmt
    assert list(read_hashset(path)) == expected


@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_refuses_invalid_hex_naming_the_record(tmp_path: Path, variant: Variant) -> None:
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


@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_refuses_a_record_without_any_digest(tmp_path: Path, variant: Variant) -> None:
    path = variant.write(tmp_path, N, {BAD: dict(NO_DIGEST)})
    with pytest.raises(DataError) as info:
        list(read_hashset(path, variant.fmt))
    no = variant.record_no(BAD)
    assert info.value.detail["record"] == no
    assert f"{variant.unit} {no}" in info.value.message
    assert str(path) in info.value.message


@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_refuses_a_truncated_file(tmp_path: Path, variant: Variant) -> None:
    n = 400 if variant.fmt == "nsrl" else N  # a database of several pages
    path = variant.truncate(variant.write(tmp_path, n, None))
    with pytest.raises(DataError) as info:
        list(read_hashset(path, variant.fmt))
    assert "truncated" in info.value.message
    assert str(path) in info.value.message


@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_empty_or_garbage_file_is_refused_or_empty(tmp_path: Path, variant: Variant) -> None:
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
