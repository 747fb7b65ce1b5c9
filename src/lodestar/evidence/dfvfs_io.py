"""dfVFS set-up for evidence: image files are opened read-only and without touching atime.

dfVFS opens the files of an image (every E01 segment, every split-raw part) through its OS
resolver helper with a plain ``open(path, "rb")``; reading through that handle updates the
image's access time. This module replaces that helper with one whose file objects are opened
by ``sniff.open_readonly`` (``O_NOATIME`` where the kernel allows it, ``O_NOFOLLOW``), so a
walk leaves the image file exactly as it was: bytes, mtime and atime.
"""

from __future__ import annotations

import copy
import os
from typing import Any

from dfvfs.file_io import ewf_file_io, os_file_io, raw_file_io
from dfvfs.lib import definitions
from dfvfs.path import os_path_spec
from dfvfs.resolver_helpers import (
    ewf_resolver_helper,
    manager,
    os_resolver_helper,
    raw_resolver_helper,
)

from lodestar.evidence.sniff import open_readonly


class _NoAtimeOSFile(os_file_io.OSFile):
    def _Open(self) -> None:
        super()._Open()
        location = getattr(self._path_spec, "location", None)
        if location is None or self._path_spec.HasParent() or not os.path.isfile(location):
            return  # mount points and devices keep dfVFS's own handle
        # Swap the handle before anything is read through it: open() alone sets no atime.
        old: Any = getattr(self, "_file_object")  # noqa: B009 - untyped base attribute
        old.close()
        self._file_object = os.fdopen(open_readonly(location), "rb")


class _NotSystemLevel(os_path_spec.OSPathSpec):
    def IsSystemLevel(self) -> bool:  # noqa: N802
        return False


def _through_dfvfs(path_spec: Any) -> Any:
    """``path_spec`` whose OS parent claims not to be system-level.

    pyewf and pysmraw open a system-level image's segments by name themselves (a plain open,
    atime updated); otherwise they get dfVFS file objects, which are ours.
    """
    if not path_spec.HasParent() or path_spec.parent.type_indicator != "OS":
        return path_spec
    spec = copy.copy(path_spec)
    spec.parent = copy.copy(path_spec.parent)
    spec.parent.__class__ = _NotSystemLevel
    return spec


class _EWFFile(ewf_file_io.EWFFile):
    def _OpenFileObject(self, path_spec: Any) -> Any:  # noqa: N802
        return super()._OpenFileObject(_through_dfvfs(path_spec))


class _RawFile(raw_file_io.RawFile):
    def _OpenFileObject(self, path_spec: Any) -> Any:  # noqa: N802
        return super()._OpenFileObject(_through_dfvfs(path_spec))


class _EWFHelper(ewf_resolver_helper.EWFResolverHelper):
    def NewFileObject(self, resolver_context: Any, path_spec: Any) -> Any:  # noqa: N802
        return _EWFFile(resolver_context, path_spec)


class _RawHelper(raw_resolver_helper.RawResolverHelper):
    def NewFileObject(self, resolver_context: Any, path_spec: Any) -> Any:  # noqa: N802
        return _RawFile(resolver_context, path_spec)


class _NoAtimeOSResolverHelper(os_resolver_helper.OSResolverHelper):
    def NewFileObject(self, resolver_context: Any, path_spec: Any) -> Any:  # noqa: N802
        return _NoAtimeOSFile(resolver_context, path_spec)


def install() -> None:
    """Register the read-only OS helper (idempotent)."""
    helpers = manager.ResolverHelperManager._resolver_helpers  # noqa: SLF001 - no public lookup
    if isinstance(helpers.get(definitions.TYPE_INDICATOR_OS), _NoAtimeOSResolverHelper):
        return
    for ours in (_NoAtimeOSResolverHelper(), _EWFHelper(), _RawHelper()):
        manager.ResolverHelperManager.DeregisterHelper(helpers[ours.type_indicator])
        manager.ResolverHelperManager.RegisterHelper(ours)
