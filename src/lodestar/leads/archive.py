"""Writing a package ZIP: members in the given order, one timestamp, no half-written file left."""

from __future__ import annotations

import os
import secrets
import zipfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path


def write_zip(out: Path, *, members: Mapping[str, bytes], created_at: str) -> None:
    """Write ``members`` (in their order) to ``out``, each stamped ``created_at`` (UTC, ISO Z).

    One stamp and fixed attributes make the ZIP a function of its members (the same members
    give the same bytes); a temporary file replaced at the end means a failure leaves nothing.
    """
    tmp = write_pending_zip(out, members=members, created_at=created_at)
    try:
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_pending_zip(out: Path, *, members: Mapping[str, bytes], created_at: str) -> Path:
    """The ZIP :func:`write_zip` would write, as a hidden temporary file beside ``out``.

    The caller moves it into place (``os.replace``, same folder so atomic) once what records
    it has committed, or removes it; a failure while writing leaves nothing.
    """
    stamp = datetime.strptime(created_at, "%Y-%m-%dT%H:%M:%SZ").timetuple()[:6]
    out.parent.mkdir(parents=True, exist_ok=True)
    # A token of its own: two builds of the same name never share a temporary file.
    tmp = out.with_name(f".{out.name}.{secrets.token_hex(4)}.part")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, data in members.items():
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, data)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp
