"""Any file a user hands over -> a Submission: sniffed by its bytes, then read as a workbook or a report."""

from __future__ import annotations

from pathlib import Path

from toolkit.read.report import read_report
from toolkit.read.sniff import sniff
from toolkit.read.values import Submission
from toolkit.read.workbook import read_workbook


def read_file(path: Path | str) -> Submission:
    """Read a workbook (.xlsx, .xls, .ods) or a published report (.txt, .html, .docx).

    Raises UnreadableWorkbook, with one line of Chinese saying why and what to do, for anything else.
    """
    path = Path(path)
    file_type, archive = sniff(path)
    if file_type.is_document:
        return read_report(path, file_type)
    try:
        return read_workbook(path, file_type, archive)
    finally:
        if archive is not None:
            archive.close()
