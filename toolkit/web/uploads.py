"""Uploaded files put where the server keeps them: names cleaned to a plain leaf, sizes and counts bounded,
zip archives unpacked flat within the limits used for workbooks. A name sent by the browser never decides
a location: it is reduced to its last part, cleaned, and placed in a folder the server made."""

from __future__ import annotations

import contextlib
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

from toolkit import limits
from toolkit.errors import XltoolError
from toolkit.read.safezip import ZipRefused, check_sizes, read_member
from toolkit.write.files import safe_file_stem

ZIP_SUFFIX = ".zip"
_SUFFIX = re.compile(r"^\.[a-z0-9]{1,8}$")


class UploadRefused(XltoolError):
    """An upload the server will not take (too large, too many files, a damaged or suspicious zip)."""


def leaf_name(raw: str) -> str:
    """A browser's file name (perhaps "收件箱/二组/a.xlsx" or "..\\..\\x") as one safe file name."""
    last = re.split(r"[\\/]", raw or "")[-1]
    stem, dot, suffix = last.rpartition(".")
    if not dot or not stem:
        stem, suffix = last, ""
    suffix = f".{suffix.lower()}" if suffix else ""
    return safe_file_stem(stem) + (suffix if _SUFFIX.match(suffix) else "")


def free_path(folder: Path, name: str) -> Path:
    """``folder/name``, or ``folder/name (2).ext`` and so on when a file of that name is already there."""
    target = folder / name
    number = 2
    while target.exists():
        target = folder / f"{Path(name).stem} ({number}){Path(name).suffix}"
        number += 1
    return target


def _parts(name: str) -> list[str]:
    return re.split(r"[\\/]", name)


def is_hidden(name: str) -> bool:
    """A temporary or hidden file, or a macOS resource folder, anywhere in a member's path."""
    return any(part.startswith((".", "~$")) or part == "__MACOSX" for part in _parts(name) if part not in ("", ".."))


def escapes(name: str) -> bool:
    """A member that names a place outside the archive ("../../x", "/etc/x", "C:\\x"): a crafted zip."""
    return name.startswith(("/", "\\")) or ".." in _parts(name) or re.match(r"^[A-Za-z]:", name) is not None


def unpack(archive_path: Path, folder: Path) -> list[Path]:
    """Every file of a zip written flat into ``folder`` (its folders dropped, names cleaned); raises
    UploadRefused for a damaged zip or one that is too large or a bomb."""
    try:
        with zipfile.ZipFile(archive_path) as archive:
            check_sizes(archive)
            if any(escapes(info.filename) for info in archive.infolist()):
                raise UploadRefused("压缩包中有指向压缩包以外的路径（如 ../），疑似恶意文件，未处理")
            members = [i for i in archive.infolist() if not i.is_dir() and not is_hidden(i.filename)]
            return [_write_member(archive, info, folder) for info in members]
    except ZipRefused:
        raise UploadRefused("压缩包过大或可疑（解压后体积异常），未处理；请直接选择文件或文件夹上传") from None
    except limits.ZIP_FAILURES:
        raise UploadRefused("压缩包已损坏，无法解开；请重新压缩后上传，或直接选择文件") from None


def _write_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, folder: Path) -> Path:
    name = info.filename
    if not info.flag_bits & 0x800:  # not marked UTF-8: Windows' zip tools write the names in GBK
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            name = name.encode("cp437").decode("gb18030")
    target = free_path(folder, leaf_name(name))
    target.write_bytes(read_member(archive, info))
    return target


def expand(paths: Iterable[Path], folder: Path) -> list[Path]:
    """The uploaded files, each zip replaced by what it holds."""
    found: list[Path] = []
    for path in paths:
        if path.suffix.lower() == ZIP_SUFFIX:
            found += unpack(path, folder)
            path.unlink()
        else:
            found.append(path)
    if len(found) > limits.MAX_UPLOAD_FILES:
        raise UploadRefused(f"文件过多（{len(found)} 个）：一次最多 {limits.MAX_UPLOAD_FILES} 个文件，请分批上传")
    return found
