"""Where a link builder finds the workspace's derived artifacts and evidence settings.

Builders receive only a store session (:class:`lodestar.series.base.LinkBuilder`). Those that
read derived artifacts (local features, PRNU fingerprints) find the workspace in this order:
``session.info["workspace_root"]`` (a caller may set it), the folder of a SQLite store file
(the workspace layout puts ``lodestar.db`` in its root), then ``LODESTAR_WORKSPACE``.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from lodestar.config import get_settings
from lodestar.workspace import WorkspaceFolders

INFO_KEY = "workspace_root"


# A builder needs the workspace's folders and settings, never its store (it has a session).
BuildContext = WorkspaceFolders


def build_context(session: Session) -> BuildContext | None:
    """The workspace of ``session``'s store, or None when it cannot be told."""
    settings = get_settings()
    given = session.info.get(INFO_KEY)
    if given is not None:
        return BuildContext(Path(given), settings)
    url = session.get_bind().engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return BuildContext(Path(str(url.database)).resolve().parent, settings)
    if settings.workspace is not None:
        return BuildContext(Path(settings.workspace).expanduser().resolve(), settings)
    return None
