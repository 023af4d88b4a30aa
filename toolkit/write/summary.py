"""The county summary workbook and the long CSV, written from a MergeResult.

The summary's table sheets are the standard workbook (same writer, same layout, stamp kind ``summary``), so
`xltool check` reads it like any unit's workbook; 明细, 校验结果 and 报送情况 follow them.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from toolkit import words
from toolkit.format.model import Cell, Format, HeaderKey, Kind
from toolkit.format.stamp import StampKind
from toolkit.merge.decide import LONG_COLUMNS, FileOutcome, MergeResult, long_records
from toolkit.text import show
from toolkit.write.files import atomic_path
from toolkit.write.stream import StreamedSheet
from toolkit.write.workbook import (
    Styles,
    build_workbook,
    display_width,
    new_book,
    print_setup,
    row_height,
    wrapped_rows,
)

STATUS_WORD = "状态"
# 明细 prints one page wide, and a spreadsheet program scales a page down only so far (LibreOffice to about
# an eighth): its 150-odd columns of request counts must stay narrow (four digits show); the decisions of
# 表二 run to millions and the fee has decimals, so those few columns are wider.
DETAIL_COUNT_WIDTH = 4.0
DETAIL_DECISION_WIDTH = 9.0
DETAIL_AMOUNT_WIDTH = 12.0
DETAIL_FIXED_WIDTHS = (16.0, 8.0, 8.0, 12.0)  # unit, unit type, status, file
FINDINGS_WIDTHS = (28.0, 22.0, 6.0, 22.0, 8.0, 30.0, 14.0, 60.0, 24.0)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
Sheet = Any  # an XlsxWriter worksheet (XlsxWriter ships no type information)


def defuse(text: object) -> str:
    """Text from a workbook, made safe for a CSV opened in a spreadsheet: a leading = + - @ never runs."""
    value = "" if text is None else str(text)
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def _number(value: object) -> object:
    return float(value) if isinstance(value, Decimal) else value


def _detail_fixed(fmt: Format) -> tuple[str, ...]:
    return (fmt.header.label(HeaderKey.UNIT), fmt.header.label(HeaderKey.UNIT_TYPE), STATUS_WORD, words.FILE_WORD)


def _column_heads(fmt: Format) -> list[tuple[str, str]]:
    """(table and row, column) for each input cell: the table number and the row's path over the column."""
    heads = []
    for cell in fmt.input_cells:
        table = fmt.table(cell.table)
        path = table.row(cell.row).path if not table.blocks else (cell.row_label,)
        row = " ".join(path[1:]) if len(path) > 1 else (path[0] if path else "")
        heads.append((f"表{table.number} {row}".strip(), cell.column_label))
    return heads


def _detail_width(fmt: Format, cell: Cell) -> float:
    if cell.kind == Kind.AMOUNT:
        return DETAIL_AMOUNT_WIDTH
    return DETAIL_DECISION_WIDTH if fmt.table(cell.table).blocks else DETAIL_COUNT_WIDTH


def _runs(heads: list[tuple[str, str]]) -> list[tuple[int, int]]:
    """(first, last) index of each run of columns under one row heading."""
    runs: list[tuple[int, int]] = []
    for index, (group, _) in enumerate(heads):
        if runs and heads[runs[-1][0]][0] == group:
            runs[-1] = (runs[-1][0], index)
        else:
            runs.append((index, index))
    return runs


def _detail_heads(sheet: Sheet, styles: Styles, fmt: Format, first: int) -> None:
    """Two header rows: each row of the form over the columns it has (merged), then each column's name.
    Both wrap, and are made as high as their text needs in the narrow columns."""
    head = styles.get("head")
    heads = _column_heads(fmt)
    widths = [_detail_width(fmt, cell) for cell in fmt.input_cells]
    for index, width in enumerate(widths, start=first):
        sheet.set_column(index, index, width)
    groups = []
    for start, end in _runs(heads):
        group = heads[start][0]
        groups.append((group, sum(widths[start : end + 1])))
        if end > start:
            sheet.merge_range(0, first + start, 0, first + end, group, head)
        else:
            sheet.write_string(0, first + start, group, head)
    for index, (_, label) in enumerate(heads, start=first):
        sheet.write_string(1, index, label, head)
    sheet.set_row(0, row_height(groups))
    sheet.set_row(1, row_height([(label, width) for (_, label), width in zip(heads, widths, strict=True)]))


def _detail_sheet(book: Any, styles: Styles, fmt: Format, result: MergeResult) -> None:
    sheet = book.add_worksheet(words.DETAIL_SHEET, worksheet_class=StreamedSheet)
    fixed = _detail_fixed(fmt)
    for col, (title, width) in enumerate(zip(fixed, DETAIL_FIXED_WIDTHS, strict=True)):
        sheet.merge_range(0, col, 1, col, title, styles.get("head"))
        sheet.set_column(col, col, width)
    _detail_heads(sheet, styles, fmt, len(fixed))
    text = styles.get("plain")  # not wrapped: a long file name must not make the row overlap the next
    for row, item in enumerate(result.accepted, start=2):
        # Text cells are shared strings, never formulas: a unit called "=1+1" stays text.
        sheet.stream_row(row, (item.report.unit, item.unit_type, item.status.word, item.name), item.inputs, text)
    sheet.autofilter(1, 0, max(len(result.accepted) + 1, 2), len(fixed) + len(fmt.input_cells) - 1)
    sheet.freeze_panes(2, 1)
    print_setup(sheet, header_rows=(0, 1))


def _finding_rows(item: FileOutcome) -> list[tuple[str, ...]]:
    if item.report.failure:
        return [(words.UNREADABLE, "", "", "", "", item.report.failure, "")]
    return [
        (f.severity.word, f.sheet, f.cell, f.row_label, f.column_label, f.message, f.code) for f in item.report.findings
    ]


def _findings_sheet(book: Any, styles: Styles, result: MergeResult) -> None:
    sheet = book.add_worksheet(words.FINDINGS_SHEET, worksheet_class=StreamedSheet)
    titles = (
        words.FILE_WORD,
        words.UNIT_WORD,
        *(t for k, t in words.FINDING_COLUMNS if k not in ("expected", "actual")),
    )
    for col, title in enumerate(titles):
        sheet.write_string(0, col, title, styles.get("head"))
    rows = [(item.name, item.report.unit, *values) for item in result.files for values in _finding_rows(item)]
    rows += [
        ("（汇总）", "", f.severity.word, f.sheet, f.cell, f.row_label, f.column_label, f.message, f.code)
        for f in result.county_findings
    ]
    wrapped_rows(sheet, styles, rows, 1, FINDINGS_WIDTHS)
    sheet.autofilter(0, 0, max(len(rows), 1), len(titles) - 1)
    sheet.freeze_panes(1, 0)
    print_setup(sheet, header_rows=(0, 0))


STATUS_COLUMNS = (STATUS_WORD, words.FILE_WORD, "文件状态", "说明")
STATUS_WIDTHS = (12.0, 36.0, 14.0, 60.0)  # after the unit name


def _roster_rows(result: MergeResult) -> list[tuple[str, ...]]:
    """One row per roster unit and file it sent (the unit's status on each), then the files no roster unit
    claims: nothing an office sent is left out."""
    rows: list[tuple[str, ...]] = []
    claimed: set[int] = set()
    for line in result.roster or []:
        if not line.files:
            rows.append((line.entry.name, line.status.word, "", "", line.note))
        for index, item in enumerate(line.files):
            claimed.add(id(item))
            note = line.note if index == 0 and line.note else item.note
            rows.append((line.entry.name, line.status.word, item.name, item.status.word, note))
    rows += [(i.report.unit, "—", i.name, i.status.word, i.note) for i in result.files if id(i) not in claimed]
    return rows


def _status_lines(result: MergeResult) -> tuple[list[tuple[str, int]], list[tuple[str, ...]]]:
    """(counts at the top, the rows below them)."""
    if result.roster is not None:
        return [(words.ROSTER_UNITS, len(result.roster)), *result.unit_counts().items()], _roster_rows(result)
    rows: list[tuple[str, ...]] = [(i.report.unit, i.status.word, i.name, i.status.word, i.note) for i in result.files]
    return list(result.counts().items()), rows


def _status_sheet(book: Any, styles: Styles, fmt: Format, result: MergeResult) -> None:
    sheet = book.add_worksheet(words.STATUS_SHEET, worksheet_class=StreamedSheet)
    head = styles.get("head")
    summary, lines = _status_lines(result)
    for row, (label, count) in enumerate(summary):
        sheet.write_string(row, 0, label, head)
        sheet.write_number(row, 1, count)
    start = len(summary) + 1
    for col, title in enumerate((fmt.header.label(HeaderKey.UNIT), *STATUS_COLUMNS)):
        sheet.write_string(start, col, title, head)
    first_width = min(max([24.0, *(display_width(v[0]) + 2 for v in lines)]), 40.0)
    wrapped_rows(sheet, styles, lines, start + 1, (first_width, *STATUS_WIDTHS))
    sheet.autofilter(start, 0, start + max(len(lines), 1), len(STATUS_COLUMNS))
    print_setup(sheet, header_rows=(start, start))


def write_summary(
    result: MergeResult,
    output: Path,
    *,
    unit: str = "",
    level: str = "",
    force: bool = False,
    inputs: tuple[Path, ...] = (),
) -> Path:
    """The summary workbook, written atomically; never over an input, never over a file without ``force``."""
    fmt = result.format
    header = {
        HeaderKey.UNIT: unit or f"汇总（{len(result.accepted)} 个单位）",
        HeaderKey.UNIT_TYPE: level,
        HeaderKey.YEAR: result.year,
        HeaderKey.FILLER: "xltool merge",
        HeaderKey.FILLED_ON: dt.date.today(),
    }
    values = {cell.id: result.totals[cell.id] for cell in fmt.input_cells}
    with atomic_path(Path(output), force=force, inputs=inputs) as temp:
        book = new_book(temp)
        styles = build_workbook(book, fmt, header, values, kind=StampKind.SUMMARY)
        _detail_sheet(book, styles, fmt, result)
        _findings_sheet(book, styles, result)
        _status_sheet(book, styles, fmt, result)
        book.close()
    return Path(output)


def write_long_csv(result: MergeResult, output: Path, force: bool = False, inputs: tuple[Path, ...] = ()) -> Path:
    """Accepted data in long form (unit, unit_type, year, table, row, column, cell, value), UTF-8 with BOM."""
    with (
        atomic_path(Path(output), force=force, inputs=inputs) as temp,
        temp.open("w", encoding="utf-8-sig", newline="") as handle,
    ):
        writer = csv.writer(handle)
        writer.writerow(LONG_COLUMNS)
        for _, (unit, unit_type, year, table, row, column, cell, value) in long_records(result):
            writer.writerow((defuse(unit), defuse(unit_type), year, table, row, column, cell, show(value)))
    return Path(output)


def default_output(year: int | None) -> Path:
    return Path.cwd() / f"汇总_{year or '未知'}年度_{dt.date.today():%Y%m%d}.xlsx"
