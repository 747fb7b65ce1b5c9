"""Country suggestion for a lead over one or several series (the clues' jurisdiction, averaged)."""

from __future__ import annotations

import pytest

from lodestar.leads.jurisdiction import suggest_countries
from lodestar.workspace import Workspace

from .operation import Op, build_operation


@pytest.fixture
def op(ws: Workspace) -> Op:
    return build_operation(ws)


def test_suggestion_ranks_and_explains(op: Op) -> None:
    with op.ws.store.session() as s:
        one = suggest_countries(s, series_ids=[op.series["A"]])
        both = suggest_countries(s, series_ids=[op.series["A"], op.series["B"]])
        none = suggest_countries(s, series_ids=[op.series["B"]])
    top = one["countries"][0]
    assert top["country"] == "PT" and top["name"] == "Portugal"
    assert {e["clue_id"] for e in top["evidence"]} == {op.clues["place"], op.clues["language"]}
    assert all(e["series_id"] == op.series["A"] for e in top["evidence"])
    assert "BR" in [r["country"] for r in one["countries"]]  # Portuguese is spoken there too
    # Series B has no clues: over both series each country's score is halved, order kept.
    assert none["countries"] == []
    assert [r["country"] for r in both["countries"]] == [r["country"] for r in one["countries"]]
    assert both["countries"][0]["score"] == pytest.approx(top["score"] / 2, abs=1e-4)
