"""The lead services the shells call (CLI, web, benchmarks), in one namespace.

Only re-exports: reading is in :mod:`~lodestar.leads.queries`, the lifecycle in
:mod:`~lodestar.leads.lifecycle`, review staleness in :mod:`~lodestar.leads.staleness`. Kept so
that a shell says ``service.send_lead`` without knowing which module holds it; code inside
``lodestar.leads`` imports the defining module instead.
"""

from __future__ import annotations

from lodestar.leads.checks import URGENCIES
from lodestar.leads.lifecycle import (
    OUTCOMES,
    acknowledge_lead,
    create_lead,
    record_outcome,
    review_lead,
    send_lead,
    update_lead,
)
from lodestar.leads.queries import list_leads, show_lead
from lodestar.leads.staleness import NeedsReview

__all__ = [
    "OUTCOMES",
    "URGENCIES",
    "NeedsReview",
    "acknowledge_lead",
    "create_lead",
    "list_leads",
    "record_outcome",
    "review_lead",
    "send_lead",
    "show_lead",
    "update_lead",
]
