"""Project VIC VICS JSON: read data models 1.1-1.3 and 2.0, write 2.0.

A VICS file is an OData JSON document::

    {"odata.metadata": "http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Media",
     "value": [ {Media}, ... ]}                                     (1.x hash set)
    {"@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/
                        $metadata#Cases",
     "value": [ {"CaseID": ..., "Media": [ {Media}, ... ]}, ... ]}  (2.0 case)

Both shapes ("hashset": ``value`` holds Media; "case": ``value`` holds Cases with ``Media``)
are read with ``ijson`` (its C backend when installed), one Media object at a time, so a
multi-gigabyte export reads in flat memory. The shape is taken from the structure (the first
entry of ``value``), falling back to the ``#Media``/``#Cases`` suffix of the context.

Media properties read: MD5, SHA1, MediaID, Category (number or text, kept raw), Series,
VictimIdentified, OffenderIdentified, IsDistributed, IsPrecategorized (JSON booleans or text
"true"/"false"/"1"/"0"/"Y"/"N"), Tags (text split on , ; | — or a list), MediaSize, PhotoDNA,
AlternativeHashes ([{HashName, HashValue}]; SHA256 and PhotoDNA are lifted into their own
fields) and MediaFiles ([{FileName, FilePath, ...}]: the file names). Any other Media property
is kept verbatim in ``extra["vics"]`` and written back by the writer.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, ClassVar

import ijson

from lodestar.errors import DataError
from lodestar.match.formats.base import (
    UTF8_BOM,
    HashSetRecord,
    Shape,
    Source,
    hashset_formats,
    normalize_digest,
    parse_flag,
    read_head,
    size_value,
    text_value,
)

JSON_BACKEND = ijson.backend  # "yajl2_c" when ijson's C extension is installed
CONTEXT_KEYS = ("@odata.context", "odata.metadata")
WRITE_CONTEXT = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata"
SUPPORTED_MAJOR = (1, 2)

_MODEL_RE = re.compile(r"ProjectVic/DataModels/(\d+)\.(\d+)\.xml", re.IGNORECASE)
_TAG_SPLIT = re.compile(r"[,;|]")
_INT_TEXT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")

_FLAG_FIELDS = {
    "victimidentified": ("victim_identified", "VictimIdentified"),
    "offenderidentified": ("offender_identified", "OffenderIdentified"),
    "isdistributed": ("is_distributed", "IsDistributed"),
    "isprecategorized": ("is_precategorized", "IsPrecategorized"),
}
_TEXT_FIELDS = {
    "mediaid": ("media_id", "MediaID"),
    "category": ("category", "Category"),
    "series": ("series", "Series"),
}
# Media properties with a field of their own -> (kind, record attribute); the rest is "extra".
_DIGEST, _TEXT, _FLAG, _SIZE, _TAGS, _PHOTODNA, _ALTS, _FILES = range(8)
_CANONICAL: dict[str, tuple[int, str]] = {
    "MD5": (_DIGEST, "md5"),
    "SHA1": (_DIGEST, "sha1"),
    "SHA256": (_DIGEST, "sha256"),
    "MediaSize": (_SIZE, "size"),
    "Tags": (_TAGS, "tags"),
    "PhotoDNA": (_PHOTODNA, "photodna"),
    "AlternativeHashes": (_ALTS, "alt_hashes"),
    "MediaFiles": (_FILES, "file_names"),
    **{key: (_FLAG, attr) for attr, key in _FLAG_FIELDS.values()},
    **{key: (_TEXT, attr) for attr, key in _TEXT_FIELDS.values()},
}
# matched as written first, then case-insensitively
_ROUTES = {**_CANONICAL, **{k.lower(): v for k, v in _CANONICAL.items()}}
_KNOWN = frozenset(k.lower() for k in _CANONICAL)
# First keys of a ``value`` entry that tell a Case from a Media object.
_CASE_KEYS = frozenset({"media", "caseid", "casenumber", "contactname", "sourceapplicationname"})
_MEDIA_KEYS = frozenset({"md5", "sha1", "mediaid", "category", "mediasize", "mediafiles"})


def _open_json(path: Path) -> IO[bytes]:
    fh = open(path, "rb")  # noqa: SIM115 - returned to the caller, closed there
    if fh.read(len(UTF8_BOM)) != UTF8_BOM:
        fh.seek(0)
    return fh


def _json_error(src: Source, record_no: int, exc: Exception) -> DataError:
    raw = exc.args[0] if exc.args else str(exc)
    msg = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    first = msg.strip().splitlines()[0] if msg.strip() else type(exc).__name__
    if "premature EOF" in msg or "Incomplete JSON content" in msg:
        return src.error(record_no, "the file ends early (truncated)")
    return src.error(record_no, f"not valid JSON ({first})")


class VicsFormat:
    name: ClassVar[str] = "vics"
    description: ClassVar[str] = "Project VIC VICS JSON (data models 1.1-1.3 and 2.0)"
    writable: ClassVar[bool] = True
    known_ignorable_default: ClassVar[bool] = False

    # --- detection -------------------------------------------------------------------------

    def sniff(self, path: Path) -> bool:
        try:
            head = read_head(path).lstrip()
        except OSError:
            return False
        if not head.startswith(b"{"):
            return False
        text = head.decode("utf-8", "replace")
        return any(k in text for k in CONTEXT_KEYS) and bool(_MODEL_RE.search(text))

    def _probe(self, src: Source, path: Path) -> str:
        """The ijson prefix of the Media objects: 'value.item' or 'value.item.Media.item'.

        Reads only the head of the document: up to the first key of the first ``value``
        entry that tells a Case from a Media object.
        """
        context: str | None = None
        shape: str | None = None
        media_key = "Media"
        first_event = True
        try:
            with _open_json(path) as fh:
                for prefix, event, value in ijson.parse(fh):
                    if first_event:
                        first_event = False
                        if event != "start_map":
                            raise src.file_error("not a VICS file: the JSON is not an object")
                        continue
                    if prefix in CONTEXT_KEYS and event == "string":
                        context = value
                        self._check_context(src, context)
                    elif prefix == "value":
                        if event == "end_array":
                            break  # empty
                        if event != "start_array":
                            raise src.file_error("not a VICS file: 'value' is not a list")
                    elif prefix == "value.item":
                        if event == "map_key":
                            key = str(value).lower()
                            if key in _CASE_KEYS:
                                shape = "case"
                                if key == "media":
                                    media_key = str(value)
                                break
                            if key in _MEDIA_KEYS:
                                shape = "hashset"
                                break
                        elif event == "end_map":
                            break  # undecided by its keys: the context decides
                        elif event != "start_map":
                            raise src.error(1, "a 'value' entry must be an object")
                else:
                    raise src.file_error("not a VICS file: no 'value' list")
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            raise _json_error(src, 1, exc) from None
        except OSError as exc:
            raise src.file_error(f"cannot read: {exc.strerror or exc}") from None
        if shape is None:
            shape = "case" if context is not None and context.endswith("#Cases") else "hashset"
        return f"value.item.{media_key}.item" if shape == "case" else "value.item"

    @staticmethod
    def _check_context(src: Source, context: object) -> None:
        match = _MODEL_RE.search(str(context))
        if match is None:
            raise src.file_error(f"not a Project VIC file (OData context {str(context)[:120]!r})")
        if int(match.group(1)) not in SUPPORTED_MAJOR:
            raise src.file_error(
                f"unsupported VICS data model {match.group(1)}.{match.group(2)} "
                "(supported: 1.1-1.3, 2.0)"
            )

    # --- reading ---------------------------------------------------------------------------

    def read(self, path: Path) -> Iterator[HashSetRecord]:
        path = Path(path)
        src = Source(path)
        prefix = self._probe(src, path)
        record_no = 0
        try:
            with _open_json(path) as fh:
                for item in ijson.items(fh, prefix, use_float=True):
                    record_no += 1
                    yield self._record(src, record_no, item)
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            raise _json_error(src, record_no + 1, exc) from None
        except OSError as exc:
            raise src.error(record_no + 1, f"cannot read: {exc.strerror or exc}") from None

    def _record(self, src: Source, no: int, item: object) -> HashSetRecord:
        if not isinstance(item, dict):
            raise src.error(no, f"a Media entry must be an object, got {type(item).__name__}")
        fields: dict[str, Any] = {}
        digests: dict[str, str | None] = {"md5": None, "sha1": None, "sha256": None}
        top_photodna: str | None = None
        alts: list[tuple[str, str]] = []
        other: dict[str, Any] = {}
        for key, value in item.items():
            route = _ROUTES.get(key) or _ROUTES.get(key.lower())
            if route is None:
                other[key] = value
                continue
            code, attr = route
            try:
                if code == _DIGEST:
                    digests[attr] = normalize_digest(value, attr)
                elif code == _TEXT:
                    fields[attr] = text_value(value)
                elif code == _FLAG:
                    fields[attr] = parse_flag(value)
                elif code == _SIZE:
                    fields[attr] = size_value(value)
                elif code == _TAGS:
                    fields[attr] = _tags(value)
                elif code == _PHOTODNA:
                    top_photodna = text_value(value)
                elif code == _ALTS:
                    alts = _alternative_hashes(value)
                else:
                    fields[attr] = _file_names(value)
            except ValueError as exc:
                raise src.error(no, f"{key}: {exc}", field=key) from None

        # AlternativeHashes: lift SHA256 and PhotoDNA; keep the rest as (name, value).
        sha256 = digests["sha256"]
        photodna = top_photodna
        kept: list[tuple[str, str]] = []
        for name, value in alts:
            norm = name.replace("-", "").replace("_", "").upper()
            if norm == "SHA256":
                got = src.digest(no, value, "sha256", field=f"AlternativeHashes {name}")
                if sha256 is None:
                    sha256 = got
                    continue
                if got == sha256:
                    continue
            elif norm == "PHOTODNA":
                if photodna is None:
                    photodna = value
                    continue
                if top_photodna is not None and value == top_photodna:
                    continue
            kept.append((name, value))
        if digests["md5"] is None and digests["sha1"] is None and sha256 is None:
            raise src.missing_digest(no)
        return HashSetRecord(
            record_no=no,
            md5=digests["md5"],
            sha1=digests["sha1"],
            sha256=sha256,
            photodna=photodna,
            alt_hashes=tuple(kept),
            extra={"vics": other} if other else {},
            **fields,
        )

    # --- writing ---------------------------------------------------------------------------

    def write(
        self,
        records: Iterable[HashSetRecord],
        out_path: Path,
        *,
        shape: Shape = "hashset",
        case_meta: dict[str, Any] | None = None,
    ) -> int:
        """Write VICS 2.0 JSON (flavour Default), one Media object per line, atomically.

        ``shape="case"`` wraps the Media in one Case whose properties are ``case_meta``
        (keys sorted; e.g. CaseID, CaseNumber, SourceApplicationName).
        """
        if shape not in ("hashset", "case"):
            raise ValueError(f"unknown VICS shape {shape!r} (hashset or case)")
        meta = dict(case_meta or {})
        if shape == "hashset" and meta:
            raise ValueError("case_meta applies to shape='case' only")
        if "Media" in meta:
            raise ValueError("case_meta must not contain 'Media'")
        out_path = Path(out_path)
        tmp = out_path.with_name(f".{out_path.name}.part")
        count = 0
        dumps = _dumps
        try:
            with open(tmp, "w", encoding="utf-8", newline="\n") as out:
                suffix = "#Cases" if shape == "case" else "#Media"
                out.write("{\n" + dumps("@odata.context") + ": ")
                out.write(dumps(WRITE_CONTEXT + suffix) + ",\n" + dumps("value") + ": [\n")
                indent = ""
                if shape == "case":
                    head = "".join(f"{dumps(k)}: {dumps(meta[k])}, " for k in sorted(meta))
                    out.write("{" + head + dumps("Media") + ": [\n")
                    indent = "  "
                sep = ""
                for rec in records:
                    count += 1
                    out.write(sep + indent + dumps(_media_json(rec)))
                    sep = ",\n"
                out.write("\n" if count else "")
                if shape == "case":
                    out.write("]}\n")
                out.write("]\n}\n")
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, out_path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return count


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _tags(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(t for part in _TAG_SPLIT.split(value) if (t := part.strip()))
    if isinstance(value, list):
        out = []
        for entry in value:
            text = text_value(entry)
            if text is not None:
                out.append(text)
        return tuple(out)
    raise ValueError("expected text or a list of text")


def _alternative_hashes(value: object) -> list[tuple[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError("expected a list of {HashName, HashValue}")
    out = []
    for entry in value:
        if not isinstance(entry, dict):
            raise ValueError("each entry must be an object {HashName, HashValue}")
        low = {str(k).lower(): v for k, v in entry.items()}
        name = text_value(low.get("hashname"))
        hash_value = text_value(low.get("hashvalue"))
        if hash_value is None:
            continue
        if name is None:
            raise ValueError(f"entry without HashName (HashValue {hash_value[:40]!r})")
        out.append((name, hash_value))
    return out


def _file_names(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValueError("expected a list of {FileName, FilePath}")
    out = []
    for entry in value:
        if not isinstance(entry, dict):
            raise ValueError("each entry must be an object {FileName, FilePath}")
        low = {str(k).lower(): v for k, v in entry.items()}
        name = text_value(low.get("filename")) or text_value(low.get("filepath"))
        if name is not None:
            out.append(name)
    return tuple(out)


def _int_or_text(value: str) -> int | str:
    return int(value) if _INT_TEXT.fullmatch(value) else value


def _media_json(rec: HashSetRecord) -> dict[str, Any]:
    media: dict[str, Any] = {}
    if rec.media_id is not None:
        media["MediaID"] = _int_or_text(rec.media_id)
    if rec.category is not None:
        media["Category"] = _int_or_text(rec.category)
    if rec.md5 is not None:
        media["MD5"] = rec.md5.upper()
    if rec.sha1 is not None:
        media["SHA1"] = rec.sha1.upper()
    if rec.md5 is None and rec.sha1 is None and rec.sha256 is None:
        raise DataError(f"record {rec.record_no}: missing MD5 (no MD5, SHA-1 or SHA-256)")
    if rec.size is not None:
        media["MediaSize"] = rec.size
    if rec.series is not None:
        media["Series"] = rec.series
    for attr, key in _FLAG_FIELDS.values():
        flag = getattr(rec, attr)
        if flag is not None:
            media[key] = flag
    if rec.tags:
        for tag in rec.tags:
            if not tag or _TAG_SPLIT.search(tag) or tag != tag.strip():
                raise DataError(
                    f"record {rec.record_no}: tag {tag!r} cannot be written to VICS "
                    "(Tags is one text separated by commas)"
                )
        media["Tags"] = ",".join(rec.tags)
    alts = []
    if rec.sha256 is not None:
        alts.append({"HashName": "SHA256", "HashValue": rec.sha256.upper()})
    if rec.photodna is not None:
        alts.append({"HashName": "PhotoDNA", "HashValue": rec.photodna})
    alts.extend({"HashName": n, "HashValue": v} for n, v in rec.alt_hashes)
    if alts:
        media["AlternativeHashes"] = alts
    if rec.file_names:
        media["MediaFiles"] = [{"FileName": n} for n in rec.file_names]
    extra = rec.extra.get("vics")
    if isinstance(extra, dict):
        for key in sorted(extra):
            if str(key).lower() not in _KNOWN:
                media[key] = extra[key]
    return media


hashset_formats.register(VicsFormat())
