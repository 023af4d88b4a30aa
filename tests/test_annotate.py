"""`check --annotate`: the copy a clerk gets back, opened as Excel would open it, corrected and sent again."""

from __future__ import annotations

import re
import zipfile

import openpyxl

from tests.support import FMT, LAYOUT, check_file, libreoffice_convert
from toolkit.api import check_files
from toolkit.format.stamp import STAMP_SHEET

T3 = LAYOUT.table("t3").sheet


def annotate_one(filled, tmp_path, changes, name="白鹤镇.xlsx"):
    source = filled(changes, name=name)
    before = source.read_bytes()
    report = check_files([source], annotate_dir=tmp_path / "批注")[0]
    assert source.read_bytes() == before  # the unit's file is never touched
    return source, report, tmp_path / "批注" / f"{source.stem}_校验批注.xlsx"


def test_copy_marks_the_cells_and_lists_the_findings_with_internal_links(filled, tmp_path):
    _, report, copy = annotate_one(filled, tmp_path, {"t3.r25.c1": 4, "t3.r05.c3": "无"})
    assert report.annotated == str(copy)
    book = openpyxl.load_workbook(copy)
    sheet = book[T3]
    assert sheet["D30"].fill.fgColor.rgb.endswith("FFC7CE") and "balance-r1" in sheet["D30"].comment.text
    assert sheet["F10"].value == "无" and "not-a-number" in sheet["F10"].comment.text  # what was typed stays
    results = book["校验结果"]
    assert book.sheetnames[0] == "校验结果"
    assert "批注副本" in results["A1"].value and "改正" in results["A1"].value  # the note tells the clerk what to do
    rows = [[c.value for c in row] for row in results.iter_rows(min_row=4)]
    assert [r[2] for r in rows] == [f.cell for f in report.findings]
    assert results["C4"].hyperlink.location == f"'{T3}'!F10" and not results["C4"].hyperlink.target
    assert all(c.data_type != "f" for row in results.iter_rows() for c in row)


def test_copy_opens_as_excel_expects_it(filled, tmp_path):
    _, _, copy = annotate_one(filled, tmp_path, {"t3.r25.c1": 4})
    with zipfile.ZipFile(copy) as archive:
        names = archive.namelist()
        sheets = [archive.read(n).decode() for n in names if n.startswith("xl/worksheets/sheet")]
        rels = "".join(archive.read(n).decode() for n in names if n.endswith(".rels"))
        workbook = archive.read("xl/workbook.xml").decode()
    assert "xl/sharedStrings.xml" in names and not any('t="inlineStr"' in s for s in sheets)
    assert sum('tabSelected="1"' in s for s in sheets) == 1  # one sheet selected
    assert 'TargetMode="External"' not in rels  # links stay inside the workbook
    formulas = re.findall(r"<f>[^<]*</f><v>([^<]*)</v>", "".join(sheets))
    assert formulas and all(v != "" for v in formulas)  # every total carries its value
    assert re.search(r'<sheet name="_xltool"[^>]*state="veryHidden"', workbook)
    book = openpyxl.load_workbook(copy, data_only=True)
    assert book[T3]["D31"].value == "不平衡" and book[STAMP_SHEET].sheet_state == "veryHidden"


def test_a_corrected_copy_sent_back_is_checked_like_any_submission(filled, tmp_path):
    _, report, copy = annotate_one(filled, tmp_path, {"t3.r25.c1": 4, "t3.r05.c3": "无"})
    again = check_file(copy)  # uncorrected: the same problems, nothing about being a copy
    assert again.flatten("code", "cell") == report.flatten("code", "cell")
    book = openpyxl.load_workbook(copy)  # the clerk corrects the red cells and saves (here through LibreOffice)
    book[T3]["D30"] = 3
    book[T3]["F10"] = 0
    book.save(tmp_path / "改正.xlsx")
    corrected = libreoffice_convert([tmp_path / "改正.xlsx"], tmp_path / "lo")[0]
    result = check_file(corrected)
    assert result.valid and result.findings == [], result.flatten("code", "cell")
    assert (result.unit, result.year, result.standard) == ("白鹤镇人民政府", 2025, True)


def test_copy_of_a_workbook_with_a_deleted_row_still_written(filled, tmp_path):
    source = filled(name="删行.xlsx")
    book = openpyxl.load_workbook(source)
    book[T3].delete_rows(10)  # 1.属于国家秘密
    book.save(source)
    report = check_files([source], annotate_dir=tmp_path / "批注")[0]
    assert "rows-missing" in [f.code for f in report.findings] and report.annotated
    assert FMT.table("t3").row("r05").label in report.findings[0].message


def test_copy_of_a_report_in_the_2019_format(tmp_path):
    """The trial format's yearly changes are signed numbers: its reports get annotated copies too."""
    from tests.support import REPORTS

    report = check_files([REPORTS / "02_shanghai-govoffice-2019.txt"], annotate_dir=tmp_path)[0]
    copy = tmp_path / "02_shanghai-govoffice-2019_校验批注.xlsx"
    assert report.annotated == str(copy)
    again = check_file(copy)
    assert (again.format, again.unit, again.year) == ("gov-2019", report.unit, 2019)
    book = openpyxl.load_workbook(copy)
    bounds = [(dv.formula1, dv.formula2) for sheet in book.worksheets for dv in sheet.data_validations.dataValidation]
    assert ("-1000000000", "1000000000") in bounds  # a yearly change may be negative
