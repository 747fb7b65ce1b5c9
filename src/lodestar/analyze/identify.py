"""File type by signature (magic bytes), never by extension."""

from __future__ import annotations

import filetype

HEADER_BYTES = 8192

# filetype's categories mapped to the coarse kinds the store keeps.
_KIND_BY_MIME_PREFIX = (("image/", "image"), ("video/", "video"))
_ARCHIVES = {
    "application/zip",
    "application/x-tar",
    "application/gzip",
    "application/x-bzip2",
    "application/x-xz",
    "application/x-7z-compressed",
    "application/x-rar-compressed",
}


def identify(header: bytes) -> tuple[str, str]:
    """(mime, kind) from the first bytes of a file; kind is image, video, archive or other."""
    if not header:
        return "application/x-empty", "other"
    guess = filetype.guess(header)
    if guess is None:
        return (
            ("text/plain", "other")
            if _looks_like_text(header)
            else (
                "application/octet-stream",
                "other",
            )
        )
    mime = guess.mime
    if mime in _ARCHIVES:
        return mime, "archive"
    for prefix, kind in _KIND_BY_MIME_PREFIX:
        if mime.startswith(prefix):
            return mime, kind
    return mime, "other"


def _looks_like_text(header: bytes) -> bool:
    sample = header[:1024]
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the sample's end is still text.
        return exc.start >= len(sample) - 3
    return True
