"""The one permission table: every permission the code checks exists, and every entry is used."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import lodestar
from lodestar.access import PERMISSIONS, ROLES, Actor, agency_scope, allowed, require
from lodestar.errors import Forbidden

SRC = Path(lodestar.__file__).parent
# require(who, "x.y"), allowed(who, "x.y"), permitted("x.y") — the three ways code checks.
_CHECK = re.compile(r'(?:require|allowed)\(\s*\w+(?:\.\w+)*\s*,\s*"([a-z]+\.[a-z]+|search)"'
                    r'|permitted\(\s*"([a-z]+\.[a-z]+|search)"')


def _checked_permissions() -> set[str]:
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        for a, b in _CHECK.findall(path.read_text(encoding="utf-8")):
            found.add(a or b)
    return found


def test_every_checked_permission_is_in_the_table() -> None:
    checked = _checked_permissions()
    assert len(checked) > 15  # the scan itself works
    assert checked <= set(PERMISSIONS), sorted(checked - set(PERMISSIONS))


def test_every_permission_in_the_table_is_checked_somewhere() -> None:
    assert set(PERMISSIONS) <= _checked_permissions(), sorted(
        set(PERMISSIONS) - _checked_permissions()
    )


def test_roles_are_the_stored_roles() -> None:
    for roles in PERMISSIONS.values():
        assert roles <= set(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_require_follows_the_table(role: str) -> None:
    who = Actor(name="u", role=role, agency="NL")
    for permission, roles in PERMISSIONS.items():
        assert allowed(who, permission) == (role in roles)
        if role in roles:
            require(who, permission)
        else:
            with pytest.raises(Forbidden) as err:
                require(who, permission)
            assert err.value.detail == {"permission": permission, "user": "u"}


def test_operator_without_role_is_trusted_and_unknown_permission_fails() -> None:
    operator = Actor(name="operator")
    assert all(allowed(operator, p) for p in PERMISSIONS)
    with pytest.raises(KeyError, match="no permission named 'lead.vew'"):
        allowed(operator, "lead.vew")


def test_agency_scope() -> None:
    assert agency_scope(Actor(name="l", role="liaison", agency="BE")) == "BE"
    assert agency_scope(Actor(name="l", role="liaison")) == "\0none"
    assert agency_scope(Actor(name="a", role="analyst", agency="BE")) is None
