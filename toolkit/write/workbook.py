"""The standard workbook, written with XlsxWriter from the format's layout.

The same writer makes the blank template, the prefilled templates of a roster, the samples and the 汇总
sheet of a county summary: only the header values, the numbers and the stamp's kind differ.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from toolkit import words
from toolkit.findings import Severity
from toolkit.format.layout import TITLE_ROW, TableLayout, WorkbookLayout, address, column_letter, workbook_layout
from toolkit.format.model import Format, HeaderField, HeaderKey, Kind
from toolkit.format.stamp import STAMP_NAME, STAMP_SHEET, Stamp, StampKind
from toolkit.format.totals import Number, complete, formula_sums
from toolkit.text import cell_text, short_label
from toolkit.write.files import atomic_path
from toolkit.write.stream import StreamedSheet

FONT = "宋体"
AMOUNT_FORMAT = "0.0000"
LINE_HEIGHT = 15.0
HEADER_WIDTHS = (14.0, 44.0)  # the 基本信息 sheet: labels, values
INSTRUCTIONS_WIDTH = 110.0
LABEL_COLUMN_CAP = 44.0  # widest a label column may grow before its text wraps (keeps one page wide)
GROUP_COLUMN_CAP = 12.0
# A number column's heading wraps beyond this width, as on the official form (a four-character heading over two lines): the
# table stays narrow, and a PDF printed from it keeps each heading in its own cell for text extractors.
HEAD_COLUMN_CAP = 8.0


def display_width(text: str) -> float:
    """Width in Excel character units: a Chinese character (two bytes in GBK) takes about two Latin widths
    (a little more). GBK measures it in one C call, which matters for the thousands of rows of a summary."""
    value = str(text)
    wide = len(value.encode("gbk", "replace")) - len(value)
    return len(value) + wide * 1.1


MARK_FILLS = {Severity.ERROR: "#FFC7CE", Severity.WARNING: "#FFEB9C"}
Mark = tuple[Severity, str]  # a finding's severity and its text, for a cell of an annotated copy
Marks = Mapping[str, Mark]  # by cell id, or by header key


@dataclass
class Styles:
    """The workbook's cell formats by name, each added to the workbook once; and the marks of an annotated
    copy (a cell marked is filled red or yellow and carries the findings as a comment)."""

    book: Workbook
    marks: Marks = field(default_factory=dict)
    cache: dict[tuple[str, str], Any] = field(default_factory=dict)

    def get(self, name: str, fill: str = "") -> Any:
        if (name, fill) not in self.cache:
            spec = {**self._spec(name), **({"bg_color": fill} if fill else {})}
            self.cache[(name, fill)] = self.book.add_format(spec)
        return self.cache[(name, fill)]

    def cell(self, name: str, key: str) -> Any:
        """The style for a cell of the format (or header field), filled when the cell is marked."""
        mark = self.marks.get(key)
        return self.get(name, MARK_FILLS[mark[0]] if mark else "")

    def comment(self, sheet: Worksheet, row: int, col: int, key: str) -> None:
        mark = self.marks.get(key)
        if mark:
            sheet.write_comment(row, col, cell_text(mark[1], 2000), {"author": "xltool", "x_scale": 3, "y_scale": 2.5})

    @staticmethod
    def _spec(name: str) -> dict[str, object]:
        base = {"font_name": FONT, "font_size": 11, "valign": "vcenter", "text_wrap": True}
        boxed = {**base, "border": 1}
        return {
            "title": {**base, "bold": True, "font_size": 16, "align": "center", "text_wrap": False},
            "subtitle": {**base, "align": "left", "text_wrap": False},
            "corner": {**boxed, "align": "left", "font_size": 9},
            "head": {**boxed, "bold": True, "align": "center", "bg_color": "#DDEBF7"},
            "group": {**boxed, "align": "center"},
            "label": {**boxed, "align": "left"},
            "count": {**boxed, "align": "right", "locked": False, "bg_color": "#FFF9DB", "num_format": "0"},
            # a yearly change (2019 format): signed; met only in annotated copies of such reports
            "delta": {**boxed, "align": "right", "locked": False, "bg_color": "#FFF9DB", "num_format": "0"},
            "amount": {**boxed, "align": "right", "locked": False, "bg_color": "#FFF9DB", "num_format": AMOUNT_FORMAT},
            "computed": {**boxed, "align": "right", "bg_color": "#EDEDED", "num_format": "0"},
            "computed_amount": {**boxed, "align": "right", "bg_color": "#EDEDED", "num_format": AMOUNT_FORMAT},
            "check": {**boxed, "align": "center", "bold": True, "font_color": "#006100", "bg_color": "#E2EFDA"},
            "check_bad": {"font_color": "#9C0006", "bg_color": "#FFC7CE", "bold": True},
            "field": {**boxed, "locked": False, "bg_color": "#FFF9DB", "align": "left"},
            "field_date": {
                **boxed,
                "locked": False,
                "bg_color": "#FFF9DB",
                "align": "left",
                "num_format": "yyyy-mm-dd",
            },
            "note": {**base, "align": "left"},
            "link": {**boxed, "align": "left", "font_color": "#0563C1", "underline": 1},
            "text": {**boxed, "align": "left"},
            "plain": {"font_name": FONT, "font_size": 11, "valign": "vcenter", "align": "left"},
        }[name]


def _sheet_ref(sheet: str, row: int, col: int) -> str:
    return f"'{sheet}'!${column_letter(col)}${row + 1}"


def _exact(value: object) -> Number | None:
    """A value as an exact number for the cached totals (a float as the decimal it shows), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return None


def _number(value: object) -> float | int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, int | float):
        return value
    return None


HeaderValues = Mapping[HeaderKey, object]


def _validate(sheet: Worksheet, row: int, col: int, rule: dict[str, object]) -> None:
    sheet.data_validation(row, col, row, col, rule)


def _header_date(sheet: Worksheet, styles: Styles, field_: HeaderField, at: tuple[int, int], value: object) -> None:
    row, col = at
    style = styles.cell("field_date", field_.key)
    if isinstance(value, dt.date):
        moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        sheet.write_datetime(row, col, moment, style)
    elif value not in (None, ""):
        sheet.write_string(row, col, cell_text(value, 500), style)  # a date typed as text stays as typed
    else:
        sheet.write_blank(row, col, None, style)
    rule = {"validate": "date", "criteria": ">=", "value": dt.date(2000, 1, 1), "input_title": field_.label}
    _validate(sheet, row, col, {**rule, "input_message": "填写日期，例如 2025-01-15"})


def _header_year(sheet: Worksheet, styles: Styles, field_: HeaderField, at: tuple[int, int], value: object) -> None:
    row, col = at
    style = styles.cell("field", field_.key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        sheet.write_number(row, col, value, style)
    elif value not in (None, ""):
        sheet.write_string(row, col, cell_text(value, 500), style)  # "2025年" stays as typed
    else:
        sheet.write_blank(row, col, None, style)
    rule = {"validate": "integer", "criteria": "between", "minimum": 2000, "maximum": 2100}
    messages = {
        "input_message": "填写报告年度，四位数字，例如 2025",
        "error_message": "年度应为 2000～2100 之间的四位整数",
    }
    _validate(sheet, row, col, {**rule, "input_title": field_.label, **messages})


def _header_text(
    sheet: Worksheet, styles: Styles, fmt: Format, field_: HeaderField, at: tuple[int, int], value: object
) -> None:
    row, col = at
    style = styles.cell("field", field_.key)
    if value:
        sheet.write_string(row, col, cell_text(value, 500), style)
    else:
        sheet.write_blank(row, col, None, style)
    if field_.kind == "choice":
        choices = [u.label for u in fmt.unit_types]
        _validate(
            sheet,
            row,
            col,
            {"validate": "list", "source": choices, "input_title": field_.label, "input_message": "从下拉列表中选择"},
        )
    elif field_.required:
        rule = {"validate": "length", "criteria": ">", "value": 0, "input_title": field_.label}
        _validate(sheet, row, col, {**rule, "input_message": f"必填：{field_.label}"})


def _write_header_sheet(
    book: Workbook, styles: Styles, fmt: Format, layout: WorkbookLayout, header: HeaderValues
) -> Worksheet:
    sheet = book.add_worksheet(fmt.header.sheet)
    sheet.merge_range(TITLE_ROW, 0, TITLE_ROW, 1, fmt.header.title, styles.get("title"))
    sheet.set_row(TITLE_ROW, 28)
    sheet.set_column(0, 0, HEADER_WIDTHS[0])
    sheet.set_column(1, 1, HEADER_WIDTHS[1])
    for field_ in fmt.header.fields:
        at = layout.header.cells[field_.key]
        sheet.write_string(at[0], 0, field_.label, styles.get("label"))
        value = header.get(field_.key)
        if field_.kind == "date":
            _header_date(sheet, styles, field_, at, value)
        elif field_.kind == "year":
            _header_year(sheet, styles, field_, at, value)
        else:
            _header_text(sheet, styles, fmt, field_, at, value)
        styles.comment(sheet, *at, field_.key)
    last = max(r for r, _ in layout.header.cells.values())
    # The note spans both columns and gets the height its wrapped lines need.
    sheet.merge_range(last + 2, 0, last + 2, 1, fmt.header.note, styles.get("note"))
    sheet.set_row(last + 2, row_height([(fmt.header.note, HEADER_WIDTHS[0] + HEADER_WIDTHS[1])]))
    print_setup(sheet, landscape=False)
    return sheet


def _header_ref(fmt: Format, layout: WorkbookLayout, key: HeaderKey) -> str:
    row, col = layout.header.cells[key]
    return _sheet_ref(fmt.header.sheet, row, col)


def _write_subtitle(
    sheet: Worksheet, styles: Styles, fmt: Format, layout: WorkbookLayout, header: HeaderValues, width: int
) -> None:
    """A line under the title naming the unit and year, linked to the 基本信息 sheet."""
    unit = cell_text(header.get(HeaderKey.UNIT) or "", 500)
    year = header.get(HeaderKey.YEAR)
    unit_ref, year_ref = _header_ref(fmt, layout, HeaderKey.UNIT), _header_ref(fmt, layout, HeaderKey.YEAR)
    year_label = fmt.header.label(HeaderKey.YEAR)
    formula = f'="{words.FILLED_BY}："&{unit_ref}&"　　{year_label}："&{year_ref}'
    cached = f"{words.FILLED_BY}：{unit}　　{year_label}：{year if year is not None else ''}"
    sheet.merge_range(1, 0, 1, width - 1, "", styles.get("subtitle"))
    sheet.write_formula(1, 0, formula, styles.get("subtitle"), cached)


def _place_labels(sheet: Worksheet, styles: Styles, table_layout: TableLayout) -> None:
    for label in table_layout.labels:
        style = styles.get(label.role)
        if label.merged:
            sheet.merge_range(label.row, label.col, label.last_row, label.last_col, label.text, style)
        else:
            sheet.write_string(label.row, label.col, label.text, style)


DELTA_LIMIT = 10**9


def _input_validation(kind: Kind) -> dict[str, object]:
    if kind == Kind.DELTA:
        return {
            "validate": "integer",
            "criteria": "between",
            "minimum": -DELTA_LIMIT,
            "maximum": DELTA_LIMIT,
            "input_title": "增减数",
            "input_message": "填写整数，减少填负数；没有变化填 0",
            "error_title": "增减数有误",
            "error_message": "请填写整数（减少填负数）",
        }
    if kind == Kind.AMOUNT:
        return {
            "validate": "decimal",
            "criteria": ">=",
            "value": 0,
            "input_title": "金额（万元）",
            "input_message": "填写数字，单位万元，最多 4 位小数；没有填 0",
            "error_title": "金额有误",
            "error_message": "请填写不小于 0 的数字（单位：万元）",
        }
    return {
        "validate": "integer",
        "criteria": ">=",
        "value": 0,
        "input_title": "件数",
        "input_message": "填写整数；没有填 0，不要留空",
        "error_title": "件数有误",
        "error_message": "请填写不小于 0 的整数",
    }


def _write_cells(
    sheet: Worksheet,
    styles: Styles,
    fmt: Format,
    table_layout: TableLayout,
    values: Mapping[str, object],
    totals: Mapping[str, Number],
) -> None:
    sums = formula_sums(fmt)
    for cell_id, (row, col) in table_layout.cells.items():
        cell = fmt.cells[cell_id]
        last_col = table_layout.value_spans.get(cell_id, col)
        styles.comment(sheet, row, col, cell_id)
        if cell.computed:
            terms = sums[cell_id].terms
            first, last = table_layout.cells[terms[0]], table_layout.cells[terms[-1]]
            formula = f"=SUM({address(*first)}:{address(*last)})"
            style = styles.cell("computed_amount" if cell.kind == Kind.AMOUNT else "computed", cell_id)
            sheet.write_formula(row, col, formula, style, _number(totals[cell_id]))
            continue
        style = styles.cell(cell.kind, cell_id)
        if last_col != col:
            sheet.merge_range(row, col, row, last_col, "", style)
        _write_value(sheet, row, col, values.get(cell_id), style)
        sheet.data_validation(row, col, row, col, _input_validation(cell.kind))


def _write_value(sheet: Worksheet, row: int, col: int, value: object, style: Any) -> None:
    """A value as the unit gave it: a number, a word, a date typed into a number cell, or nothing."""
    if _number(value) is not None:
        sheet.write_number(row, col, _number(value), style)
    elif isinstance(value, dt.date | dt.datetime):
        moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        sheet.write_datetime(row, col, moment, style)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, style)
    elif value not in (None, ""):
        sheet.write_string(row, col, cell_text(value), style)
    else:
        sheet.write_blank(row, col, None, style)


def _write_balance_row(
    sheet: Worksheet, styles: Styles, table_layout: TableLayout, totals: Mapping[str, Number]
) -> None:
    """Under 表三: one live 平衡/不平衡 indicator per column, red when the column does not balance."""
    table = table_layout.table
    balance = table.balance
    row = table_layout.check_row
    if balance is None or row is None:
        return
    equation = f"{'+'.join(short_label(table.row(k).label) for k in balance.left)} = " + "+".join(
        short_label(table.row(k).label) for k in balance.right
    )
    sheet.merge_range(
        row, 0, row, table_layout.label_columns - 1, f"{words.BALANCE_CHECK}：{equation}", styles.get("head")
    )
    for col_axis in table.columns:
        left = [table.cell_id(k, col_axis.key) for k in balance.left]
        right = [table.cell_id(k, col_axis.key) for k in balance.right]
        col = table_layout.cells[left[0]][1]
        ok = sum(totals[c] for c in left) == sum(totals[c] for c in right)
        refs = ("+".join(table_layout.address(c) for c in side) for side in (left, right))
        formula = f'=IF({next(refs)}={next(refs)},"{words.BALANCED}","{words.UNBALANCED}")'
        sheet.write_formula(row, col, formula, styles.get("check"), words.BALANCED if ok else words.UNBALANCED)
    first = table_layout.label_columns
    last = first + len(table.columns) - 1
    sheet.conditional_format(
        row,
        first,
        row,
        last,
        {
            "type": "cell",
            "criteria": "==",
            "value": f'"{words.UNBALANCED}"',
            "format": styles.get("check_bad"),
        },
    )


def column_widths(table_layout: TableLayout) -> list[float]:
    """Column widths (Excel character units) measured for Chinese text; labels too wide wrap onto more
    lines. The Word and web exports use the same widths, so the three print alike."""
    widths = [8.0] * table_layout.width
    for label in table_layout.labels:
        if label.role in ("title", "corner") or (label.last_col not in (None, label.col)):
            continue
        cap = LABEL_COLUMN_CAP
        if label.col >= table_layout.label_columns:
            cap = HEAD_COLUMN_CAP
        elif label.col < table_layout.label_columns - 1:
            cap = GROUP_COLUMN_CAP
        widths[label.col] = max(widths[label.col], min(display_width(label.text) + 2, cap))
    return widths


def _fit_columns(sheet: Worksheet, table_layout: TableLayout) -> None:
    """Column widths for Chinese text, and row heights for the labels that wrap."""
    widths = column_widths(table_layout)
    for index, width in enumerate(widths):
        sheet.set_column(index, index, width)
    heights: dict[int, float] = {}
    for label in table_layout.labels:
        last_col = label.last_col if label.last_col is not None else label.col
        last_row = label.last_row if label.last_row is not None else label.row
        room = sum(widths[label.col : last_col + 1]) - 1
        lines = math.ceil(display_width(label.text) / max(room, 1))
        per_row = lines * LINE_HEIGHT / (last_row - label.row + 1)
        for row in range(label.row, last_row + 1):
            heights[row] = max(heights.get(row, LINE_HEIGHT), per_row)
    for row, height in heights.items():
        if height > LINE_HEIGHT:
            sheet.set_row(row, height)


A4 = 9
# Page numbers restart on every sheet; a total is not shown, as some programs count every sheet's pages.
FOOTER = "&C&A　第 &P 页"


def print_setup(sheet: Worksheet, *, landscape: bool = True, header_rows: tuple[int, int] | None = None) -> None:
    """A4, one page wide, numbered per sheet, with the header rows repeated on every page."""
    if landscape:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    sheet.set_paper(A4)
    sheet.fit_to_pages(1, 0)
    sheet.center_horizontally()
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    if header_rows is not None:
        sheet.repeat_rows(*header_rows)
    sheet.set_footer(FOOTER)
    sheet.set_start_page(1)


def row_height(texts: Sequence[tuple[str, float]]) -> float:
    """The height a row needs so that every wrapped (text, column width) of it shows whole."""
    lines = max((math.ceil(display_width(text) / max(width - 1, 1)) for text, width in texts if text), default=1)
    return max(lines, 1) * LINE_HEIGHT


def wrapped_rows(
    sheet: Worksheet, styles: Styles, rows: Sequence[Sequence[str]], first: int, widths: tuple[float, ...]
) -> None:
    """Rows of text in columns of the given widths, wrapped, each row as high as its longest cell needs."""
    text = styles.get("text")
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    streamed = isinstance(sheet, StreamedSheet)  # a summary's thousands of rows: straight to the sheet's XML
    for row, values in enumerate(rows, start=first):
        height = row_height(list(zip(values, widths, strict=False)))
        if streamed:
            sheet.stream_row(row, [value or "" for value in values], (), text, height if height > LINE_HEIGHT else None)
            continue
        for col, value in enumerate(values):
            sheet.write_string(row, col, cell_text(value or ""), text)
        if height > LINE_HEIGHT:
            sheet.set_row(row, height)


def _print_setup(sheet: Worksheet, table_layout: TableLayout) -> None:
    print_setup(sheet, header_rows=table_layout.header_rows)


def _protect(sheet: Worksheet, password: str | None) -> None:
    sheet.protect(password or "", {"format_columns": True, "format_rows": True})


def _write_table_sheet(
    book: Workbook,
    styles: Styles,
    fmt: Format,
    layout: WorkbookLayout,
    table_layout: TableLayout,
    header: HeaderValues,
    values: Mapping[str, object],
    totals: Mapping[str, Number],
    password: str | None,
) -> Worksheet:
    sheet = book.add_worksheet(table_layout.sheet)
    table = table_layout.table
    sheet.merge_range(TITLE_ROW, 0, TITLE_ROW, table_layout.width - 1, table.title, styles.get("title"))
    sheet.set_row(TITLE_ROW, 28)
    _write_subtitle(sheet, styles, fmt, layout, header, table_layout.width)
    _place_labels(sheet, styles, table_layout)
    _write_cells(sheet, styles, fmt, table_layout, values, totals)
    if table_layout.check_row is not None:
        _write_balance_row(sheet, styles, table_layout, totals)
    _fit_columns(sheet, table_layout)
    _print_setup(sheet, table_layout)
    _protect(sheet, password)
    return sheet


def _write_instructions(book: Workbook, styles: Styles, fmt: Format) -> None:
    sheet = book.add_worksheet(words.INSTRUCTIONS_SHEET)
    sheet.set_column(0, 0, INSTRUCTIONS_WIDTH)
    sheet.write_string(0, 0, words.INSTRUCTIONS_SHEET, styles.get("title"))
    for index, line in enumerate(fmt.instructions, start=2):
        sheet.write_string(index, 0, line, styles.get("note"))
        sheet.set_row(index, row_height([(line, INSTRUCTIONS_WIDTH)]))
    print_setup(sheet)
    sheet.protect("", {"format_columns": True, "format_rows": True})


def _write_stamp(book: Workbook, stamp: Stamp) -> None:
    book.define_name(STAMP_NAME, f'="{stamp.text()}"')
    sheet = book.add_worksheet(STAMP_SHEET)
    for row, (key, value) in enumerate(stamp.rows()):
        sheet.write_string(row, 0, key)
        sheet.write_string(row, 1, value)
    sheet.very_hidden()


def build_workbook(
    book: Workbook,
    fmt: Format,
    header: HeaderValues,
    values: Mapping[str, object] | None = None,
    password: str | None = None,
    kind: StampKind = StampKind.TEMPLATE,
    marks: Marks | None = None,
) -> Styles:
    """Add the standard sheets (基本信息, 表二–四, 填表说明, stamp) to an open XlsxWriter workbook."""
    values = values or {}
    layout = workbook_layout(fmt)
    totals = complete(fmt, {k: _exact(v) for k, v in values.items()})
    styles = Styles(book, marks or {})
    header_sheet = _write_header_sheet(book, styles, fmt, layout, header)
    _protect(header_sheet, password)
    for table_layout in layout.tables:
        _write_table_sheet(book, styles, fmt, layout, table_layout, header, values, totals, password)
    _write_instructions(book, styles, fmt)
    _write_stamp(book, Stamp(fmt.id, fmt.version, kind=kind))
    book.set_properties(
        {
            "title": cell_text(f"{fmt.name}（{header.get(HeaderKey.UNIT) or '空白模板'}）", 200),
            "subject": fmt.document,
            "comments": fmt.id,
        }
    )
    return styles


def new_book(path: Path) -> Workbook:
    return xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})


def render_workbook(
    path: Path,
    fmt: Format,
    header: HeaderValues,
    values: Mapping[str, object] | None = None,
    *,
    password: str | None = None,
    kind: StampKind = StampKind.TEMPLATE,
) -> None:
    """Write a standard workbook straight to ``path``; callers make it atomic."""
    book = new_book(path)
    build_workbook(book, fmt, header, values, password=password, kind=kind)
    book.close()


def write_workbook(
    path: Path,
    fmt: Format,
    header: HeaderValues,
    values: Mapping[str, object] | None = None,
    *,
    password: str | None = None,
    kind: StampKind = StampKind.TEMPLATE,
    force: bool = False,
) -> Path:
    """Write a standard workbook to ``path`` atomically; refuse to replace a file unless ``force``."""
    with atomic_path(Path(path), force=force) as temp:
        render_workbook(temp, fmt, header, values, password=password, kind=kind)
    return Path(path)
