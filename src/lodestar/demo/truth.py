"""truth.json records: one per generated file, plus a summary computed from them."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

KINDS = ("image", "video", "system", "hostile", "archive")
GENERATOR = "lodestar-demo-corpus"


@dataclass
class FileRecord:
    path: str
    kind: str
    series: str | None = None
    camera: str | None = None  # camera serial
    place: str | None = None
    country: str | None = None
    language: str | None = None
    variant: str | None = None
    derived_from: str | None = None
    hostile: str | None = None
    sha256: str | None = None
    size: int | None = None
    format: str | None = None
    exif: bool = False  # whether the file carries camera EXIF
    taken: str | None = None  # capture time, ISO 8601 with UTC offset
    gps: list[float] | None = None  # [lat, lon] written into EXIF / mp4 metadata
    orientation: int | None = None
    duration: float | None = None
    mtime: int | None = None
    link_target: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def dump_truth(truth: dict[str, Any]) -> bytes:
    return (json.dumps(truth, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def load_truth(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def summarize(truth: dict[str, Any], out: Path, *, cached: bool) -> dict[str, Any]:
    files: list[dict[str, Any]] = truth["files"]
    kinds = Counter(f["kind"] for f in files)
    variants = Counter(f["variant"] for f in files if f["variant"])
    on_disk = [f for f in files if "!/" not in f["path"] and f["link_target"] is None]
    return {
        "out": str(out),
        "seed": truth["seed"],
        "scale": truth["scale"],
        "generator_version": truth["generator_version"],
        "cached": cached,
        "files": len(files),
        "kinds": {kind: kinds.get(kind, 0) for kind in KINDS},
        "variants": dict(sorted(variants.items())),
        "hostile": sum(1 for f in files if f["hostile"]),
        "series": len(truth["series"]),
        "seizures": len(truth["seizures"]),
        "bytes": sum(f["size"] or 0 for f in on_disk),
        "video_seconds": round(sum(f["duration"] or 0.0 for f in files), 3),
    }
