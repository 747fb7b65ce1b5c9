"""The workspace store: models, sessions, migrations."""

from lodestar.store import (
    collab_models,  # noqa: F401  (series collaboration tables)
    lead_models,  # noqa: F401  (leads-stage tables)
    people_models,  # noqa: F401  (review-stage tables)
)
from lodestar.store.clue_models import Clue, ClueRun, StageRun
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
from lodestar.store.pipeline_models import StageMark
from lodestar.store.series_models import MediaLink, Series, SeriesEvent, SeriesMember

__all__ = [
    "Clue",
    "ClueRun",
    "StageRun",
    "StageMark",
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
    "MediaLink",
    "Series",
    "SeriesEvent",
    "SeriesMember",
]
