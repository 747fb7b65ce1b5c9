"""Project VIC VICS JSON: 1.x and 2.0, hash-set and case shapes, booleans, BOM, writer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from lodestar.errors import DataError
from lodestar.match.formats import HashSetRecord, read_hashset, write_hashset
from lodestar.match.formats.vics import VicsFormat

from .hashset_fixtures import (
    VICS2_CASES,
    VICS2_MEDIA,
    VICS12_MEDIA,
    VICS13_CASES,
    md5,
    nsrl_v3_expected,
    sha1,
    sha256,
    vics_expected,
    vics_media,
    with_record_no,
    write_json,
)


def _cases_doc(context: str, per_case: list[int]) -> dict[str, Any]:
    """Cases holding Media 1..n in order, split as ``per_case`` says."""
    cases = []
    i = 1
    for k, count in enumerate(per_case):
        media = [vics_media(j) for j in range(i, i + count)]
        i += count
        # case properties before and after Media, as exporters differ
        cases.append(
            {
                "CaseID": f"case-{k}",
                "CaseNumber": f"N-{k}",
                "Media": media,
                "SourceApplicationName": "benign-test",
            }
        )
    return {context_key(context): context, "value": cases}


def context_key(context: str) -> str:
    return "@odata.context" if "VICSDATAMODEL" in context else "odata.metadata"


def test_vics_1x_case_shape(tmp_path: Path) -> None:
    path = write_json(tmp_path / "v13.json", _cases_doc(VICS13_CASES, [2, 0, 3]))
    records = list(read_hashset(path))
    assert records == [vics_expected(i) for i in range(1, 6)]


def test_vics_1x_hashset_shape_with_top_level_photodna(tmp_path: Path) -> None:
    media = [vics_media(i) for i in range(1, 4)]
    media[1]["PhotoDNA"] = "QUJD" * 48  # base64, 192 characters
    path = write_json(tmp_path / "v12.json", {"odata.metadata": VICS12_MEDIA, "value": media})
    records = list(read_hashset(path, "vics"))
    expected = [vics_expected(i) for i in range(1, 4)]
    expected[1] = replace(expected[1], photodna="QUJD" * 48)
    assert records == expected


def test_vics_20_case_shape(tmp_path: Path) -> None:
    path = write_json(tmp_path / "v20-case.json", _cases_doc(VICS2_CASES, [4, 1]))
    assert list(read_hashset(path, "vics")) == [vics_expected(i) for i in range(1, 6)]


@pytest.mark.parametrize("flavour", ["Default", "US", "UK", "CUSTOM"])
def test_vics_20_hashset_shape_every_flavour(tmp_path: Path, flavour: str) -> None:
    context = VICS2_MEDIA.replace("/US/", f"/{flavour}/")
    doc = {"@odata.context": context, "value": [vics_media(i) for i in range(1, 4)]}
    path = write_json(tmp_path / "v20.json", doc)
    assert VicsFormat().sniff(path)
    assert list(read_hashset(path)) == [vics_expected(i) for i in range(1, 4)]


def test_shape_is_taken_from_the_structure_when_the_context_is_missing(tmp_path: Path) -> None:
    doc = _cases_doc(VICS2_CASES, [2])
    del doc["@odata.context"]
    path = write_json(tmp_path / "noctx.json", doc)
    assert not VicsFormat().sniff(path)  # not recognised without the context...
    assert list(read_hashset(path, "vics")) == [vics_expected(1), vics_expected(2)]  # ...but read


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    doc = {"@odata.context": VICS2_MEDIA, "value": [vics_media(1)]}
    path = write_json(tmp_path / "bom.json", doc, bom=True)
    assert VicsFormat().sniff(path)
    assert list(read_hashset(path)) == [vics_expected(1)]


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        (True, True),
        (False, False),
        ("true", True),
        ("false", False),
        ("True", True),
        ("FALSE", False),
        ("1", True),
        ("0", False),
        ("Y", True),
        ("N", False),
        ("", None),
        (None, None),
    ],
)
def test_booleans_as_json_or_text(tmp_path: Path, raw: object, want: bool | None) -> None:
    media = {"MD5": md5(1), "VictimIdentified": raw, "OffenderIdentified": raw}
    media |= {"IsDistributed": raw, "IsPrecategorized": raw}
    path = write_json(tmp_path / "b.json", {"@odata.context": VICS2_MEDIA, "value": [media]})
    (record,) = read_hashset(path)
    assert record.victim_identified is want
    assert record.offender_identified is want
    assert record.is_distributed is want
    assert record.is_precategorized is want


def test_a_bad_boolean_names_record_and_field(tmp_path: Path) -> None:
    value = [{"MD5": md5(1)}, {"MD5": md5(2), "IsDistributed": "maybe"}]
    path = write_json(tmp_path / "b.json", {"@odata.context": VICS2_MEDIA, "value": value})
    with pytest.raises(DataError, match=r"record 2: IsDistributed: not a yes/no value") as info:
        list(read_hashset(path))
    assert info.value.detail["field"] == "IsDistributed"


def test_category_number_or_text_is_kept_raw(tmp_path: Path) -> None:
    value = [
        {"MD5": md5(1), "Category": 3},
        {"MD5": md5(2), "Category": "2"},
        {"MD5": md5(3), "Category": "Non-Pertinent"},
        {"MD5": md5(4), "Category": None},
        {"MD5": md5(5), "MediaID": "5f0c-guid"},
    ]
    path = write_json(tmp_path / "c.json", {"@odata.context": VICS2_MEDIA, "value": value})
    records = list(read_hashset(path))
    assert [r.category for r in records] == ["3", "2", "Non-Pertinent", None, None]
    assert records[4].media_id == "5f0c-guid"


def test_sha1_or_sha256_only_records_are_accepted(tmp_path: Path) -> None:
    value = [
        {"SHA1": sha1(1)},
        {"AlternativeHashes": [{"HashName": "SHA256", "HashValue": sha256(2)}]},
        {"MD5": "", "SHA256": sha256(3).upper()},
    ]
    path = write_json(tmp_path / "s.json", {"@odata.context": VICS2_MEDIA, "value": value})
    records = list(read_hashset(path))
    assert [(r.md5, r.sha1, r.sha256) for r in records] == [
        (None, sha1(1), None),
        (None, None, sha256(2)),
        (None, None, sha256(3)),
    ]


def test_missing_md5_message(tmp_path: Path) -> None:
    value = [{"MD5": md5(i)} for i in range(1, 17)] + [{"MediaID": 17, "Category": 1}]
    path = write_json(tmp_path / "m.json", {"@odata.context": VICS2_MEDIA, "value": value})
    with pytest.raises(DataError, match=r"^file .*m\.json: record 17: missing MD5"):
        list(read_hashset(path))


@pytest.mark.parametrize(
    ("media", "reason"),
    [
        ({"MD5": 12345}, r"record 2: MD5: invalid MD5: expected text"),
        ({"MD5": md5(2), "MediaSize": "big"}, r"record 2: MediaSize: not a whole number"),
        ({"MD5": md5(2), "MediaFiles": "x.jpg"}, r"record 2: MediaFiles: expected a list"),
        ({"MD5": md5(2), "Tags": {"a": 1}}, r"record 2: Tags: expected text or a list"),
        (
            {"MD5": md5(2), "AlternativeHashes": [{"HashValue": "00"}]},
            r"record 2: AlternativeHashes: entry without HashName",
        ),
        (
            {"MD5": md5(2), "AlternativeHashes": [{"HashName": "SHA256", "HashValue": "12"}]},
            r"record 2: AlternativeHashes SHA256: invalid SHA-256",
        ),
        ("not an object", r"record 2: a Media entry must be an object"),
    ],
)
def test_wrong_types_are_refused(tmp_path: Path, media: object, reason: str) -> None:
    value = [{"MD5": md5(1)}, media]
    path = write_json(tmp_path / "t.json", {"@odata.context": VICS2_MEDIA, "value": value})
    with pytest.raises(DataError, match=reason):
        list(read_hashset(path, "vics"))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"@odata.context": "' + VICS2_MEDIA + '", "value": {"MD5": "x"}}', "not a list"),
        ('{"@odata.context": "' + VICS2_MEDIA + '"}', "no 'value' list"),
        ("[1, 2]", "not an object"),
        ('{"@odata.context": "http://example.org/other#Media", "value": []}', "not a Project VIC"),
        (
            '{"@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/3.0.xml/'
            'Default/$metadata#Media", "value": []}',
            "unsupported VICS data model 3.0",
        ),
        ('{"odata.metadata": "' + VICS12_MEDIA + '", "value": [{"MD5": ', "truncated"),
        ('{"odata.metadata": "' + VICS12_MEDIA + '", "value": []} trailing', "not valid JSON"),
        ('{"odata.metadata": "' + VICS12_MEDIA + '", "value": [{"MD5": tru}]}', "not valid JSON"),
    ],
)
def test_bad_documents_are_refused(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=reason):
        list(read_hashset(path, "vics"))


def test_truncation_after_good_records_names_the_next_record(tmp_path: Path) -> None:
    doc = {"@odata.context": VICS2_MEDIA, "value": [{"MD5": md5(i)} for i in range(1, 4)]}
    path = tmp_path / "cut.json"
    text = json.dumps(doc)
    path.write_text(text[: text.rindex(md5(3)) + 10], encoding="utf-8")  # inside record 3
    got: list[HashSetRecord] = []
    with pytest.raises(DataError, match="record 3: the file ends early") as info:
        for record in read_hashset(path, "vics"):
            got.append(record)
    assert [r.record_no for r in got] == [1, 2]
    assert info.value.detail["record"] == 3


def test_empty_value_list_reads_nothing(tmp_path: Path) -> None:
    for context in (VICS2_MEDIA, VICS13_CASES):
        path = write_json(tmp_path / "e.json", {context_key(context): context, "value": []})
        assert list(read_hashset(path, "vics")) == []


# --- writer -------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["hashset", "case"])
def test_write_then_read_round_trips(tmp_path: Path, shape: str) -> None:
    records = [vics_expected(i) for i in range(1, 8)]
    records[2] = replace(records[2], photodna="QUJD" * 48, alt_hashes=())
    records[3] = replace(records[3], category="Non-Pertinent", media_id="guid-4", tags=())
    records[4] = HashSetRecord(record_no=5, sha1=sha1(5))  # the bare minimum
    records[5] = replace(records[5], extra={})
    out = tmp_path / f"out-{shape}.json"
    meta = {"CaseID": "case-1", "SourceApplicationName": "lodestar"} if shape == "case" else None
    assert write_hashset(records, out, "vics", shape=shape, case_meta=meta) == 7  # type: ignore[arg-type]
    assert list(read_hashset(out)) == records

    doc = json.loads(out.read_text(encoding="utf-8"))
    suffix = "#Cases" if shape == "case" else "#Media"
    assert doc["@odata.context"] == (
        "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata" + suffix
    )
    media = doc["value"][0]["Media"] if shape == "case" else doc["value"]
    if shape == "case":
        assert len(doc["value"]) == 1
        assert doc["value"][0]["CaseID"] == "case-1"
        assert list(doc["value"][0]) == ["CaseID", "SourceApplicationName", "Media"]
    first = media[0]
    assert list(first)[:4] == ["MediaID", "Category", "MD5", "SHA1"]
    assert first["MediaID"] == 1 and first["Category"] == 1
    assert first["MD5"] == md5(1).upper()
    assert first["VictimIdentified"] is True


def test_writer_is_deterministic(tmp_path: Path) -> None:
    records = [vics_expected(i) for i in range(1, 4)]
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    write_hashset(records, a, shape="case", case_meta={"b": 1, "CaseID": "x", "a": [1]})
    write_hashset(iter(records), b, shape="case", case_meta={"a": [1], "CaseID": "x", "b": 1})
    assert a.read_bytes() == b.read_bytes()


def test_records_from_other_formats_keep_what_vics_carries(tmp_path: Path) -> None:
    records = [nsrl_v3_expected(i) for i in range(1, 4)]
    out = tmp_path / "from-nsrl.json"
    write_hashset(records, out, shape="case", case_meta={"CaseID": "x"})
    back = list(read_hashset(out))
    assert back == [replace(r, extra={}) for r in records]


def test_round_trip_renumbers_records(tmp_path: Path) -> None:
    records = [replace(vics_expected(i), record_no=100 + i) for i in range(1, 4)]
    out = tmp_path / "n.json"
    write_hashset(records, out)
    assert list(read_hashset(out)) == with_record_no(records)


def test_writer_refuses_unwritable_tags_and_leaves_no_partial_file(tmp_path: Path) -> None:
    def records() -> Iterator[HashSetRecord]:
        yield vics_expected(1)
        yield replace(vics_expected(2), tags=("a,b",))

    out = tmp_path / "o.json"
    with pytest.raises(DataError, match="record 2: tag 'a,b' cannot be written"):
        write_hashset(records(), out)
    assert list(tmp_path.iterdir()) == []


def test_writer_keeps_an_existing_file_when_interrupted(tmp_path: Path) -> None:
    out = tmp_path / "o.json"
    write_hashset([vics_expected(1)], out)
    before = out.read_bytes()

    def failing() -> Iterator[HashSetRecord]:
        yield vics_expected(2)
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        write_hashset(failing(), out)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.json"]


def test_writer_argument_checks(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="shape"):
        write_hashset([], tmp_path / "x.json", shape="other")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="case_meta"):
        write_hashset([], tmp_path / "x.json", case_meta={"CaseID": "1"})
    with pytest.raises(ValueError, match="Media"):
        write_hashset([], tmp_path / "x.json", shape="case", case_meta={"Media": []})
    out = tmp_path / "empty.json"
    assert write_hashset([], out, shape="case") == 0
    assert list(read_hashset(out)) == []


def test_context_after_the_value_list(tmp_path: Path) -> None:
    path = tmp_path / "late.json"
    text = '{"value": [' + json.dumps(vics_media(1)) + '], "@odata.context": "' + VICS2_CASES
    path.write_text(text + '"}', encoding="utf-8")
    assert list(read_hashset(path, "vics")) == [vics_expected(1)]


def test_media_key_spelled_in_lower_case(tmp_path: Path) -> None:
    doc = {"@odata.context": VICS2_CASES, "value": [{"media": [vics_media(1), vics_media(2)]}]}
    path = write_json(tmp_path / "lower.json", doc)
    assert list(read_hashset(path, "vics")) == [vics_expected(1), vics_expected(2)]


def test_the_c_backend_is_used_when_installed() -> None:
    import importlib.util

    from lodestar.match.formats import vics

    if importlib.util.find_spec("ijson.backends._yajl2") is None:
        pytest.skip("ijson built without its C extension")
    assert vics.JSON_BACKEND == "yajl2_c"
