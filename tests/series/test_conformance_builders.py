"""The conformance suite every registered link builder passes (built-in and plug-ins).

Tests are parametrised over ``link_builders.names()``, so a newly registered builder is tested
without editing this file — except :data:`SAMPLES`: every builder needs a sample workspace
where it finds links, and :func:`test_every_builder_has_a_sample` fails until it has one.
What each builder finds there is checked by its own accuracy tests (``test_links.py``,
``test_scene.py``, ``test_video_scene.py``, ``test_prnu_links.py``).
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.registry import DuplicateNameError
from lodestar.series.base import (
    STRENGTHS,
    Link,
    LinkBuilder,
    ReadsArtifacts,
    link_builders,
    reads_artifacts,
)
from lodestar.series.context import INFO_KEY
from lodestar.store import Media, Source
from lodestar.workspace import Workspace

from . import samples

CONFORMANCE_KIND = "link builder"

# Builder name → the sample workspace where it finds at least one link.
SAMPLES: dict[str, samples.SampleMaker] = {
    "near-dup": samples.store_facts,
    "video-frame": samples.store_facts,
    "known-series": samples.store_facts,
    "camera": samples.store_facts,
    "time-burst": samples.store_facts,
    "folder": samples.store_facts,
    "scene": samples.rooms,
    "video-scene": samples.pan_video,
    "prnu": samples.camera_shots,
}

NAMES = link_builders.names()
each_builder = pytest.mark.parametrize("name", NAMES)


@contextmanager
def sample_session(name: str, ws: Workspace, tmp: Path) -> Iterator[Session]:
    maker = SAMPLES.get(name)
    if maker is None:
        pytest.fail(f"link builder {name!r} has no sample: add one to SAMPLES")
    maker(ws, tmp)
    with ws.store.session() as session:  # sessions of a workspace's store know its root
        yield session


def found(
    builder: LinkBuilder, session: Session, media: Collection[str] | None = None
) -> list[Link]:
    return list(builder.build(session, media=media))


def fingerprint(links: Iterable[Link]) -> list[str]:
    """Everything a stored link keeps, in a comparable order."""
    return sorted(repr((x.pair, x.kind, x.score, x.strength, x.evidence)) for x in links)


def test_every_builder_has_a_sample() -> None:
    missing = sorted(set(NAMES) - set(SAMPLES))
    assert not missing, f"registered link builders without a sample in SAMPLES: {missing}"
    assert not set(SAMPLES) - set(NAMES), "SAMPLES names a builder that is not registered"


@each_builder
def test_named_versioned_and_declared(name: str) -> None:
    builder = link_builders.get(name)
    assert isinstance(builder, LinkBuilder)
    assert builder.name == name and isinstance(builder.version, str) and builder.version
    assert builder.strengths and set(builder.strengths) <= set(STRENGTHS)
    if isinstance(builder, ReadsArtifacts):
        assert builder.artifacts and all(isinstance(a, str) and a for a in builder.artifacts)


@each_builder
def test_name_is_unique(name: str) -> None:
    impostor = type("Impostor", (), {"name": name, "version": "0", "strengths": ("weak",)})()
    with pytest.raises(DuplicateNameError):
        link_builders.register(impostor)
    assert link_builders.get(name) is not impostor


@each_builder
def test_links_are_well_formed(name: str, ws: Workspace, tmp_path: Path) -> None:
    builder = link_builders.get(name)
    with sample_session(name, ws, tmp_path) as session:
        links = found(builder, session)
        assert links, f"{name} found no link on its sample workspace"
        assert_well_formed(builder, session, links)


def assert_well_formed(builder: LinkBuilder, session: Session, links: list[Link]) -> None:
    for link in links:
        assert isinstance(link, Link) and link.kind == builder.name
        assert link.a < link.b, "two distinct media, stored in one order"
        assert session.get(Media, link.a) is not None and session.get(Media, link.b) is not None
        assert 0.0 <= link.score <= 1.0
        assert link.strength in builder.strengths, f"{link.strength} not declared by {builder}"
        assert link.evidence, "every link says why (shown by `series why`)"
        json.dumps(link.evidence)  # stored as JSON
    assert len({link.pair for link in links}) == len(links), "one link per pair"


@each_builder
def test_deterministic(name: str, ws: Workspace, tmp_path: Path) -> None:
    builder = link_builders.get(name)
    with sample_session(name, ws, tmp_path) as session:
        assert fingerprint(found(builder, session)) == fingerprint(found(builder, session))


@each_builder
def test_media_filter_is_incremental(name: str, ws: Workspace, tmp_path: Path) -> None:
    builder = link_builders.get(name)
    with sample_session(name, ws, tmp_path) as session:
        full = {link.pair: link for link in found(builder, session)}
        one = sorted(full)[0][0]
        part = {link.pair: link for link in found(builder, session, media=[one])}
        assert part and all(one in pair for pair in part)
        assert part == {p: x for p, x in full.items() if one in p}
        assert found(builder, session, media=["0" * 64]) == []  # unknown media: nothing


@each_builder
def test_no_links_on_an_empty_store(name: str, ws: Workspace) -> None:
    with ws.store.session() as session:
        assert found(link_builders.get(name), session) == []


def _remove_artifacts(ws: Workspace, session: Session, tmp: Path) -> None:
    """Delete the derived artifacts and every evidence folder the sample made."""
    shutil.rmtree(ws.derived)
    ws.derived.mkdir()
    for location in session.scalars(select(Source.location)):
        if Path(location).is_relative_to(tmp) and Path(location).exists():
            shutil.rmtree(location)


@each_builder
def test_missing_artifacts_are_no_crash(name: str, ws: Workspace, tmp_path: Path) -> None:
    """Without derived artifacts or evidence an artifact reader finds what it can (nothing,
    for the built-ins) and does not raise; a store-only builder finds exactly the same links
    (otherwise it reads artifacts and must declare :class:`ReadsArtifacts`)."""
    builder = link_builders.get(name)
    with sample_session(name, ws, tmp_path) as session:
        before = None if reads_artifacts(builder) else fingerprint(found(builder, session))
        _remove_artifacts(ws, session, tmp_path)
        after = found(builder, session)
        assert_well_formed(builder, session, after)
        if before is not None:
            assert fingerprint(after) == before, f"{name} reads artifacts without declaring it"


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # SQLite names its folder
@each_builder
def test_unknown_workspace_is_a_warning(
    name: str,
    ws: Workspace,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A PostgreSQL store cannot tell its workspace: an artifact reader says so and returns no
    links; a store-only builder does not care."""
    monkeypatch.delenv("LODESTAR_WORKSPACE", raising=False)
    builder = link_builders.get(name)
    with sample_session(name, ws, tmp_path) as session:
        before = None if reads_artifacts(builder) else fingerprint(found(builder, session))
        session.info.pop(INFO_KEY)
        with caplog.at_level(logging.WARNING):
            after = found(builder, session)
    if before is None:
        assert after == []
        said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert any(name in m for m in said), f"{name} gave no warning: {said}"
    else:
        assert fingerprint(after) == before


def test_link_orders_its_pair_and_refuses_bad_values() -> None:
    link = Link("b" * 64, "a" * 64, "x", 0.5, "weak")
    assert link.pair == ("a" * 64, "b" * 64)
    with pytest.raises(ValueError):
        Link("a" * 64, "a" * 64, "x", 0.5, "weak")
    with pytest.raises(ValueError):
        Link("a" * 64, "b" * 64, "x", 1.5, "weak")
    with pytest.raises(ValueError):
        Link("a" * 64, "b" * 64, "x", 0.5, "maybe")  # type: ignore[arg-type]
