"""Named plug-in registries: each pluggable kind registers small classes by unique name.

Third parties add plug-ins through the ``lodestar.plugins`` entry-point group; loading them
goes through the same ``register`` so duplicate names fail the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from importlib.metadata import entry_points
from typing import Generic, Protocol, TypeVar


class Named(Protocol):
    @property
    def name(self) -> str: ...


T = TypeVar("T", bound=Named)


class DuplicateNameError(RuntimeError):
    pass


class Registry(Generic[T]):
    _all: dict[str, Registry[Named]] = {}

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}
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

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(sorted(self._items)) or "none"
            raise KeyError(f"no {self.kind} named {name!r} (known: {known})") from None

    def names(self) -> list[str]:
        return sorted(self._items)

    def __iter__(self) -> Iterator[T]:
        return iter(self._items.values())

    def __contains__(self, name: object) -> bool:
        return name in self._items

    @classmethod
    def registries(cls) -> dict[str, Registry[Named]]:
        return dict(cls._all)


def load_entry_point_plugins(loader: Callable[[object], None] | None = None) -> list[str]:
    """Import every ``lodestar.plugins`` entry point; importing registers the plug-ins."""
    loaded = []
    for ep in entry_points(group="lodestar.plugins"):
        obj = ep.load()
        if loader is not None:
            loader(obj)
        loaded.append(ep.name)
    return loaded
