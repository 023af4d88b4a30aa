"""The three tables of a checked workbook in the official layout, as a web page or a Word file, to publish.

Both come from the same grid: the layout's labels with their merges, and the numbers at their cells (inputs
as read, totals recomputed from them; text found in an input cell is shown as found). Column widths are the
standard workbook's, so the web page, the Word file and the printed workbook look alike. The Word file is a
complete package (styles with 宋体 and Times New Roman, settings, fonts, document properties); each table
has an explicit grid, its header rows repeat on a new page, and the wide tables are on landscape pages.
"""

from __future__ import annotations

import datetime as dt
import html
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from xlsxwriter.theme import THEME_XML_2007

from toolkit.check.run import Checked
from toolkit.format.layout import TableLayout, workbook_layout
from toolkit.format.model import Shape
from toolkit.text import show
from toolkit.write.files import atomic_path
from toolkit.write.workbook import column_widths

Grid = list[list["GridCell | None"]]

# A4 in twentieths of a point; margins of 1.8 cm left and right, 2 cm top and bottom.
A4_SHORT, A4_LONG = 11906, 16838
MARGIN_SIDE, MARGIN_TOP, MARGIN_HEADER = 1020, 1134, 567
FONT_EAST_ASIA, FONT_LATIN = "宋体", "Times New Roman"
BODY_SIZE = 21  # half-points: 10.5 pt (五号)
TITLE_SIZE = 32  # 16 pt (三号)


@dataclass
class GridCell:
    text: str
    rows: int = 1
    cols: int = 1
    head: bool = False
    label: bool = False  # a row label: left-aligned, as on the printed form
    cell_id: str = ""  # the format's cell a value stands in ("" for labels)


def table_grid(checked: Checked, table_layout: TableLayout) -> Grid:
    """Rows of the printed table; None where a merged cell covers the position."""
    top = table_layout.header_rows[0]
    bottom = table_layout.last_row - (1 if table_layout.check_row is not None else 0)
    grid: Grid = [[GridCell("") for _ in range(table_layout.width)] for _ in range(bottom - top + 1)]

    def place(row: int, col: int, cell: GridCell) -> None:
        grid[row - top][col] = cell
        for r in range(row, row + cell.rows):
            for c in range(col, col + cell.cols):
                if (r, c) != (row, col):
                    grid[r - top][c] = None

    for label in table_layout.labels:
        last_row = label.last_row if label.last_row is not None else label.row
        last_col = label.last_col if label.last_col is not None else label.col
        head = label.role in ("head", "corner")
        cell = GridCell(label.text, last_row - label.row + 1, last_col - label.col + 1, head, label.role == "label")
        place(label.row, label.col, cell)
    for cell_id, (row, col) in table_layout.cells.items():
        span = table_layout.value_spans.get(cell_id, col) - col + 1
        place(row, col, GridCell(_value_text(checked, cell_id), 1, span, cell_id=cell_id))
    return grid


def _value_text(checked: Checked, cell_id: str) -> str:
    sub, numbers = checked.submission, checked.numbers
    if cell_id in sub.absent:
        return ""
    raw = sub.cells[cell_id].value
    if sub.format.cells[cell_id].computed:
        return show(numbers.totals[cell_id])
    if isinstance(raw, int | float | Decimal) and not isinstance(raw, bool):
        return show(numbers.inputs[cell_id])
    return "" if raw is None else str(raw)  # a blank or a word stays as found


def header_row_count(table_layout: TableLayout) -> int:
    """How many rows at the top of the table are its header (repeated on every page)."""
    return table_layout.header_rows[1] - table_layout.header_rows[0] + 1


def report_title(checked: Checked) -> str:
    """The title a published report carries, which `import` reads the unit and the year from."""
    return f"{checked.report.unit}{checked.report.year or ''}年{checked.submission.format.report_title}"


def _shares(table_layout: TableLayout) -> list[float]:
    widths = column_widths(table_layout)
    total = sum(widths)
    return [w / total for w in widths]


def _landscape(table_layout: TableLayout) -> bool:
    """A matrix table (表三, 表四) is wide; the blocks of 表二 fit a portrait page."""
    return table_layout.table.shape == Shape.MATRIX


# --- web page -------------------------------------------------------------------------------------------
_CSS = (
    "body{font-family:'Times New Roman',SimSun,'宋体',serif;font-size:10.5pt}"
    "h2{text-align:center;font-size:16pt}h3{font-size:12pt;margin-top:1.5em}"
    "table{border-collapse:collapse;width:100%;table-layout:fixed;margin:0.5em 0}"
    "td,th{border:1px solid #000;padding:2px 4px;text-align:center;vertical-align:middle;word-wrap:break-word}"
    "th{font-weight:bold}.l{text-align:left}thead{display:table-header-group}"
    "@page{size:A4 landscape;margin:2cm 1.8cm}"
)


def _html_cell(cell: GridCell) -> str:
    tag = "th" if cell.head else "td"
    spans = (f' rowspan="{cell.rows}"' if cell.rows > 1 else "") + (f' colspan="{cell.cols}"' if cell.cols > 1 else "")
    align = ' class="l"' if cell.label else ""
    return f"<{tag}{spans}{align}>{html.escape(cell.text)}</{tag}>"


def _html_table(checked: Checked, table_layout: TableLayout) -> list[str]:
    grid = table_grid(checked, table_layout)
    heads = header_row_count(table_layout)
    cols = "".join(f'<col style="width:{share * 100:.1f}%">' for share in _shares(table_layout))
    parts = [f"<h3>{html.escape(table_layout.table.title)}</h3>", "<table>", f"<colgroup>{cols}</colgroup>"]
    for index, row in enumerate(grid):
        if index == 0:
            parts.append("<thead>")
        if index == heads:
            parts.append("</thead><tbody>")
        parts.append("<tr>" + "".join(_html_cell(cell) for cell in row if cell is not None) + "</tr>")
    parts.append("</tbody></table>" if len(grid) > heads else "</thead></table>")
    return parts


def to_html(checked: Checked) -> str:
    layout = workbook_layout(checked.submission.format)
    title = html.escape(report_title(checked))
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title><style>{_CSS}</style></head><body>',
        f"<h2>{title}</h2>",
    ]
    for table_layout in layout.tables:
        parts += _html_table(checked, table_layout)
    parts.append("</body></html>")
    return "\n".join(parts)


# --- Word -------------------------------------------------------------------------------------------------
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
_WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml"

_CONTENT_TYPES = (
    f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/word/document.xml" ContentType="{_WORD}.document.main+xml"/>'
    f'<Override PartName="/word/styles.xml" ContentType="{_WORD}.styles+xml"/>'
    f'<Override PartName="/word/settings.xml" ContentType="{_WORD}.settings+xml"/>'
    f'<Override PartName="/word/fontTable.xml" ContentType="{_WORD}.fontTable+xml"/>'
    '<Override PartName="/word/theme/theme1.xml" ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "</Types>"
)
_PACKAGE_RELS = (
    f'{_XML}<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_DOC_REL}/officeDocument" Target="word/document.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
    'Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_DOC_REL}/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)
_DOCUMENT_RELS = (
    f'{_XML}<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_DOC_REL}/styles" Target="styles.xml"/>'
    f'<Relationship Id="rId2" Type="{_DOC_REL}/settings" Target="settings.xml"/>'
    f'<Relationship Id="rId3" Type="{_DOC_REL}/fontTable" Target="fontTable.xml"/>'
    f'<Relationship Id="rId4" Type="{_DOC_REL}/theme" Target="theme/theme1.xml"/>'
    "</Relationships>"
)
_FONTS = f'<w:rFonts w:ascii="{FONT_LATIN}" w:hAnsi="{FONT_LATIN}" w:eastAsia="{FONT_EAST_ASIA}" w:cs="{FONT_LATIN}"/>'
_STYLES = (
    f'{_XML}<w:styles xmlns:w="{_W}">'
    f'<w:docDefaults><w:rPrDefault><w:rPr>{_FONTS}<w:sz w:val="{BODY_SIZE}"/><w:szCs w:val="{BODY_SIZE}"/>'
    '<w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault>'
    '<w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>'
    '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>'
    '<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:qFormat/>'
    f'<w:pPr><w:spacing w:after="240"/><w:jc w:val="center"/></w:pPr><w:rPr><w:b/><w:sz w:val="{TITLE_SIZE}"/>'
    f'<w:szCs w:val="{TITLE_SIZE}"/></w:rPr></w:style>'
    '<w:style w:type="paragraph" w:styleId="TableTitle"><w:name w:val="Table Title"/><w:basedOn w:val="Normal"/>'
    '<w:pPr><w:keepNext/><w:spacing w:before="240" w:after="120"/></w:pPr><w:rPr><w:b/></w:rPr></w:style>'
    '<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/>'
    '<w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/>'
    '<w:left w:w="85" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="85" w:type="dxa"/>'
    "</w:tblCellMar></w:tblPr></w:style>"
    "</w:styles>"
)
_SETTINGS = (
    f'{_XML}<w:settings xmlns:w="{_W}"><w:zoom w:percent="100"/><w:defaultTabStop w:val="420"/>'
    '<w:characterSpacingControl w:val="compressPunctuation"/><w:compat>'
    '<w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/>'
    "</w:compat></w:settings>"
)
_FONT_TABLE = (
    f'{_XML}<w:fonts xmlns:w="{_W}">'
    f'<w:font w:name="{FONT_LATIN}"><w:panose1 w:val="02020603050405020304"/><w:charset w:val="00"/>'
    '<w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>'
    f'<w:font w:name="{FONT_EAST_ASIA}"><w:altName w:val="SimSun"/><w:panose1 w:val="02010600030101010101"/>'
    '<w:charset w:val="86"/><w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>'
    "</w:fonts>"
)


def _core(title: str) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        f'{_XML}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{escape(title)}</dc:title><dc:creator>xltool</dc:creator>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified>'
        "</cp:coreProperties>"
    )


_APP = (
    f'{_XML}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>xltool</Application></Properties>"
)


def _paragraph(text: str, style: str = "", center: bool = False, section: str = "") -> str:
    props = (f'<w:pStyle w:val="{style}"/>' if style else "") + ('<w:jc w:val="center"/>' if center else "")
    properties = f"<w:pPr>{props}{section}</w:pPr>" if props or section else ""
    run = f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>' if text else ""
    return f"<w:p>{properties}{run}</w:p>"


def _section(landscape: bool) -> str:
    width, height = (A4_LONG, A4_SHORT) if landscape else (A4_SHORT, A4_LONG)
    orient = ' w:orient="landscape"' if landscape else ""
    return (
        f'<w:sectPr><w:pgSz w:w="{width}" w:h="{height}"{orient}/>'
        f'<w:pgMar w:top="{MARGIN_TOP}" w:right="{MARGIN_SIDE}" w:bottom="{MARGIN_TOP}" w:left="{MARGIN_SIDE}" '
        f'w:header="{MARGIN_HEADER}" w:footer="{MARGIN_HEADER}" w:gutter="0"/></w:sectPr>'
    )


def _text_width(landscape: bool) -> int:
    return (A4_LONG if landscape else A4_SHORT) - 2 * MARGIN_SIDE


_BORDERS = "".join(
    f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
    for side in ("top", "left", "bottom", "right", "insideH", "insideV")
)


def _cell(width: int, span: int, merge: str, content: str) -> str:
    grid_span = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{grid_span}{merge}<w:vAlign w:val="center"/></w:tcPr>'
        f"{content}</w:tc>"
    )


# Rows at least 1 cm high, as official reports print them: numbers of adjacent rows stay apart, so text
# pulled out of the printed PDF keeps each cell on its own.
ROW_HEIGHT_TWIPS = 567


def _docx_row(row: list[GridCell | None], above: dict[int, int], widths: Sequence[int], head: bool) -> str:
    """One table row; ``above`` maps the columns a cell from a row above still covers to its width in columns."""
    cells = []
    col = 0
    while col < len(row):
        cell = row[col]
        if col in above:
            span = above[col]
            cells.append(_cell(sum(widths[col : col + span]), span, "<w:vMerge/>", "<w:p/>"))
            col += span
            continue
        if cell is None:
            col += 1
            continue
        merge = '<w:vMerge w:val="restart"/>' if cell.rows > 1 else ""
        text = _paragraph(cell.text, center=not cell.label)
        if cell.head:
            text = text.replace("<w:r>", "<w:r><w:rPr><w:b/></w:rPr>", 1)
        cells.append(_cell(sum(widths[col : col + cell.cols]), cell.cols, merge, text))
        col += cell.cols
    height = f'<w:trHeight w:val="{ROW_HEIGHT_TWIPS}" w:hRule="atLeast"/>'
    props = f"<w:trPr><w:cantSplit/>{height}" + ("<w:tblHeader/>" if head else "") + "</w:trPr>"
    return f"<w:tr>{props}{''.join(cells)}</w:tr>"


def _continuing(grid: Grid) -> list[dict[int, int]]:
    """For every row, the columns covered by a vertically merged cell that started in a row above."""
    below: list[dict[int, int]] = [{} for _ in grid]
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            if cell is not None and cell.rows > 1:
                for lower in range(r + 1, r + cell.rows):
                    below[lower][c] = cell.cols
    return below


def _docx_table(checked: Checked, table_layout: TableLayout, landscape: bool) -> str:
    grid = table_grid(checked, table_layout)
    total = _text_width(landscape)
    widths = [round(share * total) for share in _shares(table_layout)]
    widths[-1] += total - sum(widths)
    heads = header_row_count(table_layout)
    props = (
        f'<w:tblPr><w:tblW w:w="{total}" w:type="dxa"/><w:jc w:val="center"/><w:tblBorders>{_BORDERS}</w:tblBorders>'
        '<w:tblLayout w:type="fixed"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
        'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>'
    )
    columns = "<w:tblGrid>" + "".join(f'<w:gridCol w:w="{w}"/>' for w in widths) + "</w:tblGrid>"
    rows = [
        _docx_row(row, above, widths, index < heads)
        for index, (row, above) in enumerate(zip(grid, _continuing(grid), strict=True))
    ]
    return f"<w:tbl>{props}{columns}{''.join(rows)}</w:tbl>"


def to_docx_xml(checked: Checked) -> str:
    layout = workbook_layout(checked.submission.format)
    body = [_paragraph(report_title(checked), "Title")]
    tables = layout.tables
    for index, table_layout in enumerate(tables):
        landscape = _landscape(table_layout)
        body.append(_paragraph(table_layout.table.title, "TableTitle"))
        body.append(_docx_table(checked, table_layout, landscape))
        following = tables[index + 1] if index + 1 < len(tables) else None
        if following is not None and _landscape(following) != landscape:
            body.append(_paragraph("", section=_section(landscape)))  # this section ends; the next turns the page
    last = _landscape(tables[-1]) if tables else False
    return (
        f'{_XML}<w:document xmlns:w="{_W}" xmlns:r="{_R}"><w:body>'
        + "".join(body)
        + _paragraph("")
        + _section(last)
        + "</w:body></w:document>"
    )


def docx_parts(checked: Checked) -> dict[str, str]:
    return {
        "[Content_Types].xml": _CONTENT_TYPES,
        "_rels/.rels": _PACKAGE_RELS,
        "word/document.xml": to_docx_xml(checked),
        "word/_rels/document.xml.rels": _DOCUMENT_RELS,
        "word/styles.xml": _STYLES,
        "word/settings.xml": _SETTINGS,
        "word/fontTable.xml": _FONT_TABLE,
        "word/theme/theme1.xml": THEME_XML_2007,  # the Office theme Word writes too (validators expect one)
        "docProps/core.xml": _core(report_title(checked)),
        "docProps/app.xml": _APP,
    }


def export_tables(
    checked: Checked, *, html_path: Path | None = None, docx_path: Path | None = None, force: bool = False
) -> list[Path]:
    written = []
    source = (checked.submission.path,)
    if html_path:
        with atomic_path(Path(html_path), force, source) as temp:
            temp.write_text(to_html(checked), encoding="utf-8")
        written.append(Path(html_path))
    if docx_path:
        with (
            atomic_path(Path(docx_path), force, source) as temp,
            zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as out,
        ):
            for name, text in docx_parts(checked).items():
                out.writestr(name, text)
        written.append(Path(docx_path))
    return written
