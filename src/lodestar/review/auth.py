"""Passwords (argon2id), server-side sessions, CSRF tokens, login rate limits, safe redirects."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lodestar.access import Actor
from lodestar.errors import RateLimited
from lodestar.review.config import WebConfig
from lodestar.store.people_models import Agency, User, WebSession

_hasher = PasswordHasher()  # argon2id with the library's recommended (RFC 9106) parameters
_dummy_hash: str | None = None
_TOUCH_EVERY = timedelta(seconds=30)  # spare the store a write on every request


def set_password_hasher(hasher: PasswordHasher) -> None:
    """Tests use cheap parameters; every hash encodes its own, so verification still works."""
    global _hasher, _dummy_hash
    _hasher, _dummy_hash = hasher, None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Constant work whether or not the user exists (no user-name oracle by timing)."""
    global _dummy_hash
    if stored is None:
        _dummy_hash = _dummy_hash or _hasher.hash(secrets.token_hex(16))
        stored = _dummy_hash
        password = "\0" + password  # can never verify
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


@dataclass(frozen=True)
class Principal:
    """Who is asking: enough to authorise without another query."""

    user_id: int
    username: str
    display_name: str
    role: str
    agency: str | None  # agency code
    csrf_token: str
    session_id: str

    def as_actor(self) -> Actor:
        """This login as the actor the stage services authorise."""
        return Actor(name=self.username, user_id=self.user_id, role=self.role, agency=self.agency)


@dataclass
class _Failures:
    """One key's recent failures, and the lockout they earned."""

    times: deque[datetime] = field(default_factory=deque)
    lockouts: int = 0  # consecutive lockouts: each one lasts twice as long as the last
    locked_until: datetime | None = None
    last: datetime | None = None


class LoginLimiter:
    """Failed logins per account (with backoff), and a much higher ceiling per client address.

    Per account: ``max_failures`` within ``window_s`` lock that account for ``window_s``, each
    further lockout twice as long (up to ``max_lockout_s``) until it signs in. The lock is on
    the account, not the place: every local user shares 127.0.0.1, so one person's typos must
    not lock out the lab. Per address: ``address_max_failures`` within the window (someone
    trying many names from one place) refuse that address for the rest of the window.

    In memory on purpose: a lab runs one server process, and a restart forgetting counts
    is acceptable; failed logins stay in the audit log regardless.
    """

    _SWEEP_AT = 10_000  # keys kept before stale ones are dropped (names are attacker-chosen)

    def __init__(
        self,
        *,
        max_failures: int,
        window_s: int,
        address_max_failures: int = 100,
        max_lockout_s: int = 24 * 3600,
    ) -> None:
        self.max_failures, self.window = max_failures, timedelta(seconds=window_s)
        self.address_max_failures = address_max_failures
        self.max_lockout = timedelta(seconds=max(max_lockout_s, window_s))
        self._accounts: dict[str, _Failures] = {}
        self._addresses: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    def check(self, *, account: str, address: str, now: datetime) -> None:
        """Raise RateLimited while the account is locked or the address over its ceiling."""
        with self._lock:
            held = self._accounts.get(account)
            if held is not None and held.locked_until is not None and now < held.locked_until:
                raise _refusal(held.locked_until, now)
            times = self._recent(self._addresses, address, now).times
            if len(times) >= self.address_max_failures:
                raise _refusal(times[0] + self.window, now)

    def failed(self, *, account: str, address: str, now: datetime) -> None:
        with self._lock:
            self._sweep(now)
            held = self._recent(self._accounts, account, now)
            held.times.append(now)
            held.last = now
            if len(held.times) >= self.max_failures:
                # Backoff: window, 2 × window, 4 × window … for an account that keeps failing.
                lock = min(self.window * 2**held.lockouts, self.max_lockout)
                held.locked_until, held.lockouts = now + lock, min(held.lockouts + 1, 32)
                held.times.clear()
            place = self._recent(self._addresses, address, now)
            place.times.append(now)
            place.last = now

    def succeeded(self, *, account: str) -> None:
        with self._lock:
            self._accounts.pop(account, None)

    def _recent(self, table: dict[str, _Failures], key: str, now: datetime) -> _Failures:
        held = table.setdefault(key, _Failures())
        while held.times and held.times[0] <= now - self.window:
            held.times.popleft()
        return held

    def _sweep(self, now: datetime) -> None:
        # Forget keys that are neither locked nor recently used, so a flood of made-up user
        # names cannot grow the tables without bound; a lockout history lasts max_lockout.
        for table in (self._accounts, self._addresses):
            if len(table) < self._SWEEP_AT:
                continue
            for key in [k for k, v in table.items() if _stale(v, now, self.max_lockout)]:
                del table[key]


def _stale(held: _Failures, now: datetime, keep: timedelta) -> bool:
    locked = held.locked_until is not None and now < held.locked_until
    return not locked and (held.last is None or held.last <= now - keep)


def _refusal(until: datetime, now: datetime) -> RateLimited:
    retry = int((until - now).total_seconds()) + 1
    return RateLimited("too many failed logins; try again later", retry_after=retry)


def check_credentials(session: Session, *, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or user.disabled:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def start_session(session: Session, *, user: User, now: datetime) -> str:
    """Create a session; returns the cookie token (only its digest is stored)."""
    token = new_token()
    session.add(
        WebSession(
            token_sha256=token_digest(token),
            user_id=user.id,
            csrf_token=new_token(),
            created_at=now,
            last_seen_at=now,
        )
    )
    user.last_login_at = now
    return token


def load_session(
    session: Session, *, token: str | None, now: datetime, config: WebConfig
) -> Principal | None:
    if not token:
        return None
    row = session.execute(
        select(WebSession, User, Agency.code)
        .join(User, User.id == WebSession.user_id)
        .join(Agency, Agency.id == User.agency_id, isouter=True)
        .where(WebSession.token_sha256 == token_digest(token))
    ).first()
    if row is None:
        return None
    web, user, agency = row
    if web.ended_at is not None or user.disabled or _expired(web, now, config):
        return None
    if now - _aware(web.last_seen_at, now) > _TOUCH_EVERY:
        web.last_seen_at = now
    return Principal(
        user.id,
        user.username,
        user.display_name,
        user.role,
        agency,
        web.csrf_token,
        web.token_sha256,
    )


def _expired(web: WebSession, now: datetime, config: WebConfig) -> bool:
    idle = now - _aware(web.last_seen_at, now)
    age = now - _aware(web.created_at, now)
    return idle > timedelta(seconds=config.session_idle_s) or age > timedelta(
        seconds=config.session_max_s
    )


def _aware(value: datetime, like: datetime) -> datetime:
    # SQLite gives naive datetimes back; they were stored in UTC.
    return value.replace(tzinfo=like.tzinfo) if value.tzinfo is None else value


def end_session(session: Session, *, session_id: str, at: datetime) -> None:
    session.execute(
        update(WebSession).where(WebSession.token_sha256 == session_id).values(ended_at=at)
    )


def end_user_sessions(session: Session, *, user_id: int, at: datetime) -> None:
    session.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
        .values(ended_at=at)
    )


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths: no scheme, no host, no protocol-relative ``//`` or ``/\\`` tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(c in target for c in "\\\r\n\t") or any(ord(c) < 32 for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
