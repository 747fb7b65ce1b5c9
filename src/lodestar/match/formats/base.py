"""The normalised hash-set record, the format protocol and the registry of formats.

A hash-set format turns one file (a Project VIC export, an NSRL release, an ICSE CSV, a plain
digest list) into a stream of ``HashSetRecord``: pure parsing, no database. Readers stream,
so memory stays flat however large the file is; a record they refuse raises ``DataError``
naming the file, the record number and the field. Readers raise on the first bad record,
possibly after yielding the good ones before it, so a consumer imports transactionally.

Category values are kept raw (as text): what a number means depends on who exported the set,
so mapping categories is the store layer's job, per set.

Every reader is bounded before it allocates, so a small hostile file cannot exhaust memory or
the stack: a file above ``MAX_FILE_BYTES`` is refused before it is read, one record (a JSON
Media object, a CSV row, a line, a database row) above ``MAX_RECORD_BYTES`` and JSON nested
deeper than ``MAX_DEPTH`` are refused as they are read, each as a ``DataError`` naming the
file (and the record). The limits are module attributes so a deployment or a test can change
them.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, ClassVar, Literal, Protocol

from lodestar.errors import DataError
from lodestar.registry import Registry

DIGEST_KINDS = ("md5", "sha1", "sha256")
DIGEST_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64}
DIGEST_LABELS = {"md5": "MD5", "sha1": "SHA-1", "sha256": "SHA-256"}
KIND_BY_LENGTH = {n: kind for kind, n in DIGEST_LENGTHS.items()}

UTF8_BOM = b"\xef\xbb\xbf"
SNIFF_BYTES = 64 * 1024

# Limits every reader enforces (see the module docstring). A real Media object, CSV row or
# digest line is well under a kilobyte and nests a few levels; NSRL releases are the largest
# files (tens of GB), far below the file limit.
MAX_FILE_BYTES = 1 << 40  # 1 TiB
MAX_RECORD_BYTES = 1 << 20  # 1 MiB: one record, one line, one JSON token
MAX_DEPTH = 64  # JSON nesting inside one record (and around the records)

Shape = Literal["hashset", "case"]

_EXACT = {kind: re.compile(f"[0-9a-fA-F]{{{n}}}") for kind, n in DIGEST_LENGTHS.items()}
_CLEAN = {kind: re.compile(f"[0-9a-f]{{{n}}}") for kind, n in DIGEST_LENGTHS.items()}
_TRUE = frozenset({"true", "1", "y", "yes", "t"})
_FALSE = frozenset({"false", "0", "n", "no", "f"})


def normalize_digest(value: object, kind: str) -> str | None:
    """Lower-cased hex digest of ``kind`` (md5/sha1/sha256); None for None or blank.

    Raises ValueError with a one-line reason for anything else.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"invalid {DIGEST_LABELS[kind]}: expected text, got {_json_type(value)}")
    if _EXACT[kind].fullmatch(value):  # the common case: already clean
        return value.lower()
    text = value.strip()
    if not text:
        return None
    if not _EXACT[kind].fullmatch(text):
        want = DIGEST_LENGTHS[kind]
        raise ValueError(
            f"invalid {DIGEST_LABELS[kind]} {_short(value)} (expected {want} hex digits)"
        )
    return text.lower()


def parse_flag(value: object) -> bool | None:
    """A yes/no value: JSON booleans, or text true/false/1/0/Y/N/yes/no; None for blank."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if not text:
            return None
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise ValueError(f"not a yes/no value: {_short(value)}")


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True, slots=True)
class HashSetRecord:
    """One known file of a hash set, whatever the source format.

    ``record_no`` is the record's 1-based position in its file (for ``plain``: the line
    number). Digests are lower-case hex; at least one of md5/sha1/sha256 is set.
    ``category`` is the raw category value as text, never mapped. ``extra`` holds what the
    format carries beyond these fields (for ``vics``: ``extra["vics"]``, the other Media
    properties; for ``nsrl``: ``{"nsrl": True, ...}``).
    """

    record_no: int
    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None
    media_id: str | None = None
    category: str | None = None
    series: str | None = None
    victim_identified: bool | None = None
    offender_identified: bool | None = None
    is_distributed: bool | None = None
    is_precategorized: bool | None = None
    tags: tuple[str, ...] = ()
    size: int | None = None
    photodna: str | None = None
    alt_hashes: tuple[tuple[str, str], ...] = ()
    file_names: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        present = False
        for kind in DIGEST_KINDS:
            raw = getattr(self, kind)
            if raw is None:
                continue
            if type(raw) is str and _CLEAN[kind].fullmatch(raw):
                present = True
                continue
            try:
                value = normalize_digest(raw, kind)
            except ValueError as exc:
                raise DataError(
                    f"record {self.record_no}: {exc}",
                    detail={"record": self.record_no, "field": kind},
                ) from None
            if value != raw:
                object.__setattr__(self, kind, value)
            present = present or value is not None
        if not present:
            raise DataError(
                f"record {self.record_no}: missing MD5 (no MD5, SHA-1 or SHA-256)",
                detail={"record": self.record_no, "field": "md5"},
            )
        for name in ("tags", "alt_hashes", "file_names"):
            value = getattr(self, name)
            if not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))

    @property
    def digests(self) -> dict[str, str]:
        """The digests present, by kind."""
        return {k: v for k in DIGEST_KINDS if (v := getattr(self, k)) is not None}


class Source:
    """Error and field helpers for one file being read: every message names the file."""

    def __init__(self, path: Path, unit: str = "record") -> None:
        self.path = Path(path)
        self.unit = unit

    def error(
        self,
        record_no: int | None,
        reason: str,
        *,
        field: str | None = None,
        line: int | None = None,
        truncated: bool = False,
    ) -> DataError:
        where = f"file {self.path}"
        if record_no is not None:
            where += f": {self.unit} {record_no}"
            if line is not None and line != record_no:
                where += f" (line {line})"
        if truncated and "truncated" not in reason:
            reason += " (the file may be truncated)"
        detail: dict[str, Any] = {"path": str(self.path)}
        if record_no is not None:
            detail["record"] = record_no
        if line is not None:
            detail["line"] = line
        if field is not None:
            detail["field"] = field
        return DataError(f"{where}: {reason}", detail=detail)

    def file_error(self, reason: str) -> DataError:
        return self.error(None, reason)

    def check_size(self) -> None:
        """Refuse a file above ``MAX_FILE_BYTES`` before anything of it is read."""
        try:
            size = self.path.stat().st_size
        except OSError as exc:
            raise self.file_error(f"cannot read: {exc.strerror or exc}") from None
        if size > MAX_FILE_BYTES:
            raise self.file_error(
                f"the file has {size} bytes, more than the {MAX_FILE_BYTES}-byte limit"
            )

    def too_large(self, record_no: int | None, what: str, *, line: int | None = None) -> DataError:
        return self.error(
            record_no, f"{what} is larger than the {MAX_RECORD_BYTES}-byte limit", line=line
        )

    def digest(
        self,
        record_no: int,
        value: object,
        kind: str,
        *,
        field: str,
        line: int | None = None,
        truncated: bool = False,
    ) -> str | None:
        try:
            return normalize_digest(value, kind)
        except ValueError as exc:
            raise self.error(
                record_no, f"{field}: {exc}", field=field, line=line, truncated=truncated
            ) from None

    def flag(
        self,
        record_no: int,
        value: object,
        *,
        field: str,
        line: int | None = None,
        truncated: bool = False,
    ) -> bool | None:
        try:
            return parse_flag(value)
        except ValueError as exc:
            raise self.error(
                record_no, f"{field}: {exc}", field=field, line=line, truncated=truncated
            ) from None

    def missing_digest(self, record_no: int, *, line: int | None = None) -> DataError:
        return self.error(
            record_no, "missing MD5 (no MD5, SHA-1 or SHA-256)", field="MD5", line=line
        )


class HashSetFormat(Protocol):
    """A hash-set file format. Plug-ins register an instance in ``hashset_formats``."""

    name: ClassVar[str]
    description: ClassVar[str]
    writable: ClassVar[bool]
    # Whether a set in this format is, unless the import says otherwise, known and ignorable
    # content (software, OS files) rather than known material: True for NSRL.
    known_ignorable_default: ClassVar[bool]

    def sniff(self, path: Path) -> bool:
        """True when ``path`` looks like this format (cheap: reads the head only; never
        raises)."""
        ...

    def read(self, path: Path) -> Iterator[HashSetRecord]:
        """Stream the records of ``path``; DataError on the first record refused."""
        ...


class WritableHashSetFormat(HashSetFormat, Protocol):
    def write(
        self,
        records: Iterable[HashSetRecord],
        out_path: Path,
        *,
        shape: Shape = "hashset",
        case_meta: dict[str, Any] | None = None,
    ) -> int:
        """Write ``records`` to ``out_path`` (atomically); returns the number written."""
        ...


hashset_formats: Registry[HashSetFormat] = Registry(
    "hash-set format",
    builtins=(
        "lodestar.match.formats.vics",
        "lodestar.match.formats.nsrl",
        "lodestar.match.formats.icse",
        "lodestar.match.formats.plain",
    ),
)


# --- small shared helpers for readers -------------------------------------------------------


def read_head(path: Path, size: int = SNIFF_BYTES) -> bytes:
    """The first ``size`` bytes of ``path`` without a UTF-8 byte-order mark."""
    with open(path, "rb") as fh:
        head = fh.read(size)
    return head[len(UTF8_BOM) :] if head.startswith(UTF8_BOM) else head


def first_text_lines(path: Path, limit: int = 20) -> list[str]:
    """Up to ``limit`` complete, non-blank lines from the head of a text file ("" on error)."""
    head = read_head(path)
    if b"\x00" in head:
        return []
    text = head.decode("utf-8", "replace")
    lines = text.splitlines()
    if len(head) == SNIFF_BYTES and lines:
        lines = lines[:-1]  # the last one may be cut
    return [ln for ln in lines if ln.strip()][:limit]


def ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        if fh.tell() == 0:
            return True
        fh.seek(-1, 2)
        return fh.read(1) in (b"\n", b"\r")


def text_value(value: object) -> str | None:
    """Text from a text or whole-number value (stripped); None for None/blank.

    Raises ValueError for other types.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"expected text, got {_json_type(value)}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        text = value.strip()
        return text or None
    raise ValueError(f"expected text, got {_json_type(value)}")


def size_value(value: object) -> int | None:
    """A non-negative whole number from a number or digit text; None for None/blank."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"expected a whole number, got {_json_type(value)}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if not text.isdigit():
            raise ValueError(f"not a whole number: {_short(value)}")
        number = int(text)
    else:
        raise ValueError(f"expected a whole number, got {_json_type(value)}")
    if number < 0:
        raise ValueError(f"negative size: {number}")
    return number


def csv_rows(src: Source, path: Path, delimiter: str) -> Iterator[tuple[int, int, list[str], bool]]:
    """Rows of a CSV file as ``(record_no, line, fields, unterminated_last)``.

    ``record_no`` 0 is the header; blank lines are skipped. ``unterminated_last`` is True for
    the last row of a file that does not end with a newline (a hint of truncation). Accepts a
    UTF-8 byte-order mark and CRLF; undecodable bytes become U+FFFD. A line, or a row spread
    over several lines by quoting, above ``MAX_RECORD_BYTES`` is refused as it is read.
    """
    src.check_size()
    terminated = ends_with_newline(path)
    record_no = -1
    # Characters fed to the csv reader since its last row: lines are read with a bound, so
    # neither a line without a newline nor a quoted row over many lines grows unbounded.
    pending_chars = [0]

    def lines(fh: IO[str]) -> Iterator[str]:
        while line := fh.readline(MAX_RECORD_BYTES + 1):
            pending_chars[0] += len(line)
            if len(line) > MAX_RECORD_BYTES or pending_chars[0] > MAX_RECORD_BYTES:
                raise src.too_large(record_no + 1 if record_no >= 0 else None, "the row")
            yield line

    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        reader = csv.reader(lines(fh), delimiter=delimiter, strict=True)
        pending: tuple[int, int, list[str]] | None = None
        try:
            for row in reader:
                pending_chars[0] = 0
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                if pending is not None:
                    yield (*pending, False)
                record_no += 1
                pending = (record_no, reader.line_num, row)
        except csv.Error as exc:
            raise src.error(
                record_no + 1 if record_no >= 0 else None,
                f"malformed CSV: {exc}",
                line=reader.line_num,
                truncated=not terminated,
            ) from None
        if pending is not None:
            yield (*pending, not terminated)
