"""The few parts of an .xlsx read directly from its XML: sheet names, defined names, the saving program,
formulas and error cells, and how far a sheet's cells reach (before calamine sizes a grid from them)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.parsers import expat

from toolkit import limits
from toolkit.errors import UnreadableWorkbook
from toolkit.format.stamp import STAMP_NAME, Stamp
from toolkit.read.safezip import ZipRefused, check_sizes, read_member
from toolkit.text import clip

# Only cells holding a formula or an error value matter; matching just those keeps the scan fast. Most writers
# put a cell's reference first, which a simpler pattern matches twice as fast; the general one is the fallback.
_FORMULA_CELL_R_FIRST = re.compile(
    rb'<(?:\w+:)?c r="([A-Z]+[0-9]+)"[^>]*>\s*<(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*)</(?:\w+:)?f>)'
)
_FORMULA_CELL = re.compile(
    rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+[0-9]+)"[^>]*>\s*<(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*)</(?:\w+:)?f>)'
)
_ERROR_CELL = re.compile(
    rb'<(?:\w+:)?c\b(?=[^>]*?\bt="e")[^>]*?\br="([A-Z]+[0-9]+)"[^>]*>.*?<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>', re.S
)
# A reference beyond column ZZ or row 999: only then is a sheet's full extent worth measuring.
_FAR_REFERENCE = re.compile(rb' r="(?:[A-Z]{3}|[A-Z]{0,2}\d{4})')
# Every cell reference of a sheet. calamine sizes the grid from the cells: neither the <dimension ref> nor an
# empty <row> counts (LibreOffice writes an empty row 1048576 after a row is deleted; some programs write an
# absurd dimension into ordinary files).
_EXTENT = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})(\d{1,9})"')
_SHEET = re.compile(r'<(?:\w+:)?sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"')
_SHEET_ALT = re.compile(r'<(?:\w+:)?sheet\b[^>]*?r:id="([^"]*)"[^>]*?name="([^"]*)"')
_REL = re.compile(r'<Relationship\b[^>]*?Id="([^"]*)"[^>]*?Target="([^"]*)"')
_REL_ALT = re.compile(r'<Relationship\b[^>]*?Target="([^"]*)"[^>]*?Id="([^"]*)"')
_DEFINED = re.compile(r'<(?:\w+:)?definedName\b[^>]*?name="([^"]*)"[^>]*>(.*?)</(?:\w+:)?definedName>', re.S)
_APP = re.compile(r"<Application>(.*?)</Application>", re.S)
NEAR_EXTENT = (999, 702)  # nothing beyond ZZ999: far below any limit


_END_OF_SHEET = re.compile(rb"</(?:\w+:)?worksheet>\s*$")
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData\b")
_SHEET_DATA_END = re.compile(rb"</(?:\w+:)?sheetData>|<(?:\w+:)?sheetData\b[^>]*/>")


def well_formed_sheet(data: bytes) -> bool:
    """Whether a sheet part ends as a sheet ends and its cell data is well-formed XML.

    Only the ``<sheetData>`` element is parsed (about a fifth of a template's sheet; the rest is validations
    and formats): it holds every value, and a part cut anywhere lacks its closing tag.
    """
    if not _END_OF_SHEET.search(data[-64:]):
        return False
    span = _sheet_data(data)
    if span is None:
        return _SHEET_DATA.search(data) is None  # a sheet without cells is whole
    parser = expat.ParserCreate()
    try:
        parser.Parse(data[span[0] : span[1]], True)
    except expat.ExpatError:
        return False
    return True


def _formula_cells(data: bytes) -> list[tuple[bytes, bytes]]:
    """(reference, formula text) of every cell with a formula."""
    matches: list[tuple[bytes, bytes]] = _FORMULA_CELL_R_FIRST.findall(data)
    formulas = data.count(b"<f") + data.count(b":f")  # every formula element, with or without a prefix
    return matches if len(matches) == formulas else _FORMULA_CELL.findall(data)


def _sheet_data(data: bytes) -> tuple[int, int] | None:
    """Where the ``<sheetData>`` element is (plain tags found with a byte search, prefixed ones by regex)."""
    start, end = data.find(b"<sheetData"), data.rfind(b"</sheetData>")
    if start >= 0 and end > start:
        return start, end + len(b"</sheetData>")
    opened = _SHEET_DATA.search(data)
    closed = _SHEET_DATA_END.search(data, opened.start()) if opened else None
    return (opened.start(), closed.end()) if opened and closed else None


def unescape(text: str) -> str:
    if "&" not in text:
        return text
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


class XlsxParts:
    """An open .xlsx: its sheet parts by name, its defined names, and the program that saved it."""

    def __init__(self, path: Path, archive: zipfile.ZipFile) -> None:
        self.path = path
        self.archive = archive
        self._sheet_xml: dict[str, bytes] = {}
        self._check_sizes()
        workbook = self._text("xl/workbook.xml")
        rels = self._text("xl/_rels/workbook.xml.rels")
        targets = dict(_REL.findall(rels)) or {i: t for t, i in _REL_ALT.findall(rels)}
        sheets = _SHEET.findall(workbook) or [(n, i) for i, n in _SHEET_ALT.findall(workbook)]
        self.sheet_parts = {unescape(name): self._part_name(targets.get(rid, "")) for name, rid in sheets}
        self.defined = {name: unescape(value) for name, value in _DEFINED.findall(workbook)}
        match = _APP.search(self._text("docProps/app.xml", missing_ok=True))
        self.application = unescape(match.group(1)).strip() if match else ""

    def _check_sizes(self) -> None:
        try:
            large = check_sizes(self.archive)
        except ZipRefused:
            raise UnreadableWorkbook(self.path, "工作簿解压后体积异常（疑似“压缩炸弹”），已拒绝读取") from None
        for info in large:  # inflate within its declared size before any other reader does it without limit
            try:
                read_member(self.archive, info)
            except limits.ZIP_FAILURES:
                raise UnreadableWorkbook(
                    self.path, "工作簿中的压缩数据已损坏或与声明的大小不符，已拒绝读取；请重新保存后发送"
                ) from None

    @staticmethod
    def _part_name(target: str) -> str:
        target = target.lstrip("/")
        return target if target.startswith("xl/") else f"xl/{target}"

    def _text(self, name: str, missing_ok: bool = False) -> str:
        try:
            return read_member(self.archive, name).decode("utf-8", errors="replace")
        except KeyError:
            if missing_ok:
                return ""
            raise UnreadableWorkbook(self.path, f"工作簿缺少必要部分 {name}，可能已损坏；请重新保存为 .xlsx") from None
        except limits.ZIP_FAILURES as error:
            raise UnreadableWorkbook(self.path, f"工作簿已损坏（{type(error).__name__}）；请重新保存后发送") from None

    def stamp(self) -> Stamp | None:
        text = self.defined.get(STAMP_NAME)
        return Stamp.parse(text) if text else None

    def sheet_xml(self, sheet: str) -> bytes:
        """The sheet's XML, read once (b"" when the part is missing).

        A part that does not inflate to what the zip declares (bad CRC, wrong size) is refused here: zipfile
        stops at the declared size, but another reader could inflate a lying member without limit.
        """
        if sheet not in self._sheet_xml:
            part = self.sheet_parts.get(sheet)
            try:
                self._sheet_xml[sheet] = read_member(self.archive, part) if part else b""
            except KeyError:
                self._sheet_xml[sheet] = b""
            except limits.ZIP_FAILURES:
                raise UnreadableWorkbook(
                    self.path,
                    f"工作表“{clip(sheet, 20)}”的压缩数据已损坏或与声明的大小不符，已拒绝读取；请重新保存后发送",
                ) from None
        return self._sheet_xml[sheet]

    def cells_xml(self, sheet: str) -> bytes:
        """The part of the sheet's XML that holds its cells (all of it when that part cannot be told)."""
        data = self.sheet_xml(sheet)
        span = _sheet_data(data)
        return data[span[0] : span[1]] if span else data

    def damaged_sheets(self) -> list[str]:
        """The sheets read so far whose XML is cut off or malformed where the cells are (calamine reads such
        a sheet partly without a word; Excel opens it only after a repair)."""
        return [name for name, data in self._sheet_xml.items() if data and not well_formed_sheet(data)]

    def extent(self, sheet: str) -> tuple[int, int]:
        """(rows, columns) the sheet's cells reach, measured before calamine sizes a grid from them."""
        data = self.cells_xml(sheet)
        if not _FAR_REFERENCE.search(data):
            return NEAR_EXTENT
        rows = cols = 0
        for letters, digits in _EXTENT.findall(data):
            rows = max(rows, int(digits))
            col = 0
            for ch in letters:
                col = col * 26 + ch - 64
            cols = max(cols, col)
        return rows, cols

    def formulas(self, sheet: str) -> dict[str, tuple[str | None, str | None]]:
        """address -> (formula text or None, error value or None) for every cell with either."""
        data = self.cells_xml(sheet)
        found: dict[str, tuple[str | None, str | None]] = {}
        for ref, text in _formula_cells(data):
            found[ref.decode()] = (unescape(text.decode("utf-8", "replace")), None)
        if b't="e"' in data:
            for ref, value in _ERROR_CELL.findall(data):
                key = ref.decode()
                found[key] = (found.get(key, (None, None))[0], value.decode("utf-8", "replace") or "#ERROR")
        return found
