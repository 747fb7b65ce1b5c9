"""Benign hash-set fixtures, built programmatically: each format variant writes the same
logical records into its own file format, optionally corrupting one record.

All digests are of harmless byte strings (``b"benign-<i>"``); nothing here names real content.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lodestar.match.formats import HashSetRecord

VICS2_MEDIA = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media"
VICS2_CASES = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/UK/$metadata#Cases"
VICS13_CASES = "http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Cases"
VICS12_MEDIA = "http://github.com/ICMEC/ProjectVic/DataModels/1.2.xml#Media"

BAD_HEX_MD5 = "zz" + "0" * 30  # 32 characters, not hex
NO_DIGEST = {"md5": "", "sha1": "", "sha256": ""}


def md5(i: int) -> str:
    return hashlib.md5(f"benign-{i}".encode()).hexdigest()


def sha1(i: int) -> str:
    return hashlib.sha1(f"benign-{i}".encode()).hexdigest()


def sha256(i: int) -> str:
    return hashlib.sha256(f"benign-{i}".encode()).hexdigest()


Overrides = dict[int, dict[str, str]]  # record index (1-based) -> raw digest values


def _digest(i: int, kind: str, overrides: Overrides, default: str | None) -> str | None:
    return overrides.get(i, {}).get(kind, default)


# --- VICS ---------------------------------------------------------------------------------


def vics_expected(i: int) -> HashSetRecord:
    return HashSetRecord(
        record_no=i,
        md5=md5(i),
        sha1=sha1(i),
        sha256=sha256(i) if i % 2 else None,
        media_id=str(i),
        category=str(i % 3),
        series="series-a" if i % 2 else None,
        victim_identified=bool(i % 2),
        offender_identified=None,
        is_distributed=True,
        is_precategorized=False,
        tags=("benign", f"t{i}"),
        size=1000 + i,
        photodna=None,
        alt_hashes=(("CRC32", f"{i:08x}"),),
        file_names=(f"benign-{i}.jpg",),
        extra={"vics": {"DateUpdated": "2024-01-01T00:00:00Z", "odata.id": f"Media({i})"}},
    )


def vics_media(i: int, overrides: Overrides | None = None) -> dict[str, Any]:
    """The raw Media object for ``vics_expected(i)`` (mixed spellings, as exporters write)."""
    ov = overrides or {}
    media: dict[str, Any] = {
        "odata.id": f"Media({i})",
        "MediaID": i,
        "Category": i % 3,
        "MD5": (_digest(i, "md5", ov, md5(i).upper())),
        "SHA1": _digest(i, "sha1", ov, sha1(i)),
        "MediaSize": 1000 + i,
        "Series": "series-a" if i % 2 else None,
        # JSON booleans on odd records, text on even ones
        "VictimIdentified": bool(i % 2) if i % 2 else "false",
        "IsDistributed": True if i % 2 else "True",
        "IsPrecategorized": "0",
        "Tags": f"benign, t{i}",
        "DateUpdated": "2024-01-01T00:00:00Z",
        "MediaFiles": [{"FileName": f"benign-{i}.jpg", "FilePath": f"/benign/benign-{i}.jpg"}],
    }
    alts = [{"HashName": "CRC32", "HashValue": f"{i:08x}"}]
    sha = _digest(i, "sha256", ov, sha256(i).upper() if i % 2 else None)
    if sha is not None:
        alts.insert(0, {"HashName": "SHA256", "HashValue": sha})
    media["AlternativeHashes"] = alts
    if media["Series"] is None:
        del media["Series"]
    return media


def write_json(path: Path, doc: dict[str, Any], *, bom: bool = False) -> Path:
    data = json.dumps(doc, indent=1).encode()
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def write_vics_hashset(
    tmp: Path, n: int, overrides: Overrides | None = None, *, context: str = VICS2_MEDIA
) -> Path:
    doc = {"@odata.context": context, "value": [vics_media(i, overrides) for i in range(1, n + 1)]}
    return write_json(tmp / "vics-hashset.json", doc)


def write_vics_big(path: Path, n: int) -> Path:
    """A large VICS 2.0 hash set, written streaming (one Media per line)."""
    with open(path, "w", encoding="utf-8") as out:
        out.write('{"@odata.context": "' + VICS2_MEDIA + '", "value": [\n')
        for i in range(1, n + 1):
            b = f"benign-{i}".encode()
            media = {
                "MediaID": i,
                "Category": i % 4,
                "MD5": hashlib.md5(b).hexdigest().upper(),
                "SHA1": hashlib.sha1(b).hexdigest().upper(),
                "MediaSize": 1000 + i,
                "IsDistributed": "false",
                "VictimIdentified": True,
            }
            out.write(("," if i > 1 else "") + json.dumps(media) + "\n")
        out.write("]}\n")
    return path


# --- NSRL ---------------------------------------------------------------------------------


def nsrl_v3_expected(i: int) -> HashSetRecord:
    return HashSetRecord(
        record_no=i,
        md5=md5(i),
        sha1=sha1(i),
        sha256=sha256(i),
        size=2000 + i,
        file_names=(f"benign-{i}.dll",),
        extra={"nsrl": True, "package_id": 100 + i % 7, "crc32": f"{i:08x}"},
    )


RDS3_SCHEMA_MINIMAL = """
CREATE TABLE VERSION (version TEXT, build_set TEXT, build_date TIMESTAMP,
                      release_date TIMESTAMP, description TEXT);
CREATE TABLE PKG (package_id INTEGER, name TEXT, version TEXT, operating_system_id INTEGER,
                  manufacturer_id INTEGER, language TEXT, application_type TEXT);
CREATE TABLE FILE (sha256 VARCHAR NOT NULL, sha1 VARCHAR NOT NULL, md5 VARCHAR NOT NULL,
                   crc32 VARCHAR NOT NULL, file_name VARCHAR NOT NULL,
                   file_size INTEGER NOT NULL, package_id INTEGER NOT NULL);
"""

RDS3_SCHEMA_FULL = """
CREATE TABLE VERSION (version TEXT, build_set TEXT, build_date TIMESTAMP,
                      release_date TIMESTAMP, description TEXT);
CREATE TABLE METADATA (object_id INTEGER PRIMARY KEY, sha256 VARCHAR NOT NULL,
                       sha1 VARCHAR NOT NULL, md5 VARCHAR NOT NULL, crc32 VARCHAR NOT NULL,
                       file_name VARCHAR NOT NULL, file_size INTEGER NOT NULL);
CREATE TABLE PACKAGE_OBJECT (package_id INTEGER NOT NULL, object_id INTEGER NOT NULL);
CREATE VIEW FILE AS
  SELECT M.sha256, M.sha1, M.md5, M.crc32, M.file_name, M.file_size, PO.package_id
  FROM METADATA AS M JOIN PACKAGE_OBJECT AS PO ON M.object_id = PO.object_id;
"""


def _nsrl_row(i: int, ov: Overrides) -> tuple[Any, ...]:
    return (
        _digest(i, "sha256", ov, sha256(i).upper()),
        _digest(i, "sha1", ov, sha1(i).upper()),
        _digest(i, "md5", ov, md5(i).upper()),
        f"{i:08X}",
        f"benign-{i}.dll",
        2000 + i,
        100 + i % 7,
    )


def write_nsrl_v3(
    tmp: Path, n: int, overrides: Overrides | None = None, *, full: bool = False
) -> Path:
    path = tmp / ("RDS_full.db" if full else "RDS_minimal.db")
    con = sqlite3.connect(path)
    con.executescript(RDS3_SCHEMA_FULL if full else RDS3_SCHEMA_MINIMAL)
    con.execute(
        "INSERT INTO VERSION VALUES ('2024.03.1', 'modern', '2024-03-01', '2024-03-01', 'test')"
    )
    rows = [_nsrl_row(i, overrides or {}) for i in range(1, n + 1)]
    if full:
        con.executemany(
            "INSERT INTO METADATA VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(i, *row[:6]) for i, row in enumerate(rows, start=1)],
        )
        con.executemany(
            "INSERT INTO PACKAGE_OBJECT VALUES (?, ?)",
            [(row[6], i) for i, row in enumerate(rows, start=1)],
        )
    else:
        con.executemany("INSERT INTO FILE VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    con.commit()
    con.close()
    return path


def nsrl_v2_expected(i: int) -> HashSetRecord:
    return HashSetRecord(
        record_no=i,
        md5=md5(i),
        sha1=sha1(i),
        size=3000 + i,
        file_names=(f"BENIGN-{i}.TXT",),
        extra={
            "nsrl": True,
            "product_code": 500 + i,
            "op_system_code": "358",
            "crc32": f"{i:08x}",
        },
    )


NSRL_V2_HEADER = [
    "SHA-1",
    "MD5",
    "CRC32",
    "FileName",
    "FileSize",
    "ProductCode",
    "OpSystemCode",
    "SpecialCode",
]


def write_nsrl_v2(tmp: Path, n: int, overrides: Overrides | None = None) -> Path:
    path = tmp / "NSRLFile.txt"
    ov = overrides or {}
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
        out.writerow(NSRL_V2_HEADER)
        for i in range(1, n + 1):
            out.writerow(
                [
                    _digest(i, "sha1", ov, sha1(i).upper()),
                    _digest(i, "md5", ov, md5(i).upper()),
                    f"{i:08X}",
                    f"BENIGN-{i}.TXT",
                    3000 + i,
                    500 + i,
                    "358",
                    "",
                ]
            )
    return path


# --- ICSE ---------------------------------------------------------------------------------

ICSE_HEADER = [
    "MD5",
    "SHA1",
    "PhotoDNA",
    "Image ID",
    "Is distributed",
    "Victim identified",
    "Offender identified",
    "Series name",
    "Number of submissions",
    "File Available",
    "Media Type",
    "Baseline",
]


def icse_values(i: int, ov: Overrides | None = None) -> dict[str, str]:
    ov = ov or {}
    return {
        "MD5": _digest(i, "md5", ov, md5(i).upper()) or "",
        "SHA1": _digest(i, "sha1", ov, sha1(i).upper()) or "",
        "PhotoDNA": "",
        "Image ID": f"IMG-{i}",
        "Is distributed": "Y" if i % 2 else "N",
        "Victim identified": "N",
        "Offender identified": "Y" if i % 3 == 0 else "N",
        "Series name": f"series-{i % 2}",
        "Number of submissions": str(i),
        "File Available": "Y",
        "Media Type": "Image",
        "Baseline": "N",
    }


def icse_expected(i: int) -> HashSetRecord:
    return HashSetRecord(
        record_no=i,
        md5=md5(i),
        sha1=sha1(i),
        media_id=f"IMG-{i}",
        is_distributed=bool(i % 2),
        victim_identified=False,
        offender_identified=i % 3 == 0,
        series=f"series-{i % 2}",
        extra={
            "number_of_submissions": str(i),
            "file_available": True,
            "media_type": "Image",
            "baseline": False,
        },
    )


def write_icse(
    tmp: Path,
    n: int,
    overrides: Overrides | None = None,
    *,
    header: list[str] | None = None,
    bom: bool = True,
    name: str = "icse.csv",
) -> Path:
    cols = header or ICSE_HEADER
    lines = [";".join(cols)]
    for i in range(1, n + 1):
        values = icse_values(i, overrides)
        lines.append(";".join(values.get(c, "extra-value") for c in cols))
    path = tmp / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + ("\r\n".join(lines) + "\r\n").encode())
    return path


# --- plain --------------------------------------------------------------------------------

PLAIN_PREAMBLE = ["# benign test digests", "", "# md5sum style"]


def plain_expected(i: int) -> HashSetRecord:
    return HashSetRecord(
        record_no=len(PLAIN_PREAMBLE) + i,
        md5=md5(i),
        file_names=(f"benign {i}.jpg",) if i % 2 else (),
    )


def write_plain(tmp: Path, n: int, overrides: Overrides | None = None) -> Path:
    ov = overrides or {}
    lines = list(PLAIN_PREAMBLE)
    for i in range(1, n + 1):
        digest = _digest(i, "md5", ov, md5(i).upper() if i % 3 == 0 else md5(i)) or ""
        lines.append(f"{digest}  benign {i}.jpg" if i % 2 else digest)
    path = tmp / "digests.md5"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- the conformance variants ------------------------------------------------------------


def truncate_to(path: Path, fraction: float) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


def truncate_in_last_line(path: Path) -> Path:
    """Cut the file in the middle of its last record's first field."""
    data = path.read_bytes().rstrip(b"\r\n")
    start = max(data.rfind(b"\n"), 0) + 1
    path.write_bytes(data[: start + 12])
    return path


@dataclass(frozen=True)
class Variant:
    """One way of writing a format: ``write(tmp, n, overrides)`` and the expected records."""

    id: str
    fmt: str
    write: Callable[[Path, int, Overrides | None], Path]
    expected: Callable[[int], HashSetRecord]
    truncate: Callable[[Path], Path]
    unit: str = "record"

    def record_no(self, i: int) -> int:
        return self.expected(i).record_no

    def records(self, n: int) -> list[HashSetRecord]:
        return [self.expected(i) for i in range(1, n + 1)]


def _sqlite_truncate(path: Path) -> Path:
    return truncate_to(path, 0.5)


VARIANTS = [
    Variant(
        "vics-2.0-hashset",
        "vics",
        write_vics_hashset,
        vics_expected,
        lambda p: truncate_to(p, 0.66),
    ),
    Variant(
        "nsrl-v3-minimal",
        "nsrl",
        write_nsrl_v3,
        nsrl_v3_expected,
        _sqlite_truncate,
    ),
    Variant("nsrl-v2-csv", "nsrl", write_nsrl_v2, nsrl_v2_expected, truncate_in_last_line),
    Variant("icse", "icse", write_icse, icse_expected, truncate_in_last_line),
    Variant("plain", "plain", write_plain, plain_expected, truncate_in_last_line, unit="line"),
]


def with_record_no(records: list[HashSetRecord], start: int = 1) -> list[HashSetRecord]:
    return [replace(r, record_no=start + k) for k, r in enumerate(records)]
