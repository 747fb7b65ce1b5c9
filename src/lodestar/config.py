"""One settings object (env prefix LODESTAR_)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LODESTAR_", extra="ignore")

    workspace: Path | None = None
    db_url: str | None = None
    workers: int = max(1, os.cpu_count() or 1)
    # Decompression-bomb guard: images declaring more pixels than this are refused.
    max_image_pixels: int = 200_000_000
    # Archive guards (zip/tar bombs).
    max_member_bytes: int = 8 * 1024**3
    max_expansion_ratio: float = 200.0
    max_archive_depth: int = 4
    thumb_size: int = 256
    # Items written per transaction during ingest (each commit is a resume checkpoint).
    ingest_batch_rows: int = 256


def get_settings() -> Settings:
    return Settings()
