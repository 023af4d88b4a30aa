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
from toolkit.format.model import Format, HeaderKey
from toolkit.format.stamp import StampKind
from toolkit.merge.decide import FileOutcome, MergeResult
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
DETAIL_NUMBER_WIDTH = 12.0
FINDINGS_WIDTHS = (28.0, 22.0, 6.0, 22.0, 8.0, 30.0, 14.0, 60.0, 24.0)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LONG_COLUMNS = ("unit", "unit_type", "year", "table", "row", "column", "cell", "value")
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


def _detail_sheet(book: Any, styles: Styles, fmt: Format, result: MergeResult) -> None:
    sheet = book.add_worksheet(words.DETAIL_SHEET, worksheet_class=StreamedSheet)
    head = styles.get("head")
    heads = _column_heads(fmt)
    fixed = _detail_fixed(fmt)
    for col, title in enumerate(fixed):
        sheet.merge_range(0, col, 1, col, title, head)
    # row labels are long: they wrap in the header cells, which are made as high as they need
    sheet.set_row(0, row_height([(group, DETAIL_NUMBER_WIDTH) for group, _ in heads]))
    sheet.set_row(1, row_height([(label, DETAIL_NUMBER_WIDTH) for _, label in heads]))
    for index, (group, label) in enumerate(heads, start=len(fixed)):
        sheet.write_string(0, index, group, head)
        sheet.write_string(1, index, label, head)
    text = styles.get("plain")  # not wrapped: a long file name must not make the row overlap the next
    for row, item in enumerate(result.accepted, start=2):
        # Text cells are shared strings, never formulas: a unit called "=1+1" stays text.
        sheet.stream_row(row, (item.report.unit, item.unit_type, item.status.word, item.name), item.inputs, text)
    last_row = max(len(result.accepted) + 1, 2)
    sheet.autofilter(1, 0, last_row, len(fixed) + len(heads) - 1)
    sheet.freeze_panes(2, 1)
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 3, 14)
    sheet.set_column(len(fixed), len(fixed) + len(heads) - 1, DETAIL_NUMBER_WIDTH)
    print_setup(sheet, header_rows=(0, 1))


def _finding_rows(item: FileOutcome) -> list[tuple[str, ...]]:
    if item.report.failure:
        return [(words.UNREADABLE, "", "", "", "", item.report.failure, "")]
    return [
        (f.severity.word, f.sheet, f.cell, f.row_label, f.column_label, f.message, f.code) for f in item.report.findings
    ]


def _findings_sheet(book: Any, styles: Styles, result: MergeResult) -> None:
    sheet = book.add_worksheet(words.FINDINGS_SHEET)
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
    sheet = book.add_worksheet(words.STATUS_SHEET)
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
    fmt = result.format
    cells = fmt.input_cells
    with (
        atomic_path(Path(output), force=force, inputs=inputs) as temp,
        temp.open("w", encoding="utf-8-sig", newline="") as handle,
    ):
        writer = csv.writer(handle)
        writer.writerow(LONG_COLUMNS)
        for item in result.accepted:
            for cell, value in zip(cells, item.inputs, strict=True):
                table = fmt.table(cell.table).title
                unit, unit_type = defuse(item.report.unit), defuse(item.unit_type)
                writer.writerow(
                    (unit, unit_type, result.year, table, cell.row_label, cell.column_label, cell.id, show(value))
                )
    return Path(output)


def default_output(year: int | None) -> Path:
    return Path.cwd() / f"汇总_{year or '未知'}年度_{dt.date.today():%Y%m%d}.xlsx"
