"""What every evidence source reader and container format yields, and their registries.

A reader walks one seized item (a folder, an archive, later a disk image) strictly read-only
and yields, in a deterministic order, one ``EvidenceEntry`` per regular file it can read, and
one ``EntryWarning`` per thing it refused or could not read (path traversal, a symlink that
leaves the source, a zip bomb, an unreadable file, …). A refusal never stops the walk.

A container format (zip, tar, later disk images) recognises its own bytes and yields the
members of one container; the shared walk in ``containers`` enters containers found inside
containers, whatever their formats. Both kinds are plug-ins: a new one is one module that
registers itself in ``source_readers`` / ``container_formats`` (listed in ``builtins`` below,
or announced through a ``lodestar.plugins`` entry point).

Path specs name an entry inside its source: ``dir/a.jpg`` for a plain file and
``dir/x.zip!/inner/y.tar.gz!/b.jpg`` for container members (``!/`` enters a container).
Name bytes that are not valid UTF-8 are written as ``\\xNN`` escapes (see ``spec_name``).

``!/`` in a spec only ever enters a container: where a name itself holds ``!/`` (a folder or
a member's directory whose name ends in ``!``), that ``!`` is written ``\\x21``, the same
escape as for other bytes (see ``escape_separator``): the folder ``wow!`` holding ``a.jpg`` is
``wow\\x21/a.jpg``, while ``wow!.zip!/a.jpg`` is ``a.jpg`` inside the archive ``wow!.zip``.
A name ending in ``!`` that is itself a container stays readable: the zip ``a!`` holding ``b``
is ``a!!/b`` (split at the first ``!/``). Names without ``!/`` are written unchanged. Doubling
(``!!/``) would not do: the member ``a!/b`` and the member ``b`` of the archive ``a!`` would
then share one spec.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, ClassVar, Protocol

from lodestar.config import Settings
from lodestar.registry import Registry

if TYPE_CHECKING:  # guards imports this module; the protocol only needs the name
    from lodestar.evidence.guards import WalkContext

ARCHIVE_SEP = "!/"


@dataclass(frozen=True)
class EntryWarning:
    path_spec: str
    code: str  # short stable slug: "path_traversal", "symlink_escape", "zip_bomb", …
    reason: str  # one sentence for a person
    stage: str = "evidence"


@dataclass(frozen=True)
class EvidenceEntry:
    """One regular file inside a source, ready for the fast pass.

    Exactly one of ``local_path`` / ``data`` is set. Folder files give ``local_path`` (opened
    read-only by the worker); archive members give ``data`` when small, or are spooled to a
    temporary file (``local_path`` + ``spooled=True``; the consumer deletes it when done).
    """

    path_spec: str
    size: int
    mtime: float | None = None
    atime: float | None = None
    ctime: float | None = None
    local_path: str | None = None
    data: bytes | None = None
    spooled: bool = False
    in_archive: bool = False
    warnings: tuple[EntryWarning, ...] = field(default=())


SkipFn = Callable[[str], bool]
EvidenceItem = EvidenceEntry | EntryWarning


class SourceReader(Protocol):
    name: ClassVar[str]
    description: ClassVar[str]  # what it reads, for a person: "a folder", "a zip archive"

    @classmethod
    def accepts(cls, location: Path) -> bool: ...

    def entries(
        self,
        location: Path,
        settings: Settings,
        *,
        skip: SkipFn | None = None,
        spool_dir: Path | None = None,
    ) -> Iterator[EvidenceEntry | EntryWarning]:
        """Walk ``location``; entries whose path spec ``skip`` accepts are not yielded (resume).

        Large archive members are spooled to temporary files in ``spool_dir`` (the system temp
        dir when None); the consumer deletes a spooled entry's ``local_path`` when done.
        """
        ...


class ContainerFormat(Protocol):
    """One container format: recognises its bytes and yields one container's members."""

    name: ClassVar[str]
    # Formats are tried in ascending ``sniff_order`` (then name): the most specific signature
    # first, so bytes two formats could claim always go to the same one.
    sniff_order: ClassVar[int]

    def may_be(self, head: bytes) -> bool:
        """A cheap first look at the first ``sniff.SNIFF_BYTES`` bytes; no false negatives."""
        ...

    def sniff(self, fh: IO[bytes], head: bytes) -> bool:
        """Whether the seekable ``fh`` (starting with ``head``) is one of mine.

        ``fh`` is positioned just after ``head``; a format may read further (the caller seeks
        back). Read errors propagate.
        """
        ...

    def walk(
        self, fh: IO[bytes], container: str, depth: int, ctx: WalkContext
    ) -> Iterator[EvidenceItem]:
        """The members of the container open in ``fh`` (seekable, read-only, sniffed as mine).

        Members' specs are ``names.member_prefix(container)`` + their sanitised name; each
        member's bytes go through ``containers.emit_member``, which enters nested containers.
        Damage is reported as an ``EntryWarning``, never raised.
        """
        ...


source_readers: Registry[SourceReader] = Registry(
    "source reader",
    builtins=(
        "lodestar.evidence.folder",
        "lodestar.evidence.zip",
        "lodestar.evidence.tar",
        "lodestar.evidence.disk_image",
    ),
)
container_formats: Registry[ContainerFormat] = Registry(
    "container format",
    builtins=("lodestar.evidence.zip", "lodestar.evidence.tar", "lodestar.evidence.disk_image"),
)


def escape_separator(name: str) -> str:
    """``name`` (one path inside a source or a container) with its ``!/`` written ``\\x21/``."""
    return name.replace(ARCHIVE_SEP, "\\x21/")


def spec_name(raw: bytes | str) -> tuple[str, bool]:
    """A path-spec component from raw name bytes; returns (text, was_valid_utf8)."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("utf-8"), True
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace"), False
