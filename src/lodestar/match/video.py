"""vPDQ video signatures and video near-duplicates.

Signatures are one PDQ per second (stored as ``vpdq`` signal rows, ``position`` = second) and
are computed here, by the registered ``vpdq`` signal type, rather than in the fast pass:
decoding every second of every video would double the fast pass on video-heavy seizures. The
bytes are re-read read-only where they lie, or re-extracted from their archive
(``evidence.content.materialize``). Two videos are near-duplicates when each has ≥ 80 % of its
usable frames matched in the other (vPDQ's matcher).
"""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.analyze.signals.base import FileSignalType, SignalError, signal_types
from lodestar.analyze.signals.vpdq import (
    MATCH_PERCENT_DEFAULT,
    VpdqFrame,
    match_fractions,
    parse_signature,
)
from lodestar.config import Settings
from lodestar.evidence.content import Unavailable, materialize
from lodestar.evidence.sniff import open_readonly
from lodestar.store import Match, Media, Signal
from lodestar.store.bulk import insert_ignore
from lodestar.store.warnings import media_warning

_warn = partial(media_warning, stage="vpdq")

MAX_VIDEO_BYTES = 512 * 1024 * 1024  # read into memory for PyAV
VPDQ = "vpdq"  # the signal type this stage computes, stores and matches


def _signal_type() -> FileSignalType:
    signal_type = signal_types.get(VPDQ)
    assert isinstance(signal_type, FileSignalType), f"{VPDQ} signal type cannot hash files"
    return signal_type


def _frames(source: bytes) -> list[VpdqFrame]:
    """The video's vPDQ frames, through the registered type (SignalError if none can be
    hashed). Its value is vPDQ's text form: one ``pdq,quality,timestamp`` line per frame."""
    value = _signal_type().hash_file(source)
    return parse_signature(value.value) if value is not None else []


def compute_video_signatures(session: Session, *, settings: Settings, spool_dir: Path) -> int:
    """vPDQ for every video without one; returns how many videos were signed."""
    signed = set(session.scalars(select(Signal.media_sha256).where(Signal.type == VPDQ)))
    todo = session.scalars(
        select(Media.sha256).where(Media.kind == "video").order_by(Media.sha256)
    ).all()
    done = 0
    for copy in materialize(
        session, [sha for sha in todo if sha not in signed], settings=settings, spool_dir=spool_dir
    ):
        if isinstance(copy, Unavailable):
            _warn(session, copy.sha256, None, "", f"vpdq_{copy.code}", copy.reason)
            continue
        try:
            frames = _signature(copy.path)
        except (SignalError, OSError) as exc:
            _warn(session, copy.sha256, copy.source_id, copy.path_spec, "vpdq_failed", str(exc))
            continue
        insert_ignore(
            session,
            Signal,
            [
                {
                    "media_sha256": copy.sha256,
                    "type": VPDQ,
                    "position": i,
                    "value": f.pdq,
                    "quality": f.quality,
                    "timestamp": f.timestamp,
                }
                for i, f in enumerate(frames)
            ],
        )
        done += 1
    return done


def _signature(path: Path) -> list[VpdqFrame]:
    size = path.stat().st_size
    if size > MAX_VIDEO_BYTES:
        raise SignalError("video_too_large", f"{size} bytes: too large to sign in memory")
    with os.fdopen(open_readonly(str(path)), "rb") as fh:  # evidence: read-only, atime kept
        data = fh.read()
    return _frames(data)




def match_video_neardups(session: Session, *, percent: int = MATCH_PERCENT_DEFAULT) -> int:
    """Store a ``vpdq`` match both ways for every pair of videos matched ≥ ``percent``."""
    frames = _stored_signatures(session)
    shas = sorted(frames)
    rows: list[dict[str, Any]] = []
    for i, a in enumerate(shas):
        for b in shas[i + 1 :]:
            qf, tf = match_fractions(frames[a], frames[b])
            score = min(qf, tf)
            if score * 100 >= percent:
                distance = 100 - int(score * 100)
                rows += [_pair(a, b, distance), _pair(b, a, distance)]
    insert_ignore(session, Match, rows)
    return len(rows) // 2


def _stored_signatures(session: Session) -> dict[str, list[VpdqFrame]]:
    frames: dict[str, list[VpdqFrame]] = {}
    for sha, value, quality, ts in session.execute(
        select(Signal.media_sha256, Signal.value, Signal.quality, Signal.timestamp)
        .where(Signal.type == VPDQ)
        .order_by(Signal.media_sha256, Signal.position)
    ):
        frames.setdefault(sha, []).append(VpdqFrame(value, quality or 0, ts or 0.0))
    return frames


def _pair(a: str, b: str, distance: int) -> dict[str, Any]:
    return {
        "media_sha256": a,
        "key": f"media:{b}",
        "other_sha256": b,
        "method": "vpdq",
        "distance": distance,
    }


def similar_videos(
    session: Session, data: bytes, *, percent: int = MATCH_PERCENT_DEFAULT
) -> list[dict[str, Any]]:
    """Workspace videos sharing ≥ ``percent`` of frames with an outside video, either way
    (a short clip cut from a long video matches on the clip's side)."""
    query = _frames(data)
    found = []
    for sha, target in _stored_signatures(session).items():
        qf, tf = match_fractions(query, target)
        if max(qf, tf) * 100 >= percent:
            found.append(
                {"sha256": sha, "query_matched": round(qf, 3), "target_matched": round(tf, 3)}
            )
    return sorted(found, key=lambda f: (-min(f["query_matched"], f["target_matched"]), f["sha256"]))
