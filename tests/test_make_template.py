"""`xltool make-template`: defaults, overwrite protection, rosters in every encoding, bad rosters."""

from __future__ import annotations

import os
import subprocess
import sys

import openpyxl
import pytest
import xlsxwriter

from tests.support import FMT
from toolkit.api import due_year
from toolkit.cli import main
from toolkit.read.open import read_file as read_workbook
from toolkit.write.files import safe_file_stem

ROSTER = "单位名称,单位类型,单位代码\n白鹤镇人民政府,乡镇/街道,001\n县教育局,县级政府部门,002\n县人民政府,,003\n"


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "toolkit", *args], capture_output=True, text=True, cwd=cwd, timeout=60)


def test_no_options_writes_blank_template_for_due_year_in_cwd(tmp_path):
    result = run("make-template", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    path = tmp_path / f"政府信息公开年报模板_{due_year()}年度.xlsx"
    assert result.stdout.strip() == path.name  # shown relative to the current folder
    sub = read_workbook(path)
    assert sub.header["year"] == due_year() and sub.unit == ""
    again = run("make-template", cwd=tmp_path)
    assert again.returncode == 2 and "已存在" in again.stderr and "--force" in again.stderr
    assert run("make-template", "--force", cwd=tmp_path).returncode == 0


def test_prefilled_header(tmp_path):
    out = tmp_path / "t.xlsx"
    assert main(["make-template", "-o", str(out), "--unit", "白鹤镇人民政府", "--year", "2025", "--level", "town"]) == 0
    sub = read_workbook(out)
    assert (sub.unit, sub.header["year"], sub.header["unit_type"]) == ("白鹤镇人民政府", 2025, "乡镇/街道")


def test_password_protects_sheets(tmp_path):
    out = tmp_path / "p.xlsx"
    assert main(["make-template", "-o", str(out), "--password", "abc"]) == 0
    sheet = openpyxl.load_workbook(out)[FMT.table("t3").title]
    assert sheet.protection.sheet and sheet.protection.password


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "1999"], "年度 1999 不合理"),
        (["--year", "20x5"], "年度应为四位数字"),
        (["--level", "省级"], "单位类型“省级”无效，可选：乡镇/街道（town、乡镇、乡、镇、街道"),
        (["-o", "out.txt"], ".xlsx"),
        (["-o", "no/such/folder/t.xlsx"], "输出文件夹不存在"),
    ],
)
def test_bad_options_exit_2_one_line(args, message, tmp_path):
    result = run("make-template", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_unwritable_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):  # root can write anywhere: make the folder a file's child instead
            target = tmp_path / "file.txt"
            target.write_text("x")
            result = run("make-template", "-o", str(target / "t.xlsx"))
        else:
            result = run("make-template", "-o", str(folder / "t.xlsx"))
    finally:
        folder.chmod(0o700)
    assert result.returncode == 2 and "Traceback" not in result.stderr


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_roster_csv_encodings(encoding, tmp_path):
    roster = tmp_path / "名单.csv"
    roster.write_bytes(ROSTER.encode(encoding))
    assert main(["make-template", "--roster", str(roster), "-d", str(tmp_path / "out"), "--year", "2025"]) == 0
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == sorted(f"{n}_2025年度政府信息公开年报.xlsx" for n in ("白鹤镇人民政府", "县教育局", "县人民政府"))
    sub = read_workbook(tmp_path / "out" / "县教育局_2025年度政府信息公开年报.xlsx")
    assert (sub.unit, sub.header["unit_type"]) == ("县教育局", "县级政府部门")


def test_roster_xlsx(tmp_path):
    roster = tmp_path / "名单.xlsx"
    book = xlsxwriter.Workbook(str(roster))
    sheet = book.add_worksheet()
    for r, line in enumerate(ROSTER.strip().splitlines()):
        sheet.write_row(r, 0, line.split(","))
    book.close()
    assert main(["make-template", "--roster", str(roster), "-d", str(tmp_path / "out"), "--year", "2025"]) == 0
    assert len(list((tmp_path / "out").iterdir())) == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "名单是空的"),
        ("名称x,类型\n白鹤镇,\n", "找不到“单位名称”列"),
        ("单位名称\n白鹤镇\n县教育局\n白鹤镇\n", "第 4 行单位名称“白鹤镇”与第 2 行重复"),
        ('单位名称\n白鹤镇\n""\n', None),  # a blank line is skipped: nothing to make for it
        ("单位名称,单位类型\n白鹤镇,\n ,乡镇/街道\n", "第 3 行单位名称为空"),
        ("单位名称\n../etc\n", "第 2 行单位名称“../etc”含有不允许的字符"),
        ("单位名称\na\\b\n", "不允许的字符"),
        ("单位名称\n白鹤\x07镇\n", "不允许的字符"),
        (
            "单位名称,单位类型\n白鹤镇,省级\n县教育局,市直\n",
            "2 行的单位类型无法识别：第 2 行“白鹤镇”的单位类型“省级”；第 3 行“县教育局”的单位类型“市直”",
        ),
        ("单位名称\n", "名单只有表头"),
    ],
)
def test_bad_roster_exit_2_nothing_written(content, message, tmp_path):
    roster = tmp_path / "名单.csv"
    roster.write_text(content, encoding="utf-8")
    out = tmp_path / "out"
    result = run("make-template", "--roster", str(roster), "-d", str(out))
    if message is None:
        assert result.returncode == 0
        return
    assert result.returncode == 2, result.stdout
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (bytes(range(256)) * 4, "不是 CSV"),
        ("单位名称\n白鹤镇\n".encode("utf-16"), "不是 CSV"),
        (b"\xff\xfe\xfa\x81\x30\xff\x00", "不是 CSV"),
        (b"\x81\x30\xff\xfe unit\n", "无法识别文件编码"),
    ],
)
def test_roster_not_csv(data, message, tmp_path):
    roster = tmp_path / "名单.csv"
    roster.write_bytes(data)
    result = run("make-template", "--roster", str(roster), "-d", str(tmp_path / "out"))
    assert result.returncode == 2 and message in result.stderr


def test_roster_all_or_nothing_when_one_target_exists(tmp_path):
    roster = tmp_path / "名单.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    existing = out / "县教育局_2025年度政府信息公开年报.xlsx"
    existing.write_bytes(b"keep")
    result = run("make-template", "--roster", str(roster), "-d", str(out), "--year", "2025")
    assert result.returncode == 2 and "已存在" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == [existing.name]
    assert existing.read_bytes() == b"keep"


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("白鹤镇人民政府", "白鹤镇人民政府"),
        ("CON", "_CON"),
        ("a:b*c?d", "a_b_c_d"),
        ("..", "未命名"),
        ("x/../y", "x___y"),
        ("=HYPERLINK(1)", "=HYPERLINK(1)"),
    ],
)
def test_safe_file_stem(name, stem):
    assert safe_file_stem(name) == stem
