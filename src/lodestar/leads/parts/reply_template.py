"""``reply-template.json``: what the partner fills in and returns (:mod:`lodestar.leads.reply`)."""

from __future__ import annotations

import json
from typing import ClassVar

from lodestar.leads.parts.base import PartContext, package_parts
from lodestar.leads.reply import reply_template


class ReplyTemplate:
    name: ClassVar[str] = "reply-template"
    order: ClassVar[int] = 40
    filenames: ClassVar[tuple[str, ...]] = ("reply-template.json",)
    description: ClassVar[str] = "fill in and return to record acknowledgement and outcomes"

    def build(self, context: PartContext) -> list[tuple[str, bytes]]:
        lead = context.content["lead"]
        template = reply_template(lead_uid=lead["uid"], agency=lead["agency"])
        return [("reply-template.json", json.dumps(template, indent=2).encode())]


reply_template_part = package_parts.register(ReplyTemplate())
