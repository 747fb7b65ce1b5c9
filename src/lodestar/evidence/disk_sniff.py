"""Disk-image signatures: which bytes are a forensic image, a volume system or a file system.

Recognition is by signature only, never by name, and only from bytes at fixed offsets, so a
nested image (inside a zip) is recognised as well as a bare one. ``may_be`` looks at the first
``SNIFF_BYTES``; file systems whose magic lies further in (ext at 1080, HFS+ at 1024, ISO 9660
at 32769) start with a zeroed boot area, which ``may_be`` lets through for ``sniff`` to check.
VHD (fixed) keeps its only footer at the end: ``sniff`` reads the last 512 bytes.
"""

from __future__ import annotations

import os
from typing import IO

# Formats whose first bytes are a signature (dfVFS storage-media image types).
IMAGE_MAGICS: dict[bytes, str] = {
    b"EVF\x09\x0d\x0a\xff\x00": "ewf",  # E01 (EnCase 1-6)
    b"EVF2\x0d\x0a\x81\x00": "ewf",  # Ex01 (EnCase 7+)
    b"LVF\x09\x0d\x0a\xff\x00": "ewf",  # L01
    b"KDMV": "vmdk",  # sparse extent
    b"# Disk DescriptorFile": "vmdk",  # text descriptor
    b"COWD": "vmdk",  # ESX sparse
    b"QFI\xfb": "qcow",
    b"vhdxfile": "vhdx",
    b"conectix": "vhd",  # dynamic/differencing: footer copy at the start
}
_EXT_MAGIC_AT = 1024 + 56
_HFS_AT = 1024
_ISO_AT = 16 * 2048 + 1
DEEP_SNIFF_BYTES = _ISO_AT + 5


def _is_mbr_like(head: bytes) -> bool:
    """A boot sector (FAT, NTFS, exFAT) or an MBR whose partition entries look sane."""
    if len(head) < 512 or head[510:512] != b"\x55\xaa":
        return False
    if head[3:11] in (b"NTFS    ", b"EXFAT   ") or head[54:59] in (b"FAT12", b"FAT16"):
        return True
    if head[82:87] == b"FAT32":
        return True
    entries = [head[446 + 16 * i : 462 + 16 * i] for i in range(4)]
    used = [e for e in entries if e[4] != 0]
    # Status byte 0x00/0x80 for every entry, at least one with a partition type.
    return bool(used) and all(e[0] in (0x00, 0x80) for e in entries)


def image_kind_of_head(head: bytes) -> str | None:
    for magic, kind in IMAGE_MAGICS.items():
        if head.startswith(magic):
            return kind
    return "raw" if _is_mbr_like(head) else None


def may_be_image(head: bytes) -> bool:
    if image_kind_of_head(head) is not None:
        return True
    # ext/HFS+/ISO images start with a zeroed boot area (a cheap first look: no false negatives).
    return len(head) >= 512 and not any(head[:512])


def sniff_image(fh: IO[bytes], head: bytes) -> str | None:
    """The image kind of ``fh`` ("ewf", "vmdk", "qcow", "vhd", "vhdx", "raw") or None."""
    kind = image_kind_of_head(head)
    if kind is not None:
        return kind
    if len(head) < 512 or any(head[:512]):
        return _vhd_footer(fh)
    fh.seek(0)
    deep = fh.read(DEEP_SNIFF_BYTES)
    if deep[_EXT_MAGIC_AT : _EXT_MAGIC_AT + 2] == b"\x53\xef":
        return "raw"
    if deep[_HFS_AT : _HFS_AT + 2] in (b"H+", b"HX"):
        return "raw"
    if deep[_ISO_AT : _ISO_AT + 5] == b"CD001":
        return "raw"
    return _vhd_footer(fh)


def _vhd_footer(fh: IO[bytes]) -> str | None:
    """A fixed VHD: a raw disk followed by a 512-byte footer starting ``conectix``."""
    size = fh.seek(0, os.SEEK_END)
    if size < 1024:
        return None
    fh.seek(size - 512)
    return "vhd" if fh.read(8) == b"conectix" else None


def declared_size(deep: bytes) -> int | None:
    """Bytes a raw image's partition table or file system says it spans (None: unknown).

    A raw image shorter than this was truncated: what lies past its end is lost, and dfVFS
    may not notice when no file's data happened to be there.
    """
    if deep[_EXT_MAGIC_AT : _EXT_MAGIC_AT + 2] == b"\x53\xef":
        blocks = int.from_bytes(deep[1028:1032], "little")
        return blocks * (1024 << min(int.from_bytes(deep[1048:1052], "little"), 16))
    if len(deep) < 512 or deep[510:512] != b"\x55\xaa":
        return None
    sector = int.from_bytes(deep[11:13], "little")
    if deep[3:11] == b"NTFS    ":
        return int.from_bytes(deep[40:48], "little") * sector
    if deep[54:57] == b"FAT" or deep[82:87] == b"FAT32":
        total = int.from_bytes(deep[19:21], "little") or int.from_bytes(deep[32:36], "little")
        return total * sector
    ends = []
    for i in range(4):
        e = deep[446 + 16 * i : 462 + 16 * i]
        if e[4] not in (0, 0xEE):  # 0xEE: a GPT's protective entry may claim 2 TiB
            ends.append(int.from_bytes(e[8:12], "little") + int.from_bytes(e[12:16], "little"))
    return max(ends) * 512 if ends else None
