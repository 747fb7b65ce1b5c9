"""The series service, one import for the shells (CLI, web) and other stages.

The functions live by seam — :mod:`~lodestar.series.build` (links → series),
:mod:`~lodestar.series.reads` (list, show, why) and :mod:`~lodestar.series.edits` (analyst
edits kept as events) — and are re-exported here because the CLI calls them as
``service.<verb>`` and several stages import them from here. New code may import from either.
"""

from __future__ import annotations

from lodestar.series.build import build_series, store_links, stored_links
from lodestar.series.edits import (
    lock_series,
    mark_identified,
    merge_series,
    move_media,
    name_series,
    split_series,
)
from lodestar.series.reads import (
    get_series,
    list_series,
    series_as_dict,
    series_events,
    show_series,
    why,
)

__all__ = [
    "build_series",
    "get_series",
    "list_series",
    "lock_series",
    "mark_identified",
    "merge_series",
    "move_media",
    "name_series",
    "series_as_dict",
    "series_events",
    "show_series",
    "split_series",
    "store_links",
    "stored_links",
    "why",
]
