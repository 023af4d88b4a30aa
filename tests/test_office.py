"""A county office's real January: the names people write, files people misname, copies people edit.

Every file here is made the way an office makes it: rosters saved by Excel as CSV (GB18030, CRLF), templates
filled and saved through LibreOffice, a neighbour's file copied and renamed, rows and columns deleted in
LibreOffice, inboxes with folders inside.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.support import FMT, LAYOUT, ROOT, balanced_inputs, check_file, fill, libreoffice_convert
from toolkit.api import check_files, merge
from toolkit.cli import main
from toolkit.read.open import read_file
from toolkit.text import display_width
from toolkit.write.workbook import write_workbook

YEAR = 2025
T3 = LAYOUT.table("t3").sheet
T4 = LAYOUT.table("t4").sheet
EVERYDAY_TYPES = {
    "乡镇": "乡镇/街道",
    "乡": "乡镇/街道",
    "镇": "乡镇/街道",
    "街道": "乡镇/街道",
    "街道办事处": "乡镇/街道",
    "乡镇／街道": "乡镇/街道",
    "部门": "县级政府部门",
    "县直部门": "县级政府部门",
    "区直部门": "县级政府部门",
    "县级政府部门": "县级政府部门",
    "县政府": "县级人民政府",
    "区政府": "县级人民政府",
    "县（区）政府": "县级人民政府",
    "县级人民政府": "县级人民政府",
    "其他": "其他",
    "TOWN": "乡镇/街道",
    "Department": "县级政府部门",
    "county": "县级人民政府",
    "Other": "其他",
}


def excel_csv(path: Path, lines: list[str]) -> Path:
    """A roster as Excel saves "CSV": GB18030, CRLF line ends."""
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))
    return path


def unit_file(folder: Path, name: str, values: dict | None = None, *, file_name: str | None = None, **header) -> Path:
    head = {"unit_name": name, "unit_type": "乡镇/街道", "year": YEAR, "filled_on": dt.date(2026, 1, 8), **header}
    return write_workbook(folder / (file_name or f"{name}.xlsx"), FMT, head, {**balanced_inputs(), **(values or {})})


def uno_edit(source: Path, target: Path, *operations: str) -> Path:
    """Edit a workbook in LibreOffice as a person would (see tests/uno_edit.py)."""
    script = ROOT / "tests" / "uno_edit.py"
    subprocess.run(["/usr/bin/python3", str(script), str(source), str(target), *operations], check=True, timeout=180)
    return target


# --- 1. unit types as people write them --------------------------------------------------------------------
@pytest.mark.parametrize(("word", "label"), sorted(EVERYDAY_TYPES.items()))
def test_every_everyday_unit_type_is_accepted_by_make_template(word, label, tmp_path):
    out = tmp_path / "t.xlsx"
    assert main(["make-template", "-o", str(out), "--unit", "某单位", "--year", "2025", "--level", word]) == 0
    assert read_file(out).header["unit_type"] == label


def test_roster_with_everyday_types_and_a_workbook_header_with_one(tmp_path):
    lines = ["单位名称,单位类型", *(f"单位{i},{word}" for i, word in enumerate(EVERYDAY_TYPES))]
    roster = excel_csv(tmp_path / "名单.csv", lines)
    assert main(["make-template", "--roster", str(roster), "-d", str(tmp_path / "out"), "--year", "2025"]) == 0
    made = {read_file(p).unit: read_file(p).header["unit_type"] for p in (tmp_path / "out").iterdir()}
    assert made == {f"单位{i}": label for i, label in enumerate(EVERYDAY_TYPES.values())}
    town = unit_file(tmp_path, "青山镇", {"t2.regulations.valid": 2}, unit_type="乡镇")  # typed in the header
    assert [c for (c,) in check_file(town).flatten("code")] == ["regulation-not-allowed-r8"]


def test_a_roster_with_bad_types_lists_every_bad_line_for_templates_but_only_warns_in_merge(tmp_path, capsys):
    roster = excel_csv(tmp_path / "名单.csv", ["单位名称,单位类型", "甲镇,乡镇", "乙镇,省级", "丙局,", "丁局,市直单位"])
    assert main(["make-template", "--roster", str(roster), "-d", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "2 行的单位类型无法识别" in err and "第 3 行“乙镇”" in err and "第 5 行“丁局”" in err
    assert "乡镇/街道（town、乡镇" in err  # the accepted words are listed
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    for name in ("甲镇", "乙镇", "丙局", "丁局"):
        unit_file(inbox, name)
    assert main(["merge", str(inbox), "--roster", str(roster), "-o", str(tmp_path / "汇总.xlsx")]) == 0
    out = capsys.readouterr().out
    assert "名单中 2 行的单位类型无法识别（汇总不需要，已忽略）" in out and "通过 4" in out


# --- 2. a file never speaks for another unit silently -------------------------------------------------------
@pytest.fixture
def county(tmp_path):
    """A roster of five towns; 桃源乡 sent a copy of 城关镇's workbook under its own name."""
    inbox = tmp_path / "收件箱"
    (inbox / "一月").mkdir(parents=True)
    for name in ("城关镇", "青山镇", "白沙镇"):
        unit_file(inbox, f"示例县{name}", {"t2.licensing.decisions": 10 * len(name)}, filled_on=dt.date(2026, 1, 5))
    shutil.copyfile(inbox / "示例县城关镇.xlsx", inbox / "一月" / "示例县桃源乡.xlsx")
    os.utime(inbox / "一月" / "示例县桃源乡.xlsx")  # the copy is the newest file in the inbox
    roster = excel_csv(
        tmp_path / "名单.csv",
        ["单位名称,单位类型", *(f"示例县{n},乡镇" for n in ("城关镇", "青山镇", "白沙镇", "桃源乡", "河口镇"))],
    )
    return inbox, roster


def test_a_neighbours_file_copied_and_renamed_is_reported_by_check(county):
    inbox, _ = county
    report = check_file(inbox / "一月" / "示例县桃源乡.xlsx")
    found = report.findings[0]
    assert (found.code, found.cell, found.expected, found.actual) == (
        "unit-name-mismatch",
        "B3",
        "示例县桃源乡",
        "示例县城关镇",
    )
    assert found.message.startswith("文件名是“示例县桃源乡”，工作簿里填的是“示例县城关镇”，疑似复制了其他单位的文件")
    assert not report.valid
    for fine in ("城关镇人民政府.xlsx", "城关镇（修改后）.xlsx", "u0001.xlsx", "年报.xlsx"):
        shutil.copyfile(inbox / "示例县城关镇.xlsx", inbox / fine)
        assert check_file(inbox / fine).valid, fine


def test_merge_never_lets_the_copy_replace_the_real_unit_nor_hides_the_named_one(county, tmp_path):
    inbox, roster = county
    result = merge(inbox, tmp_path / "汇总.xlsx", roster=roster)
    by_file = {f.name: (f.status.word, f.unit) for f in result.files}
    assert by_file["示例县城关镇.xlsx"] == ("已采用", "示例县城关镇")  # not superseded by the newer copy
    assert by_file["一月/示例县桃源乡.xlsx"] == ("退回修改", "示例县桃源乡")
    lines = {line.entry.name: line for line in result.roster}
    assert lines["示例县桃源乡"].status.word == "退回修改" and "疑似复制" in lines["示例县桃源乡"].note
    assert lines["示例县城关镇"].status.word == "通过" and "一月/示例县桃源乡.xlsx" in lines["示例县城关镇"].note
    assert lines["示例县河口镇"].status.word == "未报送"
    assert len(result.accepted) == 3


# --- 3. damaged tables are the errors of the unit that sent them --------------------------------------------
def test_rows_and_columns_deleted_and_sheets_renamed_in_libreoffice(tmp_path):
    source = unit_file(tmp_path, "城关镇")
    row = uno_edit(source, tmp_path / "删行.xlsx", "delete-row", T3, "10")
    found = {f.code: f for f in check_file(row).findings}
    assert found["rows-missing"].message.startswith(f"{FMT.table('t3').title}缺少以下各行：1.属于国家秘密")
    column = uno_edit(source, tmp_path / "删列.xlsx", "delete-column", T3, "5", "rename-sheet", T4, "表四")
    codes = [(f.code, f.sheet) for f in check_file(column).findings]
    assert ("columns-missing", T3) in codes and ("layout-changed", T4) in codes
    assert "商业企业" in next(f.message for f in check_file(column).findings if f.code == "columns-missing")
    inserted = uno_edit(source, tmp_path / "插行.xlsx", "insert-row", T3, "12")
    assert check_file(inserted).flatten("code") == [("layout-changed",)]  # read by labels, nothing lost
    gone = uno_edit(source, tmp_path / "删表.xlsx", "delete-sheet", T4)
    assert [(f.code, f.table) for f in check_file(gone).findings] == [("table-missing", FMT.table("t4").title)]


def test_merge_shows_damaged_and_unreadable_files_with_their_units(tmp_path, capsys):
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    for name in ("甲镇", "乙镇"):
        unit_file(inbox, name)
    uno_edit(unit_file(tmp_path, "丙镇"), inbox / "丙镇.xlsx", "delete-row", T3, "10")
    broken = unit_file(tmp_path, "丁镇")
    (inbox / "丁镇.xlsx").write_bytes(broken.read_bytes()[:3000])  # a download broken off
    roster = excel_csv(tmp_path / "名单.csv", ["单位名称", "甲镇", "乙镇", "丙镇", "丁镇", "戊镇"])
    assert main(["merge", str(inbox), "--roster", str(roster), "-o", str(tmp_path / "s.xlsx")]) == 1
    out = capsys.readouterr().out
    assert "名单 5 个单位：通过 2，退回修改 1，无法读取 1，未报送 1" in out
    assert "未报送：戊镇" in out and "退回修改：丙镇  丙镇.xlsx" in out and "无法读取：丁镇  丁镇.xlsx" in out
    sheet = openpyxl.load_workbook(tmp_path / "s.xlsx")["报送情况"]
    rows = {r[0]: r[1:] for r in sheet.iter_rows(min_row=8, values_only=True)}
    assert rows["丙镇"][:3] == ("退回修改", "丙镇.xlsx", "退回修改") and "缺少以下各行" in rows["丙镇"][3]
    assert rows["丁镇"][:3] == ("无法读取", "丁镇.xlsx", "无法读取")
    result = subprocess.run(
        [sys.executable, "-m", "toolkit", "check", str(inbox / "丙镇.xlsx"), "--annotate", str(tmp_path / "批注")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and (tmp_path / "批注" / "丙镇_校验批注.xlsx").exists()


# --- 5. nothing useless is written, nothing empty passes ----------------------------------------------------
def test_merge_that_adopts_nothing_writes_nothing(tmp_path, capsys):
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    unit_file(inbox, "甲镇", {"t3.r25.c1": 9})
    (inbox / "乙镇.xlsx").write_bytes(b"not a workbook")
    assert main(["merge", str(inbox), "-o", str(tmp_path / "s.xlsx")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "没有可以汇总的" in err[0] and "退回修改 1" in err[0] and "无法读取 1" in err[0]
    assert not (tmp_path / "s.xlsx").exists()
    unit_file(inbox, "丙镇", year=2024)
    assert main(["merge", str(inbox), "-o", str(tmp_path / "s.xlsx"), "--year", "2023"]) == 2
    assert "没有可以汇总的2023 年度工作簿" in capsys.readouterr().err


def test_a_template_returned_unfilled_is_one_finding(tmp_path, capsys):
    blank = tmp_path / "空白.xlsx"
    assert main(["make-template", "-o", str(blank), "--unit", "白鹤镇", "--year", "2025"]) == 0
    saved = libreoffice_convert([blank], tmp_path / "lo")[0]  # opened and saved without typing a number
    capsys.readouterr()
    assert main(["check", str(saved), "--json"]) == 1
    findings = json.loads(capsys.readouterr().out)[0]["findings"]
    assert [f["code"] for f in findings] == ["template-unfilled"]
    assert len(findings[0]["cells"]) == len(FMT.input_cells) and findings[0]["cells"][0].endswith("!B5")
    main(["check", str(saved)])
    assert capsys.readouterr().out.count("template-unfilled") == 1


# --- 6. the console tells the truth ------------------------------------------------------------------------
def test_console_lists_every_error_count_nested_paths_and_names_not_on_the_roster(tmp_path, capsys):
    inbox = tmp_path / "收件箱"
    (inbox / "乡镇" / "二月").mkdir(parents=True)
    unit_file(inbox / "乡镇" / "二月", "甲镇", {"t3.r25.c1": 9, "t3.r05.c3": "无"})
    unit_file(inbox, "乙镇")
    unit_file(inbox, "城关镇人民政府")  # the roster says 城关镇: the same unit
    unit_file(inbox, "青山乡")  # the roster says 青山镇: not the same unit, but close
    roster = excel_csv(tmp_path / "名单.csv", ["单位名称", "甲镇", "乙镇", "城关镇", "青山镇"])
    runs = []
    for _ in range(2):
        main(["merge", str(inbox), "--roster", str(roster), "-o", str(tmp_path / "s.xlsx"), "--force"])
        runs.append(capsys.readouterr().out)
    assert runs[0] == runs[1]  # the same order every time
    out = runs[0]
    assert "乡镇/二月/甲镇.xlsx  3 个错误：" in out and "（另有 2 个）" in out
    assert "名单外（1）：" in out and "名单中没有“青山乡”，是否为“青山镇”？" in out
    assert "名单 4 个单位：通过 2，退回修改 1，无法读取 0，未报送 1" in out


# --- 7. year handling -------------------------------------------------------------------------------------
def test_previous_of_another_year_or_unit_is_one_warning_only(tmp_path):
    now = unit_file(tmp_path, "甲镇", {"t2.licensing.decisions": 500})
    two_years = unit_file(tmp_path, "甲镇", {"t2.licensing.decisions": 10}, year=2023, file_name="2023.xlsx")
    report = check_file(now, previous_path=two_years)
    assert report.flatten("code") == [("previous-mismatch",)]
    other = unit_file(tmp_path, "乙镇", {"t2.licensing.decisions": 10}, year=2024, file_name="乙.xlsx")
    assert check_file(now, previous_path=other).flatten("code") == [("previous-mismatch",)]
    last = unit_file(tmp_path, "甲镇", {"t2.licensing.decisions": 10}, year=2024, file_name="2024.xlsx")
    assert ("year-on-year-jump-r10",) in check_file(now, previous_path=last).flatten("code")
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(now, inbox / "甲镇.xlsx")
    old = merge(inbox, tmp_path / "s2023.xlsx", year=2025)
    (tmp_path / "s2023.xlsx").rename(tmp_path / "last.xlsx")
    assert old.year == 2025
    result = merge(inbox, tmp_path / "s.xlsx", previous=tmp_path / "last.xlsx")
    assert [f.code for f in result.county_findings] == ["previous-mismatch"]


# --- 8. command-line manners ------------------------------------------------------------------------------
def test_check_skips_lock_and_hidden_files_in_a_pattern(tmp_path):
    unit_file(tmp_path, "甲镇")
    (tmp_path / "~$甲镇.xlsx").write_bytes(b"lock")
    (tmp_path / ".甲镇.xlsx").write_bytes(b"hidden")
    result = subprocess.run(
        [sys.executable, "-m", "toolkit", "check", str(tmp_path / "*.xlsx")], capture_output=True, text=True
    )
    assert result.returncode == 0 and "~$" not in result.stdout and ".甲镇" not in result.stdout


def test_a_closed_pipe_ends_quietly(tmp_path):
    files = [str(unit_file(tmp_path, f"镇{i}", {"t3.r25.c1": 9})) for i in range(30)]
    command = f"{sys.executable} -m toolkit check {' '.join(files)} | head -n 2"
    result = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=120)
    assert result.stderr == "" and len(result.stdout.splitlines()) == 2


def test_argparse_speaks_chinese(capsys):
    with pytest.raises(SystemExit) as code:
        main(["check"])
    assert code.value.code == 2
    err = capsys.readouterr().err
    assert "用法：" in err and "缺少必需的参数：文件" in err and "usage" not in err and "required" not in err
    with pytest.raises(SystemExit):
        main(["merge", "--help"])
    help_text = capsys.readouterr().out
    assert "参数" in help_text and "选项" in help_text and "显示本帮助并退出" in help_text
    assert not any(word in help_text for word in ("usage", "options", "positional", "show this help"))
    with pytest.raises(SystemExit):
        main(["nosuch"])
    assert "参数 命令 的值 'nosuch' 无效" in capsys.readouterr().err


def test_whole_numbers_print_as_integers_and_tables_fit_80_columns(tmp_path):
    # a total typed over its formula, as a clerk does in a spreadsheet program
    path = fill(unit_file(tmp_path, "甲镇"), tmp_path / "typed.xlsx", {"t3.r01.c7": 13.0, "t3.r05.c3": "无"})
    result = subprocess.run(
        [sys.executable, "-m", "toolkit", "check", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "80"},
    )
    lines = result.stdout.splitlines()
    table_lines = [line for line in lines if line.startswith(("│", "┃", "┏", "└"))]
    assert table_lines and all(display_width(line) <= 80 for line in table_lines)
    assert "“13”" in result.stdout and "13.0" not in result.stdout
    assert any("│ J6     │" in line for line in lines)  # a cell reference is never cut


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["merge", "{inbox}", "-o", "{tmp}/汇总.xls"], "-o 的输出文件应以 .xlsx 结尾"),
        (["merge", "{inbox}", "--long", "{tmp}/长表.xlsx"], "--long 的输出文件应以 .csv 结尾"),
        (["export", "{inbox}/甲镇.xlsx", "--docx", "{tmp}/x.pdf"], "--docx 的输出文件应以 .docx 结尾"),
        (["export", "{inbox}/甲镇.xlsx", "--html", "{tmp}/x.txt"], "--html 的输出文件应以 .html 结尾"),
        (["make-template", "-d", "{tmp}/模板"], "-d 只与 --roster 一起使用"),
        (["import", "{inbox}/甲镇.xlsx", "-o", "{tmp}/x.xls"], "-o 的输出文件应以 .xlsx 结尾"),
        (["check", "{inbox}/甲镇.xlsx", "--force"], "--force 只与 --annotate 一起使用"),
    ],
)
def test_wrong_extensions_and_ignored_options_are_refused(args, message, tmp_path, capsys):
    inbox = tmp_path / "in"
    inbox.mkdir()
    unit_file(inbox, "甲镇")
    argv = [a.format(inbox=inbox, tmp=tmp_path) for a in args]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_outputs_get_the_usual_permissions(tmp_path):
    out = tmp_path / "t.xlsx"
    assert main(["make-template", "-o", str(out)]) == 0
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~mask


def test_import_exits_1_when_the_report_has_errors(tmp_path, capsys):
    page = tmp_path / "某镇.txt"
    text = (ROOT / "samples" / "reports" / "01_baihe-town-2021.txt").read_text(encoding="utf-8")
    page.write_text(text.replace("白鹤镇人民政府2021年", "2021年"), encoding="utf-8")  # no unit in the title
    assert main(["import", str(page), "-o", str(tmp_path / "x.xlsx")]) == 1
    assert (tmp_path / "x.xlsx").exists() and "missing-unit-name" not in capsys.readouterr().err


# --- 9. a damaged file is not 通过 ------------------------------------------------------------------------
DAMAGE = {
    "cut": lambda data: data[: data.index(b"</sheetData>") + 12],  # cut off after the cell data
    "noise": lambda data: data.replace(b"<row ", b"<row <<<&&& ", 1),  # a broken tag among the cells
    "unclosed": lambda data: data.replace(b"</sheetData>", b"<row><c r='A1'>"),  # tags never closed
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_partly_readable_damaged_workbook_is_never_passed(damage, tmp_path):
    source = unit_file(tmp_path, "甲镇")
    target = tmp_path / f"{damage}.xlsx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            new.writestr(info, DAMAGE[damage](data) if info.filename == "xl/worksheets/sheet3.xml" else data)
    report = check_files([target])[0]
    assert not report.valid
    if not report.failure:  # read in part by calamine: said to be damaged, with the remedy
        assert report.flatten("code", "sheet")[0] == ("file-damaged", T3)
        assert "Excel 打开时会提示修复" in report.findings[0].message
    assert damage == "unclosed" or not report.failure
