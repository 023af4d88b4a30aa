"""The data model every reader produces and every rule reads: a Submission of cell values with their places.

A Submission is what a unit said, as it said it: the header, and for every cell of the format the raw value
found (a number, a word, a blank), where it was found, and whether a formula stood there. Readers of
workbooks and of published reports both produce one; so can a test or the merger, in memory.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from toolkit.findings import Finding
from toolkit.format.layout import workbook_layout
from toolkit.format.model import Format, HeaderKey
from toolkit.format.stamp import Stamp

_YEAR_TEXT = re.compile(r"^\s*(\d{4})\s*(?:年度?)?\s*$")  # "2025", "2025年", "2025 年度"


class FileType(StrEnum):
    XLSX = "xlsx"
    XLS = "xls"
    ODS = "ods"
    TXT = "txt"
    HTML = "html"
    DOCX = "docx"
    PDF = "pdf"

    @property
    def is_document(self) -> bool:
        """A published report (text, web page, Word file) rather than a workbook."""
        return self in DOCUMENT_TYPES


DOCUMENT_TYPES = frozenset({FileType.TXT, FileType.HTML, FileType.DOCX, FileType.PDF})


@dataclass(slots=True)
class CellValue:
    cell_id: str
    sheet: str
    address: str
    value: object
    formula: str | None = None  # formula text ("" for a shared-formula child); None: no formula
    error: str | None = None  # "#REF!" and the like


@dataclass
class Submission:
    path: Path
    file_type: FileType
    format: Format
    stamp: Stamp | None
    saved_by: str
    header: dict[HeaderKey, object]
    header_cells: dict[HeaderKey, tuple[str, str]]
    cells: dict[str, CellValue]
    formulas_checked: bool
    moved_tables: list[str] = field(default_factory=list)  # stamped, but a table was not where we put it
    absent: set[str] = field(default_factory=set)  # cells a published report does not have (rows cut off)
    notes: list[Finding] = field(default_factory=list)  # findings made while reading (a report's problems)
    narrative: tuple[str, ...] = ()  # a published report's sentences outside its tables, line by line
    lines: tuple[str, ...] = ()  # a published report's every line outside its tables (headings included)

    @property
    def standard(self) -> bool:
        return self.stamp is not None

    @property
    def unit(self) -> str:
        value = self.header.get(HeaderKey.UNIT)
        return "" if value is None else str(value).strip()

    @property
    def year(self) -> int | None:
        return report_year(self.header.get(HeaderKey.YEAR))

    @property
    def unit_type(self) -> str:
        value = self.header.get(HeaderKey.UNIT_TYPE)
        return "" if value is None else str(value).strip()

    @property
    def is_document(self) -> bool:
        return self.file_type.is_document


def report_year(raw: object) -> int | None:
    """The report year a header holds (2025, 2025.0, "2025", "2025年度"), or None when it is not one."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        year = int(raw) if float(raw).is_integer() else None
    elif isinstance(raw, str):
        match = _YEAR_TEXT.match(unicodedata.normalize("NFKC", raw))
        year = int(match.group(1)) if match else None
    else:
        year = None
    if year is None or not 2000 <= year <= dt.date.today().year + 1:
        return None
    return year


def virtual_submission(
    fmt: Format,
    header: Mapping[HeaderKey, object],
    values: Mapping[str, object],
    path: Path | str = "",
    file_type: FileType = FileType.XLSX,
) -> Submission:
    """Numbers that come from elsewhere (a merge, an imported report, a test) placed where the standard
    layout has them."""
    layout = workbook_layout(fmt)
    cells = {}
    for cell_id in fmt.cells:
        sheet, ref = layout.locate(cell_id)
        cells[cell_id] = CellValue(cell_id, sheet, ref, values.get(cell_id, ""))
    header_cells = {key: (layout.header.sheet, layout.header.address(key)) for key in layout.header.cells}
    return Submission(Path(path), file_type, fmt, None, "", dict(header), header_cells, cells, False)
