"""Workbook -> Submission: the report's values, each with the sheet and cell it came from.

Values come from python-calamine (fast, reads .xlsx, .xls and .ods). For .xlsx the sheet XML is also
scanned for formulas and error cells, so that a total typed over a formula is seen without a second full
load. Tables are found at the standard template's places when the workbook carries our stamp and its labels
are still there; otherwise they are looked for by their labels on every sheet (a clerk's own copy).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import UnreadableWorkbook
from toolkit.format.detect import detect_format
from toolkit.format.layout import TableLayout, WorkbookLayout, address, workbook_layout
from toolkit.format.load import available_formats, load_format
from toolkit.format.model import Format, HeaderKey, Table
from toolkit.format.stamp import STAMP_SHEET, Stamp
from toolkit.read.grids import Grid, Grids, value_at
from toolkit.read.locate import Positions, locate_header, locate_table
from toolkit.read.values import CellValue, FileType, Submission
from toolkit.read.xlsx import XlsxParts
from toolkit.text import norm_label


@dataclass
class Found:
    """Where one table of the format was found."""

    sheet: str
    positions: Positions
    moved: bool  # stamped, but not at the standard template's place
    standard: bool  # at the standard template's place (addresses are the layout's)


def _labels_in_place(grid: Grid, table_layout: TableLayout) -> bool:
    for label in table_layout.labels:
        if label.role in ("head", "label") and label.text:
            found = value_at(grid, label.row, label.col)
            if found != label.text and norm_label(found) != norm_label(label.text):
                return False
    return True


def _find_table(grids: Grids, table: Table, table_layout: TableLayout, stamped: bool) -> Found | None:
    """A table at its standard place, else wherever its labels are; None when it is nowhere."""
    if stamped and grids.has(table_layout.sheet):
        grid = grids.grid(table_layout.sheet)
        if _labels_in_place(grid, table_layout):
            return Found(table_layout.sheet, table_layout.cells, False, True)
    for name in grids.content_sheets:
        positions = locate_table(grids.grid(name), table)
        if positions:
            return Found(name, positions, stamped, False)
    return None


def _stamp_from_sheet(grids: Grids) -> Stamp | None:
    if not grids.has(STAMP_SHEET):
        return None
    return Stamp.from_rows(grids.grid(STAMP_SHEET))


def _workbook_format(grids: Grids, stamp: Stamp | None) -> tuple[Format | None, Stamp | None]:
    """The format the stamp names, else the one the sheets' words show (and then no stamp counts)."""
    if stamp and stamp.format_id in available_formats():
        return load_format(stamp.format_id), stamp
    texts = (
        norm_label(value)
        for name in grids.content_sheets
        for row in grids.grid(name)
        for value in row
        if isinstance(value, str) and value
    )
    return detect_format(texts), None


def _table_cells(
    grids: Grids, parts: XlsxParts | None, table_layout: TableLayout, found: Found
) -> dict[str, CellValue]:
    grid = grids.grid(found.sheet)
    formulas = parts.formulas(found.sheet) if parts else {}
    refs = table_layout.addresses if found.standard else None
    cells = {}
    for cell_id, (row, col) in found.positions.items():
        ref = refs[cell_id] if refs else address(row, col)
        formula, error = formulas.get(ref, (None, None))
        cells[cell_id] = CellValue(cell_id, found.sheet, ref, value_at(grid, row, col), formula, error)
    return cells


def read_workbook(path: Path, file_type: FileType, archive: zipfile.ZipFile | None) -> Submission:
    """Read a filled workbook; raise UnreadableWorkbook when it cannot be read or holds no report tables."""
    parts = XlsxParts(path, archive) if archive is not None else None
    grids = Grids(path, parts)
    fmt, stamp = _workbook_format(grids, (parts.stamp() if parts else None) or _stamp_from_sheet(grids))
    if fmt is None:
        raise UnreadableWorkbook(path, "没有找到年度报告的表格（表二、表三、表四），不是年报工作簿")
    layout = workbook_layout(fmt)
    cells: dict[str, CellValue] = {}
    moved: list[str] = []
    missing: list[str] = []
    for table_layout in layout.tables:
        found = _find_table(grids, table_layout.table, table_layout, stamp is not None)
        if found is None:
            missing.append(table_layout.table.title)
            continue
        if found.moved:
            moved.append(table_layout.table.key)
        cells.update(_table_cells(grids, parts, table_layout, found))
    if missing:
        raise UnreadableWorkbook(path, f"没有找到完整的表格：{'、'.join(missing)}（表格标题或行列名称缺失）")
    header, header_cells = _read_header(grids, fmt, layout, stamp is not None)
    return Submission(
        path=path,
        file_type=file_type,
        format=fmt,
        stamp=stamp,
        saved_by=parts.application if parts else "",
        header=header,
        header_cells=header_cells,
        cells=cells,
        formulas_checked=parts is not None,
        moved_tables=moved,
    )


Header = tuple[dict[HeaderKey, object], dict[HeaderKey, tuple[str, str]]]


def _read_header(grids: Grids, fmt: Format, layout: WorkbookLayout, stamped: bool) -> Header:
    """The header at its standard place (a stamped workbook), else by its labels or a report title."""
    header: dict[HeaderKey, object] = {}
    cells: dict[HeaderKey, tuple[str, str]] = {}
    sheet = layout.header.sheet
    if stamped and grids.has(sheet):
        grid = grids.grid(sheet)
        for field_ in fmt.header.fields:
            row, col = layout.header.cells[field_.key]
            if norm_label(value_at(grid, row, col - 1)) == norm_label(field_.label):
                header[field_.key] = value_at(grid, row, col)
                cells[field_.key] = (sheet, address(row, col))
    missing = [(f.key, f.label) for f in fmt.header.fields if f.key not in header]
    if missing:
        for name in grids.content_sheets:
            for key, (value, row, col) in locate_header(grids.grid(name), missing, fmt.report_title).items():
                if key not in header:
                    header[key] = value
                    cells[key] = (name, address(row, col))
    return header, cells
