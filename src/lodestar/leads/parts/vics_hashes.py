"""``hashes.vics.json``: the series' hashes as a VICS 2.0 case, through our own writer."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from lodestar import __version__
from lodestar.leads.parts.base import PartContext, package_parts
from lodestar.match.formats import HashSetRecord, write_hashset


class VicsHashes:
    name: ClassVar[str] = "vics-hashes"
    order: ClassVar[int] = 30
    filenames: ClassVar[tuple[str, ...]] = ("hashes.vics.json",)
    description: ClassVar[str] = "the series' hashes, VICS 2.0"

    def build(self, context: PartContext) -> list[tuple[str, bytes]]:
        return [("hashes.vics.json", _vics(context.content))]


def _vics(content: Mapping[str, Any]) -> bytes:
    names = {
        s["id"]: s["icse_series"] or s["name"] or f"lodestar-series-{s['id']}"
        for s in content["series"]
    }
    flags = {s["id"]: (s["victim_identified"], s["offender_identified"]) for s in content["series"]}
    records = (
        HashSetRecord(
            record_no=n,
            md5=m["md5"],
            sha1=m["sha1"],
            sha256=m["sha256"],
            size=m["size"],
            file_names=tuple(m["file_names"]),
            series=names[m["series_id"]],
            victim_identified=flags[m["series_id"]][0],
            offender_identified=flags[m["series_id"]][1],
        )
        for n, m in enumerate(content["media"], start=1)
    )
    meta = {"CaseID": content["lead"]["uid"], "SourceApplicationName": f"Lodestar {__version__}"}
    # The writer writes files only; a private temporary directory keeps the bytes ours alone.
    with tempfile.TemporaryDirectory(prefix="lodestar-vics-") as tmp:
        path = Path(tmp) / "hashes.vics.json"
        write_hashset(records, path, "vics", shape="case", case_meta=meta)
        return path.read_bytes()


vics_hashes = package_parts.register(VicsHashes())
