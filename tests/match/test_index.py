"""PdqIndex: exact Hamming range search against a brute-force numpy scan, persistence and
incremental adds, id de-duplication, hex validation, empty cases."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lodestar.match.index as M
from lodestar.match.index import PdqIndex, bits_to_hexes, hex_to_bits

Data = tuple[np.ndarray, np.ndarray, np.ndarray]
RADII = [0, 10, 15, 16, 31, 32, 47, 48, 64]


def brute_force(db: np.ndarray, ids: np.ndarray, q: np.ndarray, radius: int) -> list[Any]:
    """Reference: every (id, distance) within radius, sorted by distance then id."""
    out = []
    for query in q:
        row = np.unpackbits(db ^ query, axis=1).sum(axis=1, dtype=np.int64)
        hit = np.flatnonzero(row <= radius)
        out.append(
            sorted(
                zip(ids[hit].tolist(), row[hit].tolist(), strict=True), key=lambda p: (p[1], p[0])
            )
        )
    return out


def flip(bits: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    unpacked = np.unpackbits(bits)
    unpacked[rng.choice(256, k, replace=False)] ^= 1
    return np.packbits(unpacked)


def spread(bits: np.ndarray, per_substring: list[int], rng: np.random.Generator) -> np.ndarray:
    """Flip ``per_substring[t]`` bits inside 16-bit substring t (bits 16t..16t+15): pairs that
    only just pass the pigeonhole bound (e.g. 2 bits in 15 substrings + 1 in one = 31)."""
    unpacked = np.unpackbits(bits)
    for t, k in enumerate(per_substring):
        unpacked[16 * t + rng.choice(16, k, replace=False)] ^= 1
    return np.packbits(unpacked)


def dataset(rng: np.random.Generator, n_random: int = 3000) -> tuple[np.ndarray, np.ndarray]:
    """Uniform hashes plus near-duplicate families (a base + 0..40 flipped bits), with
    sparse, shuffled ids."""
    rows = [rng.integers(0, 256, size=(n_random, 32), dtype=np.uint8)]
    for _ in range(20):
        base = rng.integers(0, 256, size=32, dtype=np.uint8)
        rows.append(np.stack([flip(base, int(k), rng) for k in rng.integers(0, 41, size=15)]))
    db = np.concatenate(rows)
    ids = rng.permutation(len(db) * 3)[: len(db)].astype(np.int64)
    return db, ids


def queries(db: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Planted neighbours at 0..40 bits (uniform rows and family members), plus random ones."""
    picks = np.concatenate([rng.choice(3000, 30), rng.choice(np.arange(3000, len(db)), 30)])
    near = [flip(db[p], i % 41, rng) for i, p in enumerate(picks)]
    far = list(rng.integers(0, 256, size=(10, 32), dtype=np.uint8))
    # Worst cases for the tables: every substring as far off as the bound allows.
    edge = []
    for low, high in [(0, 1), (1, 2), (2, 3)]:  # distances 15, 31, 47 (and 16, 32, 48)
        for _ in range(3):
            counts = [high] * 16
            counts[int(rng.integers(16))] = low
            edge.append(spread(db[rng.integers(len(db))], counts, rng))
        edge.append(spread(db[rng.integers(len(db))], [high] * 16, rng))
    return np.stack(near + far + edge)


@pytest.fixture(scope="module")
def data() -> Data:
    rng = np.random.default_rng(1234)
    db, ids = dataset(rng)
    return db, ids, queries(db, rng)


@pytest.fixture(params=["auto", "mih", "flat"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with the cost model free, forced onto the tables (r ≤ 47), or forced flat."""
    if request.param == "mih":
        monkeypatch.setattr(M, "PROBE_COST", 0)
        monkeypatch.setattr(M, "CANDIDATE_COST", 0)
    elif request.param == "flat":
        monkeypatch.setattr(M, "PROBE_COST", 10**12)
    return str(request.param)


@pytest.mark.parametrize("radius", RADII)
def test_matches_brute_force(data: Data, engine: str, radius: int) -> None:
    db, ids, q = data
    index = PdqIndex()
    assert index.add(ids, bits_to_hexes(db)) == len(db)
    expected = brute_force(db, ids, q, radius)
    assert index.range_search(bits_to_hexes(q), radius) == expected
    # one query per call gives the same answers as one batch
    assert [index.range_search_bits(q[i : i + 1], radius)[0] for i in range(5)] == expected[:5]
    if radius == 31:  # every planted neighbour within 31 bits is found, at its true distance
        assert sum(map(len, expected)) > 60
        assert all(results for results in expected[:31])


def test_default_radius_is_31_and_tables_are_used(
    data: Data, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, ids, q = data
    index = PdqIndex()
    index.add_bits(ids, db)

    def no_flat(*_args: object) -> None:
        raise AssertionError("exhaustive scan used")

    monkeypatch.setattr(M, "PROBE_COST", 0)
    monkeypatch.setattr(M, "CANDIDATE_COST", 0)
    monkeypatch.setattr(PdqIndex, "_search_flat", no_flat)
    assert index.range_search_bits(q) == brute_force(db, ids, q, 31)


def test_candidate_chunks(data: Data, monkeypatch: pytest.MonkeyPatch) -> None:
    db, ids, q = data
    index = PdqIndex()
    index.add_bits(ids, db)
    monkeypatch.setattr(M, "PROBE_COST", 0)
    monkeypatch.setattr(M, "CANDIDATE_COST", 0)
    monkeypatch.setattr(M, "CANDIDATE_BUDGET", 50)  # many chunks, some of a single query
    assert index.range_search_bits(q, 31) == brute_force(db, ids, q, 31)


def test_whole_space_radius(data: Data) -> None:
    db, ids, q = data
    index = PdqIndex()
    index.add_bits(ids, db)
    results = index.range_search_bits(q[:2], 256)
    assert [len(r) for r in results] == [len(db), len(db)]
    assert results == brute_force(db, ids, q[:2], 256)


def test_persistence_and_incremental_adds(data: Data, tmp_path: Path) -> None:
    db, ids, q = data
    hexes = bits_to_hexes(db)
    once = PdqIndex()
    once.add(ids, hexes)

    path = tmp_path / "sub" / "pdq.index"
    cuts = [0, 1, 1200, 1201, 2500, len(db)]
    for a, b in zip(cuts, cuts[1:], strict=False):
        index = PdqIndex.open(path)
        assert len(index) == a
        index.add(ids[a:b], hexes[a:b])
        index.save()
        assert sorted(os.listdir(path.parent)) == ["pdq.index"]  # no temp file left behind
    reopened = PdqIndex.open(path)
    assert len(reopened) == len(db)
    assert reopened.max_id == int(ids.max())
    assert np.array_equal(reopened.ids, ids)
    assert reopened.hashes() == hexes
    # the merged tables are exactly the one-shot build's
    assert np.array_equal(reopened._order, once._order)
    assert np.array_equal(reopened._goff, once._goff)
    for radius in (10, 31, 48):
        assert reopened.range_search_bits(q, radius) == once.range_search_bits(q, radius)
        assert once.range_search_bits(q, radius) == brute_force(db, ids, q, radius)


def test_open_rebuilds_inconsistent_tables(data: Data, tmp_path: Path) -> None:
    db, ids, q = data
    index = PdqIndex(tmp_path / "pdq.index")
    index.add_bits(ids, db)
    index.save()
    with np.load(tmp_path / "pdq.index") as f:
        arrays = dict(f)
    arrays["offsets"] = arrays["offsets"][:, :100]
    np.savez(tmp_path / "other.npz", **arrays)
    rebuilt = PdqIndex.open(tmp_path / "other.npz")
    assert np.array_equal(rebuilt._order, index._order)
    assert rebuilt.range_search_bits(q) == index.range_search_bits(q)


def test_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "pdq.index"
    path.write_bytes(b"not an index")
    with pytest.raises(ValueError, match="not a readable PDQ index"):
        PdqIndex.open(path)
    index = PdqIndex(path)
    index.add([1, 2], ["ab" * 32, "cd" * 32])
    index.save()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # truncated
    with pytest.raises(ValueError, match="not a readable PDQ index"):
        PdqIndex.open(path)


def test_duplicate_ids_ignored() -> None:
    rng = np.random.default_rng(7)
    a, b, c = bits_to_hexes(rng.integers(0, 256, size=(3, 32), dtype=np.uint8))
    index = PdqIndex()
    assert index.add(np.array([5, 9, 5]), [a, b, c]) == 2  # within a call: first one wins
    assert index.add(np.array([9, 12]), [c, c]) == 1  # 9 is already there
    assert index.add(np.array([5]), [c]) == 0
    assert len(index) == 3 and index.max_id == 12
    assert index.range_search([a, b, c], 0) == [[(5, 0)], [(9, 0)], [(12, 0)]]


def test_bad_input_is_refused_whole() -> None:
    good = "0123456789abcdef" * 4
    index = PdqIndex()
    index.add([1], [good])
    bad_cases = [
        [good, good, good[:-1]],  # too short
        [good, good, good + "0"],  # too long
        [good, good, "g" + good[1:]],  # not hex
        [good, good, " " + good[1:]],  # whitespace
        [good, good, "é" + good[1:]],  # not ASCII
        [good, good, None],  # not a string
    ]
    for hexes in bad_cases:
        with pytest.raises(ValueError, match=r"^hash 2\b"):
            index.add(np.array([10, 11, 12]), hexes)
        with pytest.raises(ValueError, match=r"^hash 2\b"):
            index.range_search(hexes)
    assert len(index) == 1 and index.max_id == 1
    with pytest.raises(ValueError):
        index.add([2, 3], [good])  # length mismatch
    with pytest.raises(ValueError):
        index.add([-1], [good])  # negative id
    with pytest.raises(ValueError):
        index.add(np.array([1.5]), [good])  # not integers
    with pytest.raises(ValueError):
        index.range_search([good], -1)
    assert len(index) == 1


def test_hex_conversion() -> None:
    bits = hex_to_bits(["ff" + "00" * 30 + "0A", "F" * 64])
    assert bits.shape == (2, 32) and bits.dtype == np.uint8
    assert bits[0, 0] == 255 and bits[0, 31] == 10 and bits[0, 1:31].sum() == 0
    assert (bits[1] == 255).all()
    assert bits_to_hexes(bits) == ["ff" + "00" * 30 + "0a", "f" * 64]
    assert hex_to_bits([]).shape == (0, 32)


def test_empty(tmp_path: Path) -> None:
    index = PdqIndex.open(tmp_path / "missing.index")
    assert len(index) == 0 and index.max_id == -1
    good = "ab" * 32
    assert index.range_search([good, good]) == [[], []]
    assert index.range_search([good], 100) == [[]]
    assert index.range_search([]) == []
    assert index.add(np.array([], dtype=np.int64), []) == 0
    index.save()
    reopened = PdqIndex.open(tmp_path / "missing.index")
    assert len(reopened) == 0 and reopened.range_search([good]) == [[]]
    reopened.add([3], [good])
    assert reopened.range_search([]) == []
    assert reopened.range_search([good]) == [[(3, 0)]]
