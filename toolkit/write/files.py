"""Writing outputs safely: never over an input, never a half-written file, never an existing file unasked."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from toolkit.errors import OutputError

# Characters Windows forbids in file names, plus control characters.
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def _process_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Temporary files are created 0600; what is published gets the permissions any new file of the user gets.
PUBLISHED_MODE = 0o666 & ~_process_umask()


def template_name(unit: str, year: int) -> str:
    """The file name of a unit's standard workbook: 白鹤镇人民政府_2025年度政府信息公开年报.xlsx."""
    if unit:
        return f"{safe_file_stem(unit)}_{year}年度政府信息公开年报.xlsx"
    return f"政府信息公开年报模板_{year}年度.xlsx"


def safe_file_stem(name: str, fallback: str = "未命名") -> str:
    """A file name stem made from a unit name: no separators, no ``..``, no reserved names, not too long."""
    text = unicodedata.normalize("NFC", name)
    text = _UNSAFE.sub("_", text).strip(" .")
    text = re.sub(r"\.{2,}", "_", text)
    if text.split(".", 1)[0].upper() in _RESERVED:
        text = f"_{text}"
    return text[:80] or fallback


def check_writable(target: Path, force: bool) -> None:
    if target.exists() and not force:
        raise OutputError(f"{target} 已存在；如需覆盖请加 --force")
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(f"输出文件夹不存在：{folder}")
    if not os.access(folder, os.W_OK):
        raise OutputError(f"输出文件夹不可写：{folder}")


@contextlib.contextmanager
def atomic_path(target: Path, force: bool = False, inputs: tuple[Path, ...] = ()) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it is renamed over ``target`` in one step."""
    target = Path(target)
    for source in inputs:
        if source.exists() and target.exists() and source.resolve() == target.resolve():
            raise OutputError(f"输出文件不能与输入文件相同：{target}")
    check_writable(target, force)
    handle, temp_name = tempfile.mkstemp(prefix=".xltool-", suffix=target.suffix, dir=target.parent)
    os.close(handle)
    temp = Path(temp_name)
    try:
        yield temp
        _publish(temp, target, force)
    finally:
        temp.unlink(missing_ok=True)


def _publish(temp: Path, target: Path, force: bool) -> None:
    """Move the finished file into place in one step. Without ``force`` this must not replace a file that
    appeared meanwhile (another run writing the same output): a hard link creates the name only if free."""
    os.chmod(temp, PUBLISHED_MODE)
    if force:
        os.replace(temp, target)
        return
    try:
        os.link(temp, target)
    except FileExistsError:
        raise OutputError(f"{target} 已存在；如需覆盖请加 --force") from None
    except OSError:  # a file system without hard links: check, then rename
        if target.exists():
            raise OutputError(f"{target} 已存在；如需覆盖请加 --force") from None
        os.replace(temp, target)


@contextlib.contextmanager
def atomic_paths(targets: list[Path], force: bool = False) -> Iterator[list[Path]]:
    """Like :func:`atomic_path` for several files: all of them appear, or none."""
    for target in targets:
        check_writable(target, force)
    temps: list[Path] = []
    try:
        for target in targets:
            handle, name = tempfile.mkstemp(prefix=".xltool-", suffix=target.suffix, dir=target.parent)
            os.close(handle)
            temps.append(Path(name))
        yield temps
        for temp, target in zip(temps, targets, strict=True):
            _publish(temp, target, force)
    finally:
        for temp in temps:
            temp.unlink(missing_ok=True)
