"""The ``keyframes`` clue extractor: a video's keyframe scan as ``keyframe`` clues, 256 px
JPEG thumbnails and a ``contact_sheet`` clue, files written under ``derived/``.

Decoding, scene changes and the contact sheet itself are :mod:`lodestar.analyze.keyframes`;
this module turns a scan into clues and derived files (paths from :mod:`lodestar.derived`).
The scan is also this extractor's *product*: OCR (which names ``keyframes`` in its ``needs``)
reads the same decoded frames instead of decoding the video again.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path, PurePosixPath
from typing import ClassVar

from PIL import Image

from lodestar.analyze.keyframes import (
    MAX_FRAMES,
    SAMPLE_GAP,
    Keyframe,
    KeyframeScan,
    contact_sheet,
    format_time,
    scan_keyframes,
)
from lodestar.clues.base import (
    ClueInput,
    ClueValue,
    ClueWarning,
    ExtractResult,
    ProductMaker,
    Products,
    clue_extractors,
)
from lodestar.derived import contact_sheet_relpath, keyframe_relpath

JPEG_QUALITY = 85


def _write_jpeg(img: Image.Image, target: Path) -> None:
    """Atomic write (temp file + rename): a concurrent reader never sees half a JPEG."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            img.save(fh, "JPEG", quality=JPEG_QUALITY)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _keyframe_clue(kf: Keyframe, path: PurePosixPath | None) -> ClueValue:
    label = format_time(kf.timestamp)
    return ClueValue(
        kind="keyframe",
        value={
            "timestamp": kf.timestamp,
            "path": path.as_posix() if path else None,
            "pdq": kf.pdq,
            "quality": kf.quality,
            "scene_change": kf.scene_change,
            "source": kf.source,
            "width": kf.image.width,
            "height": kf.image.height,
        },
        text=f"keyframe {label}" + (" (scene change)" if kf.scene_change else ""),
        position=kf.timestamp,
    )


class KeyframeExtractor(ProductMaker):
    """Keyframes of a video as ``keyframe`` clues, thumbnails and a ``contact_sheet`` clue."""

    name: ClassVar[str] = "keyframes"
    version: ClassVar[str] = "1"
    stage: ClassVar[str] = "keyframes"
    accepts: ClassVar[frozenset[str]] = frozenset({"video"})
    needs: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        *,
        max_frames: int = MAX_FRAMES,
        sample_gap: float | None = SAMPLE_GAP,
        threads: int = 0,
    ) -> None:
        self.max_frames = max_frames
        self.sample_gap = sample_gap
        self.threads = threads

    def make_product(self, item: ClueInput) -> KeyframeScan:
        """The video's keyframe scan (frames and warnings): one decode, shared with OCR."""
        return scan_keyframes(
            item.path,
            max_frames=self.max_frames,
            sample_gap=self.sample_gap,
            threads=self.threads,
        )

    def extract(self, item: ClueInput, products: Products | None = None) -> ExtractResult:
        scan = (products or Products(item)).of(self, KeyframeScan)
        result = ExtractResult(warnings=[ClueWarning(w.code, w.message) for w in scan.warnings])
        result.raw = {
            "duration": scan.duration,
            "keyframes_seen": scan.keyframes_seen,
            "samples": scan.samples,
        }
        if not scan.frames:
            return result
        paths, sheet = self._write(item, scan.frames, result)
        result.clues = [_keyframe_clue(kf, p) for kf, p in zip(scan.frames, paths, strict=True)]
        result.clues.append(
            ClueValue(
                kind="contact_sheet",
                value={"path": sheet.as_posix() if sheet else None, "frames": len(scan.frames)},
                text=f"contact sheet of {len(scan.frames)} keyframes",
            )
        )
        return result

    def _write(
        self, item: ClueInput, frames: list[Keyframe], result: ExtractResult
    ) -> tuple[list[PurePosixPath | None], PurePosixPath | None]:
        """Thumbnails and the contact sheet under ``item.derived``; paths relative to it."""
        if item.derived is None:
            result.warnings.append(
                ClueWarning("derived_missing", f"{item.path.name}: no derived folder; no files")
            )
            return [None] * len(frames), None
        rels: list[PurePosixPath | None] = []
        try:
            for kf in frames:
                rel = keyframe_relpath(item.sha256, kf.ms)
                if not (item.derived / rel).exists():  # content-addressed: same bytes
                    _write_jpeg(kf.thumbnail(), item.derived / rel)
                rels.append(rel)
            sheet = contact_sheet_relpath(item.sha256)
            _write_jpeg(contact_sheet(frames, title=item.path.name), item.derived / sheet)
        except OSError as exc:
            result.warnings.append(ClueWarning("derived_write_failed", f"{item.path.name}: {exc}"))
            return [None] * len(frames), None
        return rels, sheet


clue_extractors.register(KeyframeExtractor())
