"""Zip archives (.xlsx, .docx) read within limits: no bombs, no lying headers, no unbounded inflation."""

from __future__ import annotations

import zipfile

from toolkit import limits


class ZipRefused(Exception):
    """A zip whose members are too many, too large, or lie about their size (a bomb)."""


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo | str) -> bytes:
    """A zip member read in 1 MiB steps. ``ZipFile.read`` inflates a member in one call, so one whose header
    lies about its size would be inflated whole before the CRC check fails; in steps it fails after the
    declared size."""
    chunks = []
    total = 0
    with archive.open(info) as handle:
        while chunk := handle.read(1 << 20):
            total += len(chunk)
            if total > limits.MAX_PART_BYTES:
                raise zipfile.BadZipFile("member larger than allowed")
            chunks.append(chunk)
    return b"".join(chunks)


def check_sizes(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The members worth verifying before another reader sees them; raises ZipRefused for a bomb."""
    infos = archive.infolist()
    if len(infos) > limits.MAX_ZIP_ENTRIES:
        raise ZipRefused("too many members")
    total = 0
    large = []
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        too_big = info.file_size > limits.MAX_PART_BYTES
        bomb = info.file_size > limits.RATIO_CHECK_FLOOR and ratio > limits.MAX_COMPRESSION_RATIO
        # deflate never makes data much larger: a member declared smaller than its compressed bytes lies
        lying = info.compress_size > info.file_size * 1.01 + 1024
        if too_big or bomb or lying or total > limits.MAX_TOTAL_UNCOMPRESSED:
            raise ZipRefused(info.filename)
        if info.compress_size > limits.VERIFY_FROM_BYTES:
            large.append(info)
    return large
