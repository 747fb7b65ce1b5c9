"""Every plug-in kind has one conformance suite, and every registered plug-in passes it.

A conformance module declares ``CONFORMANCE_KIND = "<registry kind>"`` and parametrises its
tests over *the registry's contents* (never a hand-kept list), so a newly registered plug-in
is tested without editing the suite; where a suite needs a sample input per plug-in, the
suite itself fails for a registered plug-in without one. This test fails when a registry kind
has no suite at all.
"""

from __future__ import annotations

import re
from pathlib import Path

from lodestar.registry import Registry

TESTS = Path(__file__).parent
_DECLARATION = re.compile(r'^CONFORMANCE_KIND\s*=\s*"([^"]+)"', re.MULTILINE)


def _declared_kinds() -> dict[str, Path]:
    kinds: dict[str, Path] = {}
    for path in TESTS.rglob("test_*.py"):
        for kind in _DECLARATION.findall(path.read_text(encoding="utf-8")):
            assert kind not in kinds, f"two conformance suites for {kind!r}: {kinds[kind]}, {path}"
            kinds[kind] = path
    return kinds


def _import_every_stage() -> None:
    # The web and CLI shells import every stage, so every registry is declared.
    import lodestar.cli.app  # noqa: F401


def test_every_registry_kind_has_a_conformance_suite() -> None:
    _import_every_stage()
    declared = _declared_kinds()
    missing = sorted(set(Registry.registries()) - set(declared))
    assert not missing, f"plug-in kinds without a conformance suite: {missing}"


def test_every_registry_has_plugins() -> None:
    _import_every_stage()
    empty = [kind for kind, reg in Registry.registries().items() if not reg.names()]
    assert not empty, f"registries with no plug-in registered: {empty}"
