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
    # Failed logins: this many for one account within the window lock that account (429) for
    # the window, each further lockout twice as long, up to login_max_lockout_s. Per client
    # address only a much higher ceiling: local users all share 127.0.0.1.
    login_max_failures: int = 5
    login_window_s: int = 15 * 60
    login_max_lockout_s: int = 24 * 3600
    login_address_max_failures: int = 100
    # Reverse proxies (addresses or networks, e.g. "10.0.0.5", "10.1.0.0/16") whose
    # X-Forwarded-For is believed. None by default: anyone can send that header.
    trusted_proxies: tuple[str, ...] = ()
    secure_cookies: bool = True  # browsers treat http://localhost as secure too
    # Database connections: one per threadpool worker (anyio's default is 40), so light
    # requests do not queue behind heavy ones for a connection.
    db_pool_size: int | None = 40
    clock: Callable[[], datetime] = field(default=utc_now)
