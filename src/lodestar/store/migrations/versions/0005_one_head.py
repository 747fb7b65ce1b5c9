"""One head again: merge the collaboration and leads branches (no schema change).

Revision ID: 0005_one_head
Revises: 0004_collab, 0004_leads
"""

from __future__ import annotations

revision = "0005_one_head"
down_revision = ("0004_collab", "0004_leads")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: the two branches touched different tables."""


def downgrade() -> None:
    """Nothing to undo."""
