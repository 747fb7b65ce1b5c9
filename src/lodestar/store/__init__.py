"""The workspace store: models, sessions, migrations."""

from lodestar.store.db import Store
from lodestar.store.models import (
    Base,
    CustodyEntry,
    HashSet,
    HashSetEntry,
    IngestRun,
    Item,
    Match,
    Media,
    ProcessingWarning,
    Signal,
    Source,
)

__all__ = [
    "HashSet",
    "HashSetEntry",
    "Match",
    "Signal",
    "Base",
    "CustodyEntry",
    "IngestRun",
    "Item",
    "Media",
    "ProcessingWarning",
    "Source",
    "Store",
]
