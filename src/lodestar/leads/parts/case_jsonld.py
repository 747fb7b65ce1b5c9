"""``lead.case.jsonld``: the lead for machines, in CASE/UCO JSON-LD (:mod:`lodestar.leads.case`)."""

from __future__ import annotations

import json
from typing import ClassVar

from lodestar.leads.case import case_document
from lodestar.leads.parts.base import PartContext, package_parts


class CaseJsonLd:
    name: ClassVar[str] = "case-uco"
    order: ClassVar[int] = 20
    filenames: ClassVar[tuple[str, ...]] = ("lead.case.jsonld",)
    description: ClassVar[str] = "the lead in CASE/UCO JSON-LD"

    def build(self, context: PartContext) -> list[tuple[str, bytes]]:
        doc = case_document(dict(context.content))
        return [("lead.case.jsonld", json.dumps(doc, indent=1, ensure_ascii=False).encode())]


case_jsonld = package_parts.register(CaseJsonLd())
