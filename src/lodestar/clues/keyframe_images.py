"""Keyframes through the image extractors: each keyframe spooled as an image file.

For content extractors that read files rather than the in-memory keyframe scan (OCR reads the
scan itself, through the ``keyframes`` product).
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from lodestar.analyze.keyframes import Keyframe
from lodestar.clues.base import ClueInput, ExtractResult


@dataclass(frozen=True)
class KeyframeImage:
    """A keyframe spooled as an image file for the image extractors (OCR, …).

    ``item`` carries the *video's* SHA-256 (clues belong to the video) and ``timestamp`` is
    the provenance to put in each clue's ``position``.
    """

    timestamp: float
    item: ClueInput


@contextlib.contextmanager
def keyframe_images(
    video: ClueInput, keyframes: Sequence[Keyframe], *, spool: Path | None = None
) -> Iterator[list[KeyframeImage]]:
    """Spool each keyframe's ≤1024 px image as a PNG (lossless, for OCR) and yield them as
    image inputs; the files are removed on exit. Send them to content extractors (OCR, …),
    not to metadata ones: the PNG has no metadata of its own."""
    with tempfile.TemporaryDirectory(prefix="lodestar-kf-", dir=spool) as tmp:
        out = []
        for kf in keyframes:
            target = Path(tmp) / f"{kf.ms}-{kf.source}.png"
            kf.image.save(target, "PNG", compress_level=1)
            item = ClueInput(
                sha256=video.sha256,
                path=target,
                kind="image",
                mime="image/png",
                width=kf.image.width,
                height=kf.image.height,
                derived=video.derived,
            )
            out.append(KeyframeImage(kf.timestamp, item))
        yield out


def with_position(result: ExtractResult, timestamp: float) -> ExtractResult:
    """An image extractor's result on a keyframe, each clue placed at ``timestamp``."""
    clues = [replace(c, position=timestamp) for c in result.clues]
    return ExtractResult(clues=clues, warnings=list(result.warnings), raw=result.raw)
