"""Web settings that tests and `lodestar serve` tune (timeouts, limits, a clock)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class WebConfig:
    session_idle_s: int = 30 * 60  # a session unused this long is over
    session_max_s: int = 12 * 3600  # and none lives longer than a working day
    login_max_failures: int = 5  # per username and per client address …
    login_window_s: int = 15 * 60  # … within this window, then 429 until it passes
    secure_cookies: bool = True  # browsers treat http://localhost as secure too
    # Database connections: one per threadpool worker (anyio's default is 40), so light
    # requests do not queue behind heavy ones for a connection.
    db_pool_size: int | None = 40
    clock: Callable[[], datetime] = field(default=utc_now)
