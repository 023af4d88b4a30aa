"""Workbook -> Submission: the report's values, each with the sheet and cell it came from.

Values come from python-calamine (fast, reads .xlsx, .xls and .ods). For .xlsx the sheet XML is also
scanned for formulas and error cells, so that a total typed over a formula is seen without a second full
load. Tables are found at the standard template's places when the workbook carries our stamp and its labels
are still there; otherwise they are looked for by their labels on every sheet (a clerk's own copy).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.errors import UnreadableWorkbook
from toolkit.findings import Finding, Place, finding
from toolkit.format.detect import detect_format
from toolkit.format.layout import TableLayout, WorkbookLayout, address, workbook_layout
from toolkit.format.load import available_formats, load_format
from toolkit.format.model import Axis, Format, HeaderKey, Table
from toolkit.format.stamp import STAMP_SHEET, Stamp
from toolkit.read.grids import Grid, Grids, value_at
from toolkit.read.locate import Location, locate_header, locate_table
from toolkit.read.values import CellValue, FileType, Submission
from toolkit.read.xlsx import XlsxParts
from toolkit.text import norm_label

SHOWN = 6  # rows or columns named in a finding before "等 N 个"


@dataclass
class Found:
    """Where one table of the format was found."""

    sheet: str
    location: Location
    moved: bool  # stamped, but not at the standard template's place
    standard: bool  # at the standard template's place (addresses are the layout's)


def _labels_in_place(grid: Grid, table_layout: TableLayout) -> bool:
    for label in table_layout.labels:
        if label.role in ("head", "label") and label.text:
            found = value_at(grid, label.row, label.col)
            if found != label.text and norm_label(found) != norm_label(label.text):
                return False
    return True


def _find_table(grids: Grids, table_layout: TableLayout, stamped: bool) -> Found | None:
    """A table at its standard place, else on the sheet where most of its labels are; None when nowhere."""
    if stamped and grids.has(table_layout.sheet):
        grid = grids.grid(table_layout.sheet)
        if _labels_in_place(grid, table_layout):
            return Found(table_layout.sheet, Location(table_layout.cells), False, True)
    best: Found | None = None
    for name in grids.content_sheets:
        location = locate_table(grids.grid(name), table_layout.table)
        if location and (best is None or len(location) > len(best.location)):
            best = Found(name, location, stamped, False)
    return best


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
    for cell_id, (row, col) in found.location.positions.items():
        ref = refs[cell_id] if refs else address(row, col)
        formula, error = formulas.get(ref, (None, None))
        cells[cell_id] = CellValue(cell_id, found.sheet, ref, value_at(grid, row, col), formula, error)
    return cells


def _labels(table: Table, keys: list[str], axes: tuple[Axis, ...]) -> str:
    labels = [next(a for a in axes if a.key == k).label for k in keys]
    return "、".join(labels[:SHOWN]) + (f" 等 {len(labels)} 个" if len(labels) > SHOWN else "")


def _missing_parts(table: Table, found: Found | None) -> list[Finding]:
    """Findings for a table, or rows and columns of it, that the workbook does not have."""
    where = Place(sheet=found.sheet if found else table.title[:31], table=table.title, table_index=table.index)
    if found is None:
        return [finding("table-missing", where, actual="缺失", table=table.title)]
    location = found.location
    problems = []
    if location.missing_rows:
        rows = _labels(table, location.missing_rows, table.rows)
        problems.append(
            finding("rows-missing", where, actual=f"缺 {len(location.missing_rows)} 行", table=table.title, rows=rows)
        )
    if location.missing_columns:
        columns = _labels(table, location.missing_columns, table.columns)
        actual = f"缺 {len(location.missing_columns)} 列"
        problems.append(finding("columns-missing", where, actual=actual, table=table.title, columns=columns))
    return problems


@dataclass
class Tables:
    """What was found of the format's tables in one workbook."""

    cells: dict[str, CellValue] = field(default_factory=dict)
    absent: set[str] = field(default_factory=set)
    moved: list[str] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)
    found: int = 0


def _read_tables(grids: Grids, parts: XlsxParts | None, layout: WorkbookLayout, stamped: bool) -> Tables:
    tables = Tables()
    for table_layout in layout.tables:
        table = table_layout.table
        found = _find_table(grids, table_layout, stamped)
        tables.problems += _missing_parts(table, found)
        if found is None:
            tables.absent.update(c.id for c in table.cells)
            continue
        tables.found += 1
        if found.moved:
            tables.moved.append(table.key)
        tables.cells.update(_table_cells(grids, parts, table_layout, found))
        tables.absent.update(c.id for c in table.cells if c.id not in found.location.positions)
    return tables


def read_workbook(path: Path, file_type: FileType, archive: zipfile.ZipFile | None) -> Submission:
    """Read a filled workbook; raise UnreadableWorkbook when it cannot be read or holds no report tables.

    A table, row or column that cannot be found is a finding of the unit's (it was deleted or renamed),
    and its cells are left out of the rules; only a workbook with none of the tables is unreadable.
    """
    parts = XlsxParts(path, archive) if archive is not None else None
    grids = Grids(path, parts)
    fmt, stamp = _workbook_format(grids, (parts.stamp() if parts else None) or _stamp_from_sheet(grids))
    if fmt is None:
        raise UnreadableWorkbook(path, "没有找到年度报告的表格（表二、表三、表四），不是年报工作簿")
    layout = workbook_layout(fmt)
    tables = _read_tables(grids, parts, layout, stamp is not None)
    header, header_cells = _read_header(grids, fmt, layout, stamp is not None)
    if not tables.found:
        titles = "、".join(t.title for t in fmt.tables)
        unit = str(header.get(HeaderKey.UNIT) or "").strip()
        raise UnreadableWorkbook(path, f"没有找到完整的表格：{titles}（表格标题或行列名称缺失）", unit=unit)
    for cell_id in tables.absent:  # the standard place, so that findings and copies can still point there
        sheet, ref = layout.locate(cell_id)
        tables.cells[cell_id] = CellValue(cell_id, sheet, ref, "")
    damaged = parts.damaged_sheets() if parts else []
    return Submission(
        path=path,
        file_type=file_type,
        format=fmt,
        stamp=stamp,
        saved_by=parts.application if parts else "",
        header=header,
        header_cells=header_cells,
        cells=tables.cells,
        formulas_checked=parts is not None,
        moved_tables=tables.moved,
        absent=tables.absent,
        notes=tables.problems + [_damaged(sheet) for sheet in damaged],
    )


def _damaged(sheet: str) -> Finding:
    return finding("file-damaged", Place(sheet=sheet), actual="XML 不完整", sheet=sheet)


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
