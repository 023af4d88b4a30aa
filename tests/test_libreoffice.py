"""Workbooks filled as a person would, recalculated and saved by a real spreadsheet program (LibreOffice)."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
import xlsxwriter

from tests.support import FMT, LAYOUT, balanced_inputs, cached_values, check_file, fill, libreoffice_convert
from toolkit.format.layout import address
from toolkit.format.stamp import Stamp
from toolkit.format.totals import complete
from toolkit.read.open import read_file as read_workbook
from toolkit.write.workbook import write_workbook

HEADER = {"unit_name": "白鹤镇人民政府", "unit_type": "乡镇/街道", "year": 2025}
UNBALANCED = {"t3.r25.c1": 4}  # one more carried forward than the column allows: 自然人 and 总计 break


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """All LibreOffice work of this module in two calls (each call costs about a second)."""
    folder = tmp_path_factory.mktemp("lo")
    template = write_workbook(folder / "template.xlsx", FMT, HEADER)
    head = {"filler": "张三", "filled_on": dt.datetime(2026, 1, 10)}
    balanced = fill(template, folder / "balanced.xlsx", balanced_inputs(), head)
    unbalanced = fill(template, folder / "unbalanced.xlsx", {**balanced_inputs(), **UNBALANCED}, head)
    by_tool = write_workbook(folder / "by_tool.xlsx", FMT, HEADER, balanced_inputs())
    stale = folder / "stale.xlsx"
    book = xlsxwriter.Workbook(str(stale))
    sheet = book.add_worksheet()
    sheet.write("A1", 2)
    sheet.write("A2", 3)
    sheet.write_formula("A3", "=A1+A2", None, 999)  # a wrong cached value: recalculation must replace it
    book.close()
    xlsx = libreoffice_convert([balanced, unbalanced, by_tool, stale], folder / "xlsx")
    others = libreoffice_convert([balanced], folder / "xls", "xls") + libreoffice_convert(
        [unbalanced], folder / "ods", "ods"
    )
    names = ["balanced", "unbalanced", "by_tool", "stale"]
    return {**dict(zip(names, xlsx, strict=True)), "xls": others[0], "ods": others[1], "template": template}


def test_canary_libreoffice_really_recalculates(converted):
    assert openpyxl.load_workbook(converted["stale"], data_only=True).active["A3"].value == 5


def test_balanced_filling_totals_and_indicators_after_recalculation(converted):
    totals = complete(FMT, balanced_inputs())
    for table in LAYOUT.tables:
        values = cached_values(converted["balanced"], table.sheet)
        for cell in FMT.computed_cells:
            if cell.table == table.table.key:
                assert values[table.address(cell.id)] == pytest.approx(float(totals[cell.id])), cell.id
    t3 = LAYOUT.table("t3")
    values = cached_values(converted["balanced"], t3.sheet)
    indicators = [values[address(t3.check_row, c)] for c in range(t3.label_columns, t3.width)]
    assert indicators == ["平衡"] * 7


def test_unbalanced_filling_shows_red_columns(converted):
    t3 = LAYOUT.table("t3")
    values = cached_values(converted["unbalanced"], t3.sheet)
    indicators = [values[address(t3.check_row, c)] for c in range(t3.label_columns, t3.width)]
    assert indicators == ["不平衡", "平衡", "平衡", "平衡", "平衡", "平衡", "不平衡"]


def test_cached_values_written_by_tool_equal_libreoffice(converted):
    for table in LAYOUT.tables:
        ours = cached_values(converted["template"].with_name("by_tool.xlsx"), table.sheet)
        theirs = cached_values(converted["by_tool"], table.sheet)
        for cell in FMT.computed_cells:
            if cell.table == table.table.key:
                ref = table.address(cell.id)
                assert ours[ref] == theirs[ref], cell.id
        if table.check_row is not None:
            for col in range(table.label_columns, table.width):
                ref = address(table.check_row, col)
                assert ours[ref] == theirs[ref]
        assert ours["A2"] == theirs["A2"] == "填报单位：白鹤镇人民政府　　年度：2025"


def test_stamp_protection_and_validation_survive_a_libreoffice_save(converted):
    sub = read_workbook(converted["balanced"])
    assert sub.stamp == Stamp("gov-2021", "2021", "1", "template")
    assert sub.saved_by.startswith("LibreOffice")
    book = openpyxl.load_workbook(converted["balanced"])
    t3 = LAYOUT.table("t3")
    sheet = book[t3.sheet]
    assert sheet.protection.sheet
    assert sheet[t3.address("t3.r01.c1")].protection.locked is False
    assert sheet[t3.address("t3.r01.c7")].protection.locked is True
    assert len(sheet.data_validations.dataValidation) > 0


def test_check_passes_on_balanced_and_names_the_cells_on_unbalanced(converted):
    report = check_file(converted["balanced"])
    assert report.valid, report.flatten("code", "cell", "message")
    assert report.findings == []
    report = check_file(converted["unbalanced"])
    assert report.flatten("code", "cell") == [("balance-r1", "D30"), ("balance-r1", "J30")]
    assert report.findings[0].message == "一+二=12，（七）+四=13，相差 1"


def test_xls_and_ods_copies_are_read_with_formulas_unverified(converted):
    xls = check_file(converted["xls"])
    assert xls.file_type == "xls" and xls.standard
    assert xls.flatten("code") == [("formula-unverified",)]
    ods = check_file(converted["ods"])
    assert ods.file_type == "ods"
    assert ods.flatten("code", "cell") == [("balance-r1", "D30"), ("balance-r1", "J30"), ("formula-unverified", "")]


def test_annotated_copy_of_an_xls_uses_the_standard_layout(converted, tmp_path):
    from toolkit.api import check_files

    reports = check_files([converted["xls"]], annotate_dir=tmp_path)
    copy = openpyxl.load_workbook(reports[0].annotated)
    assert copy["校验结果"]["I4"].value == "formula-unverified"  # under the note and the heading
    t3 = LAYOUT.table("t3")
    assert copy[t3.sheet][t3.address("t3.r01.c1")].value == balanced_inputs()["t3.r01.c1"]
