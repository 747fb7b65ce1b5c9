"""OCR figures on the demo corpus: images/s per core in-process vs spawning ``tesseract`` per
image (same images, same model, same run), word recall per language, language-id accuracy and
detector memory.

    .venv/bin/python benchmarks/ocr.py [--per-language 2] [--corpus benchmarks/.cache/ocr-small]

Truth: the phrases each series' room printed (``SceneSpec.texts()`` from the generator's plan);
a shot's crop or the furniture may hide some of them, so 100 % recall is not reachable.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # per-core figures: no OpenMP fan-out

import argparse  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from PIL import Image  # noqa: E402

from lodestar.clues.base import ClueInput  # noqa: E402
from lodestar.clues.ocr import OcrEngine, OcrExtractor, _open  # noqa: E402
from lodestar.demo.plan import build_plan  # noqa: E402
from lodestar.demo.scales import get_scale  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _corpus(out: Path) -> dict[str, Any]:
    if not (out / "truth.json").is_file():
        subprocess.run([str(ROOT / ".venv/bin/lodestar"), "demo", "corpus", str(out),
                        "--scale", "small"], check=True, stdout=subprocess.DEVNULL)
    return json.loads((out / "truth.json").read_text(encoding="utf-8"))


def _pick(truth: dict[str, Any], per_language: int) -> list[dict[str, Any]]:
    """The first on-disk original of each series, ``per_language`` series per language."""
    seen: set[str] = set()
    count: dict[str, int] = defaultdict(int)
    picked = []
    for f in truth["files"]:
        if (f["kind"] != "image" or f["variant"] != "original" or "!/" in f["path"]
                or f["series"] in seen or count[f["language"]] >= per_language):
            continue
        seen.add(f["series"])
        count[f["language"]] += 1
        picked.append(f)
    return picked


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def _recall(truth: list[str], read: str) -> tuple[int, int]:
    """Truth words found among the read words; Thai (no spaces) as a substring of the read
    text with spaces removed."""
    got, flat = set(_tokens(read)), re.sub(r"\s+", "", read.casefold())
    want = [w for phrase in truth for w in _tokens(phrase)]
    return sum(1 for w in want if w in got or w in flat), len(want)


def _spawn(paths: list[Path], model: str, tessdata: str) -> float:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    start = time.perf_counter()
    for path in paths:
        subprocess.run(["tesseract", str(path), "-", "--tessdata-dir", tessdata, "-l", model,
                        "--psm", "11"], check=False, capture_output=True, env=env)
    return time.perf_counter() - start


def _in_process(images: list[Image.Image], model: str, engine: OcrEngine) -> float:
    engine._read(model, images[0], 1.0)  # open the engine outside the timing, as in a worker
    start = time.perf_counter()
    for img in images:
        engine._read(model, img, 1.0)
    return time.perf_counter() - start


def _speed(files: list[Path], engine: OcrEngine) -> list[tuple[str, float, float]]:
    """Same images, same model and PSM, prepared (upright, grey, capped) once for both."""
    model = engine.passes[0]
    with tempfile.TemporaryDirectory() as tmp:
        images, paths = [], []
        for k, f in enumerate(files):
            img, _ = engine._prepare(_open(f, engine.max_side)[0])
            images.append(img)
            paths.append(Path(tmp) / f"{k}.png")
            img.save(paths[-1])
        assert engine.tessdata is not None
        spawn = _spawn(paths, model, engine.tessdata)
        inproc = _in_process(images, model, engine)
    n = len(files)
    return [("spawn tesseract per image", n / spawn, spawn / n * 1000),
            ("tesserocr, engine kept open", n / inproc, inproc / n * 1000)]


def _detector_rss() -> float:
    """RSS growth from loading the detector, in a fresh process (VmRSS: ru_maxrss would carry
    this process's peak across exec)."""
    code = ("import re\n"
            "def rss(): return int(re.search(r'VmRSS:\\s+(\\d+)', "
            "open('/proc/self/status').read()).group(1))\n"
            "from lodestar.clues import language\n"
            "a = rss(); language.identify('Apteka Piekarnia'); print((rss() - a) / 1024)")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True)
    return float(out.stdout.strip())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT / "benchmarks/.cache/ocr-small")
    ap.add_argument("--per-language", type=int, default=2)
    args = ap.parse_args()
    truth = _corpus(args.corpus)
    plan = build_plan(truth["seed"], get_scale(truth["scale"]))
    texts = {s.id: s.scene.texts() for s in plan.series}
    files = _pick(truth, args.per_language)
    paths = [args.corpus / f["path"] for f in files]

    ex = OcrExtractor()
    print(f"{len(files)} demo room photos ({truth['scale']}, seed {truth['seed']}); "
          f"passes {ex.engine.passes}; OMP_THREAD_LIMIT={os.environ['OMP_THREAD_LIMIT']}\n")
    print(f"{'method (first pass, PSM 11)':32} {'img/s/core':>10} {'ms/img':>8}")
    for name, rate, ms in _speed(paths, ex.engine):
        print(f"{name:32} {rate:10.2f} {ms:8.0f}")

    recall: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    lang_ok: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    start = time.perf_counter()
    for f, path in zip(files, paths, strict=True):
        result = ex.extract(ClueInput(f["sha256"] or "", path, "image"))
        text = next((c.value for c in result.clues if c.kind == "text"), None)
        found, total = _recall(texts[f["series"]], text["text"] if text else "")
        recall[f["language"]][0] += found
        recall[f["language"]][1] += total
        lang_ok[f["language"]][0] += int(text is not None and text["language"] == f["language"])
        lang_ok[f["language"]][1] += 1
    full = time.perf_counter() - start
    ex.close()
    print(f"\nfull extractor (all passes + language id): {len(files) / full:.2f} img/s/core "
          f"({full / len(files) * 1000:.0f} ms/img, incl. one-off model loads)\n")
    print(f"{'lang':5} {'word recall':>14} {'lang-id':>8}")
    for lang in sorted(recall):
        (hit, n), (ok, m) = recall[lang], lang_ok[lang]
        print(f"{lang:5} {hit:5}/{n:<4} {hit / max(1, n):5.0%} {ok:3}/{m:<3}")
    hit, n = (sum(v[i] for v in recall.values()) for i in (0, 1))
    ok, m = (sum(v[i] for v in lang_ok.values()) for i in (0, 1))
    print(f"{'all':5} {hit:5}/{n:<4} {hit / max(1, n):5.0%} {ok:3}/{m:<3}")
    print(f"\nlanguage detector (py3langid) RSS: {_detector_rss():.0f} MB")


if __name__ == "__main__":
    main()
