"""The web shell's tests share the review tests' operation (users, media, series, clues)."""

from __future__ import annotations

from ..review.conftest import cheap_argon2, op  # noqa: F401  (fixtures, registered by import)
