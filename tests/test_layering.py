"""The stage order holds: a stage never imports a later stage, the web/CLI shells or the demo.

Order (DESIGN.md §1): store → evidence → analyze → match → series → clues → review → leads →
reports. Shared modules (``access``, ``audit``, ``derived``, ``registry``, ``errors``, …) may be
imported by everyone and import no stage but ``store``. Only ``cli`` and ``web`` (the shells)
and ``demo`` (the generator) may import anything. Imports inside functions count too: a lazy
import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import lodestar

SRC = Path(lodestar.__file__).parent
STAGES = ["store", "evidence", "analyze", "match", "series", "clues", "review", "leads", "reports"]
SHELLS = {"cli", "web", "demo"}


def _package_of(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def _imported_packages(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rel = path.relative_to(SRC).with_suffix("")
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = list(rel.parts[:-1])
                base = base[: len(base) - (node.level - 1)]
                names = [".".join(["lodestar", *base, *([node.module] if node.module else [])])]
            elif node.module:
                names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "lodestar" and len(parts) > 1:
                found.append((node.lineno, parts[1]))
    return found


def _violations() -> list[str]:
    bad = []
    for path in sorted(SRC.rglob("*.py")):
        here = _package_of(path)
        if here in SHELLS or here in ("__init__", "__main__"):
            continue
        for line, target in _imported_packages(path):
            where = f"{path.relative_to(SRC)}:{line} imports lodestar.{target}"
            if target in SHELLS:
                bad.append(f"{where} (a shell or the demo)")
            elif here in STAGES and target in STAGES:
                if STAGES.index(target) > STAGES.index(here):
                    bad.append(f"{where} (a later stage than {here})")
            elif here not in STAGES and target in STAGES and target != "store":
                bad.append(f"{where} (shared module importing a stage)")
    return bad


def test_no_stage_imports_a_later_stage() -> None:
    assert _violations() == []


def test_the_scan_sees_imports() -> None:
    # The scan itself must work: the web shell imports stages, a late stage imports earlier ones.
    web = _imported_packages(SRC / "web" / "app.py")
    assert any(target == "review" for _, target in web)
    late = _imported_packages(SRC / "reports" / "figures.py")
    assert any(target == "store" for _, target in late)
