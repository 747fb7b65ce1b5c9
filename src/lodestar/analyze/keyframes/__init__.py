"""Video keyframes with PyAV: keyframe-only decode, scene changes, a contact sheet.

Decoding: ``skip_frame = "NONKEY"`` makes FFmpeg's decoder drop every non-intra picture, so a
pass costs the demux plus one intra decode per keyframe (``benchmarks/keyframes.py``, phone-like
720p H.264: 395× real time per core vs 32× for a full decode; the whole extractor, with PDQ,
thumbnails and the contact sheet, 147×). Each keyframe is converted once, by swscale, to an
RGB image whose long side is ≤ :data:`IMAGE_SIDE` (for OCR and the other image extractors);
its PDQ is computed from the full-resolution luma plane, as vPDQ would.

Scene changes (``Keyframe.scene_change``), decided between consecutive kept frames:

- x264 (and most software encoders) already start a GOP at a cut (``scenecut``), so cuts
  mostly *are* keyframes and a keyframe-only pass sees them; hardware encoders in phones use
  a fixed GOP and do not, so the cut shows up at the next keyframe (≤ one GOP late, 1–2 s).
- A frame is a scene change when it differs strongly from the previous kept frame in *both*
  structure and colour: PDQ distance ≥ :data:`SCENE_PDQ_BITS` and colour-histogram distance
  (total variation of 8×8×8 RGB histograms) ≥ ``scene_threshold``. Either measure alone
  fires on camera moves between keyframes 1–2 s apart (a pan moves PDQ by 80–140 bits, a
  change of light moves the histogram); a cut to another scene moves both.
- Where keyframes are sparse (an encoder's default GOP of 250 frames is one keyframe per
  8–10 s), gaps longer than ``sample_gap`` are filled with supplementary samples: seek to the
  gap's keyframe and decode forward (reference frames only, ``skip_frame = "NONREF"``) to
  evenly spaced times. This costs decoding up to the last sample of each gap, so it is only
  done where the gap is long (GOP 250: 82× real time with samples, 619× without, full
  decode 35×; ``benchmarks/keyframes.py``).

Bad input never raises out of :func:`scan_keyframes`: each problem becomes a
:class:`KeyframeWarning` (unreadable, no video stream, corrupt packets, truncated, no
keyframes — then frames are sampled by a bounded full decode — no frames).

Modules: :mod:`.frames` (a kept frame), :mod:`.decode` (the keyframe-only pass and the
fallback), :mod:`.samples` (sparse gaps), :mod:`.scenes` (scene changes), :mod:`.scan` (the
whole scan and its warnings), :mod:`.sheet` (the contact sheet). The clue extractor that
turns a scan into clues and files is :mod:`lodestar.clues.keyframes`.
"""

from __future__ import annotations

from lodestar.analyze.keyframes.decode import FALLBACK_DECODE_S
from lodestar.analyze.keyframes.frames import (
    IMAGE_SIDE,
    THUMB_SIDE,
    Keyframe,
    KeyframeError,
    KeyframeScan,
    KeyframeWarning,
)
from lodestar.analyze.keyframes.samples import MAX_SAMPLES
from lodestar.analyze.keyframes.scan import (
    MAX_FRAMES,
    MIN_INTERVAL,
    SAMPLE_GAP,
    extract_keyframes,
    require_frames,
    scan_keyframes,
)
from lodestar.analyze.keyframes.scenes import (
    SCENE_PDQ_BITS,
    SCENE_THRESHOLD,
    mark_scene_changes,
    scene_scores,
)
from lodestar.analyze.keyframes.sheet import contact_sheet, format_time

__all__ = [
    "FALLBACK_DECODE_S",
    "IMAGE_SIDE",
    "MAX_FRAMES",
    "MAX_SAMPLES",
    "MIN_INTERVAL",
    "SAMPLE_GAP",
    "SCENE_PDQ_BITS",
    "SCENE_THRESHOLD",
    "THUMB_SIDE",
    "Keyframe",
    "KeyframeError",
    "KeyframeScan",
    "KeyframeWarning",
    "contact_sheet",
    "extract_keyframes",
    "format_time",
    "mark_scene_changes",
    "require_frames",
    "scan_keyframes",
    "scene_scores",
]
