"""Issue 16, defect 7: one bound on an outcome's count for every way in (service, CLI, reply;
the API and form in tests/web/test_leads_web.py), and each kind of outcome recorded once per
lead unless corrected with a reason (the correction replaces it and is kept as an event)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lodestar.errors import ExitCode, UserError
from lodestar.leads import reply, service
from lodestar.reports.figures import operation_figures
from lodestar.workspace import Workspace

from ..cli.runner import run
from .operation import Op, build_operation


@pytest.fixture
def op(ws: Workspace) -> Op:
    return build_operation(ws)


def _sent(op: Op) -> int:
    with op.ws.store.session() as s:
        lead = service.create_lead(
            s, actor=op.actor("ana"), series_ids=[op.series["A"]], country="PT", agency="PT-PJ"
        )
    with op.ws.store.session() as s:
        service.review_lead(s, actor=op.actor("bea"), lead_id=lead["id"])
    with op.ws.store.session() as s:
        return int(service.send_lead(s, actor=op.actor("ana"), lead_id=lead["id"])["id"])


def _outcome(op: Op, lid: int, **kw: object) -> dict:
    with op.ws.store.session() as s:
        return service.record_outcome(
            s,
            actor=op.actor("lia-pt"),
            lead_id=lid,
            outcome="victim_identified",
            **kw,  # type: ignore[arg-type]
        )


def _victims(op: Op) -> int:
    with op.ws.store.session() as s:
        return int(operation_figures(s, actor=op.actor("coord"))["outcomes"]["victims_identified"])


@pytest.mark.parametrize("count", [0, -1, 10_001, 10**18, True])
def test_count_out_of_bounds_is_refused(op: Op, count: int) -> None:
    lid = _sent(op)
    with pytest.raises(UserError, match="count must be a whole number from 1 to 10000"):
        _outcome(op, lid, count=count)
    assert _victims(op) == 0


def test_an_outcome_is_recorded_once_per_kind_unless_corrected(op: Op) -> None:
    lid = _sent(op)
    _outcome(op, lid, count=3)
    with pytest.raises(UserError, match="already has a victim_identified outcome"):
        _outcome(op, lid, count=3)
    assert _victims(op) == 3
    with pytest.raises(UserError, match="written reason"):
        _outcome(op, lid, count=2, correction="typo")
    out = _outcome(op, lid, count=2, correction="the partner counted one victim twice")
    assert _victims(op) == 2  # replaced, not added
    last = out["history"][-1]
    assert last["action"] == "outcome_corrected"
    assert last["detail"]["before"]["count"] == 3 and last["detail"]["after"]["count"] == 2
    refused = pytest.raises(UserError, match="no offender_arrested outcome to correct")
    with refused, op.ws.store.session() as s:
        service.record_outcome(
            s,
            actor=op.actor("lia-pt"),
            lead_id=lid,
            outcome="offender_arrested",
            correction="there never was one to correct",
        )
    with op.ws.store.session() as s:  # another kind is its own outcome
        service.record_outcome(s, actor=op.actor("lia-pt"), lead_id=lid, outcome="no_result")


def test_reply_with_a_huge_count_changes_nothing(op: Op, tmp_path: Path) -> None:
    lid = _sent(op)
    with op.ws.store.session() as s:
        uid = service.show_lead(s, actor=op.actor("ana"), lead_id=lid)["uid"]
    path = tmp_path / "reply.json"
    body = {
        "format": reply.REPLY_FORMAT,
        "agency": "PT-PJ",
        "lead_uid": uid,
        "outcomes": [{"outcome": "victim_identified", "count": 10**18}],
    }
    path.write_text(json.dumps(body))
    with pytest.raises(UserError, match="count must be"), op.ws.store.session() as s:
        reply.import_reply(s, actor=op.actor("lia-pt"), path=path)
    assert _victims(op) == 0


def test_cli_bounds_and_correction(
    capsys: pytest.CaptureFixture[str], op: Op, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LODESTAR_DB_URL", op.ws.store.url)
    w = ["--workspace", str(op.ws.root)]
    lid = str(_sent(op))
    args = [*w, "leads", "outcome", lid, "victim_identified", "--as", "lia-pt"]
    code, _, err = run(capsys, *args, "--count", str(10**18))
    assert code == ExitCode.USER_ERROR and "count must be" in err
    assert run(capsys, *args, "--count", "4")[0] == 0
    code, _, err = run(capsys, *args, "--count", "4")
    assert code == ExitCode.USER_ERROR and "already has" in err
    why = "two of the four were one person"
    code, out, _ = run(capsys, *args, "--count", "3", "--correction", why, "--json")
    assert code == 0 and out["history"][-1]["detail"]["reason"] == why
    assert _victims(op) == 3
