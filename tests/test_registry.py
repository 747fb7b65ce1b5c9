"""Plug-in registries: unique names, clear errors."""

from __future__ import annotations

import pytest

from lodestar.registry import DuplicateNameError, Registry


class _A:
    name = "alpha"


class _B:
    name = "alpha"


class _Nameless:
    pass


def test_register_get_and_duplicates() -> None:
    reg: Registry[_A] = Registry("test thing", listed=False)
    reg.register(_A)  # type: ignore[arg-type]
    reg.register(_A)  # type: ignore[arg-type]  # same object twice is harmless
    assert reg.get("alpha") is _A and "alpha" in reg and reg.names() == ["alpha"]
    with pytest.raises(DuplicateNameError, match="two test thing plug-ins are named 'alpha'"):
        reg.register(_B)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no string 'name'"):
        reg.register(_Nameless)  # type: ignore[arg-type]
    with pytest.raises(KeyError, match="known: alpha"):
        reg.get("beta")


def test_source_readers_registered_by_name() -> None:
    from lodestar.evidence.base import source_readers

    assert {"folder", "zip", "tar"} <= set(source_readers.names())


def test_builtins_load_on_first_lookup() -> None:
    reg: Registry[_A] = Registry(
        "lazy thing", builtins=("tests._registry_builtin_probe",), listed=False
    )
    assert reg._items == {}  # nothing imported before a lookup
    import sys
    import types

    probe = types.ModuleType("tests._registry_builtin_probe")
    sys.modules["tests._registry_builtin_probe"] = probe
    try:
        reg.register(_A)  # type: ignore[arg-type]  # as the probe module's import would
        assert reg.names() == ["alpha"] and reg.get("alpha") is _A
    finally:
        del sys.modules["tests._registry_builtin_probe"]
