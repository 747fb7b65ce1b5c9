"""Benign demo hash sets for the synthetic operation, so `make run` shows known-content matching.

- ``hashsets/known-series.vics.json``: a Project VIC (VICS 2.0) set holding the original photos
  of the first three synthetic series, as if an earlier operation had already worked them (the
  first one marked identified), each with its PDQ in AlternativeHashes. Their near-duplicates
  are left out on purpose: only perceptual matching finds those.
- ``hashsets/known-files.txt``: a plain SHA-256 list of the distractor "system" files, standing
  in for an NSRL-style "known, ignorable" set.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from lodestar.analyze.signals.pdq import pdq_from_jpeg_bytes
from lodestar.demo.layout import disk_path
from lodestar.match.formats import HashSetRecord, write_hashset

KNOWN_SERIES = 3
VICS_NAME = "hashsets/known-series.vics.json"
PLAIN_NAME = "hashsets/known-files.txt"


def write_demo_hashsets(out: Path, truth: dict[str, Any]) -> list[str]:
    files = [f for f in truth["files"] if f.get("sha256") and "!/" not in f["path"]]
    known_series = sorted(s["id"] for s in truth["series"])[:KNOWN_SERIES]
    originals = [
        f for f in files if f.get("series") in known_series and f.get("variant") == "original"
    ]
    records = [
        _record(i, out, f, identified=f["series"] == known_series[0])
        for i, f in enumerate(sorted(originals, key=lambda f: f["path"]), start=1)
    ]
    (out / "hashsets").mkdir(exist_ok=True)
    write_hashset(records, out / VICS_NAME, "vics")
    system = sorted({f["sha256"] for f in files if f.get("kind") == "system"})
    (out / PLAIN_NAME).write_text("".join(f"{sha}\n" for sha in system))
    return [VICS_NAME, PLAIN_NAME]


def _record(no: int, out: Path, f: dict[str, Any], *, identified: bool) -> HashSetRecord:
    with open(disk_path(out, f["path"]), "rb") as fh:
        data = fh.read()
    return HashSetRecord(
        record_no=no,
        md5=hashlib.md5(data).hexdigest(),
        sha1=hashlib.sha1(data).hexdigest(),
        sha256=f["sha256"],
        media_id=f"DEMO-{no:05d}",
        category="2",
        series=f"Demo series {f['series']}",
        victim_identified=identified,
        offender_identified=identified,
        size=len(data),
        alt_hashes=_pdq(data),
    )


def _pdq(data: bytes) -> tuple[tuple[str, str], ...]:
    # Sets exported by other tools can carry PDQ: this lets `match` find the known series'
    # resized and recompressed copies perceptually, not only the byte-identical originals.
    value = pdq_from_jpeg_bytes(data)
    return (("PDQ", value.value),) if value is not None else ()
