"""The standard workbook, written with XlsxWriter from the format's layout.

The same writer makes the blank template, the prefilled templates of a roster, the samples and the 汇总
sheet of a county summary: only the header values, the numbers and the stamp's kind differ.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from toolkit.files import atomic_path
from toolkit.formats import AMOUNT, Format
from toolkit.layout import TITLE_ROW, TableLayout, WorkbookLayout, address, column_letter, workbook_layout
from toolkit.stamp import STAMP_NAME, STAMP_SHEET, TEMPLATE, Stamp
from toolkit.text import cell_text
from toolkit.totals import complete, formula_sums

FONT = "宋体"
INSTRUCTIONS_SHEET = "填表说明"
BALANCED, UNBALANCED = "平衡", "不平衡"
AMOUNT_FORMAT = "0.0000"
LINE_HEIGHT = 15.0
LABEL_COLUMN_CAP = 44.0  # widest a label column may grow before its text wraps (keeps one page wide)
GROUP_COLUMN_CAP = 12.0


def display_width(text: str) -> float:
    """Width in Excel character units: a CJK (wide) character takes about two Latin widths."""
    return sum(2.1 if unicodedata.east_asian_width(ch) in "WF" else 1.0 for ch in str(text))


@dataclass
class Styles:
    book: Workbook
    cache: dict = field(default_factory=dict)

    def get(self, name: str):
        if name not in self.cache:
            self.cache[name] = self.book.add_format(self._spec(name))
        return self.cache[name]

    @staticmethod
    def _spec(name: str) -> dict:
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
            "text": {**boxed, "align": "left"},
        }[name]


def _sheet_ref(sheet: str, row: int, col: int) -> str:
    return f"'{sheet}'!${column_letter(col)}${row + 1}"


def _number(value) -> float | int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, int | float):
        return value
    return None


def _write_header_sheet(book: Workbook, styles: Styles, fmt: Format, layout: WorkbookLayout, header: Mapping):
    sheet = book.add_worksheet(fmt.header_sheet)
    sheet.merge_range(TITLE_ROW, 0, TITLE_ROW, 1, fmt.header_title, styles.get("title"))
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 1, 44)
    for field_ in fmt.header:
        row, col = layout.header.cells[field_.key]
        sheet.write_string(row, 0, field_.label, styles.get("label"))
        value = header.get(field_.key)
        if field_.kind == "date":
            if isinstance(value, dt.date):
                sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), styles.get("field_date"))
            else:
                sheet.write_blank(row, col, None, styles.get("field_date"))
            sheet.data_validation(
                row,
                col,
                row,
                col,
                {
                    "validate": "date",
                    "criteria": ">=",
                    "value": dt.date(2000, 1, 1),
                    "input_title": field_.label,
                    "input_message": "填写日期，例如 2025-01-15",
                },
            )
        elif field_.kind == "year":
            if isinstance(value, int):
                sheet.write_number(row, col, value, styles.get("field"))
            else:
                sheet.write_blank(row, col, None, styles.get("field"))
            sheet.data_validation(
                row,
                col,
                row,
                col,
                {
                    "validate": "integer",
                    "criteria": "between",
                    "minimum": 2000,
                    "maximum": 2100,
                    "input_title": field_.label,
                    "input_message": "填写报告年度，四位数字，例如 2025",
                    "error_message": "年度应为 2000～2100 之间的四位整数",
                },
            )
        else:
            if value:
                sheet.write_string(row, col, cell_text(value, 500), styles.get("field"))
            else:
                sheet.write_blank(row, col, None, styles.get("field"))
            if field_.kind == "choice":
                sheet.data_validation(
                    row,
                    col,
                    row,
                    col,
                    {
                        "validate": "list",
                        "source": [u.label for u in fmt.unit_types],
                        "input_title": field_.label,
                        "input_message": "从下拉列表中选择",
                    },
                )
            elif field_.required:
                sheet.data_validation(
                    row,
                    col,
                    row,
                    col,
                    {
                        "validate": "length",
                        "criteria": ">",
                        "value": 0,
                        "input_title": field_.label,
                        "input_message": f"必填：{field_.label}",
                    },
                )
    last = max(r for r, _ in layout.header.cells.values())
    sheet.write_string(last + 2, 0, "黄色单元格为填写项；请先填写本页，再填写表二、表三、表四。", styles.get("note"))
    return sheet


def _header_ref(fmt: Format, layout: WorkbookLayout, key: str) -> str:
    row, col = layout.header.cells[key]
    return _sheet_ref(fmt.header_sheet, row, col)


def _write_subtitle(
    sheet: Worksheet, styles: Styles, fmt: Format, layout: WorkbookLayout, header: Mapping, width: int
) -> None:
    """A line under the title naming the unit and year, linked to the 基本信息 sheet."""
    unit = cell_text(header.get("unit_name") or "", 500)
    year = header.get("year")
    formula = f'="填报单位："&{_header_ref(fmt, layout, "unit_name")}&"　　年度："&{_header_ref(fmt, layout, "year")}'
    cached = f"填报单位：{unit}　　年度：{year if year is not None else ''}"
    sheet.merge_range(1, 0, 1, width - 1, "", styles.get("subtitle"))
    sheet.write_formula(1, 0, formula, styles.get("subtitle"), cached)


def _place_labels(sheet: Worksheet, styles: Styles, table_layout: TableLayout) -> None:
    for label in table_layout.labels:
        style = styles.get(label.role)
        if label.merged:
            sheet.merge_range(label.row, label.col, label.last_row, label.last_col, label.text, style)
        else:
            sheet.write_string(label.row, label.col, label.text, style)


def _input_validation(kind: str) -> dict:
    if kind == AMOUNT:
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
    sheet: Worksheet, styles: Styles, fmt: Format, table_layout: TableLayout, values: Mapping, totals: Mapping
) -> None:
    sums = formula_sums(fmt)
    for cell_id, (row, col) in table_layout.cells.items():
        cell = fmt.cells[cell_id]
        last_col = table_layout.value_spans.get(cell_id, col)
        if cell.computed:
            terms = sums[cell_id].terms
            first, last = table_layout.cells[terms[0]], table_layout.cells[terms[-1]]
            formula = f"=SUM({address(*first)}:{address(*last)})"
            style = styles.get("computed_amount" if cell.kind == AMOUNT else "computed")
            sheet.write_formula(row, col, formula, style, _number(totals[cell_id]))
            continue
        style = styles.get(cell.kind)
        if last_col != col:
            sheet.merge_range(row, col, row, last_col, "", style)
        value = values.get(cell_id)
        if _number(value) is not None:
            sheet.write_number(row, col, _number(value), style)
        elif isinstance(value, str) and value:
            sheet.write_string(row, col, cell_text(value), style)
        else:
            sheet.write_blank(row, col, None, style)
        sheet.data_validation(row, col, row, col, _input_validation(cell.kind))


def _write_balance_row(sheet: Worksheet, styles: Styles, table_layout: TableLayout, totals: Mapping) -> None:
    """Under 表三: one live 平衡/不平衡 indicator per column, red when the column does not balance."""
    table = table_layout.table
    balance = table.balance
    row = table_layout.check_row
    sheet.merge_range(
        row, 0, row, table_layout.label_columns - 1, "勾稽关系校验：一 + 二 = （七）+ 四", styles.get("head")
    )
    for col_axis in table.columns:

        def refs(keys, col_key=col_axis.key):
            return "+".join(table_layout.address(table.cell_id(k, col_key)) for k in keys)

        def total(keys, col_key=col_axis.key):
            return sum(totals[table.cell_id(k, col_key)] for k in keys)

        col = table_layout.cells[table.cell_id(balance.left[0], col_axis.key)][1]
        ok = total(balance.left) == total(balance.right)
        formula = f'=IF({refs(balance.left)}={refs(balance.right)},"{BALANCED}","{UNBALANCED}")'
        sheet.write_formula(row, col, formula, styles.get("check"), BALANCED if ok else UNBALANCED)
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
            "value": f'"{UNBALANCED}"',
            "format": styles.get("check_bad"),
        },
    )


def _fit_columns(sheet: Worksheet, table_layout: TableLayout) -> None:
    """Column widths measured for Chinese text; labels too wide for their column wrap onto more lines."""
    widths = [8.0] * table_layout.width
    for label in table_layout.labels:
        if label.role in ("title", "corner") or (label.last_col not in (None, label.col)):
            continue
        cap = LABEL_COLUMN_CAP
        if label.col < table_layout.label_columns - 1:
            cap = GROUP_COLUMN_CAP
        widths[label.col] = max(widths[label.col], min(display_width(label.text) + 2, cap))
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


def _print_setup(sheet: Worksheet, table_layout: TableLayout) -> None:
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.center_horizontally()
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.repeat_rows(*table_layout.header_rows)
    sheet.set_footer("&C第 &P 页，共 &N 页")


def _protect(sheet: Worksheet, password: str | None) -> None:
    sheet.protect(password or "", {"format_columns": True, "format_rows": True})


def _write_table_sheet(
    book: Workbook,
    styles: Styles,
    fmt: Format,
    layout: WorkbookLayout,
    table_layout: TableLayout,
    header: Mapping,
    values: Mapping,
    totals: Mapping,
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


def instructions(fmt: Format) -> list[str]:
    """The 填表说明 text, in plain Chinese for the person filling the form."""
    t3 = fmt.table("t3")
    balance = t3.balance
    left = "＋".join(t3.row(k).label for k in balance.left)
    right = "＋".join(t3.row(k).label for k in balance.right)
    other = next(r for r in t3.rows if r.key == "r23")
    return [
        f"本表依据《{fmt.name}》（{fmt.document}）制作，适用于 {fmt.first_year} 年度及以后的年度报告。",
        "一、先填写“基本信息”页：单位名称、单位类型、年度必须填写。",
        "二、黄色单元格是填写项，灰色单元格是公式自动计算，已锁定，不需要也不能修改。",
        "三、每个黄色单元格都要填数字：没有发生的填 0，不要留空，不要填“无”“/”“—”等文字。",
        "四、件数、数量都填整数（不带“件”字），不能为负数。",
        "五、“本年收费金额”的单位是万元，可保留最多 4 位小数（即精确到元），例如 12.3456。",
        f"六、撤回的申请也要统计：一般计入“{'·'.join(other.path[1:])}”，否则勾稽关系不平衡。",
        f"七、表三每一列都必须满足：{left} ＝ {right}。表三下方的“勾稽关系校验”一行会即时显示"
        f"“{BALANCED}”或“{UNBALANCED}”（红色），显示{UNBALANCED}时请核对该列。",
        "八、表三每一行的“总计”等于自然人与五类法人或其他组织之和；“（七）总计”等于（一）至（六）各项之和；"
        "表四三个“总计”各等于结果维持、结果纠正、其他结果、尚未审结之和。这些都由公式自动计算。",
        "九、乡镇（街道）、县级人民政府及其部门没有规章制定权，表二“规章”一行应为 0。",
        "十、请不要增删行列、不要修改工作表名称、不要取消工作表保护；粘贴数据时请使用“选择性粘贴—数值”。",
        "十一、填好后直接保存为 .xlsx 文件发回，文件名建议使用单位名称。",
    ]


def _write_instructions(book: Workbook, styles: Styles, fmt: Format) -> None:
    sheet = book.add_worksheet(INSTRUCTIONS_SHEET)
    sheet.set_column(0, 0, 110)
    sheet.write_string(0, 0, INSTRUCTIONS_SHEET, styles.get("title"))
    for index, line in enumerate(instructions(fmt), start=2):
        sheet.write_string(index, 0, line, styles.get("note"))
        sheet.set_row(index, LINE_HEIGHT * math.ceil(display_width(line) / 105))
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
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
    header: Mapping,
    values: Mapping | None = None,
    password: str | None = None,
    kind: str = TEMPLATE,
) -> Styles:
    """Add the standard sheets (基本信息, 表二–四, 填表说明, stamp) to an open XlsxWriter workbook."""
    values = values or {}
    layout = workbook_layout(fmt)
    numeric = {k: v for k, v in values.items() if _number(v) is not None}
    totals = complete(fmt, numeric)
    styles = Styles(book)
    header_sheet = _write_header_sheet(book, styles, fmt, layout, header)
    _protect(header_sheet, password)
    for table_layout in layout.tables:
        _write_table_sheet(book, styles, fmt, layout, table_layout, header, values, totals, password)
    _write_instructions(book, styles, fmt)
    _write_stamp(book, Stamp(fmt.id, fmt.version, kind=kind))
    book.set_properties(
        {
            "title": cell_text(f"{fmt.name}（{header.get('unit_name') or '空白模板'}）", 200),
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
    header: Mapping,
    values: Mapping | None = None,
    *,
    password: str | None = None,
    kind: str = TEMPLATE,
) -> None:
    """Write a standard workbook straight to ``path``; callers make it atomic."""
    book = new_book(path)
    build_workbook(book, fmt, header, values, password=password, kind=kind)
    book.close()


def write_workbook(
    path: Path,
    fmt: Format,
    header: Mapping,
    values: Mapping | None = None,
    *,
    password: str | None = None,
    kind: str = TEMPLATE,
    force: bool = False,
) -> Path:
    """Write a standard workbook to ``path`` atomically; refuse to replace a file unless ``force``."""
    with atomic_path(Path(path), force=force) as temp:
        render_workbook(temp, fmt, header, values, password=password, kind=kind)
    return Path(path)
