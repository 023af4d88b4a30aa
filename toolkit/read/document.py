"""Published reports as rows of cells: text copied from a browser, a saved web page, a Word file.

Every reader gives the same thing: the document's rows in reading order, each a list of cell texts (a table
row; a line of text), plus the plain text for titles and for the numbers the narrative quotes (R9).
Merged cells are flattened the way a browser flattens them: the text in the first cell, nothing repeated.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

from toolkit import limits
from toolkit.errors import UnreadableWorkbook
from toolkit.read.cells import BLANK
from toolkit.read.pdf import read_pdf_rows
from toolkit.read.safezip import read_member
from toolkit.read.values import FileType
from toolkit.text import decode_chinese, value_like

_WIDE_GAP = re.compile(r"[ \u3000\xa0]{2,}")
# A page number a PDF's text carries inside the tables it cuts: "- 3 -", "第 3 页", "第3页 共5页", "3/5".
_PAGE_FOOTER = re.compile(
    r"^\s*(?:[-—－–]\s*\d{1,4}\s*[-—－–]|第\s*\d{1,4}\s*页(?:\s*[，,/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4})\s*$"
)
# A Markdown table's separator row ("|---|:--:|") and heading marks ("## 表二：…").
_MARKDOWN_RULE = re.compile(r"^\s*\|?(?:\s*:?-{3,}:?\s*\|)+\s*:?-{0,}:?\s*$")
_MARKDOWN_HEADING = re.compile(r"^\s*#{1,6}\s+")
NARRATIVE_MIN = 12  # shorter lines are titles and labels, not sentences


@dataclass
class Document:
    path: Path
    kind: FileType
    rows: list[list[str]]
    text: str
    lines: list[str] = field(default_factory=list)  # the text as lines, for titles and sentences
    recognised: bool = False  # the text was recognised from images (a scan read by OCR)

    def text_lines(self) -> tuple[str, ...]:
        """Every line of text outside the tables, in order, however short (headings, "无。")."""
        if self.lines:
            return tuple(line.strip() for line in self.lines if line.strip())
        return tuple(row[0] for row in self.rows if len(row) == 1 and row[0].strip())

    def narrative(self) -> tuple[str, ...]:
        """The lines outside tables that read as sentences: where the text quotes numbers (R9)."""
        if self.lines:
            return tuple(line.strip() for line in self.lines if len(line.strip()) > NARRATIVE_MIN)
        return tuple(row[0] for row in self.rows if len(row) == 1 and len(row[0]) > NARRATIVE_MIN)


def is_page_footer(line: str) -> bool:
    return bool(_PAGE_FOOTER.match(line))


def _cell(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def _trailing_values(text: str) -> list[str]:
    """ "规章 0 0 0" -> ["规章", "0", "0", "0"]: the values a line of PDF text ends with, split off its label
    (the label keeps its own spaces: "4.无正当理由大量反复 申请 0 0 0" is one label and three values)."""
    tokens = text.split()
    first_value = len(tokens)
    while first_value > 0 and value_like(tokens[first_value - 1]):
        first_value -= 1
    if first_value == len(tokens):
        return [text]
    label = " ".join(tokens[:first_value])
    return ([label] if label else []) + tokens[first_value:]


def _split_line(line: str) -> list[str]:
    """A text line as cells: tabs (browser copy), pipes (tables pasted as text, Markdown), wide gaps, or the
    values a line ends with (text pulled out of a PDF, one space between cells)."""
    if "\t" in line:
        parts, empty = line.split("\t"), ""
    elif "|" in line:
        parts, empty = line.strip().removeprefix("|").removesuffix("|").split("|"), BLANK  # a pipe's cell is a cell
    else:
        pieces = _WIDE_GAP.split(line.strip())
        return [cell for piece in pieces for cell in _trailing_values(_cell(piece))]
    if not any(part.strip() for part in parts):
        return []  # a line of separators only ("|||||"): no cell of any row
    cells: list[str] = []
    for part in parts:
        pieces = _WIDE_GAP.split(part.strip()) if part.strip() else [empty]
        cells.extend(_cell(p) or empty for p in pieces)
    return cells


def text_rows(lines: list[str]) -> list[list[str]]:
    """Lines as rows of cells, without page numbers, Markdown rules and heading marks."""
    rows = []
    for line in lines:
        if is_page_footer(line) or _MARKDOWN_RULE.match(line):
            continue
        cells = _split_line(_MARKDOWN_HEADING.sub("", line))
        if cells:
            rows.append(cells)
    return rows


def decode_text(path: Path, data: bytes) -> str:
    text = decode_chinese(data)
    if text is None:
        raise UnreadableWorkbook(path, "文本的编码无法识别（支持 UTF-8 和 GB18030/GBK），请另存为 UTF-8 后再试")
    return text


def read_text(path: Path, data: bytes) -> Document:
    text = decode_text(path, data)
    lines = text.splitlines()
    return Document(path, FileType.TXT, text_rows(lines), text, lines)


def read_pdf(path: Path) -> Document:
    content = read_pdf_rows(path)
    # A line of text outside the ruled tables ("规章 0 0 0" where a table has no lines) is split like text.
    rows = [cells for row in content.rows for cells in [_split_line(row[0]) if len(row) == 1 else row] if cells]
    rows = [row for row in rows if not (len(row) == 1 and is_page_footer(row[0]))]
    if content.recognised:
        rows = text_rows([row[0] for row in content.rows])
    lines = [" ".join(row) for row in rows]
    return Document(path, FileType.PDF, rows, "\n".join(lines), lines, content.recognised)


class _TableHTML(HTMLParser):
    """Table rows (with colspan/rowspan flattened) and the text outside tables, in document order."""

    BLOCKS = frozenset({"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "title", "section", "article"})
    SKIP = frozenset({"script", "style"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self.text: list[str] = []
        self.depth = 0  # table nesting
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.span = 1
        self.skipping = 0
        self.line: list[str] = []

    def _flush_line(self) -> None:
        line = _cell("".join(self.line))
        if line:
            self.rows.append([line])
            self.text.append(line)
        self.line = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        if self.depth > 40:
            raise UnreadableWorkbook(Path("?"), "网页表格嵌套过深，已拒绝读取")
        if tag == "table":
            self._flush_line()
            self.depth += 1
        elif tag == "tr" and self.depth:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
            values = dict(attrs)
            try:
                self.span = max(1, min(int(values.get("colspan") or 1), 100))
            except ValueError:
                self.span = 1
        elif tag in self.BLOCKS and not self.depth:
            self._flush_line()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        if tag in ("td", "th") and self.cell is not None and self.row is not None:
            text = _cell("".join(self.cell))
            self.row.extend([text] + [""] * (self.span - 1))
            self.text.append(text)
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if any(self.row):
                self.rows.append(self.row)
            self.row = None
        elif tag == "table" and self.depth:
            self.depth -= 1
        elif tag in self.BLOCKS and not self.depth:
            self._flush_line()

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.cell is not None:
            self.cell.append(data)
        elif not self.depth:
            self.line.append(data)


def read_html(path: Path, data: bytes) -> Document:
    text = decode_text(path, data)
    parser = _TableHTML()
    try:
        parser.feed(text)
        parser.close()
    except UnreadableWorkbook as error:
        raise UnreadableWorkbook(path, error.reason) from None
    parser._flush_line()
    return Document(path, FileType.HTML, parser.rows, "\n".join(parser.text))


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


MAX_SPAN = 100


def _docx_xml(path: Path) -> bytes:
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("word/document.xml")
            if info.file_size > limits.MAX_PART_BYTES:
                raise UnreadableWorkbook(path, "Word 文档过大，已拒绝读取")
            xml = read_member(archive, info)
    except (KeyError, *limits.ZIP_FAILURES):
        raise UnreadableWorkbook(path, "Word 文档已损坏或不完整；请重新保存为 .docx") from None
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:  # no entity is ever expanded (billion laughs, XXE)
        raise UnreadableWorkbook(path, "Word 文档含有不允许的 XML 声明，已拒绝读取")
    return xml


def _span(tc: ElementTree.Element) -> int:
    span = tc.find(f"{_W}tcPr/{_W}gridSpan")
    try:
        width = int(span.get(f"{_W}val", "1")) if span is not None else 1
    except ValueError:
        width = 1
    return max(1, min(width, MAX_SPAN))


def _docx_row(tr: ElementTree.Element) -> list[str]:
    """A table row's cells, a spanned cell followed by empty ones as a browser would flatten it."""
    row: list[str] = []
    for tc in tr.findall(f"{_W}tc"):
        value = _cell(" ".join("".join(t.text or "" for t in p.iter(f"{_W}t")) for p in tc.iter(f"{_W}p")))
        row.extend([value] + [""] * (_span(tc) - 1))
    return row


def read_docx(path: Path) -> Document:
    try:
        root = ElementTree.fromstring(_docx_xml(path))
    except ElementTree.ParseError:
        raise UnreadableWorkbook(path, "Word 文档内容损坏（XML 无法解析）") from None
    rows: list[list[str]] = []
    body = root.find(f"{_W}body")
    for block in body if body is not None else []:
        if block.tag == f"{_W}p":
            line = _cell("".join(t.text or "" for t in block.iter(f"{_W}t")))
            if line:
                rows.append([line])
        elif block.tag == f"{_W}tbl":
            rows += [row for row in map(_docx_row, block.iter(f"{_W}tr")) if any(row)]
    text = "\n".join(cell for row in rows for cell in row if cell)
    return Document(path, FileType.DOCX, rows, text)


def read_document(path: Path, kind: FileType) -> Document:
    data = path.read_bytes()
    if kind == FileType.HTML:
        document = read_html(path, data)
    elif kind == FileType.PDF:
        document = read_pdf(path)
    elif kind == FileType.DOCX:
        document = read_docx(path)
    else:
        document = read_text(path, data)
    if sum(len(row) for row in document.rows) > limits.MAX_DOCUMENT_CELLS:
        raise UnreadableWorkbook(path, "文档的表格或行数异常多，不像是一份年度报告，已拒绝读取")
    return document
