"""The files of an inbox folder: the ones to read (workbooks and published reports), and the ones passed
over with the reason. A text that turns out to hold no report (a covering note) is passed over by merge once read."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from toolkit import words
from toolkit.errors import UsageError
from toolkit.read.sniff import REPORT_SUFFIXES

WORKBOOK_SUFFIXES = {".xlsx", ".xls", ".ods"}
READ_SUFFIXES = WORKBOOK_SUFFIXES | set(REPORT_SUFFIXES)


@dataclass
class Passed:
    path: Path
    reason: str


def _is_hidden(path: Path, root: Path) -> bool:
    return any(part.startswith((".", "~$")) for part in path.relative_to(root).parts)


def _reason_to_pass(path: Path, root: Path) -> str:
    if _is_hidden(path, root):
        return "临时文件或隐藏文件"
    if path.suffix.lower() not in READ_SUFFIXES:
        return "不是工作簿或年报文件（读取 .xlsx、.xls、.ods 工作簿和 .txt、.html、.docx、.pdf 年报）"
    if path.stem.endswith(words.ANNOTATED_SUFFIX):
        return "校验批注副本"
    return ""


def collect(folder: Path) -> tuple[list[Path], list[Passed]]:
    """Workbooks and reports to read, and the files passed over with the reason (temporary, hidden, other)."""
    if not folder.exists():
        raise UsageError(f"文件夹不存在：{folder}")
    if not folder.is_dir():
        raise UsageError(f"{folder} 不是文件夹；合并需要一个存放各单位工作簿的文件夹")
    workbooks: list[Path] = []
    passed: list[Passed] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        reason = _reason_to_pass(path, folder)
        if reason:
            passed.append(Passed(path, reason))
        else:
            workbooks.append(path)
    return workbooks, passed
