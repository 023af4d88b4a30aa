"""Files that are not usable workbooks: one clear line naming the file, exit 2, no traceback, nothing written."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile

import msoffcrypto.format.ooxml
import pytest
import xlsxwriter


def _empty(path):
    path.write_bytes(b"")


def _random(path):
    path.write_bytes(os.urandom(3000))


def _html(path):
    path.write_text("<html><body><table><tr><td>一、本年新收</td></tr></table></body></html>", encoding="utf-8")


def _text(path):
    path.write_text("单位名称,白鹤镇\n一、本年新收,0\n", encoding="gb18030")


def _truncated(template):
    def make(path):
        path.write_bytes(template.read_bytes()[: template.stat().st_size // 2])

    return make


def _missing_part(template):
    def make(path):
        with zipfile.ZipFile(template) as source, zipfile.ZipFile(path, "w") as target:
            for item in source.infolist():
                if item.filename != "xl/worksheets/sheet3.xml":
                    target.writestr(item, source.read(item.filename))

    return make


def _encrypted(template):
    def make(path):
        out = io.BytesIO()
        with template.open("rb") as handle:
            msoffcrypto.format.ooxml.OOXMLFile(handle).encrypt("secret", out)
        path.write_bytes(out.getvalue())

    return make


def _et(template):
    def make(path):
        path.write_bytes(template.read_bytes())

    return make


def _no_tables(path):
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Sheet1").write("A1", "会议签到表")
    book.close()


def _docx(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")


CASES = {
    "empty.xlsx": (_empty, "文件是空的"),
    "random.xlsx": (_random, "不是 Excel 工作簿"),
    "page.xls": (_html, "这是网页"),
    "text.xls": (_text, "这是文本文件"),
    "truncated.xlsx": ("truncated", "文件已损坏"),
    "nopart.xlsx": ("missing_part", "无法读取"),
    "locked.xlsx": ("encrypted", "打开密码"),
    "wps.et": ("et", "另存为"),
    "other.xlsx": (_no_tables, "没有找到年度报告的表格"),
    "word.xlsx": (_docx, "Word 文档"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_file_one_line_exit_2_nothing_written(name, template, tmp_path):
    maker, expected = CASES[name]
    if isinstance(maker, str):
        maker = {"truncated": _truncated, "missing_part": _missing_part, "encrypted": _encrypted, "et": _et}[maker](
            template
        )
    path = tmp_path / name
    maker(path)
    before = path.read_bytes()
    annotate = tmp_path / "批注"
    result = subprocess.run(
        [sys.executable, "-m", "toolkit", "check", str(path), "--annotate", str(annotate)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1 and name in lines[0] and expected in lines[0], lines
    assert path.read_bytes() == before
    assert not annotate.exists() or not any(annotate.iterdir())


@pytest.mark.parametrize("target", ["missing.xlsx", "a_folder"])
def test_missing_file_or_folder(target, tmp_path):
    (tmp_path / "a_folder").mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "toolkit", "check", str(tmp_path / target)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert ("文件不存在" if target == "missing.xlsx" else "文件夹") in result.stdout


def test_numbers_as_text_and_junk_are_findings_not_crashes(filled):
    from tests.support import check_file

    junk = {
        "t3.r05.c1": "12件",
        "t3.r05.c2": "无",
        "t3.r05.c3": "—",
        "t3.r05.c4": "",
        "t3.r05.c5": -3,
        "t3.r05.c6": 0.5,
        "t3.r06.c1": "#DIV/0!",
        "t3.r06.c2": "１２",
        "t3.r06.c3": "=SUM(A1:A2)",
    }
    report = check_file(filled(junk))
    codes = {code for code, cell in report.flatten("code", "cell") if cell[-2:] in ("10", "11")}
    assert {
        "number-as-text",
        "not-a-number",
        "blank-cell",
        "negative-number",
        "not-whole-number",
        "error-value",
        "formula-in-input",
    } <= codes
