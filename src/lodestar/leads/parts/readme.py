"""``README.txt``: what each file of the package is and how to check it, with or without us.

Its file list comes from the registered parts (their ``filenames`` and ``description``), so a
new part appears here without this module changing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from lodestar.leads.manifest import MANIFEST, SIGNATURE
from lodestar.leads.parts.base import PartContext, ordered_parts, package_parts

_COLUMN = 19  # file names padded to this width, then one space, then the description


class Readme:
    name: ClassVar[str] = "readme"
    order: ClassVar[int] = 90
    filenames: ClassVar[tuple[str, ...]] = ("README.txt",)
    description: ClassVar[str] = "what each file is and how to check the package"

    def build(self, context: PartContext) -> list[tuple[str, bytes]]:
        return [("README.txt", _readme(context.content).encode())]


def _line(files: str, description: str) -> str:
    return f"{files:<{_COLUMN}} {description}\n"


def _readme(content: Mapping[str, Any]) -> str:
    lead = content["lead"]
    listing = "".join(
        _line(", ".join(part.filenames), part.description)
        for part in ordered_parts()
        if part.name != Readme.name
    )
    return (
        f"Lodestar lead package — lead {lead['id']} ({lead['uid']})\n"
        f"Target: {lead['country']} / {lead['agency'] or '-'}; packaged {content['created_at']}\n\n"
        + listing
        + _line(MANIFEST, f"SHA-256 of every file; {SIGNATURE} signs it (Ed25519)")
        + "\n"
        "Check with Lodestar:  lodestar leads verify PACKAGE.zip --public-key KEY.pem\n"
        "Check without it (key obtained from the sender separately):\n"
        f"  openssl pkeyutl -verify -pubin -inkey KEY.pem -rawin -in {MANIFEST} "
        f"-sigfile {SIGNATURE}\n"
        f"  then compare sha256sum of each file with {MANIFEST}\n"
    )


readme = package_parts.register(Readme())
