"""Test helpers that do what people and programs do to a workbook: fill it, recalculate it, convert it."""

from __future__ import annotations

import html.parser
import shutil
import subprocess
import tempfile
from pathlib import Path

import openpyxl

from toolkit.api import read_and_check
from toolkit.findings import Report
from toolkit.format.layout import workbook_layout
from toolkit.format.load import load_format
from toolkit.format.model import Format

FMT: Format = load_format()
LAYOUT = workbook_layout(FMT)
ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "samples" / "reports"  # real published reports, copied from the shared folder as found
DATA = Path(__file__).resolve().parent / "data"

_RECALC_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""


def address_of(cell_id: str) -> tuple[str, str]:
    """(sheet, A1 address) of a format cell in the standard workbook."""
    return LAYOUT.locate(cell_id)


def zero_inputs() -> dict[str, int]:
    return {c.id: 0 for c in FMT.input_cells}


def balanced_inputs() -> dict[str, object]:
    """A plausible town: 12 new + 2 carried = 11 handled + 3 carried forward, in two columns."""
    values: dict[str, object] = zero_inputs()
    values.update(
        {
            "t3.r01.c1": 10,
            "t3.r01.c2": 2,
            "t3.r02.c1": 2,
            "t3.r03.c1": 5,
            "t3.r04.c1": 1,
            "t3.r13.c1": 3,
            "t3.r23.c2": 2,
            "t3.r25.c1": 3,
            "t2.normative.issued": 2,
            "t2.normative.valid": 15,
            "t2.licensing.decisions": 120,
            "t2.penalty.decisions": 7,
            "t2.fees.amount": 12.3456,
            "t4.cases.rv_upheld": 1,
            "t4.cases.ld_pending": 1,
        }
    )
    return values


def fill(template: Path, out: Path, values: dict[str, object], header: dict[str, object] | None = None) -> Path:
    """Type values into a template's cells with openpyxl, as a person filling the form would."""
    book = openpyxl.load_workbook(template)
    for cell_id, value in values.items():
        sheet, ref = address_of(cell_id)
        book[sheet][ref] = value
    for key, value in (header or {}).items():
        row, col = LAYOUT.header.cells[key]
        book[FMT.header.sheet].cell(row=row + 1, column=col + 1).value = value  # value=None would be ignored
    book.save(out)
    return out


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise RuntimeError("LibreOffice (soffice) is required for these tests: apt-get install libreoffice-calc-nogui")
    return found


def libreoffice_convert(files: list[Path], outdir: Path, target: str = "xlsx") -> list[Path]:
    """Open each file in LibreOffice headless, recalculate every formula, and save it as ``target``."""
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_RECALC_PROFILE, encoding="utf-8")
        subprocess.run(
            [
                soffice(),
                f"-env:UserInstallation={Path(profile).as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                target,
                "--outdir",
                str(outdir),
                *map(str, files),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    suffix = target.split(":", 1)[0]
    results = [outdir / f"{Path(f).stem}.{suffix}" for f in files]
    missing = [r for r in results if not r.exists()]
    if missing:
        raise RuntimeError(f"LibreOffice did not write {missing}")
    return results


def cached_values(path: Path, sheet: str) -> dict[str, object]:
    book = openpyxl.load_workbook(path, data_only=True)
    return {c.coordinate: c.value for row in book[sheet].iter_rows() for c in row if c.value is not None}


class _BrowserCopy(html.parser.HTMLParser):
    """Copying a web page's tables as a browser does: one tab per cell, merged cells not repeated."""

    def __init__(self):
        super().__init__()
        self.lines, self.row, self.cell = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.row.append("".join(self.cell))
            self.cell = None
        elif tag == "tr":
            self.lines.append("\t".join(self.row))
        elif tag in ("h2", "h3"):
            self.lines.append("")

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)
        elif data.strip():
            self.lines.append(data.strip())


def browser_copy(page: str) -> str:
    """A web page's text as a browser copies it: one line per table row, one tab per cell, spans not repeated."""
    copy = _BrowserCopy()
    copy.feed(page)
    return "\n".join(copy.lines)


def check_file(path: Path, previous_path: Path | None = None) -> Report:
    """The report `xltool check` gives for one file (read and checked, against last year's when given)."""
    previous = read_and_check(previous_path) if previous_path else None
    return read_and_check(path, previous).report


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not found:
        raise RuntimeError("Chromium is required for these tests: apt-get install chromium")
    return found


def chromium_print(page: Path, out: Path) -> Path:
    """Print a web page to PDF as a reader's browser would (headless Chromium, its own print CSS)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                f"--user-data-dir={profile}",
                "--no-pdf-header-footer",
                f"--print-to-pdf={out}",
                page.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    if not out.exists():
        raise RuntimeError(f"Chromium did not write {out}")
    return out
