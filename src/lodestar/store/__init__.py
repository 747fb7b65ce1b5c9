"""The workspace store: models, sessions, migrations."""

from lodestar.store.db import Store
from lodestar.store.models import (
    Base,
    CustodyEntry,
    IngestRun,
    Item,
    Media,
    ProcessingWarning,
    Source,
)

__all__ = [
    "Base",
    "CustodyEntry",
    "IngestRun",
    "Item",
    "Media",
    "ProcessingWarning",
    "Source",
    "Store",
]
