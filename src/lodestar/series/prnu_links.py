"""Same-sensor links by PRNU: images without a camera serial matched to known camera bodies.

Fingerprints (:mod:`lodestar.series.prnu`) are estimated per camera body with a serial
(make + model + serial from metadata) and per stored frame size — PRNU only aligns across
frames of one size and orientation — from up to :data:`FINGERPRINT_IMAGES` of its images, on a
:data:`CROP`² centre crop, and stored as ``derived/prnu/<id>.npz`` (the id hashes the body,
the size, the method and the images used, so a fingerprint is recomputed only when those
change). Every image of the same size without a serial (EXIF stripped by an editor or a
messenger) and of the same make/model, or with no make/model at all, is then scored against
those fingerprints; a PCE ≥ :data:`~lodestar.series.prnu.PCE_THRESHOLD` (Goljan's 60) links it
to the best-scoring body's media when two checks also hold: that PCE is :data:`MARGIN` times the
runner-up's (:func:`accept`), and it stays above the threshold with any one of the fingerprint's
images left out (:class:`Jackknife`: content shared with one fingerprint image — a room
template, the query's own original — is not the sensor). On the ``small`` demo the margin
removed nothing (true links beat the runner-up ≥ 60-fold; the wrong-camera links' runner-ups
were ≤ 2); the leave-one-out check removed both wrong-camera links (rotated copies without EXIF,
PCE 73 and 454, each carried by one fingerprint image; ``benchmarks/series.py``).

Links are ``weak``: one sensor shoots many series, so "same camera" only supports other
evidence (like :mod:`lodestar.series.camera`'s serial links); with a second kind (folder, a
weak scene link) it attaches the image to that body's series. Each link carries the PCE and
the fingerprint id; :func:`prnu_bodies` reports bodies found this way (``lodestar cameras
list``).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.derived import prnu_path
from lodestar.evidence.content import Unavailable, materialize
from lodestar.series.base import Link, Strength, link_builders
from lodestar.series.camera import Body, body_of
from lodestar.series.context import BuildContext, build_context
from lodestar.series.prnu import (
    METHOD,
    PCE_THRESHOLD,
    CameraFingerprint,
    GrayCrop,
    PrnuError,
    estimate_fingerprint,
    match_image,
    read_gray,
)
from lodestar.store import Media

log = logging.getLogger(__name__)
CROP = 512  # 512² keeps a match ≥ 10× the threshold on the demo cameras at a quarter the cost
MIN_FINGERPRINT_IMAGES = 4
FINGERPRINT_IMAGES = 12
LINKS_PER_MATCH = 64  # media of the body each matched image is tied to (weak support needs one)
MARGIN = 2.0  # the best PCE must be this many times the runner-up's (see accept())

Size = tuple[int, int]


@dataclass(frozen=True)
class Shot:
    sha256: str
    body: Body | None
    size: Size


@dataclass(frozen=True)
class BodyPrint:
    body: Body
    fingerprint: CameraFingerprint
    media: tuple[str, ...]  # every media of the body (any size), sorted
    used: tuple[str, ...] = ()  # the media the fingerprint was estimated from


def fingerprint_id(body: Body, size: Size, shas: list[str]) -> str:
    key = "\n".join([body.make, body.model, body.serial, f"{size}", METHOD, f"{CROP}", *shas])
    return hashlib.sha256(key.encode()).hexdigest()[:24]


def _shots(session: Session) -> list[Shot]:
    rows = session.execute(
        select(Media.sha256, Media.make, Media.model, Media.serial, Media.width, Media.height)
        .where(Media.kind == "image")
        .order_by(Media.sha256)
    )
    return [
        Shot(sha, body_of(make, model, serial), (w, h))
        for sha, make, model, serial, w, h in rows
        if w and h and min(w, h) >= CROP
    ]


def _crops(session: Session, ctx: BuildContext, shas: list[str]) -> dict[str, GrayCrop]:
    out: dict[str, GrayCrop] = {}
    for copy in materialize(session, shas, settings=ctx.settings, spool_dir=ctx.spool):
        if isinstance(copy, Unavailable):
            log.warning("prnu: media %s: %s", copy.sha256, copy.reason)
            continue
        try:
            got = read_gray(copy.path, CROP)
        except PrnuError as exc:
            log.warning("prnu: %s", exc)
            continue
        if got is not None:
            out[copy.sha256] = got
    return out


def _fingerprint(
    session: Session, ctx: BuildContext, body: Body, size: Size, shas: list[str]
) -> CameraFingerprint | None:
    used = shas[:FINGERPRINT_IMAGES]
    fp_id = fingerprint_id(body, size, used)
    path = prnu_path(ctx.derived, fp_id)
    if path.exists():
        try:
            return CameraFingerprint.load(path)
        except PrnuError as exc:
            log.warning("prnu: %s; estimating again", exc)
    crops = [c.pixels for c in _crops(session, ctx, used).values() if c.size == size]
    if len(crops) < MIN_FINGERPRINT_IMAGES:
        return None
    fp = CameraFingerprint(fp_id, size, CROP, len(crops), estimate_fingerprint(crops))
    path.parent.mkdir(parents=True, exist_ok=True)
    fp.save(path)
    return fp


def body_prints(
    session: Session, ctx: BuildContext, shots: list[Shot]
) -> dict[Size, list[BodyPrint]]:
    """Fingerprints of every body with a serial and enough images, per frame size."""
    by_body: dict[Body, list[Shot]] = {}
    for s in shots:
        if s.body is not None and s.body.serial:
            by_body.setdefault(s.body, []).append(s)
    out: dict[Size, list[BodyPrint]] = {}
    for body, mine in sorted(by_body.items()):
        sizes: dict[Size, list[str]] = {}
        for s in mine:
            sizes.setdefault(s.size, []).append(s.sha256)
        media = tuple(sorted(s.sha256 for s in mine))
        for size, shas in sorted(sizes.items()):
            if len(shas) < MIN_FINGERPRINT_IMAGES:
                continue
            fp = _fingerprint(session, ctx, body, size, shas)
            if fp is not None:
                used = tuple(shas[:FINGERPRINT_IMAGES])
                out.setdefault(size, []).append(BodyPrint(body, fp, media, used))
    return out


def _candidates(shots: list[Shot], prints: dict[Size, list[BodyPrint]]) -> list[Shot]:
    """Same-size images with no serial, of a fingerprinted body's make/model or of none."""
    out = []
    for s in shots:
        if s.size not in prints or (s.body is not None and s.body.serial):
            continue
        out.append(s)
    return out


def accept(
    scores: list[tuple[str, float]], threshold: float = PCE_THRESHOLD, margin: float = MARGIN
) -> tuple[str, float] | None:
    """The best (fingerprint id, PCE) of ``scores`` (best first) when it is a link.

    Above the threshold AND ``margin`` times the runner-up: fingerprints of few shots of one
    room keep some of that room's content, so an image of a similar room from another camera
    can pass the threshold on two fingerprints at once; the sensor's own pattern stands out
    from every other body's, scene content does not.
    """
    if not scores:
        return None
    best_id, best = scores[0]
    if best < threshold:
        return None
    if len(scores) > 1 and scores[1][1] > 0 and best < margin * scores[1][1]:
        return None
    return best_id, best


class Jackknife:
    """Leave-one-out fingerprints of each body print, estimated on first need and kept.

    A sensor's pattern is in every image the fingerprint was made from, so a true match holds
    when any one of them is left out; scene texture shared with one fingerprint image (a room
    template, the query's own original) vanishes with that image. On the ``small`` demo both
    wrong-camera links fell from PCE 73 / 454 to ≤ 0 with one image left out, true links kept
    ≥ 24 % of their PCE (≥ 5 000), and one right-camera link of PCE 76 — an edited copy of a
    fingerprint image, content again — fell to 3.
    """

    def __init__(self, session: Session, ctx: BuildContext) -> None:
        self._session, self._ctx = session, ctx
        self._prints: dict[str, list[CameraFingerprint]] = {}

    def weakest(self, pixels: np.ndarray, size: Size, bp: BodyPrint) -> float | None:
        """The lowest PCE of ``pixels`` over ``bp``'s leave-one-out fingerprints (None: too
        few of its images readable to leave one out)."""
        prints = self._leave_one_out(bp)
        if not prints:
            return None
        return min(pce for _, pce in match_image(pixels, prints, None, size=size))

    def _leave_one_out(self, bp: BodyPrint) -> list[CameraFingerprint]:
        fp = bp.fingerprint
        if fp.id not in self._prints:
            got = _crops(self._session, self._ctx, list(bp.used))
            crops = [c.pixels for c in got.values() if c.size == fp.size]
            if len(crops) < 2:
                log.warning("prnu: fingerprint %s: too few readable images to check", fp.id)
            self._prints[fp.id] = [
                CameraFingerprint(
                    f"{fp.id}-{i}",
                    fp.size,
                    CROP,
                    len(crops) - 1,
                    estimate_fingerprint(crops[:i] + crops[i + 1 :]),
                )
                for i in range(len(crops) if len(crops) >= 2 else 0)
            ]
        return self._prints[fp.id]


def _compatible(shot: Shot, bp: BodyPrint) -> bool:
    return shot.body is None or (shot.body.make, shot.body.model) == (bp.body.make, bp.body.model)


class PrnuLinks:
    name: ClassVar[str] = "prnu"
    version: ClassVar[str] = "1"
    strengths: ClassVar[tuple[Strength, ...]] = ("weak",)  # one sensor shoots many series
    artifacts: ClassVar[tuple[str, ...]] = ("evidence", "PRNU fingerprints")
    threshold: float = PCE_THRESHOLD

    def build(self, session: Session, *, media: Collection[str] | None = None) -> Iterable[Link]:
        ctx = build_context(session)
        if ctx is None:
            log.warning("prnu links: workspace unknown, no evidence or fingerprints to read")
            return []
        shots = _shots(session)
        wanted = None if media is None else set(media)
        if wanted is not None and not wanted & {s.sha256 for s in shots}:
            return []
        prints = body_prints(session, ctx, shots)
        queries = _candidates(shots, prints)
        if wanted is not None:  # new queries, or every query that may see a wanted body media
            touched = {bp.body for bps in prints.values() for bp in bps if wanted & set(bp.media)}
            queries = [
                q
                for q in queries
                if q.sha256 in wanted or any(bp.body in touched for bp in prints[q.size])
            ]
        crops = _crops(session, ctx, [q.sha256 for q in queries])
        jackknife = Jackknife(session, ctx)
        links: dict[tuple[str, str], Link] = {}
        for q in queries:
            got = crops.get(q.sha256)
            if got is None or got.size != q.size:
                continue
            bps = [bp for bp in prints[q.size] if _compatible(q, bp)]
            for link in self._match(q, got, bps, jackknife):
                links.setdefault(link.pair, link)
        found = [links[p] for p in sorted(links)]
        return found if wanted is None else [x for x in found if x.touches(wanted)]

    def _match(
        self, q: Shot, got: GrayCrop, bps: list[BodyPrint], jackknife: Jackknife
    ) -> list[Link]:
        if not bps:
            return []
        scores = match_image(got.pixels, [bp.fingerprint for bp in bps], None, size=q.size)
        accepted = accept(scores, self.threshold)
        if accepted is None:
            return []
        best_id, best = accepted
        bp = next(b for b in bps if b.fingerprint.id == best_id)
        weakest = jackknife.weakest(got.pixels, q.size, bp)
        if weakest is not None and weakest < self.threshold:
            return []  # carried by one fingerprint image: its content, not the sensor
        runner_up = scores[1][1] if len(scores) > 1 else None
        evidence: dict[str, Any] = bp.body.as_dict() | {
            "pce": round(best, 1),
            "threshold": self.threshold,
            "fingerprint": best_id,
            "fingerprint_images": bp.fingerprint.n_images,
            "next_best_pce": None if runner_up is None else round(runner_up, 1),
            "leave_one_out_min_pce": None if weakest is None else round(weakest, 1),
            "image": q.sha256,
            "size": list(q.size),
        }
        score = round(min(0.99, best / (best + self.threshold)), 4)  # 0.5 at the threshold
        others = [m for m in bp.media if m != q.sha256][:LINKS_PER_MATCH]
        return [Link(q.sha256, m, self.name, score, "weak", evidence) for m in others]


def prnu_bodies(session: Session) -> list[dict[str, Any]]:
    """Bodies PRNU tied images to, from the stored ``prnu`` links: the body, the images it
    found (no serial of their own) and their best PCE."""
    from lodestar.store import MediaLink

    found: dict[tuple[str, str, str], dict[str, float]] = {}
    rows = session.scalars(select(MediaLink).where(MediaLink.kind == PrnuLinks.name))
    for link in rows:
        ev = link.evidence or {}
        key = (str(ev.get("make", "")), str(ev.get("model", "")), str(ev.get("serial", "")))
        image, pce = str(ev.get("image", "")), float(ev.get("pce", 0.0))
        mine = found.setdefault(key, {})
        mine[image] = max(pce, mine.get(image, 0.0))
    return [
        {"make": k[0], "model": k[1], "serial": k[2], "images": dict(sorted(v.items()))}
        for k, v in sorted(found.items())
    ]


prnu_links = link_builders.register(PrnuLinks())
