"""Published reports as they reach an evaluator: the published PDF, its text pulled out with pypdf, another
tool's Markdown, a crawled page with cells run together; and our own export printed to PDF by LibreOffice,
read back from the PDF and from its text. Every value is asserted, per table."""

from __future__ import annotations

import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from pdfminer.high_level import extract_text as pdfminer_text
from pypdf import PdfReader, PdfWriter

from tests.support import FMT, REPORTS, balanced_inputs, chromium_print, libreoffice_convert
from toolkit.api import read_and_check
from toolkit.cli import main
from toolkit.write.export import export_tables
from toolkit.write.workbook import write_workbook

SECONDS_PER_PDF = 5.0
SECONDS_PER_TEXT = 1.0


def row(checked, table, key):
    t = FMT.table(table)
    return [checked.submission.cells[t.cell_id(key, c.key)].value for c in t.columns_of(key)]


def t3(checked):
    return {r.key: row(checked, "t3", r.key) for r in FMT.table("t3").rows}


def codes(checked):
    return [f.code for f in checked.report.findings]


def read(name, folder=REPORTS):
    started = time.perf_counter()
    checked = read_and_check(folder / name)
    elapsed = time.perf_counter() - started
    assert elapsed < (SECONDS_PER_PDF if name.endswith(".pdf") else SECONDS_PER_TEXT), (name, elapsed)
    return checked


ZERO = [0] * 7
HONGZE_2023_T3 = {
    "r01": [21, 0, 0, 0, 0, 0, 21],
    "r04": [4, 0, 0, 0, 0, 0, 4],
    "r05": [1, 0, 0, 0, 0, 0, 1],
    "r10": [1, 0, 0, 0, 0, 0, 1],
    "r11": [1, 0, 0, 0, 0, 0, 1],
    "r13": [10, 0, 0, 0, 0, 0, 10],
    "r14": [3, 0, 0, 0, 0, 0, 3],
    "r16": [1, 0, 0, 0, 0, 0, 1],
    "r24": [21, 0, 0, 0, 0, 0, 21],
}


@pytest.fixture(scope="module")
def pdfminer_texts(tmp_path_factory):
    """The published PDFs' text as pdfminer pulls it out: box by box, a page's row labels first, then each
    column's numbers."""
    folder = tmp_path_factory.mktemp("pdfminer")
    for pdf in REPORTS.glob("0[78]_*.pdf"):
        (folder / f"{pdf.stem}.pdfminer.txt").write_text(pdfminer_text(str(pdf)), encoding="utf-8")
    return folder


def read_variant(name, pdfminer_texts):
    return read(name, pdfminer_texts) if name.endswith(".pdfminer.txt") else read(name)


HONGZE_2023 = ["07_hongze-district-2023.pdf", "07_hongze-district-2023.txt", "07_hongze-district-2023.pdfminer.txt"]
HONGZE_2024 = ["08_hongze-district-2024.pdf", "08_hongze-district-2024.txt", "08_hongze-district-2024.pdfminer.txt"]


def _columns_placed(name):
    """pdfminer's text of 表三 is read column by column, which the reader says."""
    return [("import-columns-placed", "")] if name.endswith(".pdfminer.txt") else []


@pytest.mark.parametrize("name", HONGZE_2023)
def test_hongze_2023_pdf_and_its_text_read_alike_with_the_real_r4_defect(name, pdfminer_texts):
    checked = read_variant(name, pdfminer_texts)
    assert (checked.report.unit, checked.report.year) == ("洪泽区人民政府", 2023)  # a title split over two lines
    assert row(checked, "t2", "normative") == [0, 5, 5]
    assert [row(checked, "t2", k)[0] for k in ("licensing", "penalty", "enforcement")] == [550, 4119, 195]
    assert row(checked, "t2", "fees") == [Decimal("7730.28")]
    rows = t3(checked)
    for key, values in rows.items():
        if key in ("r21", "r22", "r23"):
            assert f"t3.{key}.c1" in checked.submission.absent  # （六）其他处理 printed as one row
        else:
            assert values == HONGZE_2023_T3.get(key, ZERO), key
    assert row(checked, "t4", "cases") == [10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0]
    assert sorted(checked.report.flatten("code", "column_label")) == sorted(
        [
            ("import-sub-rows-missing", ""),
            ("total-review-r4", "行政复议 总计"),
            ("total-review-r4", "复议后起诉 总计"),
            *_columns_placed(name),
        ]
    )
    group = next(f for f in checked.report.findings if f.code == "import-sub-rows-missing")
    assert "“（六）其他处理”只印了一行（0、0、0、0、0、0、0）" in group.message and "3.其他" in group.message


@pytest.mark.parametrize("name", HONGZE_2024)
def test_hongze_2024_pdf_and_its_text(name, pdfminer_texts):
    checked = read_variant(name, pdfminer_texts)
    assert (checked.report.unit, checked.report.year) == ("淮安市洪泽区人民政府", 2024)
    assert row(checked, "t2", "normative") == [3, 0, 8]
    assert [row(checked, "t2", k)[0] for k in ("licensing", "penalty", "enforcement", "fees")] == [9487, 2776, 84, 7545]
    rows = t3(checked)
    assert rows["r01"] == rows["r24"] == [95, 0, 0, 0, 0, 0, 95]
    assert [rows[k][0] for k in ("r03", "r04", "r07", "r10", "r11", "r13", "r14", "r16")] == [50, 9, 1, 1, 1, 31, 1, 1]
    assert row(checked, "t4", "cases") == [1, 1, 0, 0, 2, 1, 0, 0, 0, 1, 2, 0, 1, 0, 3]
    # the page footer between 表二 rows is not a value
    assert sorted(codes(checked)) == sorted(["import-sub-rows-missing", *(c for c, _ in _columns_placed(name))])


def test_markdown_from_another_tool_rows_put_back_by_their_labels():
    checked = read("09_shanghai-stcsm-2024.md")
    assert (checked.report.unit, checked.report.year) == ("上海市科委", 2024)
    assert row(checked, "t2", "normative") == [13, 0, 55]  # "规范性文件" without 行政
    assert row(checked, "t2", "licensing") == [97]
    rows = t3(checked)
    expected = {
        "r01": [32, 2, 0, 0, 0, 0, 34],
        "r02": [2, 0, 0, 0, 0, 0, 2],
        "r03": [9, 0, 0, 0, 0, 0, 9],
        "r09": [1, 0, 0, 0, 0, 0, 1],
        "r10": [1, 0, 0, 0, 0, 0, 1],
        "r13": [4, 0, 0, 0, 0, 0, 4],
        "r14": [6, 0, 0, 0, 0, 0, 6],
        "r21": [8, 2, 0, 0, 0, 0, 10],
        "r23": [4, 0, 0, 0, 0, 0, 4],
        "r24": [33, 2, 0, 0, 0, 0, 35],
        "r25": [1, 0, 0, 0, 0, 0, ""],  # the 总计 cell is empty in the report: a blank, never guessed
    }
    assert rows == {key: expected.get(key, ZERO) for key in rows}
    assert row(checked, "t4", "cases") == [1, 0, 0, 0, 1] + [0] * 10  # 表四 split in pieces, joined
    found = {f.code: f for f in checked.report.findings}
    assert "10 行" in found["import-rows-placed"].actual
    assert (found["blank-cell"].row_label, found["blank-cell"].column_label) == ("四、结转下年度继续办理", "总计")


def test_crawled_page_with_numbers_run_together_split_by_the_totals():
    checked = read("10_pingtan-2023-crawl.txt")
    assert (checked.report.unit, checked.report.year) == ("平潭综合实验区", 2023)
    rows = t3(checked)
    assert rows["r01"] == rows["r24"] == [80, 1, 0, 0, 0, 0, 81]
    assert rows["r03"] == [22, 0, 0, 0, 0, 0, 22]  # 220000022: 2,20 fits the row, only 22,0 fits the table
    assert rows["r04"] == [19, 1, 0, 0, 0, 0, 20]
    assert [rows[k][0] for k in ("r08", "r10", "r11", "r12", "r13", "r17", "r21", "r23")] == [1, 1, 1, 2, 31, 1, 1, 1]
    assert row(checked, "t4", "cases") == [1, 1, 0, 0, 2, 4, 0, 0, 1, 5, 1, 0, 1, 0, 2]
    assert [row(checked, "t2", k)[0] for k in ("licensing", "penalty", "enforcement")] == [2629, 1330, 54]
    unclear = next(f for f in checked.report.findings if f.code == "import-runs-unclear")
    assert unclear.row_label == "行政规范性文件" and "77132470" in unclear.message  # three numbers, many splits
    assert "t2.normative.valid" in checked.submission.absent
    assert codes(checked) == ["import-runs-unclear", "too-many-decimals"]  # 5949.088667 万元: six decimals


# --- our own report, printed and pulled apart ------------------------------------------------------------
@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """A unit's workbook exported as Word (printed to PDF by LibreOffice) and as a web page (printed by Chromium)."""
    folder = tmp_path_factory.mktemp("printed")
    values = {**balanced_inputs(), "t2.fees.amount": Decimal("59237.2449"), "t2.licensing.decisions": 1573179}
    source = write_workbook(folder / "白鹤镇.xlsx", FMT, {"unit_name": "白鹤镇人民政府", "year": 2025}, values)
    checked = read_and_check(source)
    export_tables(checked, html_path=folder / "白鹤镇.html", docx_path=folder / "白鹤镇.docx")
    pdfs = libreoffice_convert([folder / "白鹤镇.docx"], folder / "from-docx", "pdf")
    pdfs.append(chromium_print(folder / "白鹤镇.html", folder / "from-html" / "白鹤镇.pdf"))
    return checked, pdfs


def _same_numbers(again, checked):
    assert (again.report.unit, again.report.year) == ("白鹤镇人民政府", 2025)
    for cell in FMT.cells:
        assert again.numbers.totals[cell] == checked.numbers.totals[cell], cell
    assert again.report.valid, again.report.flatten("code", "message")


def test_our_export_printed_to_pdf_reads_back_to_the_same_numbers(printed):
    checked, pdfs = printed
    for pdf in pdfs:
        _same_numbers(read_and_check(pdf), checked)


@pytest.mark.parametrize("extractor", ["pypdf", "pdfminer"])
def test_text_pulled_out_of_the_pdf_reads_back_too(printed, extractor, tmp_path):
    checked, pdfs = printed
    text_file = tmp_path / f"{extractor}.txt"
    if extractor == "pypdf":
        text = "\n".join(page.extract_text() for page in PdfReader(pdfs[0]).pages)
    else:
        text = pdfminer_text(str(pdfs[0]))
    text_file.write_text(text, encoding="utf-8")
    _same_numbers(read_and_check(text_file), checked)


# --- structural variants ---------------------------------------------------------------------------------
def test_a_number_with_words_beside_it_is_read_with_a_warning(tmp_path):
    page = tmp_path / "某局.txt"
    page.write_text(
        "某局2024年政府信息公开工作年度报告\n二、主动公开政府信息情况\n第二十条第（一）项\n"
        "信息内容\t本年制发件数\t本年废止件数\t现行有效件数\n规章\t0\t0\t0\n行政规范性文件\t22（其中修订 16 件）\t0\t40\n",
        encoding="utf-8",
    )
    checked = read_and_check(page)
    assert row(checked, "t2", "normative") == [22, 0, 40]
    noted = next(f for f in checked.report.findings if f.code == "number-with-note")
    assert noted.severity == "warning" and "22（其中修订 16 件）" in noted.message


# 表四 as pdfminer printed it from a PDF with tight rows: a value under its heading, then more headings.
INTERLEAVED_T4 = """四、政府信息公开行政复议、行政诉讼情况
行政复议
行政诉讼
结果维
持
结果纠
正
其他结
果
尚未审
结
总计
未经复议直接起诉
复议后起诉
结果维
持
结果纠
正
其他结
果
尚未审
结
总计
1
结果维
持
结果纠
正
其他结
果
尚未审
结
0
0
0
0
总计
0
1
0
0
0
1
0
0
0
1
"""


def test_review_numbers_mixed_among_their_headings_are_reported_not_guessed(tmp_path):
    text = (REPORTS / "07_hongze-district-2023.txt").read_text(encoding="utf-8")
    start, end = text.index("四、政府信息公开行政复议"), text.index("五、存在的主要问题")
    page = tmp_path / "洪泽.txt"
    page.write_text(text[:start] + INTERLEAVED_T4 + text[end:], encoding="utf-8")
    checked = read_and_check(page)
    unclear = next(f for f in checked.report.findings if f.code == "import-order-unclear")
    assert unclear.severity == "error" and "1、0、0、0、0、0、1" in unclear.message
    assert all(c.id in checked.submission.absent for c in FMT.table("t4").cells)
    assert "total-review-r4" not in codes(checked)  # no false R4 alarm from numbers put in wrong columns
    assert row(checked, "t2", "normative") == [0, 5, 5]  # the rest is read as before


def test_the_unit_named_in_a_sentence(tmp_path):
    text = (REPORTS / "07_hongze-district-2023.txt").read_text(encoding="utf-8")
    text = text.replace(
        "洪泽区人民政府\n2023 年政府信息公开工作年度报告",
        "为此，特编制湛江市人民政府地方志办公室2023年政府信息公开工作年度报告。",
    )
    page = tmp_path / "湛江.txt"
    page.write_text(text, encoding="utf-8")
    assert read_and_check(page).report.unit == "湛江市人民政府地方志办公室"


def test_import_of_a_pdf_writes_what_was_read_and_exits_1(tmp_path, capsys):
    out = tmp_path / "洪泽.xlsx"
    assert main(["import", str(REPORTS / "07_hongze-district-2023.pdf"), "-o", str(out)]) == 1
    again = read_and_check(out)
    assert row(again, "t4", "cases")[:4] == [10, 1, 0, 0]
    assert again.submission.cells["t3.r21.c1"].value in ("", None)  # not read: left blank, not invented


def test_check_a_pdf_from_the_command_line(capsys):
    assert main(["check", str(REPORTS / "07_hongze-district-2023.pdf")]) == 1
    out = capsys.readouterr().out
    assert "total-review-r4" in out and "洪泽区人民政府 2023 年度  3 个错误" in out


# --- PDFs that are not reports ---------------------------------------------------------------------------
def _scan(pdf: Path, out: Path) -> Path:
    """A PDF as a scanner makes it: every page an image, no text."""
    from PIL import Image

    pages = out.parent / "pages"
    pages.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "300", "-png", str(pdf), str(pages / "p")], check=True)
    images = [Image.open(p).convert("RGB") for p in sorted(pages.glob("p-*.png"))]
    images[0].save(out, save_all=True, append_images=images[1:], resolution=300)
    return out


def test_a_scan_is_read_through_ocr_and_says_so(printed, tmp_path):
    checked, pdfs = printed
    scan = _scan(pdfs[0], tmp_path / "扫描件.pdf")
    again = read_and_check(scan)
    assert "ocr-values" in codes(again)
    assert again.submission.cells["t3.r01.c1"].value == 10  # the first row of 表三, from the image
    read_right = sum(again.numbers.totals[c] == checked.numbers.totals[c] for c in FMT.cells if c.startswith("t3"))
    assert read_right >= 0.8 * sum(1 for c in FMT.cells if c.startswith("t3"))


def test_a_scan_without_ocr_says_so_in_one_line(printed, tmp_path):
    _, pdfs = printed
    scan = _scan(pdfs[0], tmp_path / "扫描件.pdf")
    env = {"PATH": "/nonexistent", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    result = subprocess.run(
        [sys.executable, "-m", "toolkit", "check", str(scan)], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 2
    assert "扫描件，没有可读取的文字层" in result.stdout and len(result.stdout.strip().splitlines()) == 1


def test_an_encrypted_pdf_is_refused_in_one_line(tmp_path):
    writer = PdfWriter(clone_from=REPORTS / "07_hongze-district-2023.pdf")
    writer.encrypt("secret", algorithm="AES-256")
    locked = tmp_path / "加密.pdf"
    with locked.open("wb") as handle:
        writer.write(handle)
    result = subprocess.run([sys.executable, "-m", "toolkit", "check", str(locked)], capture_output=True, text=True)
    assert result.returncode == 2 and "加密" in result.stdout
