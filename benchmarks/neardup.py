"""Near-duplicate recall and precision per transform, for several matchers, on benign images.

The "originals": --count procedural scenes (``lodestar.demo.photos.scene``: landscapes, rooms,
streets, shapes — nothing photographed, no people) at --size, plus scikit-image's sample
photos that show no people (when scikit-image is installed), all saved as q90 JPEGs and cached
under benchmarks/.cache/neardup-v1/. Every original is put through each transform below and
re-encoded as a q90 JPEG (unless the transform is a JPEG re-encode itself); each transformed
image is then a query against ALL originals, for every matcher:

- md5: identical bytes;
- phash: ``imagehash.phash`` (64 bits), Hamming ≤ 10 ("n/a" if imagehash is not installed;
  it is a benchmark-only extra, not a Lodestar dependency);
- pdq: ``pdq_from_jpeg_bytes``, Hamming ≤ 31, only hashes of quality ≥ 50 on either side;
- pdq+dihedral: the 8 rotated/mirrored PDQs of the query
  (``pdq_dihedral_from_decoded(decode_for_pdq(data))``), min distance ≤ 31, quality ≥ 50;
- lodestar: the project's matcher: pdq+dihedral through ``PdqIndex`` (``range_search`` of the
  8 variants) united with local-feature matches (ORB, a faiss vote shortlist, RANSAC similarity
  verification: ``lodestar.match.features``); ms/img includes both query-side signals.

Recall: share of transformed images whose true original is among the matches. Precision: of
all (query, original) matches reported — transformed queries plus every original queried
against the OTHER originals (leave-one-out, which counts false matches among distinct
images) — the share that name the true original. ms/img: hashing a query's bytes (in one
worker process) plus searching the originals, mean per query.

Target: lodestar recall ≥ 0.98 at precision ≥ 0.999 over the whole suite.

Usage: python benchmarks/neardup.py [--count 60] [--size 1600x1200] [--no-skimage]
                                    [--workers N] [--out FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFont

from lodestar.analyze.signals.pdq import (
    MAX_DISTANCE_DEFAULT,
    decode_for_pdq,
    pdq_dihedral_from_decoded,
    pdq_from_decoded,
    pdq_from_jpeg_bytes,
    usable_for_matching,
)
from lodestar.demo.photos import jpeg_bytes, scene, skimage_sample_files
from lodestar.match.features import FeatureIndex, features_from_bytes
from lodestar.match.index import PdqIndex, hex_to_bits

try:
    import imagehash
except ImportError:  # optional: the phash column prints n/a
    imagehash = None  # type: ignore[assignment]

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "benchmarks" / ".cache" / "neardup-v1"
PHASH_MAX = 10
PDQ_MAX = MAX_DISTANCE_DEFAULT  # 31
TARGET_RECALL = 0.98
TARGET_PRECISION = 0.999
MATCHERS = ("md5", "phash", "pdq", "pdq+dihedral", "lodestar")
_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu")


# -- transforms ------------------------------------------------------------------------------


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for folder in _FONT_DIRS:
        path = Path(folder) / "DejaVuSans-Bold.ttf"
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def _q90(img: Image.Image) -> bytes:
    return jpeg_bytes(img, 90)


def _resize_quarter(img: Image.Image) -> bytes:
    w, h = img.size
    return _q90(img.resize((max(1, w // 4), max(1, h // 4)), Image.Resampling.LANCZOS))


def _text_band(img: Image.Image) -> bytes:
    """A solid band across 15 % of the height (at 78–93 %) with printed caption text."""
    out = img.copy()
    w, h = out.size
    top, band = int(h * 0.78), max(1, int(h * 0.15))
    draw = ImageDraw.Draw(out)
    draw.rectangle((0, top, w, top + band), fill=(20, 20, 24))
    font = _font(max(8, int(band * 0.45)))
    draw.text(
        (w // 30, top + band // 4),
        "HARBOUR MARKET  OPEN 9-17  PLATFORM 3",
        fill=(240, 240, 240),
        font=font,
    )
    return _q90(out)


def _crop(frac: float) -> Callable[[Image.Image], bytes]:
    """Centre crop keeping (1 − frac) of the width and of the height."""

    def run(img: Image.Image) -> bytes:
        w, h = img.size
        cw, ch = max(1, round(w * (1 - frac))), max(1, round(h * (1 - frac)))
        left, top = (w - cw) // 2, (h - ch) // 2
        return _q90(img.crop((left, top, left + cw, top + ch)))

    return run


def _rotate(degrees: float) -> Callable[[Image.Image], bytes]:
    def run(img: Image.Image) -> bytes:
        return _q90(img.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=False))

    return run


def _letterbox(img: Image.Image) -> bytes:
    """Pad with black bars to 16:9 (pillarbox for narrower images, letterbox for wider)."""
    w, h = img.size
    size = (round(h * 16 / 9), h) if w * 9 < h * 16 else (w, round(w * 9 / 16))
    canvas = Image.new("RGB", size, (0, 0, 0))
    canvas.paste(img, ((size[0] - w) // 2, (size[1] - h) // 2))
    return _q90(canvas)


def _screenshot(img: Image.Image) -> bytes:
    """Pasted into a grey window frame (10 % margins) whose top margin holds a title bar."""
    w, h = img.size
    mx, my = max(1, w // 10), max(1, h // 10)
    canvas = Image.new("RGB", (w + 2 * mx, h + 2 * my), (198, 198, 202))
    draw = ImageDraw.Draw(canvas)
    bar = max(1, int(my * 0.7))
    draw.rectangle((0, 0, canvas.width, bar), fill=(52, 56, 66))
    r = max(1, bar // 5)
    for k, color in enumerate(((236, 95, 87), (245, 190, 80), (98, 197, 84))):
        cx = mx // 2 + k * 3 * r
        draw.ellipse((cx - r, bar // 2 - r, cx + r, bar // 2 + r), fill=color)
    draw.text(
        (mx // 2 + 10 * r, bar // 4),
        "harbour_0012.jpg - Viewer",
        fill=(230, 230, 230),
        font=_font(max(8, bar // 2)),
    )
    canvas.paste(img, (mx, my))
    return _q90(canvas)


TRANSFORMS: dict[str, Callable[[Image.Image], bytes]] = {
    "resize 1/4": _resize_quarter,
    "jpeg q30": lambda img: jpeg_bytes(img, 30),
    "jpeg q10": lambda img: jpeg_bytes(img, 10),
    "brightness +30%": lambda img: _q90(ImageEnhance.Brightness(img).enhance(1.3)),
    "greyscale": lambda img: _q90(img.convert("L")),
    "text band 15%": _text_band,
    "crop 5%": _crop(0.05),
    "crop 10%": _crop(0.10),
    "crop 20%": _crop(0.20),
    "rotate +5°": _rotate(5),
    "rotate -5°": _rotate(-5),
    "flip horizontal": lambda img: _q90(img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)),
    "flip vertical": lambda img: _q90(img.transpose(Image.Transpose.FLIP_TOP_BOTTOM)),
    "rotate 90°": lambda img: _q90(img.transpose(Image.Transpose.ROTATE_90)),
    "letterbox 16:9": _letterbox,
    "screenshot frame": _screenshot,
}


# -- signals (computed in worker processes) --------------------------------------------------


def signals(data: bytes) -> dict[str, Any]:
    """Every matcher's query-side signal of ``data``, with the seconds each took."""
    out: dict[str, Any] = {"t": {}}
    t0 = time.perf_counter()
    out["md5"] = hashlib.md5(data).hexdigest()
    t1 = time.perf_counter()
    out["t"]["md5"] = t1 - t0
    if imagehash is not None:
        with Image.open(io.BytesIO(data)) as img:
            out["phash"] = int(str(imagehash.phash(img)), 16)
        out["t"]["phash"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    pdq = pdq_from_jpeg_bytes(data)
    t3 = time.perf_counter()
    out["pdq"] = (pdq.value, pdq.quality) if pdq is not None else None
    out["t"]["pdq"] = t3 - t2
    # Dihedral: one reduced decode, the quality-gating PDQ (≈ 1 ms) and the 8 variants.
    decoded = decode_for_pdq(data)
    base = pdq_from_decoded(decoded)
    variants = pdq_dihedral_from_decoded(decoded)
    out["dihedral"] = (variants, base.quality if base is not None else 0)
    t4 = time.perf_counter()
    out["t"]["dihedral"] = t4 - t3
    out["orb"] = features_from_bytes(data)
    out["t"]["orb"] = time.perf_counter() - t4
    return out


def _original_bytes(spec: tuple[str, Any]) -> bytes:
    kind, arg = spec
    if kind == "file":
        return Path(arg).read_bytes()
    seed, size, path = arg
    path = Path(path)
    if not path.exists():
        tmp = path.with_suffix(".part")
        tmp.write_bytes(jpeg_bytes(scene(seed, size), 90))
        tmp.replace(path)
    return path.read_bytes()


def _work(spec: tuple[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(signals of the original, {transform: signals of the transformed copy})."""
    data = _original_bytes(spec)
    with Image.open(io.BytesIO(data)) as img:
        rgb = img.convert("RGB")
    queries = {name: signals(fn(rgb)) for name, fn in TRANSFORMS.items()}
    return signals(data), queries


def _specs(
    count: int, size: tuple[int, int], with_skimage: bool
) -> tuple[list[str], list[tuple[str, Any]]]:
    CACHE.mkdir(parents=True, exist_ok=True)
    names: list[str] = []
    specs: list[tuple[str, Any]] = []
    w, h = size
    for seed in range(count):
        path = CACHE / f"scene-{seed:04d}-{w}x{h}.jpg"
        names.append(path.name)
        specs.append(("scene", (seed, size, str(path))))
    if not with_skimage:
        return names, specs
    for path in skimage_sample_files(CACHE):
        names.append(path.name)
        specs.append(("file", str(path)))
    return names, specs


# -- matchers (in the main process, against all originals) -----------------------------------


class Originals:
    """The originals' signals, arranged for each matcher's search."""

    def __init__(self, sigs: list[dict[str, Any]]) -> None:
        self.n = len(sigs)
        self.md5: dict[str, list[int]] = {}
        for i, s in enumerate(sigs):
            self.md5.setdefault(s["md5"], []).append(i)
        self.phash = (
            np.array([s["phash"] for s in sigs], dtype=np.uint64) if "phash" in sigs[0] else None
        )
        self.pdq_ok = np.array(
            [s["pdq"] is not None and usable_for_matching(s["pdq"][1]) for s in sigs], dtype=bool
        )
        self.pdq_ids = np.flatnonzero(self.pdq_ok)
        self.pdq_bits = hex_to_bits([sigs[i]["pdq"][0] for i in self.pdq_ids])
        self.index = PdqIndex()
        self.index.add(self.pdq_ids, [sigs[i]["pdq"][0] for i in self.pdq_ids])
        self.features = FeatureIndex()
        for i, s in enumerate(sigs):
            self.features.add(i, s["orb"])


def md5_match(o: Originals, q: dict[str, Any]) -> set[int]:
    return set(o.md5.get(q["md5"], ()))


def phash_match(o: Originals, q: dict[str, Any]) -> set[int]:
    assert o.phash is not None
    dist = np.bitwise_count(o.phash ^ np.uint64(q["phash"]))
    return set(np.flatnonzero(dist <= PHASH_MAX).tolist())


def _pdq_brute(o: Originals, hexes: list[str]) -> set[int]:
    q = hex_to_bits(hexes)  # (k, 32)
    dist = np.bitwise_count(o.pdq_bits[None, :, :] ^ q[:, None, :]).sum(axis=2, dtype=np.int32)
    hit = dist.min(axis=0) <= PDQ_MAX
    return set(o.pdq_ids[hit].tolist())


def pdq_match(o: Originals, q: dict[str, Any]) -> set[int]:
    if q["pdq"] is None or not usable_for_matching(q["pdq"][1]):
        return set()
    return _pdq_brute(o, [q["pdq"][0]])


def dihedral_match(o: Originals, q: dict[str, Any]) -> set[int]:
    variants, quality = q["dihedral"]
    if not variants or not usable_for_matching(quality):
        return set()
    return _pdq_brute(o, variants)


def lodestar_match(o: Originals, q: dict[str, Any]) -> set[int]:
    """The project's matcher: PDQ+dihedral through PdqIndex, plus local features verified by a
    similarity transform over a vote shortlist (``lodestar.match.features``)."""
    variants, quality = q["dihedral"]
    found: set[int] = set()
    if variants and usable_for_matching(quality):
        found = {i for hits in o.index.range_search(variants, PDQ_MAX) for i, _ in hits}
    return found | {i for i, _ in o.features.search(q["orb"])}


SEARCH: dict[str, tuple[tuple[str, ...], Callable[[Originals, dict[str, Any]], set[int]]]] = {
    "md5": (("md5",), md5_match),
    "phash": (("phash",), phash_match),
    "pdq": (("pdq",), pdq_match),
    "pdq+dihedral": (("dihedral",), dihedral_match),
    "lodestar": (("dihedral", "orb"), lodestar_match),
}


# -- the benchmark ---------------------------------------------------------------------------


def _tally() -> dict[str, float]:
    return {"queries": 0, "found": 0, "true": 0, "false": 0, "seconds": 0.0}


def run(
    names: list[str], results: list[tuple[dict[str, Any], dict[str, dict[str, Any]]]]
) -> dict[str, Any]:
    originals = Originals([r[0] for r in results])
    matchers = [m for m in MATCHERS if m != "phash" or originals.phash is not None]
    per: dict[str, dict[str, dict[str, float]]] = {
        t: {m: _tally() for m in matchers} for t in [*TRANSFORMS, "leave-one-out"]
    }
    misses: dict[str, dict[str, list[str]]] = {m: {} for m in matchers}
    for i, (orig, queries) in enumerate(results):
        cases = [*((t, q, False) for t, q in queries.items()), ("leave-one-out", orig, True)]
        for t, q, loo in cases:
            for m in matchers:
                keys, fn = SEARCH[m]
                t0 = time.perf_counter()
                hits = fn(originals, q)
                spent = time.perf_counter() - t0 + sum(q["t"][k] for k in keys)
                if loo:
                    hits.discard(i)  # leave-one-out: only the OTHER originals count
                row = per[t][m]
                row["queries"] += 1
                row["seconds"] += spent
                row["found"] += i in hits
                row["true"] += i in hits
                row["false"] += len(hits - {i})
                if not loo and i not in hits:
                    misses[m].setdefault(t, []).append(names[i])
    overall: dict[str, dict[str, Any]] = {}
    for m in matchers:
        tq = sum(per[t][m]["queries"] for t in TRANSFORMS)
        found = sum(per[t][m]["found"] for t in TRANSFORMS)
        true = sum(per[t][m]["true"] for t in per)
        false = sum(per[t][m]["false"] for t in per)
        secs = sum(per[t][m]["seconds"] for t in per)
        nq = sum(per[t][m]["queries"] for t in per)
        overall[m] = {
            "recall": found / tq if tq else None,
            "precision": true / (true + false) if true + false else None,
            "true_matches": true,
            "false_matches": false,
            "loo_false_matches": per["leave-one-out"][m]["false"],
            "ms_per_image": 1000 * secs / nq if nq else None,
        }
    return {
        "originals": len(names),
        "quality_ok_originals": int(originals.pdq_ok.sum()),
        "matchers": matchers,
        "per_transform": {
            t: {
                m: {
                    "recall": r["found"] / r["queries"] if t != "leave-one-out" else None,
                    "false_matches": r["false"],
                    "ms_per_image": 1000 * r["seconds"] / r["queries"],
                }
                for m, r in row.items()
            }
            for t, row in per.items()
        },
        "overall": overall,
        "misses": misses,
    }


def _fmt(x: float | None, nd: int = 3) -> str:
    return "—" if x is None else f"{x:.{nd}f}"


def report(res: dict[str, Any]) -> None:
    cols = list(MATCHERS)
    width = 14
    head = f"{'transform':<18}" + "".join(f"{c:>{width}}" for c in cols)
    print(head)
    print("-" * len(head))

    def cell(m: str, value: str) -> str:
        return f"{('n/a' if m not in res['matchers'] else value):>{width}}"

    for t in TRANSFORMS:
        row = res["per_transform"][t]
        parts = []
        for m in cols:
            r = row.get(m)
            text = ""
            if r is not None:
                text = _fmt(r["recall"])
                text += f" +{r['false_matches']}fp" if r["false_matches"] else ""
            parts.append(cell(m, text))
        print(f"{t:<18}" + "".join(parts))
    print("-" * len(head))
    ov = res["overall"]
    rows = [
        ("ALL recall", lambda o: _fmt(o["recall"])),
        ("ALL precision", lambda o: _fmt(o["precision"], 4)),
        ("false matches", lambda o: str(o["false_matches"])),
        ("  of which LOO", lambda o: str(o["loo_false_matches"])),
        ("ms/image", lambda o: _fmt(o["ms_per_image"], 2)),
    ]
    for label, f in rows:
        print(f"{label:<18}" + "".join(cell(m, f(ov[m]) if m in ov else "") for m in cols))
    lo = ov["lodestar"]
    ok = (lo["recall"] or 0) >= TARGET_RECALL and (lo["precision"] or 0) >= TARGET_PRECISION
    print(
        f"\ntarget: lodestar recall ≥ {TARGET_RECALL} at precision ≥ {TARGET_PRECISION} over the "
        f"whole suite — measured recall {_fmt(lo['recall'])}, precision {_fmt(lo['precision'], 4)}"
        f": {'MET' if ok else 'NOT MET'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=60, help="synthetic originals (default 60)")
    parser.add_argument("--size", default="1600x1200", help="scene size WxH (default 1600x1200)")
    parser.add_argument("--no-skimage", action="store_true", help="synthetic scenes only")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, help="write the results as JSON")
    args = parser.parse_args()
    w, h = (int(v) for v in args.size.lower().split("x"))
    start = time.perf_counter()
    names, specs = _specs(args.count, (w, h), not args.no_skimage)
    if imagehash is None:
        print("imagehash not installed: phash column is n/a", file=sys.stderr)
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(_work, specs))
    res = run(names, results)
    res["seconds"] = time.perf_counter() - start
    res["settings"] = {
        "count": args.count,
        "size": [w, h],
        "workers": args.workers,
        "phash_max": PHASH_MAX,
        "pdq_max": PDQ_MAX,
    }
    print(
        f"{len(names)} originals ({args.count} scenes {w}×{h} + {len(names) - args.count} "
        f"scikit-image samples, q90 JPEG; {res['quality_ok_originals']} with PDQ quality ≥ 50), "
        f"{len(TRANSFORMS)} transforms → {len(names) * len(TRANSFORMS)} queries + "
        f"{len(names)} leave-one-out; cells: recall (+false matches to other originals)\n"
    )
    report(res)
    print(f"\nrun time {res['seconds']:.1f} s ({args.workers} workers)")
    if args.out:
        args.out.write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
