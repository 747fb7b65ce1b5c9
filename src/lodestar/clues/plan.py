"""Which registered extractors a deep pass runs, and in which order.

Every extractor comes from the registry (nothing here names one). The order on each media is
a topological sort by ``needs`` — an extractor runs after those whose products it reads, so
OCR reuses the keyframes just decoded — with ties broken by declaration: the registry's
built-in modules in the order listed, then entry-point plug-ins by name. A stage is the
provenance label extractors put on their clues; ``--stage`` picks extractors by it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lodestar.clues.base import ClueExtractor, ProductMaker, clue_extractors
from lodestar.errors import UserError
from lodestar.registry import Registry


class ExtractorPlanError(RuntimeError):
    """The registered extractors' declarations do not fit (unknown need, cycle, no product)."""


def run_order(
    extractors: Iterable[ClueExtractor], registry: Registry[ClueExtractor] = clue_extractors
) -> list[ClueExtractor]:
    """``extractors`` with each one after the (chosen) extractors it needs.

    A need outside ``extractors`` is not run; its product is made on demand (``--stage ocr``
    alone still decodes keyframes for videos, without storing keyframe clues).
    """
    chosen = {e.name: e for e in extractors}
    _check_needs(chosen.values(), registry)

    def declared(extractor: ClueExtractor) -> tuple[int, str]:
        module, builtins = type(extractor).__module__, registry.builtins
        return (builtins.index(module) if module in builtins else len(builtins), extractor.name)

    order: list[ClueExtractor] = []
    placed: set[str] = set()
    waiting = sorted(chosen.values(), key=declared)
    while waiting:
        ready = next(
            (e for e in waiting if all(n in placed or n not in chosen for n in e.needs)), None
        )
        if ready is None:
            names = ", ".join(e.name for e in waiting)
            raise ExtractorPlanError(f"clue extractors need each other in a cycle: {names}")
        order.append(ready)
        placed.add(ready.name)
        waiting.remove(ready)
    return order


def _check_needs(extractors: Iterable[ClueExtractor], registry: Registry[ClueExtractor]) -> None:
    for extractor in extractors:
        for need in extractor.needs:
            if need not in registry:
                raise ExtractorPlanError(
                    f"clue extractor {extractor.name!r} needs {need!r}, which is not registered"
                )
            if not isinstance(registry.get(need), ProductMaker):
                raise ExtractorPlanError(
                    f"clue extractor {extractor.name!r} needs {need!r}, which makes no product"
                )


def stage_names(registry: Registry[ClueExtractor] = clue_extractors) -> list[str]:
    """Every stage of the registered extractors, in run order."""
    return list(dict.fromkeys(e.stage for e in run_order(registry, registry)))


def extractors_for(
    stages: Sequence[str] | None, registry: Registry[ClueExtractor] = clue_extractors
) -> list[ClueExtractor]:
    """The extractors of ``stages`` (default: all registered), in run order."""
    everything = list(registry)
    if not stages:
        return run_order(everything, registry)
    known = sorted({e.stage for e in everything})
    unknown = [s for s in stages if s not in known]
    if unknown:
        raise UserError(f"unknown deep-pass stage {', '.join(unknown)} (known: {', '.join(known)})")
    return run_order((e for e in everything if e.stage in stages), registry)
