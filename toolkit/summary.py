"""The county summary workbook and the long CSV, written from a MergeResult.

The summary's table sheets are the standard workbook (same writer, same layout, stamp kind ``summary``), so
`xltool check` reads it like any unit's workbook; 明细, 校验结果 and 报送情况 follow them.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

from xlsxwriter.workbook import Workbook

from toolkit.files import atomic_path, check_writable
from toolkit.formats import Format, load_format
from toolkit.merge import UNIT_DUPLICATE, UNIT_ERRORS, UNIT_MISSING, UNIT_OK, MergeResult
from toolkit.roster import unit_key
from toolkit.stamp import SUMMARY
from toolkit.template import Styles, build_workbook, display_width, new_book
from toolkit.text import cell_text

DETAIL_SHEET = "明细"
FINDINGS_SHEET = "校验结果"
STATUS_SHEET = "报送情况"
DETAIL_FIXED = ("单位名称", "单位类型", "状态", "文件")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(text: object) -> str:
    """Text from a workbook, made safe for a CSV opened in a spreadsheet: a leading = + - @ never runs."""
    value = "" if text is None else str(text)
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def _number(value):
    return float(value) if isinstance(value, Decimal) else value


def _column_heads(fmt: Format) -> list[tuple[str, str]]:
    """(table and row, column) for each input cell: "表三（三）不予公开 1.属于国家秘密" over "自然人"."""
    heads = []
    for cell in fmt.input_cells:
        table = fmt.table(cell.table)
        path = table.row(cell.row).path if not table.blocks else (cell.row_label,)
        row = " ".join(path[1:]) if len(path) > 1 else (path[0] if path else "")
        heads.append((f"表{table.number} {row}".strip(), cell.column_label))
    return heads


def _detail_sheet(book: Workbook, styles: Styles, fmt: Format, result: MergeResult) -> None:
    sheet = book.add_worksheet(DETAIL_SHEET)
    head = styles.get("head")
    heads = _column_heads(fmt)
    for col, title in enumerate(DETAIL_FIXED):
        sheet.merge_range(0, col, 1, col, title, head)
    sheet.set_row(0, 60)  # row labels are long: they wrap in the header cell
    for index, (group, label) in enumerate(heads, start=len(DETAIL_FIXED)):
        sheet.write_string(0, index, group, head)
        sheet.write_string(1, index, label, head)
    text = styles.get("text")
    for row, item in enumerate(result.accepted, start=2):
        for col, value in enumerate((item.report.unit, item.unit_type, item.status, Path(item.path).name)):
            sheet.write_string(row, col, cell_text(value), text)  # write_string: a name like "=1+1" stays text
        for col, value in enumerate(item.inputs, start=len(DETAIL_FIXED)):
            sheet.write_number(row, col, _number(value))
    last_row = max(len(result.accepted) + 1, 2)
    sheet.autofilter(1, 0, last_row, len(DETAIL_FIXED) + len(heads) - 1)
    sheet.freeze_panes(2, 1)
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 3, 14)
    sheet.set_column(len(DETAIL_FIXED), len(DETAIL_FIXED) + len(heads) - 1, 12)


def _findings_sheet(book: Workbook, styles: Styles, result: MergeResult) -> None:
    sheet = book.add_worksheet(FINDINGS_SHEET)
    titles = ("文件", "单位", "级别", "工作表", "单元格", "行", "列", "说明", "代码")
    for col, title in enumerate(titles):
        sheet.write_string(0, col, title, styles.get("head"))
    row = 1
    for item in result.files:
        rows = (
            [(item.report.failure and "无法读取", "", "", "", "", item.report.failure, "")]
            if (item.report.failure)
            else [
                (
                    "错误" if f.severity == "error" else "警告",
                    f.sheet,
                    f.cell,
                    f.row_label,
                    f.column_label,
                    f.message,
                    f.code,
                )
                for f in item.report.findings
            ]
        )
        for values in rows:
            for col, value in enumerate((Path(item.path).name, item.report.unit, *values)):
                sheet.write_string(row, col, cell_text(value))
            row += 1
    for f in result.county_findings:
        for col, value in enumerate(
            ("（汇总）", "", "警告", f.sheet, f.cell, f.row_label, f.column_label, f.message, f.code)
        ):
            sheet.write_string(row, col, cell_text(value))
        row += 1
    sheet.autofilter(0, 0, max(row - 1, 1), len(titles) - 1)
    sheet.freeze_panes(1, 0)
    for col, width in enumerate((28, 22, 6, 22, 8, 30, 14, 70, 24)):
        sheet.set_column(col, col, width)


def _status_sheet(book: Workbook, styles: Styles, result: MergeResult) -> None:
    sheet = book.add_worksheet(STATUS_SHEET)
    head = styles.get("head")
    if result.roster is not None:
        counts = {
            s: sum(line.status == s for line in result.roster)
            for s in (UNIT_OK, UNIT_ERRORS, UNIT_DUPLICATE, UNIT_MISSING)
        }
        summary = [("名单单位", len(result.roster)), *counts.items()]
        lines = [(line.entry.name, line.status, line.file, line.note) for line in result.roster]
    else:
        summary = [(status, n) for status, n in result.counts().items()]
        lines = [(item.report.unit, item.status, Path(item.path).name, item.note) for item in result.files]
    for row, (label, count) in enumerate(summary):
        sheet.write_string(row, 0, label, head)
        sheet.write_number(row, 1, count)
    start = len(summary) + 1
    for col, title in enumerate(("单位名称", "状态", "文件", "说明")):
        sheet.write_string(start, col, title, head)
    for row, values in enumerate(lines, start=start + 1):
        for col, value in enumerate(values):
            sheet.write_string(row, col, cell_text(value or ""))
    sheet.autofilter(start, 0, start + max(len(lines), 1), 3)
    sheet.set_column(0, 0, max(24, *(display_width(v[0]) + 2 for v in lines)) if lines else 24)
    sheet.set_column(1, 1, 16)
    sheet.set_column(2, 2, 40)
    sheet.set_column(3, 3, 70)


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
    fmt = load_format(result.format_id)
    header = {
        "unit_name": unit or f"汇总（{len(result.accepted)} 个单位）",
        "unit_type": level,
        "year": result.year,
        "filler": "xltool merge",
        "filled_on": dt.date.today(),
    }
    values = {cell.id: result.totals[cell.id] for cell in fmt.input_cells}
    with atomic_path(Path(output), force=force, inputs=inputs) as temp:
        book = new_book(temp)
        styles = build_workbook(book, fmt, header, values, kind=SUMMARY)
        _detail_sheet(book, styles, fmt, result)
        _findings_sheet(book, styles, result)
        _status_sheet(book, styles, result)
        book.close()
    return Path(output)


def write_long_csv(result: MergeResult, output: Path, force: bool = False, inputs: tuple[Path, ...] = ()) -> Path:
    """Accepted data in long form (unit, unit_type, year, table, row, column, cell, value), UTF-8 with BOM."""
    from toolkit.rules import show

    fmt = load_format(result.format_id)
    cells = fmt.input_cells
    with (
        atomic_path(Path(output), force=force, inputs=inputs) as temp,
        temp.open("w", encoding="utf-8-sig", newline="") as handle,
    ):
        writer = csv.writer(handle)
        writer.writerow(("unit", "unit_type", "year", "table", "row", "column", "cell", "value"))
        for item in result.accepted:
            for cell, value in zip(cells, item.inputs, strict=True):
                writer.writerow(
                    (
                        defuse(item.report.unit),
                        defuse(item.unit_type),
                        result.year,
                        fmt.table(cell.table).title,
                        cell.row_label,
                        cell.column_label,
                        cell.id,
                        show(value),
                    )
                )
    return Path(output)


def default_output(year: int | None) -> Path:
    return Path.cwd() / f"汇总_{year or '未知'}年度_{dt.date.today():%Y%m%d}.xlsx"


def previous_units(path: Path) -> set[str] | None:
    """Unit names listed in the 明细 sheet of a summary written by xltool, if it has one."""
    import python_calamine as calamine

    try:
        book = calamine.CalamineWorkbook.from_path(str(path))
        if DETAIL_SHEET not in book.sheet_names:
            return None
        rows = book.get_sheet_by_name(DETAIL_SHEET).to_python()
    except Exception:
        return None
    return {unit_key(str(r[0])) for r in rows[2:] if r and str(r[0]).strip()}


def county_cross_year(result: MergeResult, previous: Path) -> list:
    """R6, R7, R10 on the county totals against last year's summary, and a note when the units changed."""
    from toolkit.check import check_workbook
    from toolkit.findings import finding
    from toolkit.reader import virtual_submission
    from toolkit.rules import check_previous, read_numbers

    last = check_workbook(previous)
    fmt = load_format(result.format_id)
    header = {"unit_name": last.submission.unit, "year": result.year}
    sub = virtual_submission(fmt, header, result.totals, "汇总")
    numbers, _ = read_numbers(sub)
    found = [f for f in check_previous(sub, numbers, last.submission, last.numbers) if f.code != "previous-mismatch"]
    before = previous_units(previous)
    if before is not None:
        now = {unit_key(i.report.unit) for i in result.accepted}
        added, removed = sorted(now - before), sorted(before - now)
        if added or removed:
            found.append(
                finding(
                    "unit-set-changed",
                    f"与上年汇总相比，新增 {len(added)} 个单位（{'、'.join(added[:10]) or '无'}），"
                    f"减少 {len(removed)} 个单位（{'、'.join(removed[:10]) or '无'}）；跨年度比较请留意口径",
                    expected=f"{len(before)} 个单位",
                    actual=f"{len(now)} 个单位",
                )
            )
    return found


def build_county_summary(
    folder: Path | str,
    output: Path | str | None = None,
    *,
    roster=None,
    year=None,
    include_invalid: bool = False,
    force: bool = False,
    long_csv: Path | str | None = None,
    previous: Path | str | None = None,
    unit: str = "",
    level: str = "",
    progress=None,
) -> MergeResult:
    """`xltool merge`: decide on every workbook of ``folder``, then write the summary (and the long CSV)."""
    from toolkit.make import unit_type_label
    from toolkit.merge import merge_folder

    level_label = unit_type_label(load_format(), level)
    exclude = tuple(Path(p) for p in (long_csv, previous) if p)
    result = merge_folder(
        folder, roster=roster, year=year, include_invalid=include_invalid, progress=progress, exclude=exclude
    )
    if previous:
        result.county_findings = county_cross_year(result, Path(previous))
    target = Path(output) if output else default_output(result.year)
    # Every file a unit sent is an input and is never written over; an earlier summary may be replaced.
    inputs = tuple(Path(f.path) for f in result.files if f.kind != SUMMARY)
    for path in (target, *([Path(long_csv)] if long_csv else [])):
        check_writable(path, force)  # before anything is written: all outputs or none
    result.output = str(write_summary(result, target, unit=unit, level=level_label, force=force, inputs=inputs))
    if long_csv:
        result.long_output = str(write_long_csv(result, Path(long_csv), force=force, inputs=inputs))
    return result
