"""Benign synthetic demo data: procedural rooms, objects and printed text only.

``generate_corpus`` (in :mod:`lodestar.demo.corpus`) writes a synthetic operation: several
seized collections plus ``truth.json`` describing every file it wrote.
"""

from __future__ import annotations

GENERATOR_VERSION = "4"
