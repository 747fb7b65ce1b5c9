"""The previews a lead package shows: blurred greyscale, or clear where an analyst justified it."""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.access import Actor
from lodestar.blur import blurred_jpeg, thumb_file
from lodestar.errors import DataError, LodestarError, UserError
from lodestar.leads.pdf import Preview
from lodestar.review.media import get_limits
from lodestar.store import Media
from lodestar.store.people_models import Reveal

MIN_JUSTIFICATION = 15  # characters: a reason, not "ok"


def make_previews(
    session: Session, *, derived: Path, shas: list[str], clear: Mapping[str, str]
) -> list[Preview]:
    """Blurred greyscale previews (the operation's default blur); clear ones where justified."""
    radius = int(get_limits(session)["blur_default"])
    out = []
    for sha in shas:
        media = session.get(Media, sha)
        try:
            path = thumb_file(derived, media)  # type: ignore[arg-type]
            if sha in clear:
                out.append(Preview(sha, _clean_jpeg(path), True, clear[sha]))
            else:
                out.append(Preview(sha, blurred_jpeg(path, radius=radius, colour=False)))
        except LodestarError as exc:
            out.append(Preview(sha, None, note=exc.message))
    return out


def _clean_jpeg(path: Path) -> bytes:
    """The thumbnail re-encoded from its pixels only (no metadata travels)."""
    try:
        with Image.open(path) as img:
            pixels = img.convert("RGB")
    except OSError as exc:
        raise DataError(f"cannot read thumbnail {path.name}: {exc}") from exc
    buf = io.BytesIO()
    pixels.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def check_clear(clear: Mapping[str, str], shas: list[str]) -> dict[str, str]:
    inside = set(shas)
    out = {}
    for ref, why in clear.items():
        matches = [s for s in inside if s.startswith(ref.lower())] if len(ref) >= 8 else []
        if len(matches) != 1:
            raise UserError(
                f"--clear {ref}: not one media of this lead (give its SHA-256 or a prefix ≥ 8)"
            )
        if len(why.strip()) < MIN_JUSTIFICATION:
            raise UserError(
                f"--clear {ref}: a clear preview needs a written justification "
                f"(at least {MIN_JUSTIFICATION} characters)"
            )
        out[matches[0]] = why.strip()
    return out


def check_revealed(session: Session, *, actor: Actor, shas: list[str]) -> None:
    """A clear preview goes out only if the packager has revealed that media themselves.

    Reveals are per user (audited, counted as exposure), so a packager without an account
    (the workstation operator) cannot include one: they package as a user who revealed it.
    """
    if not shas:
        return
    if actor.user_id is None:
        raise UserError(
            "a clear preview must first be revealed by whoever packages it: reveal it in the "
            "workbench, then package as that user (--as USER)",
            detail={"not_revealed": shas},
        )
    seen = set(
        session.scalars(
            select(Reveal.media_sha256).where(
                Reveal.user_id == actor.user_id, Reveal.media_sha256.in_(shas)
            )
        )
    )
    unseen = [s for s in shas if s not in seen]
    if unseen:
        raise UserError(
            f"{actor.name} has not revealed media {', '.join(s[:12] + '…' for s in unseen)}; "
            "reveal it before including it clear",
            detail={"not_revealed": unseen},
        )
