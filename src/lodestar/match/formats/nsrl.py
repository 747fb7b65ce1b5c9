"""NIST NSRL Reference Data Set: RDS v3 SQLite databases and RDS v2 ``NSRLFile.txt``.

RDS v3 (2022 onwards) ships SQLite databases. Every flavour has a ``FILE`` relation with the
columns ``sha256, sha1, md5, crc32, file_name, file_size, package_id`` (digests upper-case
hex): a view over ``METADATA`` joined with ``PACKAGE_OBJECT`` in full releases, a table in
the "minimal" sets. The database is opened read-only (``file:...?mode=ro``) and ``FILE`` is
streamed row by row. One row is one (file, package) pair, so a digest can repeat.

RDS v2 ``NSRLFile.txt`` is a comma-separated file with a header row::

    "SHA-1","MD5","CRC32","FileName","FileSize","ProductCode","OpSystemCode","SpecialCode"

NSRL records carry no category (known software, not known content) and
``extra = {"nsrl": True, "package_id" (v3) or "product_code" (v2): ..., "crc32": ...}``.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from lodestar.match.formats import base
from lodestar.match.formats.base import (
    HashSetRecord,
    Source,
    csv_rows,
    first_text_lines,
    hashset_formats,
    read_head,
    size_value,
    text_value,
)

SQLITE_MAGIC = b"SQLite format 3\x00"
V3_COLUMNS = ("sha256", "sha1", "md5", "crc32", "file_name", "file_size", "package_id")
V2_COLUMNS = {
    "sha-1": "sha1",
    "sha1": "sha1",
    "md5": "md5",
    "sha-256": "sha256",
    "sha256": "sha256",
    "crc32": "crc32",
    "filename": "file_name",
    "filesize": "file_size",
    "productcode": "product_code",
    "opsystemcode": "op_system_code",
    "specialcode": "special_code",
}


def _v3_columns(con: sqlite3.Connection) -> list[str]:
    """The wanted columns present in FILE (table or view), in V3_COLUMNS order."""
    have = {str(row[1]).lower() for row in con.execute("PRAGMA table_info(FILE)")}
    return [c for c in V3_COLUMNS if c in have]


def _connect_ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)


def _maybe_int(value: object) -> object:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


class NsrlFormat:
    name: ClassVar[str] = "nsrl"
    description: ClassVar[str] = "NIST NSRL RDS v3 SQLite database or RDS v2 NSRLFile.txt"
    writable: ClassVar[bool] = False
    known_ignorable_default: ClassVar[bool] = True  # NSRL lists known software files

    def sniff(self, path: Path) -> bool:
        try:
            head = read_head(Path(path), 256)
            if head.startswith(SQLITE_MAGIC):
                con = _connect_ro(Path(path))
                try:
                    cols = _v3_columns(con)
                finally:
                    con.close()
                return any(c in cols for c in ("sha256", "sha1", "md5"))
            lines = first_text_lines(Path(path), 1)
        except (OSError, sqlite3.Error):
            return False
        if not lines:
            return False
        header = [h.strip().strip('"').lower() for h in lines[0].split(",")]
        return "md5" in header and ("sha-1" in header or "sha1" in header)

    def read(self, path: Path) -> Iterator[HashSetRecord]:
        path = Path(path)
        try:
            head = read_head(path, 256)
        except OSError as exc:
            raise Source(path).file_error(f"cannot read: {exc.strerror or exc}") from None
        if head.startswith(SQLITE_MAGIC[:6]):
            return self._read_v3(path)
        return self._read_v2(path)

    # --- RDS v3 ----------------------------------------------------------------------------

    @staticmethod
    def _check_sqlite_size(src: Source, path: Path) -> None:
        """Refuse a database shorter than its header says (a cut-off download or copy)."""
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            header = fh.read(100)
        if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
            raise src.file_error("not a complete SQLite database (the file may be truncated)")
        page_size = int.from_bytes(header[16:18], "big")
        page_size = 65536 if page_size == 1 else page_size
        pages = int.from_bytes(header[28:32], "big")
        header_valid = pages > 0 and header[24:28] == header[92:96]
        if header_valid and pages * page_size > size:
            raise src.file_error(
                f"the database is truncated: its header says {pages * page_size} bytes, "
                f"the file has {size}"
            )
        if page_size and size % page_size:
            raise src.file_error(
                f"the database is truncated: {size} bytes is not a whole number of "
                f"{page_size}-byte pages"
            )

    def _read_v3(self, path: Path) -> Iterator[HashSetRecord]:
        src = Source(path)
        src.check_size()
        self._check_sqlite_size(src, path)
        record_no = 0
        try:
            con = _connect_ro(path)
        except sqlite3.Error as exc:
            raise src.file_error(f"cannot open the SQLite database: {exc}") from None
        # SQLite itself refuses ("string or blob too big") any value above the record limit,
        # before it is copied out: a crafted database (or a FILE view computing a huge blob)
        # cannot make one row allocate more than that.
        con.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, base.MAX_RECORD_BYTES)
        try:
            try:
                cols = _v3_columns(con)
            except sqlite3.DatabaseError as exc:
                raise src.file_error(f"damaged or truncated SQLite database: {exc}") from None
            if not any(c in cols for c in ("sha256", "sha1", "md5")):
                raise src.file_error(
                    "not an NSRL RDS v3 database (no FILE table or view with sha256, sha1 "
                    "or md5 columns)"
                )
            query = "SELECT " + ", ".join(f'"{c}"' for c in cols) + " FROM FILE"
            cursor: sqlite3.Cursor | None = None
            try:
                cursor = con.execute(query)
                for row in cursor:  # one row at a time: errors name the row
                    record_no += 1
                    yield self._v3_record(src, record_no, dict(zip(cols, row, strict=True)))
            except sqlite3.DataError:  # SQLITE_TOOBIG: a value above the limit
                # execute() reads the first row; after that the cursor reads one row ahead
                # of the one it hands out, so a refusal while iterating is the next row's.
                failed = record_no + 1 if cursor is None else record_no + 2
                raise src.too_large(failed, "a value") from None
            except sqlite3.DatabaseError as exc:
                raise src.error(
                    record_no + 1, f"damaged or truncated SQLite database: {exc}"
                ) from None
        finally:
            con.close()

    @staticmethod
    def _v3_record(src: Source, no: int, row: dict[str, Any]) -> HashSetRecord:
        md5 = src.digest(no, row.get("md5"), "md5", field="md5")
        sha1 = src.digest(no, row.get("sha1"), "sha1", field="sha1")
        sha256 = src.digest(no, row.get("sha256"), "sha256", field="sha256")
        if md5 is None and sha1 is None and sha256 is None:
            raise src.missing_digest(no)
        extra: dict[str, Any] = {"nsrl": True}
        try:
            if row.get("package_id") is not None:
                extra["package_id"] = _maybe_int(row["package_id"])
            crc = text_value(row.get("crc32"))
            if crc is not None:
                extra["crc32"] = crc.lower()
            name = text_value(row.get("file_name"))
            size = size_value(row.get("file_size"))
        except ValueError as exc:
            raise src.error(no, str(exc)) from None
        return HashSetRecord(
            record_no=no,
            md5=md5,
            sha1=sha1,
            sha256=sha256,
            size=size,
            file_names=(name,) if name is not None else (),
            extra=extra,
        )

    # --- RDS v2 ----------------------------------------------------------------------------

    def _read_v2(self, path: Path) -> Iterator[HashSetRecord]:
        src = Source(path)
        index: dict[str, int] = {}
        width = 0
        for no, line, row, unterminated in csv_rows(src, path, ","):
            if no == 0:
                for i, name in enumerate(row):
                    key = V2_COLUMNS.get(name.strip().lower())
                    if key is not None and key not in index:
                        index[key] = i
                if not any(k in index for k in ("sha1", "md5", "sha256")):
                    raise src.file_error(
                        "not an NSRL RDS v2 file (the header has no SHA-1 or MD5 column)"
                    )
                width = len(row)
                continue
            if len(row) != width:
                raise src.error(
                    no,
                    f"{len(row)} fields, the header has {width}",
                    line=line,
                    truncated=unterminated,
                )
            yield self._v2_record(src, no, line, row, index, unterminated)

    @staticmethod
    def _v2_record(
        src: Source, no: int, line: int, row: list[str], index: dict[str, int], last: bool
    ) -> HashSetRecord:
        def get(key: str) -> str | None:
            i = index.get(key)
            return (row[i].strip() or None) if i is not None else None

        md5 = src.digest(no, get("md5"), "md5", field="MD5", line=line, truncated=last)
        sha1 = src.digest(no, get("sha1"), "sha1", field="SHA-1", line=line, truncated=last)
        sha256 = src.digest(no, get("sha256"), "sha256", field="SHA-256", line=line, truncated=last)
        if md5 is None and sha1 is None and sha256 is None:
            raise src.missing_digest(no, line=line)
        extra: dict[str, Any] = {"nsrl": True}
        for key in ("product_code", "op_system_code", "special_code"):
            value = get(key)
            if value is not None:
                extra[key] = _maybe_int(value) if key == "product_code" else value
        crc = get("crc32")
        if crc is not None:
            extra["crc32"] = crc.lower()
        name = get("file_name")
        try:
            size = size_value(get("file_size"))
        except ValueError as exc:
            raise src.error(no, f"FileSize: {exc}", field="FileSize", line=line) from None
        return HashSetRecord(
            record_no=no,
            md5=md5,
            sha1=sha1,
            sha256=sha256,
            size=size,
            file_names=(name,) if name is not None else (),
            extra=extra,
        )


hashset_formats.register(NsrlFormat())
