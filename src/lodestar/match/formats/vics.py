"""Project VIC VICS JSON: read data models 1.1-1.3 and 2.0, write 2.0.

A VICS file is an OData JSON document::

    {"odata.metadata": "http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Media",
     "value": [ {Media}, ... ]}                                     (1.x hash set)
    {"@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/
                        $metadata#Cases",
     "value": [ {"CaseID": ..., "Media": [ {Media}, ... ]}, ... ]}  (2.0 case)

Both shapes ("hashset": ``value`` holds Media; "case": ``value`` holds Cases with ``Media``)
are read from ``ijson``'s plain event stream (``basic_parse``, its C backend when installed),
one Media object at a time, so a multi-gigabyte export reads in flat memory. Objects are built
here, not by ``ijson.items``: that way nesting depth (``MAX_DEPTH``), the size of one Media
object and of one token (``MAX_RECORD_BYTES``) are checked before anything is allocated, and
no event carries a path prefix (whose length grows with the depth: a 200 KB file nested
100,000 deep once took 21 GB). The shape is taken from the structure (the first entry of
``value``), falling back to the ``#Media``/``#Cases`` suffix of the context.

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
from lodestar.match.formats import base
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


_CHUNK = 64 * 1024
_EVENT_BYTES = 8  # what one value or container costs a record's budget beyond its text


class _Events:
    """``ijson.basic_parse`` events of one file, with the limits of ``formats.base`` applied.

    Chunks are pushed to the parser by hand so that a token (a string, a number) longer than
    ``MAX_RECORD_BYTES`` is refused while the parser is still buffering it: bytes fed without
    any event is the token's length so far. ``skip`` and ``build`` walk one value without
    recursion, refusing nesting deeper than ``MAX_DEPTH``; ``build`` also refuses a value
    whose text adds up to more than ``MAX_RECORD_BYTES``.
    """

    def __init__(self, src: Source, fh: IO[bytes]) -> None:
        self.src = src
        self.fh = fh
        self.pending = ijson.sendable_list()
        self.coro = ijson.basic_parse_coro(self.pending, use_float=True)
        self.queue: list[tuple[str, Any]] = []
        self.pos = 0
        self.done = False
        self.record: int | None = None  # the record being built, for errors

    def next(self) -> tuple[str, Any]:
        while self.pos >= len(self.queue):
            self._fill()
        event = self.queue[self.pos]
        self.pos += 1
        return event

    def _fill(self) -> None:
        if self.done:
            # the parser ended cleanly yet the document is not complete
            raise self.src.error(self.record, "the file ends early (truncated)")
        quiet = 0
        while not self.pending:
            chunk = self.fh.read(_CHUNK)
            if not chunk:
                self.done = True
                self.coro.close()  # IncompleteJSONError when the document is cut off
                break
            self.coro.send(chunk)
            quiet += len(chunk)
            if not self.pending and quiet > base.MAX_RECORD_BYTES:
                raise self.src.too_large(self.record, "a JSON value")
        self.queue = list(self.pending)
        del self.pending[:]
        self.pos = 0

    def drain(self) -> None:
        while not self.done:
            self.queue, self.pos = [], 0
            self._fill()

    def skip(self, event: str) -> None:
        """Pass over the value that ``event`` starts."""
        depth = 0
        while True:
            if event in ("start_map", "start_array"):
                depth += 1
                if depth > base.MAX_DEPTH:
                    raise self.src.file_error(
                        f"nested deeper than {base.MAX_DEPTH} levels (the limit)"
                    )
            elif event in ("end_map", "end_array"):
                depth -= 1
            if depth == 0:
                return
            event = self.next()[0]

    def build(self, event: str, record_no: int) -> object:
        """The value that ``event`` starts, as Python objects (dicts, lists, scalars)."""
        if event not in ("start_map", "start_array"):
            return self.queue[self.pos - 1][1]
        self.record = record_no
        src = self.src
        budget = base.MAX_RECORD_BYTES
        max_depth = base.MAX_DEPTH
        root: Any = {} if event == "start_map" else []
        stack: list[Any] = [root]
        keys: list[Any] = [None]  # the pending key of each open map
        field: str | None = None  # the record's top-level property, named in errors
        # The hot loop of every import: events are taken from the queue here rather than
        # through next(), which would cost a method call each.
        queue, pos = self.queue, self.pos
        while stack:
            if pos >= len(queue):
                self._fill()
                queue, pos = self.queue, 0
            event, value = queue[pos]
            pos += 1
            budget -= _EVENT_BYTES
            if event == "map_key":
                budget -= len(value)
                keys[-1] = value
                if len(stack) == 1:
                    field = value
                continue
            if event == "end_map" or event == "end_array":
                stack.pop()
                keys.pop()
                continue
            if event == "start_map" or event == "start_array":
                if len(stack) >= max_depth:
                    self.pos = pos
                    where = f"{field}: " if field is not None else ""
                    raise src.error(
                        record_no,
                        f"{where}nested deeper than {max_depth} levels (the limit)",
                        field=field,
                    )
                child: Any = {} if event == "start_map" else []
                parent = stack[-1]
                if type(parent) is list:
                    parent.append(child)
                else:
                    parent[keys[-1]] = child
                stack.append(child)
                keys.append(None)
            else:
                if event == "string":
                    budget -= len(value)
                parent = stack[-1]
                if type(parent) is list:
                    parent.append(value)
                else:
                    parent[keys[-1]] = value
            if budget < 0:
                self.pos = pos
                raise src.too_large(record_no, "the Media object")
        self.pos = pos
        self.record = None
        return root


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

    def _probe(self, src: Source, path: Path) -> tuple[str, str]:
        """The shape ('hashset' or 'case') and the key of a Case's Media list.

        Reads only the head of the document: up to the first key of the first ``value``
        entry that tells a Case from a Media object.
        """
        context: str | None = None
        shape: str | None = None
        media_key = "Media"
        try:
            with _open_json(path) as fh:
                events = _Events(src, fh)
                if events.next()[0] != "start_map":
                    raise src.file_error("not a VICS file: the JSON is not an object")
                while True:
                    event, key = events.next()
                    if event == "end_map":
                        raise src.file_error("not a VICS file: no 'value' list")
                    if key in CONTEXT_KEYS:
                        event, value = events.next()
                        if event == "string":
                            context = value
                            self._check_context(src, context)
                        else:
                            events.skip(event)
                        continue
                    if key != "value":
                        events.skip(events.next()[0])
                        continue
                    if events.next()[0] != "start_array":
                        raise src.file_error("not a VICS file: 'value' is not a list")
                    event, _ = events.next()
                    if event == "end_array":
                        break  # empty
                    if event != "start_map":
                        raise src.error(1, "a 'value' entry must be an object")
                    while True:  # the first entry's keys, until one decides
                        event, key = events.next()
                        if event == "end_map":
                            break  # undecided by its keys: the context decides
                        low = str(key).lower()
                        if low in _CASE_KEYS:
                            shape = "case"
                            if low == "media":
                                media_key = str(key)
                            break
                        if low in _MEDIA_KEYS:
                            shape = "hashset"
                            break
                        events.skip(events.next()[0])
                    break
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            raise _json_error(src, 1, exc) from None
        except OSError as exc:
            raise src.file_error(f"cannot read: {exc.strerror or exc}") from None
        if shape is None:
            shape = "case" if context is not None and context.endswith("#Cases") else "hashset"
        return shape, media_key

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
        src.check_size()
        shape, media_key = self._probe(src, path)
        counter = [0]  # records started, for errors raised anywhere below
        try:
            with _open_json(path) as fh:
                events = _Events(src, fh)
                for item in self._media_items(events, shape, media_key, counter):
                    yield self._record(src, counter[0], item)
                events.drain()  # let the parser see trailing garbage, as a whole read does
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            raise _json_error(src, counter[0] + 1, exc) from None
        except OSError as exc:
            raise src.error(counter[0] + 1, f"cannot read: {exc.strerror or exc}") from None

    @staticmethod
    def _media_items(
        events: _Events, shape: str, media_key: str, counter: list[int]
    ) -> Iterator[object]:
        """Every Media value of the document, built one at a time (``counter[0]`` its number).

        Media are the items of ``value`` (hash-set shape) or the items of each Case's
        ``media_key`` list (case shape); everything else is skipped without being built.
        """
        events.next()  # start_map: the probe checked it
        while True:
            event, key = events.next()
            if event == "end_map":
                return
            event, _ = events.next()
            if key != "value" or event != "start_array":
                events.skip(event)
                continue
            while True:
                event, _ = events.next()
                if event == "end_array":
                    break
                if shape == "hashset":
                    item = events.build(event, counter[0] + 1)
                    counter[0] += 1  # after the build: a parse error inside names this one
                    yield item
                    continue
                if event != "start_map":
                    events.skip(event)  # not a Case: it holds no Media
                    continue
                while True:  # one Case
                    event, case_key = events.next()
                    if event == "end_map":
                        break
                    event, _ = events.next()
                    if case_key != media_key or event != "start_array":
                        events.skip(event)
                        continue
                    while True:
                        event, _ = events.next()
                        if event == "end_array":
                            break
                        item = events.build(event, counter[0] + 1)
                        counter[0] += 1
                        yield item

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
