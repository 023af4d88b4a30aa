"""Every kind of file xltool writes, checked by programs that are not xltool.

Excel, WPS and Word are not available here; what is:
- openxml-audit (PyPI, MIT): a Python port of the validation of Microsoft's Open XML SDK, checking each
  part against the ECMA-376 schemas and the SDK's semantic rules;
- Gnumeric's ``ssconvert``: a second spreadsheet program opens each workbook, recalculates every formula and
  saves it; it must say nothing (no warning) and its totals must equal ours;
- LibreOffice: prints each workbook to PDF; every sheet takes the pages we intend, and the tables read back
  from the PDF hold the same numbers as the source. (The Word and web exports printed to PDF and read back
  are in tests/test_reports.py.)
"""

from __future__ import annotations

import csv
import gzip
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import html5lib
import pdfplumber
import pytest
from openxml_audit import OpenXmlValidator

from tests.corpus import _rewrite
from tests.support import FMT, LAYOUT, REPORTS, balanced_inputs, libreoffice_convert
from toolkit.api import check_files, import_report, make_templates, read_and_check
from toolkit.api import export as export_tables
from toolkit.api import merge as build_county_summary
from toolkit.format.layout import parse_address
from toolkit.write.workbook import write_workbook

YEAR = 2025
WORKBOOKS = ("template", "filled", "roster-template", "summary", "annotated", "imported")
FORM_SHEETS = tuple(t.title for t in FMT.tables)
EXCEL_CELL_TEXT = 32767
EXCEL_FORMULA = 8192
EXCEL_SHEET_NAME = 31
_NAME = re.compile(r"^(_xlnm\.)?[^\W\d][\w.]*$")  # a defined name: a letter or _ first, no spaces


def _unit(folder: Path, name: str, values: dict[str, object]) -> Path:
    header = {"unit_name": name, "unit_type": "乡镇/街道", "year": YEAR}
    return write_workbook(folder / f"{name}.xlsx", FMT, header, values)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, Path]:
    """One file of every kind xltool writes, made through the library as the commands make them."""
    folder = tmp_path_factory.mktemp("outputs")
    files: dict[str, Path] = {}
    files["template"] = make_templates(folder / "模板.xlsx", unit="白鹤镇人民政府", year=YEAR)[0]
    values = {**balanced_inputs(), "t2.fees.amount": Decimal("59237.2449"), "t2.licensing.decisions": 1573179}
    files["filled"] = _unit(folder, "白鹤镇人民政府", values)
    roster = folder / "名单.csv"
    roster.write_text("单位名称,单位类型\n示例县城关镇,乡镇\n示例县教育局,县级部门\n", encoding="utf-8")
    files["roster-template"] = make_templates(roster=roster, folder=folder / "名单模板", year=YEAR)[0]
    inbox = folder / "收件箱"
    inbox.mkdir()
    for index, name in enumerate(("甲镇", "乙镇", "丙镇")):
        _unit(inbox, name, {**balanced_inputs(), "t2.licensing.decisions": 100 + index})
    _unit(inbox, "丁镇", {**balanced_inputs(), "t3.r25.c1": 4})  # a unit sent back
    build_county_summary(inbox, folder / "汇总.xlsx")
    files["summary"] = folder / "汇总.xlsx"
    faulty = _unit(folder, "戊镇", {**balanced_inputs(), "t3.r25.c1": 4, "t3.r05.c3": "无"})
    files["annotated"] = Path(check_files([faulty], annotate_dir=folder / "批注")[0].annotated)
    files["imported"] = import_report(REPORTS / "08_hongze-district-2024.pdf", folder / "洪泽区.xlsx")[0]
    export_tables(files["filled"], html=folder / "白鹤镇.html", docx=folder / "白鹤镇.docx")
    files["docx"] = folder / "白鹤镇.docx"
    return files


# --- the schemas --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", [*WORKBOOKS, "docx"])
def test_every_part_is_valid_against_the_schemas(outputs, kind):
    result = OpenXmlValidator().validate(outputs[kind])
    assert result.is_valid, [str(e) for e in result.errors[:10]]


def _spoilt(source: Path, target: Path, part: str, change) -> Path:
    target.write_bytes(_rewrite(source.read_bytes(), lambda name, data: change(data) if name == part else data))
    return target


def test_the_validator_finds_what_excel_would_refuse(outputs, tmp_path):
    """The check above can fail: an element where the schema has none is reported."""
    book = _spoilt(
        outputs["filled"], tmp_path / "坏.xlsx", "xl/workbook.xml", lambda d: d.replace(b"<sheets>", b"<sheets><x/>")
    )
    document = _spoilt(
        outputs["docx"],
        tmp_path / "坏.docx",
        "word/document.xml",
        lambda d: d.replace(b"<w:tblPr>", b"<w:tblPr><w:x/>", 1),
    )
    for spoilt in (book, document):
        result = OpenXmlValidator().validate(spoilt)
        assert not result.is_valid and "Unexpected element" in str(result.errors[0])


def test_the_web_export_is_well_formed_html5(outputs):
    """html5lib, a parser that follows the HTML5 parsing algorithm, in its strict mode: any parse error (a
    stray tag inside a table, an unclosed element) raises."""
    page = outputs["docx"].with_suffix(".html").read_text(encoding="utf-8")
    html5lib.HTMLParser(strict=True).parse(page)
    with pytest.raises(html5lib.html5parser.ParseError):
        html5lib.HTMLParser(strict=True).parse(page.replace("<tbody>", "<tbody><p>", 1))


# --- a second spreadsheet program ---------------------------------------------------------------------------
def _ssconvert() -> str:
    found = shutil.which("ssconvert")
    if not found:
        raise RuntimeError("Gnumeric is required for these tests: apt-get install gnumeric")
    return found


# Gnumeric draws no VML note shapes: on the comments of an annotated copy (written as Excel writes them, an
# anchored VML shape each) it says so once a comment, after reading the comments themselves (checked below).
GNUMERIC_DRAWS_NO_NOTES = "Unhandled object of type Note"


def _gnumeric(source: Path, folder: Path) -> dict[str, list[list[str]]]:
    """Every sheet as Gnumeric reads it and recalculates it (one CSV a sheet); fails on any warning."""
    folder.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [_ssconvert(), "--recalc", "-S", str(source), str(folder / "%s.csv")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    warnings = [line for line in result.stderr.splitlines() if line.strip() and line != GNUMERIC_DRAWS_NO_NOTES]
    assert result.returncode == 0 and warnings == [], result.stderr
    return {p.stem: list(csv.reader(p.read_text(encoding="utf-8").splitlines())) for p in folder.glob("*.csv")}


def _value_at(sheets: dict[str, list[list[str]]], cell_id: str) -> str:
    sheet, address = LAYOUT.locate(cell_id)
    row, col = parse_address(address)
    grid = sheets[sheet]
    return grid[row][col] if row < len(grid) and col < len(grid[row]) else ""


def _same(ours, theirs: str) -> bool:
    if ours is None:
        return theirs == ""
    return theirs != "" and Decimal(theirs) == Decimal(ours)


@pytest.mark.parametrize("kind", WORKBOOKS)
def test_gnumeric_opens_each_workbook_silently_and_recalculates_our_totals(outputs, kind, tmp_path):
    sheets = _gnumeric(outputs[kind], tmp_path / "csv")
    checked = read_and_check(outputs[kind])
    computed = [c.id for c in FMT.cells.values() if c.computed and c.id not in checked.submission.absent]
    wrong = {c: _value_at(sheets, c) for c in computed if not _same(checked.numbers.totals[c], _value_at(sheets, c))}
    assert computed and wrong == {}


def test_gnumeric_reads_every_note_of_an_annotated_copy(outputs, tmp_path):
    native = tmp_path / "批注.gnumeric"
    subprocess.run([_ssconvert(), str(outputs["annotated"]), str(native)], capture_output=True, timeout=120, check=True)
    notes = re.findall(rb"<gnm:CellComment [^>]*Text=\"\[([a-z0-9-]+)\]", gzip.decompress(native.read_bytes()))
    marked = [f.code for f in read_and_check(outputs["annotated"]).report.findings if f.cell]
    assert notes and sorted(n.decode() for n in notes) == sorted(marked)


# --- a real renderer ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def printed(outputs, tmp_path_factory) -> dict[str, Path]:
    """Every workbook printed to PDF by LibreOffice, in one run."""
    folder = tmp_path_factory.mktemp("printed")
    sources = {}
    for kind in WORKBOOKS:
        copy = folder / "in" / f"{kind}.xlsx"
        copy.parent.mkdir(exist_ok=True)
        shutil.copy(outputs[kind], copy)
        sources[kind] = copy
    pdfs = libreoffice_convert(list(sources.values()), folder / "pdf", "pdf")
    return dict(zip(sources, pdfs, strict=True))


def _pages(pdf: Path) -> list[tuple[str, int, bool, str]]:
    """(sheet, page number in the sheet, landscape, text) of each page, from the footer we print."""
    pages = []
    with pdfplumber.open(pdf) as document:
        for page in document.pages:
            text = page.extract_text() or ""
            footer = re.search(r"(\S+)\s*第\s*(\d+)\s*页\s*$", text)
            assert footer, text[-200:]
            pages.append((footer.group(1), int(footer.group(2)), page.width > page.height, text))
    return pages


def _sheet_counts(pages) -> dict[str, int]:
    counts: dict[str, int] = {}
    for sheet, number, _, _ in pages:
        counts[sheet] = max(counts.get(sheet, 0), number)
    return counts


@pytest.mark.parametrize("kind", WORKBOOKS)
def test_each_form_sheet_prints_on_one_page_numbered_per_sheet(printed, kind):
    counts = _sheet_counts(_pages(printed[kind]))
    assert {sheet: counts.get(sheet) for sheet in FORM_SHEETS} == dict.fromkeys(FORM_SHEETS, 1)
    assert not any(name.startswith("_") for name in counts)  # the stamp sheet stays hidden


@pytest.mark.parametrize("kind", [k for k in WORKBOOKS if k != "template"])
def test_numbers_read_back_from_the_printed_workbook(printed, outputs, kind):
    """The printed tables, read as any published PDF is read, hold our numbers in our columns."""
    again = read_and_check(printed[kind])
    ours = read_and_check(outputs[kind])
    wrong = {c.id for c in FMT.cells.values() if again.numbers.totals[c.id] != ours.numbers.totals[c.id]}
    assert wrong == set()
    assert (again.report.unit, again.report.year) == (ours.report.unit, ours.report.year)  # "填报单位：…　年度：…"


@pytest.fixture(scope="module")
def big_summary_pages(tmp_path_factory) -> list[tuple[str, int, bool, str]]:
    """A county of 120 units, 40 of them sent back, merged with its roster and printed: long enough for the
    extra sheets to run over several pages."""
    folder = tmp_path_factory.mktemp("county")
    inbox = folder / "收件箱"
    inbox.mkdir()
    names = [f"第{i:03d}镇" for i in range(120)]
    for index, name in enumerate(names):
        faulty = {"t3.r25.c1": 4, "t3.r05.c3": "无"} if index % 3 == 0 else {}
        _unit(inbox, name, {**balanced_inputs(), **faulty})
    roster = folder / "名单.csv"
    roster.write_text("单位名称,单位类型\n" + "".join(f"{n},乡镇\n" for n in [*names, "未报送镇"]), encoding="utf-8")
    build_county_summary(inbox, folder / "汇总.xlsx", roster=roster)
    return _pages(libreoffice_convert([folder / "汇总.xlsx"], folder / "pdf", "pdf")[0])


SUMMARY_HEADINGS = {"明细": "单位名称", "校验结果": "说明", "报送情况": "文件状态"}


def test_summary_sheets_print_one_page_wide_with_their_headings_on_every_page(big_summary_pages):
    counts = _sheet_counts(big_summary_pages)
    assert counts["校验结果"] > 1 and counts["报送情况"] > 1  # the case is long enough to test repetition
    for sheet, heading in SUMMARY_HEADINGS.items():
        pages = [(landscape, text) for name, _, landscape, text in big_summary_pages if name == sheet]
        # one page wide: no page holds only the columns to the right, which would lack the first heading
        assert all(heading in text for _, text in pages), sheet
        assert all(landscape for landscape, _ in pages), sheet
    assert {sheet: counts[sheet] for sheet in FORM_SHEETS} == dict.fromkeys(FORM_SHEETS, 1)


# --- what Excel itself insists on ---------------------------------------------------------------------------
def _parts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xml")}


@pytest.mark.parametrize("kind", WORKBOOKS)
def test_names_sheets_and_texts_within_excels_limits(outputs, kind):
    parts = _parts(outputs[kind])
    workbook = parts["xl/workbook.xml"]
    names = re.findall(r'<definedName name="([^"]+)"(?: localSheetId="(\d+)")?', workbook)
    assert len(names) == len(set(names)), names  # no name twice in one scope
    assert all(_NAME.match(name) for name, _ in names), names
    tags = [dict(re.findall(r'(\w+)="([^"]*)"', tag)) for tag in re.findall(r"<sheet [^>]*/>", workbook)]
    sheets = [(tag["name"], tag.get("state", "")) for tag in tags]
    assert all(len(name) <= EXCEL_SHEET_NAME and not set(name) & set("[]:*?/\\") for name, _ in sheets)
    stamps = [state for name, state in sheets if name.startswith("_")]
    assert all(state == "veryHidden" for state in stamps), sheets
    strings = re.findall(r"<t[^>]*>([^<]*)</t>", parts.get("xl/sharedStrings.xml", ""))
    assert max(map(len, strings), default=0) <= EXCEL_CELL_TEXT
    formulas = [f for name, xml in parts.items() if "worksheets" in name for f in re.findall(r"<f>([^<]*)</f>", xml)]
    assert max(map(len, formulas), default=0) <= EXCEL_FORMULA


def test_every_standard_workbook_carries_a_very_hidden_stamp(outputs):
    """Template, unit workbook, summary, annotated copy and imported report are all ours: each says so."""
    for kind in WORKBOOKS:
        workbook = _parts(outputs[kind])["xl/workbook.xml"]
        assert re.search(r'<sheet name="_[^"]*"[^>]*state="veryHidden"', workbook), kind
