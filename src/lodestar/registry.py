"""Named plug-in registries: each pluggable kind registers small classes by unique name.

A registry is declared once, in its stage's ``base`` module, with the modules that hold its
built-in plug-ins. The first lookup or iteration imports those modules (importing registers
their plug-ins) and every ``lodestar.plugins`` entry point, so a caller never needs to know
which modules to import first, and adding a plug-in is one new module plus its registration.
Duplicate names fail at registration, whoever registers them.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterator
from importlib.metadata import entry_points
from typing import Generic, Protocol, TypeVar

ENTRY_POINT_GROUP = "lodestar.plugins"


class Named(Protocol):
    @property
    def name(self) -> str: ...


T = TypeVar("T", bound=Named)


class DuplicateNameError(RuntimeError):
    pass


_entry_points_loaded = False
_load_lock = threading.RLock()


class Registry(Generic[T]):
    _all: dict[str, Registry[Named]] = {}

    def __init__(
        self, kind: str, *, builtins: tuple[str, ...] = (), listed: bool = True
    ) -> None:
        """``builtins``: modules whose import registers the built-in plug-ins. ``listed``:
        False keeps a throwaway registry (a test's) out of :meth:`registries`."""
        if listed and kind in Registry._all:
            raise DuplicateNameError(f"two registries are named {kind!r}")
        self.kind = kind
        self.builtins = builtins
        self._items: dict[str, T] = {}
        self._loaded = not builtins
        if listed:
            Registry._all[kind] = self  # type: ignore[assignment]

    def register(self, item: T) -> T:
        name = getattr(item, "name", None)
        if not name or not isinstance(name, str):
            raise ValueError(f"{self.kind} plug-in {item!r} has no string 'name'")
        if name in self._items and self._items[name] is not item:
            raise DuplicateNameError(f"two {self.kind} plug-ins are named {name!r}")
        self._items[name] = item
        return item

    def __call__(self, item: T) -> T:  # usable as a class decorator
        return self.register(item)

    def load(self) -> Registry[T]:
        """Import the built-in plug-in modules and the entry points (once; thread-safe)."""
        if self._loaded and _entry_points_loaded:
            return self
        with _load_lock:
            if not self._loaded:
                self._loaded = True  # set first: a built-in module may look itself up
                for module in self.builtins:
                    importlib.import_module(module)
            load_entry_point_plugins()
        return self

    def get(self, name: str) -> T:
        self.load()
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(sorted(self._items)) or "none"
            raise KeyError(f"no {self.kind} named {name!r} (known: {known})") from None

    def names(self) -> list[str]:
        self.load()
        return sorted(self._items)

    def __iter__(self) -> Iterator[T]:
        self.load()
        return iter([self._items[n] for n in sorted(self._items)])

    def __len__(self) -> int:
        self.load()
        return len(self._items)

    def __contains__(self, name: object) -> bool:
        self.load()
        return name in self._items

    @classmethod
    def registries(cls) -> dict[str, Registry[Named]]:
        return dict(cls._all)


def load_entry_point_plugins(loader: Callable[[object], None] | None = None) -> list[str]:
    """Import every ``lodestar.plugins`` entry point once; importing registers the plug-ins."""
    global _entry_points_loaded
    with _load_lock:
        if _entry_points_loaded and loader is None:
            return []
        _entry_points_loaded = True
        loaded = []
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            obj = ep.load()
            if loader is not None:
                loader(obj)
            loaded.append(ep.name)
        return loaded
