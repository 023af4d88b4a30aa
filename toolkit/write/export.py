"""The three tables of a checked workbook in the official layout, as HTML or Word, ready to publish.

Both come from the same grid: the layout's labels with their merges, and the numbers at their cells
(inputs as read, totals recomputed from them; text found in an input cell is shown as found).
"""

from __future__ import annotations

import html
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from toolkit.check.run import Checked
from toolkit.format.layout import TableLayout, workbook_layout
from toolkit.text import show
from toolkit.write.files import atomic_path


@dataclass
class GridCell:
    text: str
    rows: int = 1
    cols: int = 1
    head: bool = False


def table_grid(checked: Checked, table_layout: TableLayout) -> list[list[GridCell | None]]:
    """Rows of the printed table; None where a merged cell covers the position."""
    top = table_layout.header_rows[0]
    bottom = table_layout.last_row - (1 if table_layout.check_row is not None else 0)
    grid: list[list[GridCell | None]] = [
        [GridCell("") for _ in range(table_layout.width)] for _ in range(bottom - top + 1)
    ]

    def place(row: int, col: int, cell: GridCell) -> None:
        grid[row - top][col] = cell
        for r in range(row, row + cell.rows):
            for c in range(col, col + cell.cols):
                if (r, c) != (row, col):
                    grid[r - top][c] = None

    for label in table_layout.labels:
        last_row = label.last_row if label.last_row is not None else label.row
        last_col = label.last_col if label.last_col is not None else label.col
        place(
            label.row,
            label.col,
            GridCell(label.text, last_row - label.row + 1, last_col - label.col + 1, label.role in ("head", "corner")),
        )
    sub, numbers = checked.submission, checked.numbers
    for cell_id, (row, col) in table_layout.cells.items():
        raw = sub.cells[cell_id].value
        if sub.format.cells[cell_id].computed:
            text = show(numbers.totals[cell_id])
        elif isinstance(raw, int | float | Decimal) and not isinstance(raw, bool):
            text = show(numbers.inputs[cell_id])
        else:
            text = "" if raw is None else str(raw)  # a blank or a word stays as found
        span = table_layout.value_spans.get(cell_id, col) - col + 1
        place(row, col, GridCell(text, 1, span))
    return grid


def report_title(checked: Checked) -> str:
    """The title a published report carries, which `import` reads the unit and the year from."""
    return f"{checked.report.unit}{checked.report.year or ''}年{checked.submission.format.report_title}"


def to_html(checked: Checked) -> str:
    layout = workbook_layout(checked.submission.format)
    title = html.escape(report_title(checked))
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>',
        "<style>table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #000;padding:2px 6px;"
        "font-family:SimSun,serif;text-align:center}</style></head><body>",
        f"<h2>{title}</h2>",
    ]
    for table_layout in layout.tables:
        parts.append(f"<h3>{html.escape(table_layout.table.title)}</h3>")
        parts.append("<table>")
        for row in table_grid(checked, table_layout):
            parts.append("<tr>")
            for cell in row:
                if cell is None:
                    continue
                tag = "th" if cell.head else "td"
                spans = (f' rowspan="{cell.rows}"' if cell.rows > 1 else "") + (
                    f' colspan="{cell.cols}"' if cell.cols > 1 else ""
                )
                parts.append(f"<{tag}{spans}>{html.escape(cell.text)}</{tag}>")
            parts.append("</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


_DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_DOCX_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/></Relationships>'
)
_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _paragraph(text: str, bold: bool = False) -> str:
    props = '<w:rPr><w:rFonts w:eastAsia="宋体"/>' + ("<w:b/>" if bold else "") + "</w:rPr>"
    return f'<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r>{props}<w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'


def _docx_table(grid: list[list[GridCell | None]]) -> str:
    width = len(grid[0])
    # vertical merges: which positions continue a cell from a row above
    continues: dict[tuple[int, int], int] = {}
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            if cell is not None and cell.rows > 1:
                for below in range(r + 1, r + cell.rows):
                    continues[(below, c)] = cell.cols
    borders = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    out = [
        f"<w:tbl><w:tblPr><w:tblBorders>{borders}</w:tblBorders></w:tblPr><w:tblGrid>"
        + "<w:gridCol/>" * width
        + "</w:tblGrid>"
    ]
    for r, row in enumerate(grid):
        out.append("<w:tr>")
        c = 0
        while c < width:
            cell = row[c]
            if (r, c) in continues:
                span = continues[(r, c)]
                grid_span = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
                out.append(f"<w:tc><w:tcPr>{grid_span}<w:vMerge/></w:tcPr><w:p/></w:tc>")
                c += span
                continue
            if cell is None:
                c += 1
                continue
            props = (f'<w:gridSpan w:val="{cell.cols}"/>' if cell.cols > 1 else "") + (
                '<w:vMerge w:val="restart"/>' if cell.rows > 1 else ""
            )
            out.append(f"<w:tc><w:tcPr>{props}</w:tcPr>{_paragraph(cell.text, cell.head)}</w:tc>")
            c += cell.cols
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def to_docx_xml(checked: Checked) -> str:
    layout = workbook_layout(checked.submission.format)
    body = [_paragraph(report_title(checked), bold=True)]
    for table_layout in layout.tables:
        body.append(_paragraph(table_layout.table.title, bold=True))
        body.append(_docx_table(table_grid(checked, table_layout)))
    section = (
        '<w:sectPr><w:pgSz w:w="16838" w:h="11906" w:orient="landscape"/>'
        '<w:pgMar w:top="1000" w:right="800" w:bottom="1000" w:left="800"/></w:sectPr>'
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{_W_NS}"><w:body>'
        + "".join(body)
        + _paragraph("")
        + section
        + "</w:body></w:document>"
    )


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
            out.writestr("[Content_Types].xml", _DOCX_TYPES)
            out.writestr("_rels/.rels", _DOCX_RELS)
            out.writestr("word/document.xml", to_docx_xml(checked))
        written.append(Path(docx_path))
    return written
