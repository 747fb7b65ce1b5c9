"""Record a processing warning about one media, once per (source, path, stage, code)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lodestar.store.bulk import insert_ignore
from lodestar.store.models import ProcessingWarning, warning_key


def record_warning(
    session: Session,
    *,
    sha256: str,
    source_id: int | None,
    path_spec: str,
    stage: str,
    code: str,
    reason: str,
) -> None:
    """Later stages name the media by its SHA-256 when no path is known (``path_spec`` empty)."""
    spec = path_spec or sha256
    insert_ignore(
        session,
        ProcessingWarning,
        [
            {
                "key": warning_key(source_id, spec, stage, code),
                "source_id": source_id,
                "path_spec": spec,
                "media_sha256": sha256,
                "stage": stage,
                "code": code,
                "reason": reason,
            }
        ],
    )


def media_warning(
    session: Session,
    sha256: str,
    source_id: int | None,
    path_spec: str,
    code: str,
    reason: str,
    *,
    stage: str,
) -> None:
    """:func:`record_warning` with positional fields, for a stage to bind its name once
    (``functools.partial(media_warning, stage="vpdq")``)."""
    record_warning(
        session,
        sha256=sha256,
        source_id=source_id,
        path_spec=path_spec,
        stage=stage,
        code=code,
        reason=reason,
    )
