"""Local features with geometric verification: the near-duplicates PDQ misses.

PDQ is a global hash: a 10 % crop, a 5° rotation, a caption band or a window frame around the
picture moves it past any safe threshold. Local features survive those edits. Every image gets
ORB keypoints (OpenCV) on a grey copy normalised to :data:`WORK_SIDE` pixels on its long side;
two images match when enough descriptor matches (Lowe's ratio test) agree on one similarity
transform (rotation + uniform scale + shift, RANSAC) — a geometric check that chance matches
between different pictures do not pass. The same verification serves "same scene" links.

Retrieval stays near-linear in the collection: every query descriptor looks up its
:data:`VOTE_NEIGHBOURS` nearest indexed descriptors in a faiss binary index and votes for their
images; only a short list of the most-voted images is verified. Up to :data:`FLAT_MAX`
indexed descriptors the index is exact (``IndexBinaryFlat``: a query costs one Hamming distance
per indexed descriptor, so the whole collection costs its square). Above it the index becomes an
inverted file (``IndexBinaryIVF``) over :func:`ivf_lists` cells — √(D) · 2 rounded to a power of
two for D indexed descriptors, within 256…8192 — and each query descriptor scans only the
:data:`NPROBE` nearest cells: a query then costs about 2 · √(D) distances per query descriptor
(cell centres plus the probed cells), so a collection costs ≈ N^1.5 instead of N².

The cell centres are a fixed-seed random sample of the indexed descriptors, not k-means: faiss's
binary k-means works on float copies, and thousands of centres over ~40 samples each would take
minutes on one thread (estimated, not run); a sample costs nothing, lands more centres where
descriptors are dense (frequent "visual words") and kept the shortlist recall of planted pairs at
the flat index's (``benchmarks/scene_scale.py``: 10k and 50k images, 1 M and 5 M descriptors: the
same planted pairs found as by the flat index, at 1/30 and 1/100 of its time per image). On real
ORB features (the ``small`` series demo, 305 images, forced to an IVF) it kept 98 % of the flat
index's verified scene links and found 28 that the flat shortlist had no room for; NPROBE 32 or 64
changed nothing (the differences are ties at the :data:`SHORTLIST` cut, not missed neighbours). The
IVF is rebuilt (new sample, more cells) each time the collection grows :data:`REBUILD_GROWTH`-fold,
so a rebuild's cost is amortised over the adds; owner ids sit in a doubling buffer, so ``add`` is
amortised O(1) apart from that. Below :data:`FLAT_MAX` the results are exactly the flat index's
(small collections, the tests and ``benchmarks/neardup.py`` see no change).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import faiss
import numpy as np
from PIL import Image, ImageOps

WORK_SIDE = 640  # long side of the grey image features are found on
MAX_FEATURES = 600
RATIO = 0.8  # Lowe's ratio test
MAX_VOTE_DISTANCE = 64  # of 256 bits: a descriptor farther away casts no vote
SHORTLIST = 8
VOTE_NEIGHBOURS = 4  # nearest indexed descriptors each query descriptor looks at
MIN_VOTES = 6
MIN_INLIERS = 16
MIN_INLIER_SHARE = 0.35  # of the ratio-test matches
RANSAC_PIXELS = 6.0
SCALE_RANGE = (0.25, 4.0)
CHECK_SIDE = 320  # long side of the grey copy kept for the block check
BLOCKS = 16  # the block check splits the query into BLOCKS × BLOCKS
MIN_AGREEMENT = 0.55  # synthetic rooms sharing objects reached 0.50, edited copies ≥ 0.59
MIN_NEAR_DUP_SHARE = 0.55  # inliers / matches: same-template rooms ≤ 0.49, edited copies ≥ 0.60
VERSION = "orb-1"
FLAT_MAX = 1 << 18  # indexed descriptors searched exactly (≈ 440 images of 600 features)
NPROBE = 16  # IVF cells scanned per query descriptor: recall of planted pairs = flat's
REBUILD_GROWTH = 4  # rebuild the IVF (more cells) when the collection grew this much
IVF_SEED = 0  # cell-centre sample: fixed, so shortlists are reproducible


@dataclass(frozen=True)
class LocalFeatures:
    """ORB keypoints of one image: positions on the normalised copy and 256-bit descriptors."""

    xy: np.ndarray  # (n, 2) float32
    descriptors: np.ndarray  # (n, 32) uint8
    size: tuple[int, int]  # of the normalised copy
    check: np.ndarray  # grey copy, long side CHECK_SIDE, for the block check

    def __len__(self) -> int:
        return len(self.descriptors)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part.npz")
        np.savez_compressed(
            tmp,
            xy=self.xy,
            descriptors=self.descriptors,
            size=np.array(self.size),
            check=self.check,
        )
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> LocalFeatures:
        with np.load(path) as data:
            w, h = (int(v) for v in data["size"])
            return cls(data["xy"], data["descriptors"], (w, h), data["check"])


@dataclass(frozen=True)
class Verification:
    inliers: int
    matches: int  # ratio-test matches the transform was estimated from
    scale: float
    rotation_deg: float
    agreement: float  # share of textured blocks that agree once aligned

    @property
    def near_duplicate(self) -> bool:
        """Same picture (edited), not just a shared object such as one sign or shelf: in an
        edited copy most ratio-test matches agree on one transform and the aligned pictures
        agree block by block; two renders of one room template fail one or the other."""
        return self.agreement >= MIN_AGREEMENT and self.share >= MIN_NEAR_DUP_SHARE

    @property
    def share(self) -> float:
        return self.inliers / self.matches if self.matches else 0.0

    def as_detail(self) -> dict[str, Any]:
        return {
            "inliers": self.inliers,
            "matches": self.matches,
            "scale": round(self.scale, 3),
            "rotation_deg": round(self.rotation_deg, 1),
            "agreement": round(self.agreement, 3),
            "method": VERSION,
        }


def normalised_grey(img: Image.Image) -> np.ndarray:
    """Upright grey copy with its long side at WORK_SIDE (so scale differences shrink)."""
    img = ImageOps.exif_transpose(img)
    grey = img.convert("L")
    w, h = grey.size
    factor = WORK_SIDE / max(w, h)
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    return np.asarray(grey.resize(size, Image.Resampling.BILINEAR))


def features_from_image(img: Image.Image, *, max_features: int = MAX_FEATURES) -> LocalFeatures:
    grey = normalised_grey(img)
    # OpenCV 5's type stubs lack ORB_create; the function is there.
    orb = cv2.ORB_create(  # type: ignore[attr-defined]
        nfeatures=max_features, scaleFactor=1.2, nlevels=8, fastThreshold=12
    )
    keypoints, descriptors = orb.detectAndCompute(grey, None)
    if descriptors is None or not keypoints:
        descriptors = np.zeros((0, 32), np.uint8)
    xy = np.array([kp.pt for kp in keypoints], dtype=np.float32).reshape(-1, 2)
    h, w = grey.shape
    factor = CHECK_SIDE / max(w, h)
    check = cv2.resize(
        grey, (max(1, round(w * factor)), max(1, round(h * factor))), interpolation=cv2.INTER_AREA
    )
    return LocalFeatures(xy, descriptors, (w, h), check)


def features_from_bytes(data: bytes) -> LocalFeatures:
    """Features of an encoded image; JPEGs are decoded at a reduced scale (≥ WORK_SIDE)."""
    with Image.open(io.BytesIO(data)) as img:
        if img.format == "JPEG":
            img.draft("RGB", (WORK_SIDE, WORK_SIDE))
        return features_from_image(img)


def verify(query: LocalFeatures, target: LocalFeatures) -> Verification | None:
    """The similarity transform that maps query keypoints onto the target's, if one holds."""
    if len(query) < MIN_INLIERS or len(target) < MIN_INLIERS:
        return None
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(query.descriptors, target.descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
    if len(good) < MIN_INLIERS:
        return None
    src = query.xy[[m.queryIdx for m in good]]
    dst = target.xy[[m.trainIdx for m in good]]
    model, mask = cv2.estimateAffinePartial2D(
        src, dst, method=cv2.RANSAC, ransacReprojThreshold=RANSAC_PIXELS, maxIters=2000
    )
    if model is None or mask is None:
        return None
    inliers = int(mask.sum())
    scale = float(np.hypot(model[0, 0], model[1, 0]))
    rotation = float(np.degrees(np.arctan2(model[1, 0], model[0, 0])))
    share = inliers / len(good)
    if inliers < MIN_INLIERS or share < MIN_INLIER_SHARE:
        return None
    if not SCALE_RANGE[0] <= scale <= SCALE_RANGE[1]:
        return None
    return Verification(inliers, len(good), scale, rotation, _agreement(query, target, model))


def _agreement(query: LocalFeatures, target: LocalFeatures, model: np.ndarray) -> float:
    """Share of textured blocks of the query that the aligned target reproduces (NCC ≥ 0.7).

    Keypoint geometry alone also holds for a shared object (the same sign or shelf in two
    rooms); comparing the pictures block by block after alignment tells "same picture, edited"
    (a caption band or a frame spoils only some blocks) from "same object, other picture".
    """
    q = query.check.astype(np.float32)
    t = target.check.astype(np.float32)
    h, w = q.shape
    to_target = model.astype(np.float64).copy()
    fq, ft = h / query.size[1], t.shape[0] / target.size[1]  # check-image scale of each side
    to_target[:, :2] *= ft / fq
    to_target[:, 2] *= ft
    flags = cv2.WARP_INVERSE_MAP  # the model maps query → target: sample the target there
    warped = cv2.warpAffine(t, to_target, (w, h), flags=cv2.INTER_LINEAR | flags)
    inside = cv2.warpAffine(np.ones_like(t), to_target, (w, h), flags=cv2.INTER_NEAREST | flags)
    bh, bw = h // BLOCKS, w // BLOCKS
    if bh < 4 or bw < 4:
        return 0.0

    def blocks(a: np.ndarray) -> np.ndarray:
        a = a[: bh * BLOCKS, : bw * BLOCKS]
        return a.reshape(BLOCKS, bh, BLOCKS, bw).transpose(0, 2, 1, 3).reshape(-1, bh * bw)

    qa = blocks(cv2.GaussianBlur(q, (0, 0), 1.0))
    ta = blocks(cv2.GaussianBlur(warped, (0, 0), 1.0))
    full = blocks(inside).mean(axis=1) >= 0.9
    textured = (qa.std(axis=1) >= 3) | (ta.std(axis=1) >= 3)
    use = full & textured
    if not use.any():
        return 0.0
    qa = qa[use] - qa[use].mean(axis=1, keepdims=True)
    ta = ta[use] - ta[use].mean(axis=1, keepdims=True)
    ncc = (qa * ta).sum(axis=1) / np.sqrt((qa * qa).sum(axis=1) * (ta * ta).sum(axis=1) + 1e-9)
    return float((ncc >= 0.7).mean())


def ivf_lists(total: int) -> int:
    """Cells for ``total`` descriptors: ≈ 2·√total (cost balance of centres vs probed cells)."""
    want = 2.0 * np.sqrt(max(total, 1))
    return int(np.clip(2 ** round(np.log2(want)), 256, 8192))


def _ivf(codes: np.ndarray) -> tuple[Any, Any]:
    """An IVF over ``codes`` (in order, so labels are positions) and its quantizer."""
    nlist = min(ivf_lists(len(codes)), len(codes))
    rng = np.random.default_rng(IVF_SEED)
    centres = codes[np.sort(rng.choice(len(codes), nlist, replace=False))]
    quantizer = faiss.IndexBinaryFlat(256)
    quantizer.add(np.ascontiguousarray(centres))
    ivf = faiss.IndexBinaryIVF(quantizer, 256, nlist)  # trained: the quantizer holds nlist
    ivf.nprobe = min(NPROBE, nlist)
    ivf.add(codes)
    return ivf, quantizer


class FeatureIndex:
    """Descriptors of many images in one faiss binary index; votes pick whom to verify.

    Exact (flat) up to ``flat_max`` indexed descriptors, an inverted file above (see the module
    docstring)."""

    def __init__(self, *, flat_max: int = FLAT_MAX) -> None:
        # Parallelism is ours (one process per core); faiss's OpenMP threads spin-wait and ran
        # 8× slower here when the other core was busy.
        faiss.omp_set_num_threads(1)
        self._flat_max = flat_max
        self._index: Any = faiss.IndexBinaryFlat(256)
        self._quantizer: Any = None  # the IVF's coarse index; faiss does not own it here
        self._built_at = 0  # descriptors when the IVF was last built; 0 while flat
        self._owners = np.zeros(1024, np.int64)  # owner of each indexed descriptor (+ spare)
        self._count = 0
        self._features: dict[int, LocalFeatures] = {}

    def __len__(self) -> int:
        return len(self._features)

    @property
    def method(self) -> str:
        """``flat`` or ``ivf<cells>``."""
        return "flat" if self._quantizer is None else f"ivf{self._quantizer.ntotal}"

    def add(self, ident: int, features: LocalFeatures) -> None:
        if ident in self._features:
            raise ValueError(f"image {ident} is already indexed")
        self._features[ident] = features
        n = len(features)
        if not n:
            return
        self._index.add(np.ascontiguousarray(features.descriptors))
        self._append_owners(ident, n)
        total = self._count
        if total > self._flat_max and total >= REBUILD_GROWTH * self._built_at:
            self._rebuild()

    def _append_owners(self, ident: int, n: int) -> None:
        need = self._count + n
        if need > len(self._owners):  # doubling: amortised O(1) per descriptor
            grown = np.zeros(max(need, 2 * len(self._owners)), np.int64)
            grown[: self._count] = self._owners[: self._count]
            self._owners = grown
        self._owners[self._count : need] = ident
        self._count = need

    def _rebuild(self) -> None:
        # Insertion order of the dict = order of the owner buffer, so labels stay positions.
        codes = np.concatenate([f.descriptors for f in self._features.values() if len(f)])
        self._index, self._quantizer = _ivf(np.ascontiguousarray(codes))
        self._built_at = len(codes)

    def shortlist(self, query: LocalFeatures, *, exclude: int | None = None) -> list[int]:
        """Indexed images with the most nearest-descriptor votes from ``query``."""
        if not len(query) or self._index.ntotal == 0:
            return []
        k = min(VOTE_NEIGHBOURS, self._index.ntotal)
        distances, labels = self._index.search(np.ascontiguousarray(query.descriptors), k)
        rows, cols = np.nonzero((labels >= 0) & (distances <= MAX_VOTE_DISTANCE))
        owners = self._owners[: self._count][labels[rows, cols]]
        # One vote per query descriptor and image, so duplicates in the index don't split votes.
        pairs = np.unique(rows.astype(np.int64) * (1 << 32) + owners)
        owners = pairs & ((1 << 32) - 1)
        if exclude is not None:
            owners = owners[owners != exclude]
        if not len(owners):
            return []
        ids, votes = np.unique(owners, return_counts=True)
        order = np.lexsort((ids, -votes))[:SHORTLIST]
        return [int(ids[i]) for i in order if votes[i] >= MIN_VOTES]

    def search(
        self, query: LocalFeatures, *, exclude: int | None = None, near_duplicates: bool = True
    ) -> list[tuple[int, Verification]]:
        """Verified matches of ``query`` among the indexed images, most inliers first; with
        ``near_duplicates`` only those covering the picture (else shared objects/scenes too)."""
        found = []
        for ident in self.shortlist(query, exclude=exclude):
            checked = verify(query, self._features[ident])
            if checked is not None and (checked.near_duplicate or not near_duplicates):
                found.append((ident, checked))
        return sorted(found, key=lambda f: (-f[1].inliers, f[0]))
