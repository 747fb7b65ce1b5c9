"""Text in images: Tesseract in-process (``tesserocr``), word boxes, language, countries.

One engine per model string is kept open per process (creating one costs 0.1-1 s; spawning the
``tesseract`` command per image costs that every time). Measured on the demo rooms
(benchmarks/ocr.py):

* page segmentation "sparse text" (PSM 11) finds signs scattered over a room that the default
  layout analysis (PSM 3) drops;
* Debian's ``Latin`` script model (``tesseract-ocr-script-latn``) reads every Latin-script
  language in one pass, keeps diacritics and is several times faster than ``eng+por+…+hrv``
  (where the first pack wins and strips "ä"/"ă"); without it the installed packs are joined;
* Thai gets its own pass, run only when the Latin pass found no confident word.

Images are decoded upright (EXIF orientation applied) and downscaled to ``max_side`` first; word
boxes are given in the upright original's pixel coordinates.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from PIL import Image, ImageOps, UnidentifiedImageError

import lodestar.analyze.images  # noqa: F401  (registers the HEIF decoder in worker processes too)
from lodestar.analyze.keyframes import KeyframeError, KeyframeScan, require_frames
from lodestar.clues.base import (
    ClueInput,
    ClueValue,
    ClueWarning,
    ExtractResult,
    Products,
    WorkerResource,
    clue_extractors,
)
from lodestar.clues.language import identify, language_clue, to_iso639_1

LEPT_SEVERITY_NONE = 6


def _quiet_leptonica() -> None:
    """Leptonica (under Tesseract) prints harmless "Error in boxClipToRectangle" lines on busy
    photos. The wheel's bundled copy ignores LEPT_MSG_SEVERITY, so set its level directly."""
    import ctypes

    with open("/proc/self/maps") as maps:  # Linux only; elsewhere the messages just show
        libs = {line.split()[-1] for line in maps if "leptonica" in line or "liblept" in line}
    for lib in libs:
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(lib).setMsgSeverity(LEPT_SEVERITY_NONE)

DEFAULT_LANGUAGES: tuple[str, ...] = (
    "eng", "por", "spa", "fra", "deu", "nld", "pol", "ron", "swe", "est", "lav", "hrv", "tha",
)
NON_LATIN: frozenset[str] = frozenset({"tha"})
TESSDATA_DIRS: tuple[str, ...] = (
    "/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata", "/usr/local/share/tessdata",
)
MAX_SIDE = 2000  # long side cap: more pixels cost time without helping sign-sized text
MIN_SIDE = 1000  # small images are upscaled to this long side (small text reads better)
MIN_WORD_CONF = 60.0  # below this, PSM 11 output on textures is mostly noise
GOOD_WORD_CONF = 80.0  # a confident word: skip the other-script pass


@dataclass(frozen=True)
class OcrWord:
    text: str
    confidence: float  # 0-100, Tesseract's word confidence
    box: tuple[int, int, int, int]  # x, y, w, h in the upright original's pixels


@dataclass
class OcrResult:
    words: list[OcrWord] = field(default_factory=list)
    model: str | None = None  # the Tesseract model string that read them ("Latin", "tha", …)
    size: tuple[int, int] = (0, 0)  # upright original size
    scale: float = 1.0  # factor applied before OCR
    warnings: list[ClueWarning] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def confidence(self) -> float:
        """Mean word confidence, 0-1."""
        if not self.words:
            return 0.0
        return round(sum(w.confidence for w in self.words) / len(self.words) / 100.0, 4)


def find_tessdata() -> str | None:
    """TESSDATA_PREFIX, else Debian's locations (the pip wheel's own default is the cwd)."""
    candidates = [os.environ.get("TESSDATA_PREFIX", "")] + list(TESSDATA_DIRS)
    for path in candidates:
        if path and any(Path(path).glob("*.traineddata")):
            return path
    return None


def installed_models(tessdata: str | None) -> set[str]:
    if tessdata is None:
        return set()
    return {p.name.removesuffix(".traineddata") for p in Path(tessdata).glob("*.traineddata")}


def _letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


def _keep(text: str, conf: float) -> bool:
    return conf >= MIN_WORD_CONF and bool(re.search(r"\w", text))


def _is_good(word: OcrWord) -> bool:
    """A confident word; Thai glyph runs need more letters (one-glyph noise is common)."""
    need = 4 if _THAI.search(word.text) else 3
    return word.confidence >= GOOD_WORD_CONF and _letters(word.text) >= need


_THAI = re.compile(r"[\u0e00-\u0e7f]")


def _joins(a: OcrWord, b: OcrWord) -> bool:
    """Tesseract returns Thai (written without spaces) one glyph per "word": glue neighbours
    on the same line back together."""
    if not (_THAI.search(a.text) or _THAI.search(b.text)):
        return False
    ax, ay, aw, ah = a.box
    bx, by, bw, bh = b.box
    overlap = min(ay + ah, by + bh) - max(ay, by)
    gap = bx - (ax + aw)
    return overlap > 0.4 * min(ah, bh) and -0.2 * bh <= gap <= 0.8 * max(ah, bh)


def _merge_thai(words: list[OcrWord]) -> list[OcrWord]:
    merged: list[OcrWord] = []
    for word in words:
        prev = merged[-1] if merged else None
        if prev is None or not _joins(prev, word):
            merged.append(word)
            continue
        x0, y0 = min(prev.box[0], word.box[0]), min(prev.box[1], word.box[1])
        x1 = max(prev.box[0] + prev.box[2], word.box[0] + word.box[2])
        y1 = max(prev.box[1] + prev.box[3], word.box[1] + word.box[3])
        n = max(1, len(prev.text))  # keep the run's confidence a length-weighted mean
        conf = (prev.confidence * n + word.confidence * len(word.text)) / (n + len(word.text))
        merged[-1] = OcrWord(prev.text + word.text, round(conf, 1), (x0, y0, x1 - x0, y1 - y0))
    return merged


def _score(words: list[OcrWord]) -> float:
    return sum(w.confidence * _letters(w.text) for w in words)


class OcrEngine:
    """Tesseract engines kept open, one per model string; thread-safe by a lock."""

    def __init__(self, languages: tuple[str, ...] | None = None, *,
                 tessdata: str | None = None, script_models: bool = True,
                 max_side: int = MAX_SIDE, min_side: int = MIN_SIDE) -> None:
        self.tessdata = tessdata or find_tessdata()
        self.languages = tuple(languages or DEFAULT_LANGUAGES)
        self.max_side, self.min_side = max_side, min_side
        have = installed_models(self.tessdata)
        self.missing = [lang for lang in self.languages if lang not in have]
        usable = [lang for lang in self.languages if lang in have]
        latin = [lang for lang in usable if lang not in NON_LATIN]
        self.passes: list[str] = []
        if latin:
            self.passes.append("Latin" if script_models and "Latin" in have else "+".join(latin))
        self.passes += [lang for lang in usable if lang in NON_LATIN]
        self._apis: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.error: str | None = None
        if self.tessdata is None:
            self.error = "no Tesseract language data found (apt install tesseract-ocr-eng …)"
        elif not self.passes:
            self.error = f"none of the OCR languages {', '.join(self.languages)} is installed"

    def _api(self, model: str) -> Any:
        api = self._apis.get(model)
        if api is None:
            from tesserocr import PSM, PyTessBaseAPI

            with contextlib.suppress(OSError):
                _quiet_leptonica()
            api = PyTessBaseAPI(path=self.tessdata, lang=model, psm=PSM.SPARSE_TEXT)
            self._apis[model] = api
        return api

    def _read(self, model: str, img: Image.Image, scale: float) -> list[OcrWord]:
        from tesserocr import RIL, iterate_level

        api = self._api(model)
        api.SetImage(img)
        api.Recognize()
        words: list[OcrWord] = []
        iterator = api.GetIterator()
        if iterator is None:
            return words
        for it in iterate_level(iterator, RIL.WORD):
            try:
                text = (it.GetUTF8Text(RIL.WORD) or "").strip()
            except RuntimeError:  # tesserocr raises "No text returned" for an empty word box
                continue
            conf = float(it.Confidence(RIL.WORD))
            bbox = it.BoundingBox(RIL.WORD)
            if not text or bbox is None or not _keep(text, conf):
                continue
            x0, y0, x1, y1 = (round(v / scale) for v in bbox)
            words.append(OcrWord(text, round(conf, 1), (x0, y0, x1 - x0, y1 - y0)))
        return _merge_thai(words)

    def _prepare(self, img: Image.Image) -> tuple[Image.Image, float]:
        img = ImageOps.exif_transpose(img).convert("L")
        side = max(img.size)
        scale = 1.0
        if side > self.max_side:
            scale = self.max_side / side
        elif 0 < side < self.min_side:
            scale = min(2.0, self.min_side / side)
        if scale != 1.0:
            size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
            img = img.resize(size, Image.Resampling.LANCZOS)
        return img, scale

    def ocr_image(self, img: Image.Image, *, decoded_scale: float = 1.0) -> OcrResult:
        """Read one image (a photo or a video keyframe). Never raises for Tesseract trouble.

        ``decoded_scale``: how much smaller ``img`` was decoded than the file (JPEG draft), so
        that boxes and size still refer to the file's pixels.
        """
        upright = ImageOps.exif_transpose(img)
        size = (round(upright.width / decoded_scale), round(upright.height / decoded_scale))
        result = OcrResult(size=size)
        if self.error is not None:
            result.warnings.append(ClueWarning("ocr_unavailable", self.error))
            return result
        prepared, scale = self._prepare(upright)
        result.scale = scale * decoded_scale
        best: list[OcrWord] = []
        with self._lock:
            for model in self.passes:
                try:
                    words = self._read(model, prepared, result.scale)
                except (RuntimeError, ImportError) as exc:
                    result.warnings.append(ClueWarning("ocr_failed", f"{model}: {exc}"))
                    continue
                if not any(_is_good(w) for w in words):
                    continue  # noise from textures, or another script
                if _score(words) > _score(best):
                    best, result.model = words, model
                break  # a confident read in this script: skip the other scripts
        result.words = best
        return result

    def close(self) -> None:
        with self._lock:
            for api in self._apis.values():
                api.End()
            self._apis.clear()


def _open(path: Path, max_side: int) -> tuple[Image.Image, float]:
    """Decode, letting JPEG decode at a reduced size (huge scans), and allow big pixel counts
    since the image is downscaled straight away. Returns the image and its decoded scale."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        img = Image.open(path)
        width = img.width
        if img.format == "JPEG":
            img.draft("RGB", (max_side, max_side))
        img.load()
    return img, img.width / width if width else 1.0


def text_clue(result: OcrResult, language: str | None,
              position: float | None = None) -> ClueValue:
    boxes = [[*w.box, w.text, w.confidence] for w in result.words]
    return ClueValue(
        kind="text",
        value={"text": result.text, "confidence": result.confidence, "boxes": boxes,
               "language": language, "model": result.model},
        text=result.text,
        confidence=result.confidence,
        position=position,
    )


class OcrExtractor(WorkerResource):
    """Printed text in images -> a ``text`` clue (words, boxes) and a ``language`` clue.

    Videos are read through their keyframes: the ``keyframes`` extractor's scan (its product,
    hence ``needs``), each frame's clues placed at the frame's time.
    """

    name: ClassVar[str] = "ocr"
    version: ClassVar[str] = "1"
    stage: ClassVar[str] = "ocr"
    accepts: ClassVar[frozenset[str]] = frozenset({"image", "video"})
    needs: ClassVar[tuple[str, ...]] = ("keyframes",)
    resource: ClassVar[str] = "Tesseract engines (tesserocr), one per model string"

    def __init__(self, languages: tuple[str, ...] | None = None) -> None:
        self._languages = languages
        self._engine: OcrEngine | None = None
        self._warned_missing = False

    @property
    def engine(self) -> OcrEngine:
        if self._engine is None:
            self._engine = OcrEngine(self._languages)
        return self._engine

    def ocr_image(self, img: Image.Image) -> OcrResult:
        return self.engine.ocr_image(img)

    def clues_for(self, result: OcrResult, position: float | None = None) -> list[ClueValue]:
        """Text and language clues for one OCR result (also for video keyframes)."""
        if not any(_letters(w.text) for w in result.words):
            return []
        ocr_langs = tuple(to_iso639_1(code) for code in self.engine.languages)
        guess = identify(result.text, ocr_langs)
        clues = [text_clue(result, guess.language if guess else None, position)]
        if guess is not None:
            clues.append(language_clue(guess, position=position))
        return clues

    def extract(self, item: ClueInput, products: Products | None = None) -> ExtractResult:
        if item.kind == "video":
            return self._extract_keyframes(item, products or Products(item))
        engine = self.engine
        out = ExtractResult()
        if engine.missing and not self._warned_missing:
            self._warned_missing = True
            out.warnings.append(ClueWarning(
                "ocr_language_missing",
                f"Tesseract data missing for {', '.join(engine.missing)} "
                f"(apt install tesseract-ocr-<lang>); reading without them"))
        try:
            img, decoded_scale = _open(item.path, engine.max_side)
        except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
            out.warnings.append(ClueWarning("image_unreadable", f"{item.path.name}: {exc}"))
            return out
        result = engine.ocr_image(img, decoded_scale=decoded_scale)
        out.warnings += [ClueWarning(w.code, f"{item.path.name}: {w.message}")
                         for w in result.warnings]
        out.clues = self.clues_for(result)
        if out.clues:
            out.raw = {"model": result.model, "scale": result.scale, "size": list(result.size)}
        return out

    def _extract_keyframes(self, item: ClueInput, products: Products) -> ExtractResult:
        """Each keyframe OCR'd; the same sign on many frames is one clue, first time kept.

        Only the clues are kept: per-frame engine warnings are not reported for videos.
        """
        try:
            frames = require_frames(products.get("keyframes", KeyframeScan), item.path)
        except KeyframeError as exc:
            return ExtractResult(warnings=[ClueWarning("video_unreadable", str(exc))])
        out = ExtractResult()
        seen: set[str] = set()
        for frame in frames:
            for clue in self.clues_for(self.ocr_image(frame.image), position=frame.timestamp):
                key = f"{clue.kind}\0{clue.text}"
                if key not in seen:
                    seen.add(key)
                    out.clues.append(clue)
        return out

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None


ocr_extractor = OcrExtractor()
clue_extractors.register(ocr_extractor)


def ocr_image(img: Image.Image) -> OcrResult:
    """OCR one PIL image with the registered extractor's engine (video keyframes use this)."""
    return ocr_extractor.ocr_image(img)
