"""Issue 16 #13: the password policy was length-only (``aaaaaaaaaaaa`` was accepted).

A password must now also be hard to guess by the offline estimator (zxcvbn, score ≥ 3):
common and breached passwords, repetitions, sequences, keyboard walks and the user's own
name are refused with a reason; the demo accounts' generated passwords still pass."""

from __future__ import annotations

import secrets

import pytest

from lodestar.errors import UserError
from lodestar.review import people
from lodestar.workspace import Workspace

WEAK = [
    "aaaaaaaaaaaa",  # the example: one character, twelve times
    "123456789012",  # a sequence
    "abcdefghijkl",
    "qwertyuiopas",  # a keyboard walk
    "password1234",  # common, with digits
    "123123123123",  # a repeated block
    "iloveyou2026",
    "ana-analyst-1",  # the user's own name
]


def _add(ws: Workspace, username: str, password: str) -> None:
    with ws.store.session() as session:
        people.add_user(
            session,
            username=username,
            password=password,
            role="analyst",
            agency_code=None,
            actor="test",
        )


@pytest.mark.parametrize("password", WEAK)
def test_weak_passwords_are_refused_with_a_reason(ws: Workspace, password: str) -> None:
    with pytest.raises(UserError, match="too easy to guess") as refused:
        _add(ws, "ana-analyst", password)
    assert password not in refused.value.message  # the reason, not the secret


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery",
        "a long enough secret",
        "0ZaNJMhh-VNYhNeg",  # one `users demo-accounts` printed
        "x" * 3 + "Tq9!v#Lm2@pZ" * 8,
    ],
)
def test_strong_passwords_pass(ws: Workspace, password: str) -> None:
    _add(ws, "ana-analyst", password)  # the last one is longer than the estimator reads


def test_demo_accounts_generated_passwords_pass() -> None:
    # cli/review.py `_demo_accounts`: secrets.token_urlsafe(12), fresh on every call
    for _ in range(200):
        people.check_password(secrets.token_urlsafe(12))


def test_short_passwords_are_still_refused_first(ws: Workspace) -> None:
    with pytest.raises(UserError, match="at least 12 characters"):
        _add(ws, "ana-analyst", "Tq9!v#Lm2@")
