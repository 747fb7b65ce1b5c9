"""PDQ matching on the benign demo operation: near-duplicate stacks, sets, `similar`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image, ImageOps
from sqlalchemy import select

from lodestar.analyze.ingest import ingest
from lodestar.demo.corpus import generate_corpus
from lodestar.demo.layout import disk_path
from lodestar.evidence.service import add_source
from lodestar.match.matching import matches_for
from lodestar.match.perceptual import match_perceptual, similar_to
from lodestar.store import Signal
from lodestar.workspace import Workspace


@pytest.fixture
def operation(ws: Workspace, tmp_path: Path) -> dict:
    op = tmp_path / "op"
    generate_corpus(op, seed=5, scale="tiny")
    with ws.store.session() as s:
        for col in sorted((op / "collections").iterdir()):
            add_source(s, location=col, agency="XX", label=col.name, actor="t")
    ingest(ws, actor="t")
    truth = json.loads((op / "truth.json").read_text())
    truth["root"] = op
    return truth


def _loose(truth: dict, variant: str) -> list[dict]:
    return [
        f
        for f in truth["files"]
        if f.get("variant") == variant
        and "!/" not in f["path"]
        and f.get("derived_from")
        and "!/" not in f["derived_from"]
    ]


def test_resized_copies_stack_with_their_originals(ws: Workspace, operation: dict) -> None:
    by_path = {f["path"]: f for f in operation["files"]}
    with ws.store.session() as s:
        assert s.scalar(select(Signal.id).where(Signal.type == "pdq")) is not None
        match_perceptual(s, ws.derived, 31)
    copies = _loose(operation, "resize") + _loose(operation, "recompress")
    assert copies
    with ws.store.session() as s:
        for copy in copies:
            original = by_path[copy["derived_from"]]["sha256"]
            near = {m.get("other_sha256") for m in matches_for(s, copy["sha256"])}
            assert original in near, copy["path"]


@pytest.mark.parametrize(
    "op", [Image.Transpose.FLIP_LEFT_RIGHT, Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180]
)
def test_similar_finds_flipped_and_rotated_copies(
    ws: Workspace, operation: dict, op: Image.Transpose
) -> None:
    originals = [
        f
        for f in operation["files"]
        if f.get("variant") == "original" and f["kind"] == "image" and "!/" not in f["path"]
    ][:3]
    assert originals
    for original in originals:
        with Image.open(disk_path(operation["root"], original["path"])) as img:
            turned = ImageOps.exif_transpose(img).transpose(op)
        buf = io.BytesIO()
        turned.save(buf, "JPEG", quality=85)
        with ws.store.session() as s:
            found = similar_to(s, ws.derived, buf.getvalue())
        assert found["exact_media"] == []
        near = {m["sha256"]: m["distance"] for m in found["near_media"]}
        assert near.get(original["sha256"], 99) <= 31, original["path"]
