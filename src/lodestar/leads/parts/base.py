"""The package-part contract: a registered plug-in that adds its file(s) to a lead package.

A part is one module that registers an instance in :data:`package_parts` at import: a built-in
module is named in the registry's ``builtins``, a third party's is a ``lodestar.plugins`` entry
point. The builder (:mod:`lodestar.leads.package`) asks every registered part for its files,
in :func:`ordered_parts` order, then lists them all in the manifest and signs it; the manifest,
signature and public key are the builder's own and never a part's.

A part builds only from its :class:`PartContext` — plain data, never the store or the
evidence — so it is a pure function of its input (same context, same bytes) and can only show
media through the previews it is given, which are already blurred unless justified.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

from lodestar.leads.pdf import Preview
from lodestar.registry import Registry


@dataclass(frozen=True)
class PartContext:
    """``content``: :func:`lodestar.leads.content.collect`'s output. ``previews``: one per
    media of the lead, in content order (blurred, clear with a justification, or missing)."""

    content: Mapping[str, Any]
    previews: tuple[Preview, ...]


class PartError(RuntimeError):
    """A part broke its contract (a bug in the part, not a problem with the lead)."""


@runtime_checkable
class PackagePart(Protocol):
    """``filenames``: exactly the members ``build`` returns (checked by the builder), each with
    the one-line ``description`` README.txt gives. ``order``: place in the ZIP and the README,
    lower first (ties by name); the manifest lists files by path whatever the order."""

    name: ClassVar[str]
    order: ClassVar[int]
    filenames: ClassVar[tuple[str, ...]]
    description: ClassVar[str]

    def build(self, context: PartContext) -> list[tuple[str, bytes]]:
        """The part's members as (name inside the ZIP, bytes)."""
        ...


# The first lookup imports these modules; each registers its part at import.
package_parts: Registry[PackagePart] = Registry(
    "package part",
    builtins=(
        "lodestar.leads.parts.report_pdf",
        "lodestar.leads.parts.case_jsonld",
        "lodestar.leads.parts.vics_hashes",
        "lodestar.leads.parts.reply_template",
        "lodestar.leads.parts.readme",
    ),
)


def ordered_parts() -> list[PackagePart]:
    return sorted(package_parts, key=lambda part: (part.order, part.name))
