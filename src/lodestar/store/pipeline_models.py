"""Store model of the pipeline: what each stage's last complete run covered.

A stage whose work is not per media (matching against hash sets, a series build) records a
fingerprint of its inputs when it finishes; it is pending while the inputs' fingerprint
differs (new media, a new hash set). Per-media stages need no mark: they find their
missing outputs directly.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from lodestar.store.models import Base


class StageMark(Base):
    __tablename__ = "stage_marks"

    stage: Mapped[str] = mapped_column(String(64), primary_key=True)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(128))
