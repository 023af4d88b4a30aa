"""The standard workbook read back with openpyxl: labels, locks, validations, formulas, stamp, print setup."""

from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest

from tests.support import FMT, LAYOUT, balanced_inputs, cached_values
from toolkit.format.layout import address
from toolkit.format.stamp import STAMP_NAME, STAMP_SHEET
from toolkit.format.totals import complete
from toolkit.write.workbook import write_workbook


@pytest.fixture
def book(template):
    return openpyxl.load_workbook(template)


def _texts_in_order(sheet) -> list[str]:
    return [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]


def test_sheets_are_the_three_tables_with_header_and_instructions(book):
    names = book.sheetnames
    assert names[0] == FMT.header.sheet
    assert names[1:4] == [t.title[:31] for t in FMT.tables]
    assert "填表说明" in names
    assert book[STAMP_SHEET].sheet_state in ("veryHidden", "hidden")


def test_table_three_labels_present_once_and_in_order(book):
    table = FMT.table("t3")
    texts = _texts_in_order(book[table.title[:31]])
    leaves = [r.label for r in table.rows]
    positions = [texts.index(label) for label in leaves]
    assert positions == sorted(positions)
    for label in leaves:
        assert texts.count(label) == 1, label
    sheet = book[table.title[:31]]
    header_cells = [c for row in sheet.iter_rows(min_row=3, max_row=5) for c in row if isinstance(c.value, str)]
    by_column = sorted((c.column, c.value) for c in header_cells if c.value in {a.label for a in table.columns})
    assert [label for _, label in by_column] == [c.label for c in table.columns]
    for group in (
        "三、本年度办理结果",
        "（三）不予公开",
        "（四）无法提供",
        "（五）不予处理",
        "（六）其他处理",
        "申请人情况",
        "法人或其他组织",
        table.corner,
    ):
        assert texts.count(group) == 1, group


def test_table_two_and_four_labels_in_order(book):
    t2 = FMT.table("t2")
    texts = _texts_in_order(book[t2.title[:31]])
    expected = []
    for block in t2.blocks:
        expected += [block.title, t2.row_head, *[c.label for c in block.columns], *[r.label for r in block.rows]]
    assert texts[2:] == expected  # after the title and the unit/year line
    t4 = FMT.table("t4")
    texts = _texts_in_order(book[t4.title[:31]])
    assert texts[2:5] == ["行政复议", "行政诉讼", "结果维持"]
    assert texts.count("结果维持") == 3 and texts.count("总计") == 3


def test_merged_headers_of_table_three(book):
    sheet = book[FMT.table("t3").title[:31]]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A3:C5", "D3:J3", "D4:D5", "E4:I4", "J4:J5"} <= merged
    assert "A8:A29" in merged  # 三、本年度办理结果 over （一）…（七）


def test_input_cells_unlocked_everything_else_locked(book):
    inputs = {LAYOUT.locate(c.id) for c in FMT.input_cells}
    for table in LAYOUT.tables:
        sheet = book[table.sheet]
        assert sheet.protection.sheet is True
        assert sheet.protection.formatColumns is False  # False in the file = users may widen columns
        for row in sheet.iter_rows(min_row=1, max_row=table.last_row + 1, max_col=table.width):
            for cell in row:
                if type(cell).__name__ == "MergedCell":
                    continue
                unlocked = (table.sheet, cell.coordinate) in inputs
                assert cell.protection.locked is not unlocked, (table.sheet, cell.coordinate)


def test_every_input_cell_validated(book):
    for cell in FMT.input_cells:
        sheet, ref = LAYOUT.locate(cell.id)
        rules = [dv for dv in book[sheet].data_validations.dataValidation if ref in dv.sqref]
        assert len(rules) == 1, (sheet, ref)
        rule = rules[0]
        assert rule.operator == "greaterThanOrEqual" and rule.formula1 == "0"
        assert rule.type == ("decimal" if cell.kind == "amount" else "whole")
        assert rule.prompt
    fee_sheet, fee_ref = LAYOUT.locate("t2.fees.amount")
    assert book[fee_sheet][fee_ref].number_format == "0.0000"


def test_computed_cells_are_sum_formulas_of_their_terms(book):
    t3 = LAYOUT.table("t3")
    sheet = book[t3.sheet]
    assert sheet[t3.address("t3.r01.c7")].value == "=SUM(D6:I6)"
    assert sheet[t3.address("t3.r24.c1")].value == "=SUM(D8:D28)"
    t4 = LAYOUT.table("t4")
    assert book[t4.sheet][t4.address("t4.cases.ld_total")].value == "=SUM(F6:I6)"
    for cell in FMT.computed_cells:
        sheet_name, ref = LAYOUT.locate(cell.id)
        assert str(book[sheet_name][ref].value).startswith("=SUM("), cell.id


def test_r1_indicator_per_column_with_red_condition(book):
    t3 = LAYOUT.table("t3")
    sheet = book[t3.sheet]
    row = t3.check_row + 1
    for col_index in range(t3.label_columns, t3.width):
        formula = sheet.cell(row=row, column=col_index + 1).value
        letter = address(0, col_index)[:-1]
        assert formula == f'=IF({letter}6+{letter}7={letter}29+{letter}30,"平衡","不平衡")'
    rules = sheet.conditional_formatting
    assert any(f"D{row}:J{row}" in str(r.sqref) for r in rules)


def test_cached_values_equal_recomputed_totals(tmp_path):
    values = balanced_inputs()
    path = write_workbook(tmp_path / "v.xlsx", FMT, {"unit_name": "x", "year": 2025}, values)
    totals = complete(FMT, values)
    t3 = LAYOUT.table("t3")
    cached = cached_values(path, t3.sheet)
    for cell in FMT.computed_cells:
        sheet, ref = LAYOUT.locate(cell.id)
        if sheet == t3.sheet:
            assert cached[ref] == totals[cell.id], cell.id
    assert cached[address(t3.check_row, 3)] == "平衡"


def test_header_prefilled_and_stamp_present(template):
    book = openpyxl.load_workbook(template)
    sheet = book[FMT.header.sheet]
    assert sheet["A3"].value == "单位名称" and sheet["B3"].value == "白鹤镇人民政府"
    assert sheet["B5"].value == 2025
    assert book.defined_names[STAMP_NAME].attr_text == '"gov-2021|2021|1|template"'
    rows = [[c.value for c in row] for row in book[STAMP_SHEET].iter_rows()]
    assert ["format", "gov-2021"] in rows and ["kind", "template"] in rows


def test_print_setup_a4_landscape_one_page_wide(template):
    book = openpyxl.load_workbook(template)
    for table in LAYOUT.tables:
        sheet = book[table.sheet]
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.page_setup.paperSize == 9
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
        # fitToWidth is omitted when it is 1, the file format's default
        assert (sheet.page_setup.fitToWidth or 1) == 1 and sheet.page_setup.fitToHeight == 0
        assert sheet.print_title_rows == f"${table.header_rows[0] + 1}:${table.header_rows[1] + 1}"
    with zipfile.ZipFile(template) as archive:
        styles = archive.read("xl/styles.xml").decode()
    assert re.search(r'<name val="宋体"', styles)


def test_label_columns_wide_enough_or_wrapped(book):
    from toolkit.write.workbook import display_width

    t3 = LAYOUT.table("t3")
    sheet = book[t3.sheet]
    width_c = sheet.column_dimensions["C"].width
    for label in t3.labels:
        if label.role == "label" and label.col == 2:
            rows_tall = sheet.row_dimensions[label.row + 1].height or 15
            lines = rows_tall / 15
            assert display_width(label.text) <= width_c * lines + 1, label.text
