"""Published reports: every shared real report read with its values asserted, round trips, bad documents."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import FMT, REPORTS, balanced_inputs, browser_copy, check_file
from toolkit.api import read_and_check as check_workbook
from toolkit.cli import main
from toolkit.write.export import export_tables as export
from toolkit.write.workbook import write_workbook


def report(name: str):
    return check_workbook(next(REPORTS.glob(f"{name}*")))


def values(checked, *cells):
    return [checked.submission.cells[c].value for c in cells]


def codes(checked):
    return [f.code for f in checked.report.findings]


def test_seed_town_imports_as_zeros_and_passes(tmp_path):
    checked = report("01_baihe")
    sub = checked.submission
    assert (sub.unit, checked.report.year, sub.header["unit_type"], sub.format.id) == (
        "白鹤镇人民政府",
        2021,
        "乡镇/街道",
        "gov-2021",
    )
    assert all(checked.numbers.totals[c] == 0 for c in FMT.cells)
    assert not sub.absent
    assert checked.report.valid
    # two rows of the page lost a cell; the total settles where it was, and the report says so
    # and its section 六 never says whether an information processing fee was charged (a real omission)
    assert checked.report.flatten("code", "row_label") == [
        ("section-topic-missing", ""),
        ("import-row-repaired", "（一）予以公开"),
        ("import-row-repaired", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ]
    out = tmp_path / "白鹤镇.xlsx"
    assert main(["import", str(next(REPORTS.glob("01_baihe*"))), "-o", str(out)]) == 0
    assert check_file(out).valid and check_file(out).findings == []


def test_shanghai_2019_values_e1_blank_totals_and_text_mismatch():
    checked = report("02_shanghai")
    sub = checked.submission
    assert (sub.format.id, sub.unit, checked.report.year) == ("gov-2019", "上海市人民政府办公厅", 2019)
    assert values(checked, "t3.r01.c1", "t3.r01.c2", "t3.r01.c5", "t3.r01.c7") == [821, 35, 2, 859]
    assert values(checked, "t3.r03.c1", "t3.r13.c1", "t3.r16.c1", "t3.r24.c7", "t3.r25.c1") == [258, 252, 148, 805, 72]
    assert values(checked, "t2.regulations.made", "t2.regulations.total", "t2.procurement.amount") == [
        13,
        524,
        "251000元",
    ]
    assert values(checked, "t4.cases.rv_upheld", "t4.cases.rv_total", "t4.cases.ld_total", "t4.cases.la_total") == [
        5,
        7,
        9,
        "",
    ]
    t3 = sub.format.table("t3").title
    blank_totals = [
        f for f in checked.report.findings if f.code == "blank-cell" and f.table == t3 and f.column_label == "总计"
    ]
    result_rows = {r.label for r in sub.format.table("t3").rows[2:-2]}
    assert {f.row_label for f in blank_totals} == result_rows and len(blank_totals) == 19  # E1
    assert checked.numbers.totals["t3.r24.c7"] == 805  # recomputed from the applicant columns
    r9 = [f for f in checked.report.findings if f.code == "text-table-mismatch-r9"]
    assert [(f.actual, f.expected) for f in r9] == [("265", "337 或 321")]  # E3: 无法提供 265 vs 337
    assert "R1" not in {f.rule for f in checked.report.findings if f.severity == "error"}


def test_longgang_2024_partial_page():
    checked = report("03_longgang")
    assert checked.report.year == 2024 and checked.submission.format.id == "gov-2021"
    row = [f"t3.r01.c{i}" for i in range(1, 8)]
    assert values(checked, *row) == [58, 7, 0, 0, 1, 0, 66]
    assert values(checked, "t3.r04.c1", "t3.r04.c7", "t3.r09.c7") == [16, 17, 1]
    assert values(checked, "t2.normative.issued", "t2.normative.repealed", "t2.normative.valid") == [5, 1, 25]
    found = {f.code: f for f in checked.report.findings}
    assert found["import-rows-missing"].message.startswith(
        "三、收到和处理政府信息公开申请情况缺少以下各行：8.属于行政查询事项"
    )
    assert "import-table-missing" in found and "行政复议" in found["import-table-missing"].message
    assert found["import-row-repaired"].row_label == "7.属于行政执法案卷"
    assert "t3.r12.c1" in checked.submission.absent and "t3.r11.c1" not in checked.submission.absent


def test_changchun_2023_text_says_2_table_says_3():
    checked = report("04_changchun")
    assert values(checked, "t3.r01.c1", "t3.r01.c7", "t3.r02.c7") == [3, 3, 0]
    assert values(checked, "t2.regulations.valid", "t2.fees.amount") == [0, 0]
    r9 = [f for f in checked.report.findings if f.code == "text-table-mismatch-r9"]
    assert len(r9) == 1 and r9[0].actual == "2" and r9[0].expected.startswith("3")  # E3
    assert "import-rows-missing" in codes(checked)


def test_nanhu_2019_blanks_and_flattened_rows_reported_not_guessed():
    checked = report("05_nanhu")
    assert checked.submission.format.id == "gov-2019"
    assert values(checked, "t2.regulations.made", "t2.normative.total", "t2.procurement.projects") == [0, 0, 0]
    unclear = [f for f in checked.report.findings if f.code == "import-row-unclear"]
    assert unclear[0].row_label == "一、本年新收政府信息公开申请数量"
    assert "找到 2 个数（3、3）" in unclear[0].message
    assert "t3.r01.c1" in checked.submission.absent  # not guessed


def _snippet(letter: str) -> str:
    text = (REPORTS / "06_town-snippets-and-errors.txt").read_text(encoding="utf-8")
    start = text.index(f"==== {letter}.")
    end = text.find("\n====", text.index("\n", start))
    return text[start : end if end > 0 else None]


def test_snippet_town_reporting_regulations_r8(tmp_path):
    page = tmp_path / "某镇.txt"
    page.write_text("某镇人民政府2023年政府信息公开工作年度报告\n" + _snippet("E"), encoding="utf-8")
    checked = check_workbook(page)
    assert values(checked, "t2.regulations.issued", "t2.regulations.valid") == [0, 6]
    warning = next(f for f in checked.report.findings if f.code == "regulation-not-allowed-r8")
    assert warning.column_label == "现行有效件数" and warning.actual == "6"


def test_snippet_2019_format_in_a_2022_report_e2(tmp_path):
    page = tmp_path / "螅镇.txt"
    page.write_text(_snippet("I"), encoding="gb18030")
    checked = check_workbook(page)
    assert checked.submission.format.id == "gov-2019" and checked.report.year == 2022
    e2 = next(f for f in checked.report.findings if f.code == "format-outdated")
    assert "国办公开办函〔2021〕30号" in e2.message and e2.severity == "error"


@pytest.fixture
def exported(tmp_path):
    values = {**balanced_inputs(), "t2.fees.amount": 59237.2449, "t3.r05.c4": 3, "t3.r01.c4": 3}
    source = write_workbook(tmp_path / "source.xlsx", FMT, {"unit_name": "白鹤镇人民政府", "year": 2025}, values)
    checked = check_workbook(source)
    export(checked, html_path=tmp_path / "t.html", docx_path=tmp_path / "t.docx")
    return checked, tmp_path


@pytest.mark.parametrize("layout", ["html", "docx", "text"])
def test_round_trip_export_then_import_gives_identical_values(exported, layout):
    checked, folder = exported
    path = folder / f"t.{layout}"
    if layout == "text":
        path = folder / "t.txt"
        path.write_text(browser_copy((folder / "t.html").read_text(encoding="utf-8")), encoding="gb18030")
    again = check_workbook(path)
    assert again.numbers.totals == checked.numbers.totals
    assert (again.report.unit, again.report.year) == ("白鹤镇人民政府", 2025)
    assert again.report.valid and again.report.findings == [], again.report.flatten("code", "message")
    assert str(again.numbers.totals["t2.fees.amount"]) == "59237.2449"


def test_export_html_has_official_layout(exported):
    _, folder = exported
    page = (folder / "t.html").read_text(encoding="utf-8")
    assert '<th rowspan="3" colspan="3">（本列数据的勾稽关系为' in page
    assert '<th colspan="7">申请人情况</th>' in page
    assert '<td colspan="3">59237.2449</td>' in page
    assert page.count("<table>") == 3


def test_import_several_with_dir_partial_and_refused(tmp_path, capsys):
    seed = next(REPORTS.glob("01_baihe*"))
    partial = next(REPORTS.glob("03_longgang*"))
    old = next(REPORTS.glob("02_shanghai*"))
    out = tmp_path / "导入"
    assert main(["import", str(seed), str(partial), "-d", str(out)]) == 1  # the partial one has errors
    text = capsys.readouterr().out
    assert "03_longgang" in text and "个错误" in text
    written = sorted(p.name for p in out.iterdir())
    assert written == [
        "03_longgang-district-dept-2024_2024年度政府信息公开年报.xlsx",
        "白鹤镇人民政府_2021年度政府信息公开年报.xlsx",
    ]
    partial_book = check_file(out / written[0])
    # what was read is in the workbook, what was not is left blank and listed as blank cells
    assert check_workbook(out / written[0]).submission.cells["t3.r01.c1"].value == 58
    assert any(f.code == "blank-cell" for f in partial_book.findings)
    assert main(["import", str(old), "-d", str(out)]) == 2  # the 2019 format is never written
    assert "国办公开办函〔2019〕60号" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("无表格.txt", "某镇2025年工作总结\n全年开展活动 12 次。\n".encode(), "没有找到年度报告的表格"),
        ("空.html", b"", "文件是空的"),
        ("utf16.txt", "一、本年新收政府信息公开申请数量\t1\n".encode("utf-16"), "编码"),
        ("图片.html", b'<html><body><img src="table.png"></body></html>', "没有找到年度报告的表格"),
        ("latin.txt", bytes(range(0x80, 0x100)) * 20, "编码"),
    ],
)
def test_bad_documents_one_line_exit_2_nothing_written(name, content, message, tmp_path):
    path = tmp_path / name
    path.write_bytes(content)
    result = subprocess.run(
        [sys.executable, "-m", "toolkit", "import", str(path), "-o", str(tmp_path / "o.xlsx")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "Traceback" not in result.stdout + result.stderr
    assert len(result.stdout.strip().splitlines()) == 1 and message in result.stdout, result.stdout
    assert not (tmp_path / "o.xlsx").exists()


def test_huge_document_refused(tmp_path):
    path = tmp_path / "巨大.txt"
    with path.open("wb") as handle:
        handle.truncate(51 * 1024 * 1024)
    result = subprocess.run(
        [sys.executable, "-m", "toolkit", "check", str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and "文件过大" in result.stdout


def test_merge_refuses_2019_and_2021_together(tmp_path, capsys):
    inbox = tmp_path / "in"
    inbox.mkdir()
    write_workbook(inbox / "a.xlsx", FMT, {"unit_name": "甲镇", "year": 2019}, balanced_inputs())
    (inbox / "b.xls").write_bytes(next(REPORTS.glob("02_shanghai*")).read_bytes())  # a page saved as .xls
    assert main(["merge", str(inbox), "-o", str(tmp_path / "s.xlsx"), "--include-invalid"]) == 2
    err = capsys.readouterr().err
    assert "不同的报告格式" in err and "gov-2019" in err and "gov-2021" in err


def test_shared_reports_are_all_read():
    for path in sorted(REPORTS.glob("*.txt")):
        checked = check_workbook(path)
        assert checked.submission.file_type == "txt"
        assert Path(checked.report.file).name == path.name


def test_real_world_tolerance_traditional_characters_separators_and_words(exported, tmp_path):
    """繁体, half-width brackets, spaces inside words, thousands separators, and words kept as found."""
    checked, folder = exported
    copy = browser_copy((folder / "t.html").read_text(encoding="utf-8"))
    simplified, traditional = (
        "开数请处结转计总关国规会务业发审复议诉项额许罚强",
        "開數請處結轉計總關國規會務業發審複議訴項額許罰強",
    )
    text = copy.translate(str.maketrans(simplified, traditional))
    text = text.replace("（", "(").replace("）", ")").replace("商業企業", "商業 企業")
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("行政許可"):
            lines[index] = "行政許可\t1,573,179"
        if line.startswith("行政處罰"):
            lines[index] = "行政處罰\t无"
        if line.startswith("行政強制"):
            lines[index] = "行政強制\t/"
    page = tmp_path / "繁体.txt"
    page.write_text("\n".join(lines), encoding="utf-8")
    again = check_workbook(page)
    assert values(again, "t2.licensing.decisions", "t2.penalty.decisions", "t2.enforcement.decisions") == [
        1573179,
        "无",
        "/",
    ]
    assert again.report.flatten("code", "row_label") == [("not-a-number", "行政处罚"), ("not-a-number", "行政强制")]
    for cell_id in FMT.cells:
        if cell_id.startswith(("t3", "t4")):
            assert again.numbers.totals[cell_id] == checked.numbers.totals[cell_id], cell_id


def test_2019_signed_changes_are_not_negative_counts(tmp_path):
    page = tmp_path / "2019.txt"
    page.write_text(
        "某镇人民政府2019年政府信息公开工作年度报告\n第二十条第（五）项\t信息内容\t上一年项目数量\t本年增/减\t处理决定数量\n"
        "行政许可\t12\t-2\t30\n其他对外管理服务事项\t5\t减1\t0\n第二十条第（八）项\t信息内容\t上一年项目数量\t本年增/减\n"
        "行政事业性收费\t3\t+1\n",
        encoding="utf-8",
    )
    checked = check_workbook(page)
    assert checked.submission.format.id == "gov-2019"
    assert values(checked, "t2.licensing.items_change", "t2.services.items_change", "t2.fees.items_change") == [
        -2,
        -1,
        1,
    ]
    assert not [f for f in checked.report.findings if f.code == "negative-number"]
