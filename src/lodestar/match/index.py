"""A persistent, incrementally updated Hamming range-search index for 256-bit PDQ hashes.

:class:`PdqIndex` maps the caller's integer keys (signal row ids) to PDQ hashes (64 hex digits)
and answers "which indexed hashes are within Hamming distance r of this one" *exactly*: every
result carries its true distance and nothing within the radius is ever missed (full recall).

Engine — multi-index hashing (MIH), hand-written in numpy
---------------------------------------------------------
The 256 bits are cut into 16 disjoint, consecutive 16-bit substrings (bytes 2t, 2t+1 of the
packed hash, t = 0..15). By pigeonhole, two hashes within distance r differ in at most
``r // 16`` bits in at least one substring. So for each of the 16 tables (one per substring)
the index keeps the row numbers sorted by that substring's value, with a 65,537-entry offset
array (a CSR bucket table: bucket k is ``order[t][offsets[t][k]:offsets[t][k + 1]]``). A query
probes, per table, every key within ``r // 16`` bits of its own substring (17 keys at the
default r = 31: the exact key and its 16 one-bit flips), gathers those buckets' rows as
candidates, and verifies each with XOR + popcount on the full hash; rows found through several
tables are de-duplicated. Probing ``r // 16`` flips is exact for every r; the tables serve
r ≤ 47 (``r // 16`` ≤ 2: 137 probes per table). Beyond that (697 probes per table at r ≤ 63,
~17 % of the index as candidates), and whenever a small cost model (:data:`PROBE_COST`,
:data:`CANDIDATE_COST`) says a batch's probes and candidates cost more than reading every row —
small indexes, or r = 32..47 below ~100k hashes — the batch is answered by an exhaustive scan,
faiss ``IndexBinaryFlat`` (built on first use, dropped on add). Same results either way.

Why hand-written, not faiss. ``benchmarks/index.py`` on the dev machine (2-core AMD EPYC VM,
other jobs running; faiss-cpu 1.15.1, numpy 2.4, one thread), 1M hashes, 200 planted queries
(each a neighbour at distance 0..31), r = 31, all engines with recall 1.0 and exactly the
(id, distance) sets of the exhaustive scan:

    engine (1M hashes, r = 31)                     build   memory   ms/query batch / one-by-one
    faiss IndexBinaryFlat (exhaustive scan)         0.0 s    32 MB   1.10 / 1.26
    faiss IndexBinaryMultiHash(16×16, nflip=1)      4.1 s   351 MB   1.75 / 1.96
    this module (MIH 16×16, one-flip probes)        0.4 s   112 MB   0.12 / 0.24

(1M with 1 % near-duplicate families: 1.04 / 1.13, 1.73 / 1.80, 0.13 / 0.24.) Also tried:
MultiHash with 2 OpenMP threads 1.41 ms; 12×20 bits, nflip=2: 2.2 ms (12 s build); 21×12 bits,
nflip=1: 53 ms. faiss's MultiHash generates the same candidates as this module but gathers
them per query into a ``std::unordered_set`` through ``std::unordered_map`` buckets, which at 1M
costs more than scanning all rows; ``IndexBinaryHash`` hashes only the first b bits, so it is
exact at r = 31 only when flipping up to 31 of them. Only the hand-written engine reaches the
target (≤ 1 ms/query at 1M with full recall), so it is kept, with faiss for exhaustive scans.

What makes the numpy version fast: candidates of a whole query batch are generated with a
handful of vectorised calls (no Python loop per query or per table); the hashes are stored
column-wise (four ``uint64`` arrays of N), so verifying candidates is 1-D ``take``s, and only
the first two words are fetched for all of them — a random pair is ~64 bits apart on those 128,
so almost none survive to have the other two fetched; duplicates are removed only among the
(few) survivors, during the final sort. Per call, ~50 µs go to numpy call overhead.

Memory (N hashes): hashes 32 B + id 8 B + 16 tables × 4 B row numbers = 104 B per hash, plus
16 × 65,537 × 8 B = 8.4 MB of bucket offsets: 1M hashes ≈ 112 MB (raw hashes: 32 MB), plus
32 B per hash while an exhaustive-scan index is cached. A query batch holds ~30 B per
candidate, at most :data:`CANDIDATE_BUDGET` candidates at a time.

Persistence: one ``.npz`` file (uncompressed; hashes, ids, tables), written to a temporary
file in the same directory, fsynced, then ``os.replace``d — a crash leaves the old index or the
new one, never a torn file. Incremental adds merge new rows into the sorted tables (an O(N)
``np.insert`` per table, not a re-sort: 0.17 s for 1,000 rows into 1M) and give exactly the
arrays a one-shot build gives. 1M: 112 MB file, save 0.35 s, open 0.27 s.

Not thread-safe: don't add while another thread searches.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import zipfile
from collections.abc import Sequence
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

HEX_LEN = 64
NBYTES = 32
NTABLES = 16  # 16 disjoint 16-bit substrings
NBUCKETS = 1 << 16
MAX_MIH_FLIPS = 2  # r // 16 ≤ 2 (r ≤ 47) uses the tables; larger radii scan exhaustively
DEFAULT_RADIUS = 31  # Meta's recommended PDQ match threshold
CANDIDATE_BUDGET = 1 << 20  # candidates verified per chunk of a query batch (bounds memory)
# Cost model, in units of "one row of an exhaustive scan" (faiss IndexBinaryFlat, ~1.5 ns):
# one bucket probe ≈ 25 (two random reads of the offsets), one candidate ≈ 16 (random reads of
# its row number and hash words). A batch whose probes + candidates cost more than scanning
# the index is scanned instead — small indexes, radii 32..47 below ~100k hashes. Results are
# identical either way; only the speed differs.
PROBE_COST = 25
CANDIDATE_COST = 16
FORMAT_VERSION = 1
MAX_ROWS = (1 << 32) - 1  # row numbers are stored as uint32

# ASCII byte → nibble value, 255 for anything that is not a hex digit.
_NIBBLE = np.full(256, 255, dtype=np.uint8)
for _i, _c in enumerate(b"0123456789abcdef"):
    _NIBBLE[_c] = _i
for _i, _c in enumerate(b"ABCDEF"):
    _NIBBLE[_c] = 10 + _i

Result = list[tuple[int, int]]

_popcount = np.bitwise_count


def hex_to_bits(hexes: Sequence[str]) -> np.ndarray:
    """64-hex-digit hashes → packed bits, ``(n, 32) uint8`` (byte i = hex digits 2i, 2i+1).

    Upper or lower case; anything else (wrong length, non-hex characters, whitespace, non-str)
    raises ``ValueError`` naming the index of the first bad hash.
    """
    n = len(hexes)
    if n == 0:
        return np.zeros((0, NBYTES), dtype=np.uint8)
    try:
        text = "".join(hexes)
    except TypeError:
        bad = next(i for i, h in enumerate(hexes) if not isinstance(h, str))
        raise ValueError(
            f"hash {bad}: expected a {HEX_LEN}-hex-digit string, got {type(hexes[bad]).__name__}"
        ) from None
    lengths = np.fromiter(map(len, hexes), dtype=np.int64, count=n)
    wrong = np.flatnonzero(lengths != HEX_LEN)
    if wrong.size:
        bad = int(wrong[0])
        raise ValueError(
            f"hash {bad}: expected {HEX_LEN} hex digits, got {lengths[bad]} ({hexes[bad]!r:.80})"
        )
    try:
        raw = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    except UnicodeEncodeError as exc:
        bad = exc.start // HEX_LEN
        raise ValueError(f"hash {bad}: not a hex string ({hexes[bad]!r:.80})") from None
    nib = _NIBBLE[raw]
    invalid = np.flatnonzero(nib == 255)
    if invalid.size:
        bad = int(invalid[0]) // HEX_LEN
        raise ValueError(f"hash {bad}: not a hex string ({hexes[bad]!r:.80})")
    nib = nib.reshape(n, NBYTES, 2)
    return (nib[:, :, 0] << 4) | nib[:, :, 1]


def bits_to_hexes(bits: np.ndarray) -> list[str]:
    """Packed ``(n, 32) uint8`` hashes → lowercase 64-hex-digit strings (inverse of hex_to_bits)."""
    arr = np.ascontiguousarray(bits, dtype=np.uint8).reshape(-1, NBYTES)
    text = arr.tobytes().hex()
    return [text[i : i + HEX_LEN] for i in range(0, len(text), HEX_LEN)]


def _flip_masks(nflip: int) -> np.ndarray:
    """Every 16-bit mask with at most ``nflip`` bits set (the probe offsets of one table)."""
    masks = [0]
    for k in range(1, nflip + 1):
        masks.extend(sum(1 << b for b in bits) for bits in combinations(range(16), k))
    return np.array(masks, dtype=np.uint16)


_MASKS = [_flip_masks(k) for k in range(MAX_MIH_FLIPS + 1)]
_TABLE_BASE = (np.arange(NTABLES, dtype=np.intp) * (NBUCKETS + 1))[:, None]


def _as_queries(queries: np.ndarray) -> np.ndarray:
    q = np.ascontiguousarray(queries, dtype=np.uint8)
    if q.ndim != 2 or q.shape[1] != NBYTES:
        raise ValueError(f"queries must be packed hashes of shape (n, {NBYTES}), got {q.shape}")
    return q


class PdqIndex:
    """Exact Hamming range search over 256-bit PDQ hashes, keyed by the caller's int ids.

    ``PdqIndex.open(path)`` loads the index saved at ``path`` (or starts an empty one there);
    ``add`` new rows, ``range_search``, then ``save``. Ids are non-negative int64 keys, unique:
    adding an id that is already present is a no-op. For incremental updates add only rows with
    ``id > index.max_id``.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self._ids = np.zeros(0, dtype=np.int64)
        self._cols = np.zeros((NBYTES // 8, 0), dtype=np.uint64)  # (4, N): word w of each hash
        self._order = np.zeros((NTABLES, 0), dtype=np.uint32)  # rows sorted by substring t
        # CSR bucket offsets into order.ravel(): table t's bucket k is
        # order.ravel()[goff[t * 65537 + k] : goff[t * 65537 + k + 1]].
        self._goff = _global_offsets(np.zeros((NTABLES, NBUCKETS + 1), dtype=np.int64))
        self._flat: Any = None  # faiss IndexBinaryFlat for exhaustive scans, built on demand

    # ---------------------------------------------------------------- persistence

    @classmethod
    def open(cls, path: Path) -> PdqIndex:
        """Load the index saved at ``path``, or an empty index that will be saved there."""
        index = cls(path)
        path = Path(path)
        if not path.exists():
            return index
        try:
            with np.load(path, allow_pickle=False) as data:
                version = int(data["version"])
                if version != FORMAT_VERSION:
                    raise ValueError(f"unsupported PDQ index format version {version}")
                bits = np.ascontiguousarray(data["hashes"], dtype=np.uint8)
                ids = np.ascontiguousarray(data["ids"], dtype=np.int64)
                order = np.ascontiguousarray(data["order"], dtype=np.uint32)
                offsets = np.ascontiguousarray(data["offsets"], dtype=np.int64)
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise ValueError(f"{path}: not a readable PDQ index ({exc})") from exc
        n = len(ids)
        if bits.shape != (n, NBYTES):
            raise ValueError(f"{path}: hashes and ids disagree ({bits.shape} vs {n})")
        index._ids = ids
        index._cols = np.ascontiguousarray(bits.view(np.uint64).T)
        if (
            order.shape == (NTABLES, n)
            and offsets.shape == (NTABLES, NBUCKETS + 1)
            and bool(np.all(offsets[:, 0] == 0) and np.all(offsets[:, -1] == n))
            and bool(np.all(np.diff(offsets, axis=1) >= 0))
        ):
            index._order = order
        else:  # tables missing or inconsistent: rebuild them from the hashes
            index._order, offsets = _build_tables(bits)
        index._goff = _global_offsets(offsets)
        return index

    def save(self, path: Path | None = None) -> Path:
        """Write the index atomically (temp file in the same directory, fsync, os.replace)."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("no path to save the PDQ index to")
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(
                    fh,
                    version=np.array(FORMAT_VERSION),
                    hashes=self._bits(),
                    ids=self._ids,
                    order=self._order,
                    offsets=self._local_offsets(),
                )
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp_name, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
            raise
        with contextlib.suppress(OSError):  # make the rename itself durable (POSIX)
            dir_fd = os.open(target.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        self.path = target
        return target

    # ---------------------------------------------------------------- contents

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def max_id(self) -> int:
        """Highest id indexed, -1 when empty (ids are ≥ 0)."""
        return int(self._ids.max()) if len(self._ids) else -1

    @property
    def ids(self) -> np.ndarray:
        """The indexed ids in insertion order (read-only view)."""
        view = self._ids.view()
        view.flags.writeable = False
        return view

    @property
    def nbytes(self) -> int:
        """Bytes held by the index's arrays (hashes, ids, tables, offsets)."""
        arrays = self._cols.nbytes + self._ids.nbytes + self._order.nbytes + self._goff.nbytes
        flat = self._cols.nbytes if self._flat is not None else 0  # the cached exhaustive index
        return int(arrays + flat)

    def _bits(self) -> np.ndarray:
        return np.ascontiguousarray(self._cols.T).view(np.uint8).reshape(-1, NBYTES)

    def hashes(self) -> list[str]:
        """The indexed hashes (hex) in insertion order, aligned with :attr:`ids`."""
        return bits_to_hexes(self._bits())

    def add(self, ids: np.ndarray | Sequence[int], hashes_hex: Sequence[str]) -> int:
        """Index ``hashes_hex[i]`` under ``ids[i]``; returns how many rows were new.

        Ids already indexed (or repeated within the call: the first one wins) are ignored. The
        whole call is refused (``ValueError``, nothing added) if any hash or id is invalid.
        """
        return self.add_bits(ids, hex_to_bits(hashes_hex))

    def add_bits(self, ids: np.ndarray | Sequence[int], bits: np.ndarray) -> int:
        """:meth:`add` for packed ``(n, 32) uint8`` hashes."""
        id_arr = np.asarray(ids)
        if id_arr.size == 0:
            id_arr = id_arr.astype(np.int64)
        if id_arr.ndim != 1 or id_arr.dtype.kind not in "iu":
            raise ValueError(f"ids must be a 1-D integer array, got {id_arr.dtype} {id_arr.shape}")
        new_bits = _as_queries(bits)
        if len(id_arr) != len(new_bits):
            raise ValueError(f"{len(id_arr)} ids for {len(new_bits)} hashes")
        if id_arr.size and (id_arr.min() < 0 or id_arr.max() > np.iinfo(np.int64).max):
            raise ValueError("ids must be non-negative int64 values")
        id_arr = id_arr.astype(np.int64)
        # Keep the first occurrence of each id, then drop ids already indexed.
        _, first = np.unique(id_arr, return_index=True)
        keep = np.zeros(len(id_arr), dtype=bool)
        keep[first] = True
        if len(self._ids) and id_arr.size and id_arr.min() <= self.max_id:
            keep &= ~np.isin(id_arr, self._ids)
        if not keep.all():
            id_arr, new_bits = id_arr[keep], new_bits[keep]
        m, n = len(id_arr), len(self._ids)
        if m == 0:
            return 0
        if n + m > MAX_ROWS:
            raise ValueError(f"a PDQ index holds at most {MAX_ROWS} hashes")
        new_cols = np.ascontiguousarray(new_bits.view(np.uint64).T)
        if n == 0:
            self._order, offsets = _build_tables(new_bits)
        else:
            offsets = self._local_offsets()
            self._order, offsets = _merge_tables(self._order, offsets, new_bits, n)
        self._cols = np.concatenate([self._cols, new_cols], axis=1)
        self._ids = np.concatenate([self._ids, id_arr])
        self._goff = _global_offsets(offsets)
        self._flat = None
        return m

    def _local_offsets(self) -> np.ndarray:
        """(16, 65537) per-table bucket offsets (into ``order[t]``)."""
        n = self._order.shape[1]
        shift = (np.arange(NTABLES, dtype=np.int64) * n)[:, None]
        return self._goff.reshape(NTABLES, NBUCKETS + 1) - shift

    # ---------------------------------------------------------------- search

    def range_search(
        self, queries_hex: Sequence[str], radius: int = DEFAULT_RADIUS
    ) -> list[Result]:
        """Per query, every indexed ``(id, distance)`` with distance ≤ ``radius`` (any r ≥ 0).

        Sorted by distance then id. Exact (full recall) at every radius.
        """
        return self.range_search_bits(hex_to_bits(queries_hex), radius)

    def range_search_bits(self, queries: np.ndarray, radius: int = DEFAULT_RADIUS) -> list[Result]:
        """:meth:`range_search` for packed ``(n, 32) uint8`` queries."""
        q = _as_queries(queries)
        radius = int(radius)
        if radius < 0:
            raise ValueError(f"radius must be ≥ 0, got {radius}")
        nq = len(q)
        if nq == 0:
            return []
        if len(self._ids) == 0:
            return [[] for _ in range(nq)]
        if radius // 16 <= MAX_MIH_FLIPS:
            qid, rows, dist = self._search_mih(q, radius)
        else:
            qid, rows, dist = self._search_flat(q, radius)
        return self._results(nq, qid, rows, dist)

    def _search_mih(self, q: np.ndarray, radius: int) -> tuple[np.ndarray, ...]:
        masks = _MASKS[radius // 16]
        nq, per_query, n = len(q), NTABLES * len(masks), len(self._ids)
        if per_query * PROBE_COST > n:
            return self._search_flat(q, radius)
        # Probe keys: (nq, 16 tables, P flips) → bucket ranges in the flattened tables.
        keys = q.view(np.uint16)[:, :, None] ^ masks
        probes = (keys.astype(np.intp) + _TABLE_BASE).reshape(-1)
        starts = self._goff[probes]
        lens = self._goff[probes + 1] - starts
        q_counts = lens.reshape(nq, per_query).sum(axis=1)
        if nq * per_query * PROBE_COST + int(q_counts.sum()) * CANDIDATE_COST > nq * n:
            return self._search_flat(q, radius)
        q_words = [np.ascontiguousarray(q.view(np.uint64)[:, w]) for w in range(4)]
        order = self._order.reshape(-1)
        cols = self._cols
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for a, b in _chunks(q_counts, CANDIDATE_BUDGET):
            c_starts = starts[a * per_query : b * per_query]
            c_lens = lens[a * per_query : b * per_query]
            total = int(q_counts[a:b].sum())
            if total == 0:
                continue
            # Candidate positions: the concatenation of every probed bucket range.
            ends = np.cumsum(c_lens)
            pos = np.repeat(c_starts - (ends - c_lens), c_lens)
            pos += np.arange(total, dtype=np.intp)
            rows = order[pos]
            qid = np.repeat(np.arange(a, b, dtype=np.intp), q_counts[a:b])
            # Verify on words 0-1 first (at r = 31 a random pair survives with p ≈ 5e-9), then 2-3.
            dist = _popcount(cols[0].take(rows) ^ q_words[0].take(qid))
            dist += _popcount(cols[1].take(rows) ^ q_words[1].take(qid))
            ok = np.flatnonzero(dist <= radius)
            rows, qid = rows[ok], qid[ok]
            d = dist[ok].astype(np.int16)
            d += _popcount(cols[2].take(rows) ^ q_words[2].take(qid))
            d += _popcount(cols[3].take(rows) ^ q_words[3].take(qid))
            ok = np.flatnonzero(d <= radius)
            parts.append((qid[ok], rows[ok], d[ok]))
        return _concat(parts)

    def _search_flat(self, q: np.ndarray, radius: int) -> tuple[np.ndarray, ...]:
        if self._flat is None:
            import faiss  # the exhaustive scan, for radii the tables cannot serve efficiently

            self._flat = faiss.IndexBinaryFlat(NBYTES * 8)
            self._flat.add(self._bits())
        lims, dist, rows = self._flat.range_search(q, radius + 1)  # faiss keeps dist < radius
        qid = np.repeat(np.arange(len(q), dtype=np.intp), np.diff(lims).astype(np.intp))
        return qid, rows.astype(np.intp), dist.astype(np.int16)

    def _results(
        self, nq: int, qid: np.ndarray, rows: np.ndarray, dist: np.ndarray
    ) -> list[Result]:
        ids = self._ids[rows]
        srt = np.lexsort((ids, dist, qid))
        qid, ids, dist = qid[srt], ids[srt], dist[srt]
        if len(qid) > 1:  # a row reached through several tables: keep one copy
            dup = np.zeros(len(qid), dtype=bool)
            dup[1:] = (qid[1:] == qid[:-1]) & (ids[1:] == ids[:-1])
            if dup.any():
                keep = ~dup
                qid, ids, dist = qid[keep], ids[keep], dist[keep]
        pairs = list(zip(ids.tolist(), dist.tolist(), strict=True))
        bounds = np.searchsorted(qid, np.arange(nq + 1)).tolist()
        return [pairs[bounds[i] : bounds[i + 1]] for i in range(nq)]


def _global_offsets(offsets: np.ndarray) -> np.ndarray:
    """Per-table offsets (16, 65537) → offsets into the flattened (16 × N) ``order``."""
    n = int(offsets[0, -1])
    shift = (np.arange(NTABLES, dtype=np.int64) * n)[:, None]
    return np.ascontiguousarray(offsets + shift).ravel()


def _build_tables(bits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per table: rows sorted (stably) by their 16-bit substring, and the bucket offsets."""
    n = len(bits)
    keys = np.ascontiguousarray(bits).view(np.uint16)  # (n, 16)
    order = np.empty((NTABLES, n), dtype=np.uint32)
    offsets = np.zeros((NTABLES, NBUCKETS + 1), dtype=np.int64)
    for t in range(NTABLES):
        k = keys[:, t]
        order[t] = np.argsort(k, kind="stable")  # radix sort for 16-bit keys
        np.cumsum(np.bincount(k, minlength=NBUCKETS), out=offsets[t, 1:])
    return order, offsets


def _merge_tables(
    order: np.ndarray, offsets: np.ndarray, new_bits: np.ndarray, first_row: int
) -> tuple[np.ndarray, np.ndarray]:
    """Insert rows ``first_row…`` at the end of their buckets: what a full rebuild would give."""
    n, m = order.shape[1], len(new_bits)
    keys = np.ascontiguousarray(new_bits).view(np.uint16)
    new_rows = np.arange(first_row, first_row + m, dtype=np.uint32)
    merged = np.empty((NTABLES, n + m), dtype=np.uint32)
    new_offsets = offsets.copy()
    for t in range(NTABLES):
        k = keys[:, t]
        srt = np.argsort(k, kind="stable")
        merged[t] = np.insert(order[t], offsets[t][k[srt].astype(np.intp) + 1], new_rows[srt])
        new_offsets[t, 1:] += np.cumsum(np.bincount(k, minlength=NBUCKETS))
    return merged, new_offsets


def _chunks(counts: np.ndarray, budget: int) -> list[tuple[int, int]]:
    """Split queries into consecutive runs of about ``budget`` candidates (at least one each)."""
    bounds: list[tuple[int, int]] = []
    cum = np.cumsum(counts)
    a, base, n = 0, 0, len(counts)
    while a < n:
        b = int(np.searchsorted(cum, base + budget, side="right"))
        b = max(b, a + 1)
        bounds.append((a, b))
        base = int(cum[b - 1])
        a = b
    return bounds


def _concat(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> tuple[Any, ...]:
    if not parts:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty, np.zeros(0, dtype=np.int16)
    if len(parts) == 1:
        return parts[0]
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(3))
