"""Run order of the registered extractors: declared needs first, then declaration order."""

from __future__ import annotations

from typing import ClassVar

import pytest

from lodestar.clues.base import (
    ClueExtractor,
    ClueInput,
    ExtractResult,
    ProductMaker,
    Products,
    clue_extractors,
)
from lodestar.clues.deep import STAGES
from lodestar.clues.plan import ExtractorPlanError, extractors_for, run_order, stage_names
from lodestar.errors import UserError
from lodestar.registry import Registry


class _Fake:
    name: ClassVar[str] = ""
    version: ClassVar[str] = "1"
    stage: ClassVar[str] = "fake"
    accepts: ClassVar[frozenset[str]] = frozenset({"image"})
    needs: ClassVar[tuple[str, ...]] = ()

    def extract(self, item: ClueInput, products: Products | None = None) -> ExtractResult:
        return ExtractResult()


class _Frames(_Fake, ProductMaker):
    name = "frames"
    stage = "frames"

    def make_product(self, item: ClueInput) -> object:
        return []


class _Alpha(_Fake):
    name = "alpha"
    needs = ("frames",)


class _Zulu(_Fake):
    name = "zulu"


class _Loop(_Frames):
    name = "loop"
    needs = ("loop2",)


class _Loop2(_Frames):
    name = "loop2"
    needs = ("loop",)


def _registry(*extractors: ClueExtractor) -> Registry[ClueExtractor]:
    reg: Registry[ClueExtractor] = Registry("test clue extractor", listed=False)
    for e in extractors:
        reg.register(e)
    return reg


def _names(extractors: list[ClueExtractor]) -> list[str]:
    return [e.name for e in extractors]


def test_builtins_run_in_declared_order_with_keyframes_before_ocr() -> None:
    assert _names(extractors_for(None)) == ["metadata", "keyframes", "ocr"]
    assert stage_names() == list(STAGES) == ["metadata", "keyframes", "ocr"]
    assert _names(extractors_for(["ocr", "keyframes"])) == ["keyframes", "ocr"]
    assert _names(extractors_for(["ocr"])) == ["ocr"]  # keyframes made on demand, not run
    assert set(clue_extractors.builtins) == {type(e).__module__ for e in clue_extractors}


def test_a_need_runs_first_whatever_the_names() -> None:
    reg = _registry(_Alpha(), _Frames(), _Zulu())
    # not from the builtins: by name, but alpha waits for frames
    assert _names(run_order(reg, reg)) == ["frames", "alpha", "zulu"]


def test_bad_declarations_are_refused() -> None:
    with pytest.raises(ExtractorPlanError, match="needs 'frames', which is not registered"):
        run_order([_Alpha()], _registry(_Alpha()))
    with pytest.raises(ExtractorPlanError, match="which makes no product"):
        run_order([_Alpha()], _registry(_Alpha(), type("F", (_Fake,), {"name": "frames"})()))
    loops = _registry(_Loop(), _Loop2())
    with pytest.raises(ExtractorPlanError, match="cycle: loop, loop2"):
        run_order(loops, loops)


def test_unknown_stage_names_the_known_ones() -> None:
    with pytest.raises(UserError, match=r"unknown deep-pass stage palmistry \(known: keyframes"):
        extractors_for(["palmistry"])
