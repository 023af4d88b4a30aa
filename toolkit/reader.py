"""Workbook -> the report's numbers, each with the sheet and cell it came from.

Values come from python-calamine (fast, reads .xlsx, .xls and .ods). For .xlsx the sheet XML is also
scanned for formulas and error cells, so that a total typed over a formula is seen without a second full
load. Tables are found at the standard template's places when the workbook carries our stamp and its labels
are still there; otherwise they are looked for by their labels on every sheet (a clerk's own copy).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine as calamine

from toolkit import limits
from toolkit.errors import UnreadableWorkbook
from toolkit.formats import Format, Table, available_formats, load_format
from toolkit.layout import TableLayout, address, workbook_layout
from toolkit.locate import locate_header, locate_table
from toolkit.stamp import STAMP_NAME, STAMP_SHEET, Stamp
from toolkit.text import clip, norm_label

XLSX, XLS, ODS = "xlsx", "xls", "ods"
TXT, HTML, DOCX = "txt", "html", "docx"  # published reports, read by toolkit.importer
DOCUMENTS = (TXT, HTML, DOCX)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")
# Only cells holding a formula or an error value matter; matching just those keeps the scan fast.
_FORMULA_CELL = re.compile(
    rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+[0-9]+)"[^>]*>\s*<(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*)</(?:\w+:)?f>)'
)
_ERROR_CELL = re.compile(
    rb'<(?:\w+:)?c\b(?=[^>]*?\bt="e")[^>]*?\br="([A-Z]+[0-9]+)"[^>]*>.*?<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>', re.S
)
# A reference beyond column ZZ or row 999: only then is a sheet's full extent worth measuring.
_FAR_REFERENCE = re.compile(rb' r="(?:[A-Z]{3}|[A-Z]{0,2}\d{4})')
# Every row number and cell reference of a sheet. (Its <dimension ref> is not counted: calamine sizes the grid
# from the cells, and some programs write an absurd dimension into ordinary files.)
_EXTENT = re.compile(rb'\br="([A-Z]{0,3})(\d{1,9})"')
_SHEET = re.compile(r'<(?:\w+:)?sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"')
_SHEET_ALT = re.compile(r'<(?:\w+:)?sheet\b[^>]*?r:id="([^"]*)"[^>]*?name="([^"]*)"')
_REL = re.compile(r'<Relationship\b[^>]*?Id="([^"]*)"[^>]*?Target="([^"]*)"')
_REL_ALT = re.compile(r'<Relationship\b[^>]*?Target="([^"]*)"[^>]*?Id="([^"]*)"')
_DEFINED = re.compile(r'<(?:\w+:)?definedName\b[^>]*?name="([^"]*)"[^>]*>(.*?)</(?:\w+:)?definedName>', re.S)
_APP = re.compile(r"<Application>(.*?)</Application>", re.S)


@dataclass(slots=True)
class CellValue:
    cell_id: str
    sheet: str
    address: str
    value: object
    formula: str | None = None  # formula text ("" for a shared-formula child); None: no formula
    error: str | None = None  # "#REF!" and the like


@dataclass
class Submission:
    path: Path
    file_type: str
    format: Format
    stamp: Stamp | None
    saved_by: str
    header: dict[str, object]
    header_cells: dict[str, tuple[str, str]]
    cells: dict[str, CellValue]
    formulas_checked: bool
    moved_tables: list[str] = field(default_factory=list)  # stamped, but a table was not where we put it
    absent: set[str] = field(default_factory=set)  # cells a published report does not have (rows cut off)
    notes: list = field(default_factory=list)  # findings made while reading (an imported report's problems)

    @property
    def standard(self) -> bool:
        return self.stamp is not None

    @property
    def unit(self) -> str:
        value = self.header.get("unit_name")
        return "" if value is None else str(value).strip()


def _html_or_text(head: bytes) -> str | None:
    sample = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if sample.startswith(b"<"):
        return HTML
    if b"\x00" not in head[:4096]:
        for encoding in ("utf-8", "gb18030"):
            try:
                head[:4000].decode(encoding)
            except UnicodeDecodeError as error:
                if error.start >= len(head[:4000]) - 4:  # a character cut at the end of the sample
                    return TXT
                continue
            return TXT
    return None


def document_kind_note(path: Path, kind: str) -> str:
    """How to describe a report file whose extension says it is a workbook."""
    if path.suffix.lower() in (".xlsx", ".xls", ".ods", ".et") and kind in (TXT, HTML):
        what = "网页（HTML）" if kind == HTML else "文本"
        return f"这是{what}文件，只是扩展名像 Excel"
    return ""


def sniff(path: Path) -> str:
    """The real type of a file from its bytes: xlsx, xls, ods, or a report (txt, html, docx); else raises."""
    file_type, archive = _sniff_open(path)
    if archive is not None:
        archive.close()
    return file_type


def _sniff_open(path: Path) -> tuple[str, zipfile.ZipFile | None]:
    if not path.exists():
        raise UnreadableWorkbook(path, "文件不存在")
    if path.is_dir():
        raise UnreadableWorkbook(
            path, "这是文件夹，不是工作簿文件；汇总整个文件夹请用 xltool merge，逐个校验可用 文件夹/*.xlsx"
        )
    size = path.stat().st_size
    if size == 0:
        raise UnreadableWorkbook(path, "文件是空的（0 字节），请重新保存或重新发送")
    if size > limits.MAX_FILE_BYTES:
        raise UnreadableWorkbook(path, f"文件过大（{size // 1024 // 1024} MB），不像是一份年报工作簿")
    if path.suffix.lower() == ".et":
        raise UnreadableWorkbook(path, "这是 WPS 表格专用格式（.et），无法读取；请在 WPS 中“另存为” .xlsx")
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(path)
    if head.startswith(_OLE):
        data = path.read_bytes()
        if _ENCRYPTED_MARK in data:
            raise UnreadableWorkbook(path, "工作簿设置了打开密码（已加密），无法读取；请取消密码后另存为 .xlsx 再发送")
        return XLS, None
    kind = _html_or_text(head)
    if kind is None and path.suffix.lower() in (".txt", ".htm", ".html", ".csv"):
        raise UnreadableWorkbook(path, "文本的编码无法识别（支持 UTF-8 和 GB18030/GBK），请另存为 UTF-8 后再试")
    if kind is None:
        raise UnreadableWorkbook(path, "不是 Excel 工作簿（无法识别的文件内容），可能已损坏；请重新保存为 .xlsx")
    return kind, None


def _zip_type(path: Path) -> tuple[str, zipfile.ZipFile | None]:
    """xlsx (with its zip left open for XlsxParts) or ods (closed); anything else raises."""
    try:
        archive = zipfile.ZipFile(path)
    except limits.ZIP_FAILURES:
        raise UnreadableWorkbook(path, "文件已损坏（压缩结构不完整，可能是下载或复制中断）；请重新保存后发送") from None
    names = set(archive.namelist())
    if "xl/workbook.xml" in names:
        return XLSX, archive
    try:
        if "mimetype" in names and b"spreadsheet" in archive.read("mimetype")[:100]:
            return ODS, None
    except limits.ZIP_FAILURES:
        pass
    finally:
        if "xl/workbook.xml" not in names:
            archive.close()
    if "word/document.xml" in names:
        return DOCX, None
    raise UnreadableWorkbook(path, "压缩包里没有 Excel 工作簿的内容，可能已损坏")


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo | str) -> bytes:
    """A zip member read in 1 MiB steps. ``ZipFile.read`` inflates a member in one call, so one whose header
    lies about its size would be inflated whole before the CRC check fails; in steps it fails after the
    declared size."""
    chunks = []
    total = 0
    with archive.open(info) as handle:
        while chunk := handle.read(1 << 20):
            total += len(chunk)
            if total > limits.MAX_PART_BYTES:
                raise zipfile.BadZipFile("member larger than allowed")
            chunks.append(chunk)
    return b"".join(chunks)


class XlsxParts:
    """The few parts of an .xlsx read directly: sheet names, defined names, saving program, formulas."""

    def __init__(self, path: Path, archive: zipfile.ZipFile) -> None:
        self.path = path
        self.archive = archive
        self._sheet_xml: dict[str, bytes] = {}
        self._check_sizes()
        workbook = self._text("xl/workbook.xml")
        rels = self._text("xl/_rels/workbook.xml.rels")
        targets = dict(_REL.findall(rels)) or {i: t for t, i in _REL_ALT.findall(rels)}
        sheets = _SHEET.findall(workbook) or [(n, i) for i, n in _SHEET_ALT.findall(workbook)]
        self.sheet_parts = {_unescape(name): self._part_name(targets.get(rid, "")) for name, rid in sheets}
        self.defined = {name: _unescape(value) for name, value in _DEFINED.findall(workbook)}
        app = self._text("docProps/app.xml", missing_ok=True)
        match = _APP.search(app)
        self.application = _unescape(match.group(1)).strip() if match else ""

    def _check_sizes(self) -> None:
        infos = self.archive.infolist()
        if len(infos) > limits.MAX_ZIP_ENTRIES:
            raise UnreadableWorkbook(self.path, "压缩包内文件过多，不像是一份年报工作簿")
        total = 0
        for info in infos:
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            too_big = info.file_size > limits.MAX_PART_BYTES
            bomb = info.file_size > limits.RATIO_CHECK_FLOOR and ratio > limits.MAX_COMPRESSION_RATIO
            # deflate never makes data much larger: a member declared smaller than its compressed bytes lies
            lying = info.compress_size > info.file_size * 1.01 + 1024
            if too_big or bomb or lying or total > limits.MAX_TOTAL_UNCOMPRESSED:
                raise UnreadableWorkbook(self.path, "工作簿解压后体积异常（疑似“压缩炸弹”），已拒绝读取")
            if info.compress_size > limits.VERIFY_FROM_BYTES:
                self._verify(info)

    def _verify(self, info: zipfile.ZipInfo) -> None:
        """Inflate a large member within its declared size before any other reader does it without limit."""
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
        """The sheet's XML, read once ("" when the part is missing).

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

    def extent(self, sheet: str) -> tuple[int, int]:
        """(rows, columns) the sheet's cells reach, measured before calamine sizes a grid from them."""
        data = self.sheet_xml(sheet)
        if not _FAR_REFERENCE.search(data):
            return 999, 702  # nothing beyond ZZ999: far below any limit
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
        data = self.sheet_xml(sheet)
        found: dict[str, tuple[str | None, str | None]] = {}
        for ref, text in _FORMULA_CELL.findall(data):
            found[ref.decode()] = (_unescape(text.decode("utf-8", "replace")), None)
        if b't="e"' in data:
            for ref, value in _ERROR_CELL.findall(data):
                key = ref.decode()
                found[key] = (found.get(key, (None, None))[0], value.decode("utf-8", "replace") or "#ERROR")
        return found


def _unescape(text: str) -> str:
    if "&" not in text:
        return text
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


# calamine raises several unrelated types for broken files, and a Rust panic arrives as a BaseException
# (pyo3's PanicException): all of them mean "this file cannot be read", none may end the program.
CALAMINE_FAILURES = (Exception, BaseException)


def _reraise_interrupts(error: BaseException) -> None:
    if isinstance(error, KeyboardInterrupt | SystemExit | GeneratorExit):
        raise error


class Grids:
    """Sheet grids loaded on demand: rows of values with absolute positions (row 0 = Excel row 1)."""

    def __init__(self, path: Path, saved_by: str = "", parts: XlsxParts | None = None) -> None:
        self.path = path
        self.parts = parts
        # Where it helps, name the program that saved the file: the remedy is to re-save it there.
        self.origin = f"（该文件由 {saved_by} 保存）" if saved_by else ""
        try:
            self.book = calamine.CalamineWorkbook.from_path(str(path))
        except CALAMINE_FAILURES as error:
            _reraise_interrupts(error)
            raise UnreadableWorkbook(
                path, f"工作簿无法读取（{_brief(error)}）{self.origin}；请用 Excel 或 WPS 打开后另存为 .xlsx"
            ) from None
        self.names = list(self.book.sheet_names)[: limits.MAX_SHEETS]
        self._grids: dict[str, list[list]] = {}

    def grid(self, name: str) -> list[list]:
        if name not in self._grids:
            if self.parts is not None:
                rows, cols = self.parts.extent(name)
                if rows * max(cols, 1) > limits.MAX_GRID_CELLS:
                    raise UnreadableWorkbook(
                        self.path, f"工作表“{clip(name, 20)}”声称有 {rows} 行、{cols} 列，数据区域异常大，已拒绝读取"
                    )
            try:
                sheet = self.book.get_sheet_by_name(name)
                if sheet.height * sheet.width > limits.MAX_GRID_CELLS:
                    raise UnreadableWorkbook(self.path, f"工作表“{name}”的数据区域异常大，不像是年报表格")
                self._grids[name] = sheet.to_python(skip_empty_area=False)
            except UnreadableWorkbook:
                raise
            except CALAMINE_FAILURES as error:
                _reraise_interrupts(error)
                raise UnreadableWorkbook(
                    self.path, f"工作表“{name}”内容缺失或损坏{self.origin}；请用 Excel 或 WPS 打开后另存为 .xlsx"
                ) from None
        return self._grids[name]

    def has(self, name: str) -> bool:
        return name in self.names


def _brief(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:80]


def value_at(grid: list[list], row: int, col: int) -> object:
    if row < len(grid) and col < len(grid[row]):
        return grid[row][col]
    return ""


def _detect_format(grids: Grids) -> Format | None:
    texts = set()
    for name in grids.names:
        if name == STAMP_SHEET:
            continue
        for row in grids.grid(name):
            texts.update(norm_label(v) for v in row if isinstance(v, str) and v)
    for format_id in available_formats():
        fmt = load_format(format_id)
        signature = [norm_label(s) for s in fmt.signature]
        if any(any(sig in text for text in texts) for sig in signature):
            return fmt
    return None


def _labels_in_place(grid: list[list], table_layout: TableLayout) -> bool:
    for label in table_layout.labels:
        if label.role in ("head", "label") and label.text:
            found = value_at(grid, label.row, label.col)
            if found != label.text and norm_label(found) != norm_label(label.text):
                return False
    return True


def _find_table(grids: Grids, table: Table, table_layout: TableLayout, stamped: bool):
    """(sheet, positions, moved) of a table: at its standard place, else wherever its labels are."""
    if stamped and grids.has(table_layout.sheet):
        grid = grids.grid(table_layout.sheet)
        if _labels_in_place(grid, table_layout):
            return table_layout.sheet, table_layout.cells, False
    for name in grids.names:
        if name == STAMP_SHEET:
            continue
        positions = locate_table(grids.grid(name), table)
        if positions:
            return name, positions, stamped
    return None, None, stamped


def _stamp_from_sheet(grids: Grids) -> Stamp | None:
    if not grids.has(STAMP_SHEET):
        return None
    return Stamp.from_rows(grids.grid(STAMP_SHEET))


def read_workbook(path: Path | str) -> Submission:
    """Read a filled workbook; raise UnreadableWorkbook when it cannot be read or holds no report tables."""
    path = Path(path)
    file_type, archive = _sniff_open(path)
    if file_type in DOCUMENTS:
        from toolkit.importer import read_report

        return read_report(path, file_type)
    try:
        parts = XlsxParts(path, archive) if archive is not None else None
        return _read(path, file_type, parts)
    finally:
        if archive is not None:
            archive.close()


def _read(path: Path, file_type: str, parts: XlsxParts | None) -> Submission:
    grids = Grids(path, parts.application if parts else "", parts)
    stamp = (parts.stamp() if parts else None) or _stamp_from_sheet(grids)
    fmt = None
    if stamp and stamp.format_id in available_formats():
        fmt = load_format(stamp.format_id)
    else:
        stamp = None
        fmt = _detect_format(grids)
    if fmt is None:
        raise UnreadableWorkbook(path, "没有找到年度报告的表格（表二、表三、表四），不是年报工作簿")
    layout = workbook_layout(fmt)
    cells: dict[str, CellValue] = {}
    moved: list[str] = []
    missing: list[str] = []
    for table_layout in layout.tables:
        table = table_layout.table
        sheet, positions, was_moved = _find_table(grids, table, table_layout, stamp is not None)
        if positions is None:
            missing.append(table.title)
            continue
        if was_moved:
            moved.append(table.key)
        grid = grids.grid(sheet)
        formulas = parts.formulas(sheet) if parts else {}
        refs = table_layout.addresses if positions is table_layout.cells else None
        for cell_id, (row, col) in positions.items():
            ref = refs[cell_id] if refs else address(row, col)
            formula, error = formulas.get(ref, (None, None))
            cells[cell_id] = CellValue(cell_id, sheet, ref, value_at(grid, row, col), formula, error)
    if missing:
        found = "、".join(missing)
        raise UnreadableWorkbook(path, f"没有找到完整的表格：{found}（表格标题或行列名称缺失）")
    header, header_cells = _read_header(grids, fmt, layout, stamp is not None)
    return Submission(
        path=path,
        file_type=file_type,
        format=fmt,
        stamp=stamp,
        saved_by=parts.application if parts else "",
        header=header,
        header_cells=header_cells,
        cells=cells,
        formulas_checked=parts is not None,
        moved_tables=moved,
    )


def _read_header(grids: Grids, fmt: Format, layout, stamped: bool):
    header: dict[str, object] = {}
    cells: dict[str, tuple[str, str]] = {}
    sheet = layout.header.sheet
    if stamped and grids.has(sheet):
        grid = grids.grid(sheet)
        for field_ in fmt.header:
            row, col = layout.header.cells[field_.key]
            if norm_label(value_at(grid, row, col - 1)) == norm_label(field_.label):
                header[field_.key] = value_at(grid, row, col)
                cells[field_.key] = (sheet, address(row, col))
    missing = [f for f in fmt.header if f.key not in header]
    if missing:
        for name in grids.names:
            if name == STAMP_SHEET:
                continue
            for key, (value, row, col) in locate_header(grids.grid(name), [(f.key, f.label) for f in missing]).items():
                if key not in header:
                    header[key] = value
                    cells[key] = (name, address(row, col))
    return header, cells


def virtual_submission(
    fmt: Format, header: dict[str, object], values: dict[str, object], path: Path | str, file_type: str = XLSX
) -> Submission:
    """Numbers that come from elsewhere (a merge, an imported report) placed where the standard layout has them."""
    layout = workbook_layout(fmt)
    cells = {}
    for cell_id in fmt.cells:
        sheet, ref = layout.locate(cell_id)
        cells[cell_id] = CellValue(cell_id, sheet, ref, values.get(cell_id, ""))
    header_cells = {key: (layout.header.sheet, address(*pos)) for key, pos in layout.header.cells.items()}
    return Submission(Path(path), file_type, fmt, None, "", dict(header), header_cells, cells, False)
