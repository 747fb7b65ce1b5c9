"""A workspace: one operation's store, derived artifacts and spool folder."""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass
from pathlib import Path

from lodestar.config import Settings, get_settings
from lodestar.derived import derived_root, logs_root, spool_root
from lodestar.errors import UserError
from lodestar.store import Store

DB_NAME = "lodestar.db"


@dataclass
class WorkspaceFolders:
    """Where a workspace keeps its files: what a worker or a link builder needs, no store."""

    root: Path
    settings: Settings

    @property
    def derived(self) -> Path:
        return derived_root(self.root)

    @property
    def spool(self) -> Path:
        return spool_root(self.root)


@dataclass
class Workspace(WorkspaceFolders):
    store: Store

    def close(self) -> None:
        self.store.dispose()


def open_workspace(root: Path | None = None, *, settings: Settings | None = None) -> Workspace:
    """Open (creating and migrating if needed) the workspace at ``root`` or LODESTAR_WORKSPACE."""
    settings = settings or get_settings()
    root = root or settings.workspace
    if root is None:
        raise UserError("no workspace: pass --workspace DIR or set LODESTAR_WORKSPACE")
    root = Path(root).expanduser().resolve()
    if root.exists() and not root.is_dir():
        raise UserError(f"workspace {root} exists and is not a directory")
    for folder in (root, derived_root(root), spool_root(root), logs_root(root)):
        folder.mkdir(parents=True, exist_ok=True)
    url = settings.db_url or f"sqlite:///{root / DB_NAME}"
    store = Store(url)
    store.session_info["workspace_root"] = str(root)
    store.migrate()
    return Workspace(root=root, store=store, settings=settings)


def current_actor() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"
