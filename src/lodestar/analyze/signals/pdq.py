"""PDQ (Meta's 256-bit perceptual image hash) via ``pdqhash``, the bindings of Meta's C++.

Values are 64 hex digits in Meta's format (the text ThreatExchange, vPDQ and hash-sharing lists
use) with a 0–100 quality. Hashes under :data:`QUALITY_THRESHOLD` (flat, nearly featureless
images) match almost anything: they are kept but not used for matching.

Images are hashed as displayed (EXIF orientation applied), in luma (PDQ's own 0.299/0.587/0.114
weights, which are JPEG's Y). Query with :func:`pdq_dihedral` to find rotated/mirrored copies.

Decode path — why PDQ here is not "pdqhash on a thumbnail"
-----------------------------------------------------------
PDQ blurs the full-resolution luma with a two-pass Jarosz (box) filter whose window is
ceil(side/128) pixels, samples it at 64×64 cell centres, then takes a 16×16 DCT. Running pdqhash
on a reduced decode changes that filter (the window is rounded at the reduced size, the sample
points move), so the hash drifts. ``benchmarks/pdq_decode.py`` measured it on 216 benign images
(200 procedural scenes at 4000×3000 / 1600×1200, portrait and odd sizes, q90 JPEG, plus 16
scikit-image samples): Hamming distance to pdqhash on the full-resolution RGB decode, over the
212 images of quality ≥ 80; ms per image on one core (best of 3 interleaved rounds):

    path                                        ms/img  ≤10 bits  mean  p99  max
    full RGB decode + pdqhash (the reference)    215.6    100 %   0.00    0    0
    fast-pass thumbnail (draft RGB, 256 px)       13.6    2.4 %  22.83   52   72
    draft luma ≥512 px + pdqhash                  20.4    100 %   3.98   10   10
    draft luma ≥256 px + pdqhash                  13.3   78.3 %   8.84   26   58
    draft luma ≥256 px, box-resize to 64×64       11.6   78.3 %   8.37   30   58
    draft luma ≥512 px, folded Jarosz             13.4    100 %   0.78    4    4
    draft luma ≥256 px, folded Jarosz (chosen)    11.7    100 %   1.05    4    6
    draft luma ≥128 px, folded Jarosz             11.4   99.5 %   2.47   10   28
    bare decode, draft luma ≥256 px (no hash)     11.0

Chosen: decode JPEGs with libjpeg's DCT scaling (Pillow ``draft``) straight to luma (no chroma
decode, no colour conversion) at the largest 1/2, 1/4 or 1/8 scale that keeps both sides
≥ :data:`DECODE_MIN_SIDE` (256: ≥ 4 reduced pixels per PDQ cell). Each reduced pixel is then
(nearly) the mean of an s×s block of the full image, so PDQ's full-resolution Jarosz filter
can be applied as PDQ would apply it by summing its weights over each block
(:func:`_jarosz_weights`, "folded Jarosz"). The resulting 64×64 buffer goes to pdqhash, which
skips its own filter for 64×64 input and computes the DCT, median bits and quality. PDQ then
costs 0.7 ms on top of the bare reduced decode (the entropy decoding is the floor), is 18×
cheaper than the full decode, and stays within 6 bits of it (p99 4). ≥ 128 px (1/8 scale on
1600×1200) is not safe (max 28). Images too small to reduce are hashed by pdqhash directly.
:func:`pdq_from_draft` hashes a decode shared with the fast-pass thumbnail (same scale, +0.7 ms).
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import ClassVar

import numpy as np
import pdqhash
from PIL import Image, ImageOps, UnidentifiedImageError

from lodestar.analyze.signals.base import SignalError, SignalValue, hamming_hex, signal_types

NAME = "pdq"
HEX_LEN = 64
QUALITY_THRESHOLD = 50  # under this a hash is kept but flagged not-for-matching
MAX_DISTANCE_DEFAULT = 31  # Meta's recommended PDQ match threshold (Hamming distance ≤ 31)
MIN_HASHABLE_SIDE = 5  # the reference hasher gives an all-zero, quality-0 hash under this
DECODE_MIN_SIDE = 256  # reduced decodes keep both sides ≥ this (4 px per 64×64 cell)

TAG_ORIENTATION = 0x0112
_SCALES = (8, 4, 2)
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, UnidentifiedImageError, EOFError, MemoryError)

DIHEDRAL_NAMES = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flip_x",
    "flip_y",
    "flip_plus1",
    "flip_minus1",
)


def bits_to_hex(bits: Sequence[int] | np.ndarray) -> str:
    """pdqhash's 256-element bit vector (bit 255 first) → 64 hex digits in Meta's format."""
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def hamming(a: str, b: str) -> int:
    """Hamming distance between two PDQ hex hashes."""
    return hamming_hex(a, b)


def usable_for_matching(quality: int | None) -> bool:
    """Whether a PDQ hash of this quality should be matched at all (quality ≥ 50)."""
    return quality is not None and quality >= QUALITY_THRESHOLD


# -- the full-resolution Jarosz filter, folded onto a reduced grid ---------------------------


@lru_cache(maxsize=256)
def _jarosz_weights(
    n_full: int, scale: int, from_end: bool = False
) -> tuple[np.ndarray, tuple[tuple[int, int], ...]]:
    """Weights (64 × ceil(n_full/scale)) that give PDQ's 64 samples along one axis.

    PDQ: two passes of a box of ``w = ceil(n/128)`` (window [k-(w-h), k+h-1] with
    h = (w+2)//2, shrunk and renormalised at the edges), then the sample at
    floor((i+0.5)·n/64). Sample i is a fixed weighted sum of full-resolution pixels; summing
    those weights over each ``scale``-pixel block gives the weights for block means. Blocks
    start at pixel 0, or — ``from_end``, for an axis that was mirrored after reducing — the
    partial block comes first. Returns the weights and each sample's non-zero [start, stop).
    """
    w = (n_full + 127) // 128
    half = (w + 2) // 2
    lo, hi = w - half, half - 1

    def window(k: int) -> tuple[int, int]:
        return max(0, k - lo), min(n_full - 1, k + hi)

    full = np.zeros((64, n_full), dtype=np.float64)
    for i in range(64):
        a, b = window(int(((i + 0.5) * n_full) / 64))
        for k in range(a, b + 1):
            a2, b2 = window(k)
            full[i, a2 : b2 + 1] += 1.0 / ((b - a + 1) * (b2 - a2 + 1))
    reduced = full
    if scale > 1:
        first = n_full - (-(-n_full // scale) - 1) * scale if from_end else scale
        starts = np.array([0, *range(first, n_full, scale)])
        reduced = np.add.reduceat(full, starts, axis=1)
    bands = []
    for row in reduced:
        nz = np.flatnonzero(row)
        bands.append((int(nz[0]), int(nz[-1]) + 1))
    return reduced.astype(np.float32), tuple(bands)


def _pdq_buffer(
    luma: np.ndarray, full_hw: tuple[int, int], scale: int, flips: tuple[bool, bool]
) -> np.ndarray:
    """The 64×64 buffer PDQ would compute from the full image, from its s×s block means."""
    rows, row_bands = _jarosz_weights(full_hw[0], scale, flips[0])
    cols, col_bands = _jarosz_weights(full_hw[1], scale, flips[1])
    data = luma.astype(np.float32)
    tmp = np.empty((64, data.shape[1]), dtype=np.float32)
    for i, (a, b) in enumerate(row_bands):
        tmp[i] = rows[i, a:b] @ data[a:b]
    out = np.empty((64, 64), dtype=np.float32)
    for j, (a, b) in enumerate(col_bands):
        out[:, j] = tmp[:, a:b] @ cols[j, a:b]
    return out


def _as_rgb(arr: np.ndarray) -> np.ndarray:
    # (Y, Y, Y) hashes as Y: PDQ's luma weights sum to 1. A broadcast view, not a copy.
    return np.broadcast_to(arr[:, :, None], (*arr.shape, 3))


# (transpose, mirror rows, mirror columns) for DIHEDRAL_NAMES, in Meta's order: rotate90 is
# PIL's ROTATE_90 (counter-clockwise), flip_x mirrors top/bottom, flip_y left/right,
# flip_plus1 is TRANSPOSE and flip_minus1 TRANSVERSE.
DIHEDRAL_OPS: tuple[tuple[bool, bool, bool], ...] = (
    (False, False, False),
    (True, True, False),
    (False, True, True),
    (True, False, True),
    (False, True, False),
    (False, False, True),
    (True, False, False),
    (True, True, True),
)


def _hash_array(
    arr: np.ndarray, full_hw: tuple[int, int], scale: int, flips: tuple[bool, bool]
) -> tuple[str, int]:
    if scale == 1:
        rgb = _as_rgb(np.ascontiguousarray(arr))
    else:
        buf = _pdq_buffer(arr, full_hw, scale, flips)
        rgb = _as_rgb(np.clip(np.rint(buf), 0, 255).astype(np.uint8))
    bits, quality = pdqhash.compute(rgb)
    return bits_to_hex(bits), int(quality)


# -- images ----------------------------------------------------------------------------------


def _oriented(img: Image.Image) -> Image.Image:
    try:
        orientation = img.getexif().get(TAG_ORIENTATION)
    except _DECODE_ERRORS + (KeyError, TypeError):
        return img
    if orientation not in (2, 3, 4, 5, 6, 7, 8):
        return img
    return ImageOps.exif_transpose(img)


def _luma(img: Image.Image) -> Image.Image:
    if img.mode == "L":
        return img
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info:
        img = img.convert("RGBA").convert("RGB")  # alpha dropped, like the reference hashers
    if img.mode not in ("RGB", "RGBA", "1", "P", "I", "F", "I;16"):
        img = img.convert("RGB")  # CMYK, YCbCr, LAB, HSV: through RGB, as the reference does
    return img.convert("L")


def _pdq_of_reduced(
    luma: Image.Image, full_size: tuple[int, int], scale: int, *, dihedral: bool = False
) -> tuple[list[str], int]:
    """PDQ (or all 8 dihedral PDQs) of the full image from its reduced luma."""
    if min(full_size) < MIN_HASHABLE_SIDE:
        return [], 0
    base = np.asarray(luma)
    full_hw = (full_size[1], full_size[0])
    hashes: list[str] = []
    quality = 0
    for n, (transpose, flip_rows, flip_cols) in enumerate(
        DIHEDRAL_OPS if dihedral else DIHEDRAL_OPS[:1]
    ):
        arr, hw = (base.T, full_hw[::-1]) if transpose else (base, full_hw)
        if flip_rows:
            arr = arr[::-1]
        if flip_cols:
            arr = arr[:, ::-1]
        value, q = _hash_array(arr, (hw[0], hw[1]), scale, (flip_rows, flip_cols))
        hashes.append(value)
        quality = q if n == 0 else quality
    return hashes, quality


def _reduce(img: Image.Image, min_side: int) -> tuple[Image.Image, tuple[int, int], int]:
    """Luma of ``img`` as s×s block means (largest s in 8/4/2 keeping ≥ min_side), full size, s."""
    luma = _luma(img)
    for s in _SCALES:
        if min(img.size) // s >= min_side:
            return luma.reduce(s), img.size, s
    return luma, img.size, 1


def pdq_from_image(img: Image.Image, *, min_side: int = DECODE_MIN_SIDE) -> SignalValue | None:
    """PDQ of a decoded image as displayed (EXIF orientation applied); None if under 5 px."""
    luma, full, scale = _reduce(_oriented(img), min_side)
    hashes, quality = _pdq_of_reduced(luma, full, scale)
    return SignalValue(NAME, hashes[0], quality) if hashes else None


def pdq_dihedral(img: Image.Image, *, min_side: int = DECODE_MIN_SIDE) -> list[str]:
    """The image's PDQ and its 7 rotated/mirrored variants (order: DIHEDRAL_NAMES).

    Stored hashes are of images as found; querying with all eight finds copies that were
    rotated by a multiple of 90° or mirrored. Each variant is the PDQ of the transformed
    image (the reduced luma is transformed and hashed again — 8 × ~1 ms), not pdqhash's
    DCT-domain shortcut, which is 10–20 bits off the transformed image's own PDQ at common
    sizes because PDQ's sample grid and even-width box windows are not mirror-symmetric.
    Empty if the image is under 5 px.
    """
    luma, full, scale = _reduce(_oriented(img), min_side)
    return _pdq_of_reduced(luma, full, scale, dihedral=True)[0]


def pdq_reference(img: Image.Image) -> SignalValue | None:
    """pdqhash on the full-resolution RGB image, as Meta's reference does (slow; for checks)."""
    img = _oriented(img)
    if min(img.size) < MIN_HASHABLE_SIDE:
        return None
    bits, quality = pdqhash.compute(np.asarray(img.convert("RGB")))
    return SignalValue(NAME, bits_to_hex(bits), int(quality))


# -- bytes -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DecodedForPDQ:
    """A reduced luma decode plus what is needed to hash it as if it were full resolution:
    ``luma`` holds s×s block means (s = ``scale``) of an image of ``full_size`` (w, h)."""

    luma: Image.Image
    full_size: tuple[int, int]
    scale: int


def _scale_of(full: tuple[int, int], reduced: tuple[int, int]) -> int | None:
    for s in (1, *_SCALES):
        if reduced == ((full[0] + s - 1) // s, (full[1] + s - 1) // s):
            return s
    return None


def decode_for_pdq(data: bytes, *, min_side: int = DECODE_MIN_SIDE) -> DecodedForPDQ:
    """Decode image bytes along Lodestar's PDQ path: JPEG by DCT scaling straight to luma.

    Raises SignalError (``image_unreadable`` or ``decompression_bomb``) for input Pillow
    cannot decode; callers turn that into a warning.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            full = img.size
            scale = 1
            if img.format == "JPEG":
                want = next((s for s in _SCALES if min(full) // s >= min_side), 1)
                if want > 1:
                    img.draft("L", (full[0] // want, full[1] // want))
                    got = _scale_of(full, img.size)
                    if got is None:  # libjpeg chose a scale we cannot fold: decode in full
                        img = Image.open(io.BytesIO(data))
                    scale = got or 1
            img.load()
            return _from_loaded(img, full, scale, min_side)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise SignalError("decompression_bomb", str(exc)) from exc
    except _DECODE_ERRORS as exc:
        raise SignalError("image_unreadable", f"cannot decode image for PDQ: {exc}") from exc


def _from_loaded(
    img: Image.Image, full: tuple[int, int], scale: int, min_side: int
) -> DecodedForPDQ:
    oriented = _oriented(img)
    if oriented.size != img.size:  # turned by 90°: so is the full-size image it stands for
        full = (full[1], full[0])
    if scale == 1:
        return DecodedForPDQ(*_reduce(oriented, min_side))
    return DecodedForPDQ(_luma(oriented), full, scale)


def pdq_from_draft(img: Image.Image, full_size: tuple[int, int]) -> SignalValue | None:
    """PDQ of an image Pillow decoded with ``draft`` (any mode) from a ``full_size`` original.

    For sharing one reduced decode with something else — e.g. the fast pass's thumbnail,
    whose ``draft("RGB", (256, 256))`` picks the same DCT scale as this module — call it
    after ``draft`` + ``load`` and before resizing. ValueError if ``img.size`` is not a
    1/1, 1/2, 1/4 or 1/8 scale of ``full_size``.
    """
    scale = _scale_of(full_size, img.size)
    if scale is None:
        raise ValueError(f"{img.size} is not a 1/2^k DCT scale of {full_size}")
    return pdq_from_decoded(_from_loaded(img, full_size, scale, DECODE_MIN_SIDE))


def pdq_from_decoded(decoded: DecodedForPDQ) -> SignalValue | None:
    hashes, quality = _pdq_of_reduced(decoded.luma, decoded.full_size, decoded.scale)
    return SignalValue(NAME, hashes[0], quality) if hashes else None


def pdq_dihedral_from_decoded(decoded: DecodedForPDQ) -> list[str]:
    return _pdq_of_reduced(decoded.luma, decoded.full_size, decoded.scale, dihedral=True)[0]


def pdq_from_jpeg_bytes(data: bytes, *, min_side: int = DECODE_MIN_SIDE) -> SignalValue | None:
    """PDQ of image bytes: JPEGs by the reduced luma decode, other formats decoded in full.

    None when the image is under 5 px on a side; SignalError when it cannot be decoded.
    """
    return pdq_from_decoded(decode_for_pdq(data, min_side=min_side))


class PDQSignal:
    """The ``pdq`` signal type: 64 hex digits, Hamming distance, match at ≤ 31 bits.

    Computed by the fast pass for every image, from the decode that also makes the thumbnail.
    """

    name: ClassVar[str] = NAME
    kinds: ClassVar[tuple[str, ...]] = ("image",)
    in_fast_pass: ClassVar[bool] = True
    max_distance_default: ClassVar[int] = MAX_DISTANCE_DEFAULT

    def hash_image(
        self, img: Image.Image, *, full_size: tuple[int, int] | None = None
    ) -> SignalValue | None:
        if full_size is not None and img.size != full_size:
            return pdq_from_draft(img, full_size)  # a reduced decode: hashed as the full image
        return pdq_from_image(img)

    def hash_file(self, source: str | Path | bytes) -> SignalValue | None:
        if isinstance(source, bytes):
            return pdq_from_jpeg_bytes(source)
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise SignalError("image_unreadable", f"cannot read {source}: {exc}") from exc
        return pdq_from_jpeg_bytes(data)

    def distance(self, a: str, b: str) -> int:
        return hamming(a, b)


signal_types.register(PDQSignal())
