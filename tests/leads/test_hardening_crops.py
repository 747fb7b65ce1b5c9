"""Issue 16, defect 10: a crop is a clear view, so it needs the media revealed to its user,
counts as exposure, and may cover only a share of the image (configurable, 25 % default)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from lodestar.access import Actor
from lodestar.errors import Forbidden, UserError
from lodestar.leads import crops
from lodestar.leads.crops import export_crop, parse_box
from lodestar.review.media import exposure_seconds, reveal
from lodestar.store import Media
from lodestar.store.people_models import AuditEvent, Reveal, User
from lodestar.workspace import Workspace

from .operation import Op, build_operation

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def op(ws: Workspace) -> Op:
    return build_operation(ws, sizes=(2, 1))


def _reveal(op: Op, at: datetime = NOW) -> None:
    with op.ws.store.session() as s:
        user = s.get_one(User, op.actor("ana").user_id)
        reveal(s, user=user, media=s.get_one(Media, op.media["A"][0]), now=at)


def _crop(op: Op, out: Path, box: str, at: datetime = NOW, actor: Actor | None = None) -> dict:
    with op.ws.store.session() as s:
        return export_crop(
            s,
            actor=actor or op.actor("ana"),
            media=op.media["A"][0],
            box=parse_box(box),
            out=out,
            settings=op.ws.settings,
            spool_dir=op.ws.spool,
            now=at,
        )


def test_a_crop_needs_an_active_reveal(op: Op, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="reveal media .* first"):
        _crop(op, tmp_path / "a.png", "0,0,50,50")
    with pytest.raises(UserError, match="--as USER"):
        _crop(op, tmp_path / "a.png", "0,0,50,50", actor=Actor(name="operator"))
    _reveal(op)
    with pytest.raises(UserError, match="reveal media"):  # that reveal has ended
        _crop(op, tmp_path / "a.png", "0,0,50,50", at=NOW + timedelta(hours=1))
    assert not (tmp_path / "a.png").exists()
    assert _crop(op, tmp_path / "a.png", "0,0,50,50", at=NOW + timedelta(seconds=30))["width"]


def test_a_crop_is_capped_to_a_share_of_the_image(op: Op, tmp_path: Path) -> None:
    _reveal(op)  # the image is 480×360
    with pytest.raises(UserError, match="covers 100% of the image; .* at most 25%"):
        _crop(op, tmp_path / "whole.png", "0,0,480,360")
    with pytest.raises(UserError, match="at most 25%"):
        _crop(op, tmp_path / "big.png", "0,0,241,180")
    assert _crop(op, tmp_path / "quarter.png", "0,0,240,180")["width"] == 240
    with op.ws.store.session() as s, pytest.raises(Forbidden):
        crops.set_crop_limits(s, actor=op.actor("ana"), max_share=1.0)
    with op.ws.store.session() as s, pytest.raises(UserError, match="max_share must be"):
        crops.set_crop_limits(s, actor=op.actor("coord"), max_share=2.0)
    with op.ws.store.session() as s:
        crops.set_crop_limits(s, actor=op.actor("coord"), max_share=0.5)
    assert _crop(op, tmp_path / "half.png", "0,0,480,180")["height"] == 180
    assert not (tmp_path / "whole.png").exists() and not (tmp_path / "big.png").exists()


def test_a_crop_counts_as_exposure(op: Op, tmp_path: Path) -> None:
    uid = op.actor("ana").user_id
    assert uid is not None
    _reveal(op)
    later = NOW + timedelta(seconds=50)
    with op.ws.store.session() as s:
        before = exposure_seconds(s, user_id=uid, since=NOW, now=later + timedelta(hours=1))
    _crop(op, tmp_path / "c.png", "0,0,50,50", at=later)
    with op.ws.store.session() as s:
        after = exposure_seconds(s, user_id=uid, since=NOW, now=later + timedelta(hours=1))
        reveals = s.scalars(select(Reveal).where(Reveal.user_id == uid)).all()
        logged = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "media.reveal").order_by(AuditEvent.id)
        ).all()
    assert len(reveals) == 2 and after > before  # the crop's view extends the exposure
    assert logged[-1].detail["via"] == "crop"
