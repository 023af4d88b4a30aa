"""`check`: a template filled as a person would, one fault injected per test, the exact findings asserted."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest

from tests.support import FMT, LAYOUT, balanced_inputs, check_file, fill, libreoffice_convert
from toolkit.api import read_and_check as check_workbook
from toolkit.cli import main
from toolkit.findings import catalogue
from toolkit.write.workbook import write_workbook

FEE = LAYOUT.table("t2").address("t2.fees.amount")


def codes_cells(report):
    return report.flatten("code", "cell")


def test_balanced_filling_passes(filled):
    report = check_file(filled())
    assert report.valid and report.findings == []
    assert (report.unit, report.year, report.format, report.standard) == ("白鹤镇人民政府", 2025, "gov-2021", True)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"t3.r25.c1": 4}, [("balance-r1", "D30"), ("balance-r1", "J30")]),
        ({"t3.r05.c3": None}, [("blank-cell", "F10")]),
        ({"t3.r05.c3": "无"}, [("not-a-number", "F10")]),
        ({"t3.r05.c3": "/"}, [("not-a-number", "F10")]),
        ({"t3.r05.c3": "—"}, [("not-a-number", "F10")]),
        ({"t3.r01.c1": "10"}, [("number-as-text", "D6")]),
        ({"t3.r01.c1": "１０"}, [("number-as-text", "D6")]),
        ({"t3.r01.c1": "10件"}, [("number-as-text", "D6")]),
        ({"t3.r01.c1": " 10 "}, [("number-as-text", "D6")]),
        ({"t3.r05.c3": -1}, [("negative-number", "F10"), ("balance-r1", "F30"), ("balance-r1", "J30")]),
        ({"t2.licensing.decisions": 120.5}, [("not-whole-number", "B9")]),
        ({"t2.fees.amount": 1.23456}, [("too-many-decimals", FEE)]),
        ({"t2.licensing.decisions": dt.datetime(2025, 3, 1)}, [("date-in-number-cell", "B9")]),
        ({"t2.licensing.decisions": "#REF!"}, [("error-value", "B9")]),
        ({"t3.r01.c7": 12}, [("formula-overwritten", "J6")]),
        ({"t3.r01.c7": 13}, [("formula-overwritten", "J6"), ("total-column-r3", "J6")]),
        ({"t3.r24.c1": 12}, [("formula-overwritten", "D29"), ("total-row-r2", "D29")]),
        ({"t4.cases.rv_total": 5}, [("formula-overwritten", "E6"), ("total-review-r4", "E6")]),
        ({"t2.normative.issued": 20}, [("issued-exceeds-valid-r7b", "B6")]),
        ({"t2.regulations.valid": 6}, [("regulation-not-allowed-r8", "D5")]),
    ],
)
def test_one_fault_gives_exactly_its_findings(filled, changes, expected):
    report = check_file(filled(changes))
    assert codes_cells(report) == expected


def test_root_cell_comes_first_and_messages_name_what_was_found(filled):
    report = check_file(filled({"t3.r05.c3": -1}))
    first = report.findings[0]
    assert (first.sheet, first.cell, first.row_label, first.column_label) == (
        "三、收到和处理政府信息公开申请情况",
        "F10",
        "1.属于国家秘密",
        "科研机构",
    )
    assert first.message == "填的是 -1，不能为负数"
    r1 = check_file(filled({"t3.r25.c1": 4})).findings[0]
    assert (r1.row_label, r1.column_label, r1.expected, r1.actual) == (
        "四、结转下年度继续办理",
        "自然人",
        "一+二 = （七）+四",
        "12 ≠ 13",
    )
    assert r1.message == "一+二=12，（七）+四=13，相差 1"
    text = check_file(filled({"t3.r05.c3": "无"})).findings[0]
    assert "“无”" in text.message and text.actual == "无"


def test_regulations_allowed_for_other_unit_types(filled):
    report = check_file(filled({"t2.regulations.valid": 6}, header={"unit_type": "其他"}))
    assert report.findings == []


def test_cases_without_requests_r11(filled):
    changes = {c.id: 0 for c in FMT.input_cells if c.table == "t3"}
    report = check_file(filled({**changes, "t4.cases.rv_upheld": 1}))
    assert codes_cells(report) == [("cases-without-requests-r11", "E6")]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ({"unit_name": None}, [("missing-unit-name", "B3")]),
        ({"year": None}, [("missing-year", "B5")]),
        ({"year": "去年"}, [("missing-year", "B5")]),
        ({"year": "2025年"}, []),
        ({"year": 2019}, [("format-outdated", "B5")]),
    ],
)
def test_header_findings(filled, header, expected):
    assert codes_cells(check_file(filled(header=header))) == expected


def test_moved_table_is_found_by_labels(filled):
    path = filled()
    book = openpyxl.load_workbook(path)
    book[LAYOUT.table("t3").sheet].insert_rows(1, 2)
    book.save(path)
    report = check_file(path)
    assert codes_cells(report) == [("layout-changed", "")]


def _hand_made(path, values, bracket="(", title=True):
    """A clerk's own copy of the form: one sheet, other positions, half-width brackets, spaces in labels."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "年报表格"
    row = 1
    if title:
        sheet.cell(row=row, column=2, value="白鹤镇人民政府2025年政府信息公开工作年度报告")
    row = 3
    t2 = FMT.table("t2")
    for block in t2.blocks:
        sheet.cell(row=row, column=2, value=block.title.replace("（", bracket).replace("）", ")"))
        row += 1
        sheet.cell(row=row, column=2, value="信息内容")
        for i, col in enumerate(block.columns):
            sheet.cell(row=row, column=3 + i, value=col.label.replace("（", "(").replace("）", ")"))
        row += 1
        for axis in block.rows:
            sheet.cell(row=row, column=2, value=axis.label)
            for i, col in enumerate(block.columns):
                sheet.cell(row=row, column=3 + i, value=values[t2.cell_id(axis.key, col.key)])
            row += 1
    row += 2
    t3 = FMT.table("t3")
    sheet.cell(row=row, column=5, value="申请人情况")
    sheet.cell(row=row + 1, column=5, value="自然人")
    sheet.cell(row=row + 1, column=6, value="法人或其他组织")
    sheet.cell(row=row + 1, column=11, value="总计")
    for i, col in enumerate(t3.columns[1:6]):
        sheet.cell(row=row + 2, column=6 + i, value=col.label.replace("社会公益组织", "社会 公益组织"))
    row += 3
    for axis in t3.rows:
        label = axis.label.replace("（", bracket).replace("）", ")").replace("“", '"').replace("”", '"')
        label = label.split("(区分")[0]  # the note dropped, as many published copies do
        sheet.cell(row=row, column=2 + min(len(axis.path), 3) - 1, value=label)
        for i, col in enumerate(t3.columns):
            sheet.cell(row=row, column=5 + i, value=values[t3.cell_id(axis.key, col.key)])
        row += 1
    row += 2
    t4 = FMT.table("t4")
    sheet.cell(row=row, column=2, value="行政复议")
    sheet.cell(row=row, column=7, value="行政诉讼")
    sheet.cell(row=row + 1, column=7, value="未经复议直接起诉")
    sheet.cell(row=row + 1, column=12, value="复议后起诉")
    for i, col in enumerate(t4.columns):
        sheet.cell(row=row + (1 if i < 5 else 2), column=2 + i, value=col.label)
        sheet.cell(row=row + 3, column=2 + i, value=values[t4.cell_id("cases", col.key)])
    book.save(path)
    return path


def test_hand_made_copy_read_by_labels(tmp_path):
    from toolkit.format.totals import complete

    values = complete(FMT, balanced_inputs())
    report = check_file(_hand_made(tmp_path / "自制.xlsx", values))
    assert report.flatten("code") == [("not-standard-template",)]
    assert (report.unit, report.year, report.standard) == ("白鹤镇人民政府", 2025, False)
    checked = check_workbook(tmp_path / "自制.xlsx")
    for cell_id, value in values.items():
        assert float(checked.numbers.totals[cell_id]) == pytest.approx(value), cell_id


def test_hand_made_copy_with_wrong_stated_total(tmp_path):
    from toolkit.format.totals import complete

    values = complete(FMT, balanced_inputs())
    values["t3.r03.c7"] = 6  # E1: a total that does not add up
    values["t3.r05.c2"] = ""  # E4: a blank instead of 0
    report = check_file(_hand_made(tmp_path / "自制.xlsx", values, title=False))
    assert [c for (c,) in report.flatten("code")] == [
        "missing-unit-name",
        "missing-year",
        "blank-cell",
        "total-column-r3",
        "not-standard-template",
    ]


def test_previous_year_checks(filled, tmp_path, template):
    last = fill(template, tmp_path / "last.xlsx", {**balanced_inputs(), "t2.licensing.decisions": 20}, {"year": 2024})
    now = filled({"t3.r02.c1": 2, "t3.r25.c1": 3, "t2.normative.valid": 15, "t2.licensing.decisions": 120})
    report = check_file(now, previous_path=last)
    assert codes_cells(report) == [
        ("stock-mismatch-r7", "D6"),
        ("year-on-year-jump-r10", "B9"),
        ("carry-over-mismatch-r6", "D7"),
    ]
    assert report.findings[2].expected == "3" and report.findings[2].actual == "2"
    other = fill(template, tmp_path / "other.xlsx", balanced_inputs(), {"unit_name": "别的镇", "year": 2023})
    report = check_file(now, previous_path=other)
    assert ("previous-mismatch", "") in codes_cells(report)


def test_formula_typed_into_input_after_a_real_save(filled, tmp_path):
    path = filled({"t3.r01.c1": "=5+5"})
    saved = libreoffice_convert([path], tmp_path / "lo")[0]
    assert codes_cells(check_file(saved)) == [("formula-in-input", "D6")]


def test_json_equals_library_result(filled, capsys):
    path = filled({"t3.r25.c1": 4})
    assert main(["check", str(path), "--json"]) == 1
    printed = json.loads(capsys.readouterr().out)
    assert printed == [check_file(path).to_dict()]
    assert printed[0]["counts"] == {"errors": 2, "warnings": 0}
    assert set(printed[0]["findings"][0]) >= {
        "code",
        "severity",
        "sheet",
        "cell",
        "row_label",
        "column_label",
        "expected",
        "actual",
        "message",
    }


def test_exit_codes(filled, tmp_path, capsys):
    good, bad = filled(name="good.xlsx"), filled({"t3.r25.c1": 4}, name="bad.xlsx")
    warn = filled({"t2.regulations.valid": 6}, name="warn.xlsx")
    assert main(["check", str(good)]) == 0
    assert main(["check", str(warn)]) == 0
    assert main(["check", str(bad)]) == 1
    assert main(["check", str(good), str(tmp_path / "missing.xlsx"), str(bad)]) == 2
    out = capsys.readouterr().out
    assert "missing.xlsx  无法读取：文件不存在" in out and "bad.xlsx" in out and "通过" in out
    assert main(["check", str(tmp_path / "*.xlsx")]) == 1  # a pattern the shell did not expand


def test_text_output_groups_by_table_errors_first(filled, capsys):
    main(["check", str(filled({"t3.r25.c1": 4, "t2.regulations.valid": 6}))])
    out = capsys.readouterr().out
    assert out.index("三、收到和处理政府信息公开申请情况") < out.index("二、主动公开政府信息情况")
    assert "D30" in out and "一+二=12，（七）+四=13，相差 1" in out
    assert "2 个错误，1 个警告" in out


def test_every_code_is_documented_once_in_readme():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for code in catalogue():
        assert readme.count(f"`{code}`") == 1, code


def test_summary_stamp_is_accepted(tmp_path):
    path = write_workbook(
        tmp_path / "s.xlsx", FMT, {"unit_name": "某县", "year": 2025}, balanced_inputs(), kind="summary"
    )
    assert check_file(path).valid


def test_every_code_is_asserted_by_some_test():
    from pathlib import Path

    tests = "".join(p.read_text(encoding="utf-8") for p in Path(__file__).parent.glob("test_*.py"))
    for code in catalogue():
        assert tests.count(f'"{code}"') >= 1, f"no test asserts {code}"


def test_every_command_has_help_and_is_in_the_readme(capsys):
    from pathlib import Path

    from toolkit.cli import COMMANDS

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for command in COMMANDS:
        with pytest.raises(SystemExit) as exit_info:
            main([command, "--help"])
        assert exit_info.value.code == 0
        text = capsys.readouterr().out
        assert "例：" in text, command
        assert f"xltool {command}" in readme, command
