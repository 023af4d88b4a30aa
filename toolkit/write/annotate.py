"""A copy of a checked workbook for the clerk: faulty cells highlighted, each finding as a comment, and a
校验结果 sheet with links to the cells. The copy is stamped ``annotated`` so that check and merge refuse it.

openpyxl is right here (it keeps the clerk's own layout); its copies lose cached formula values, which is
one more reason they are never taken as a submission.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import openpyxl
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook

from toolkit import words
from toolkit.check.run import Checked
from toolkit.errors import OutputError
from toolkit.findings import Finding, Severity
from toolkit.format.layout import workbook_layout
from toolkit.format.stamp import STAMP_NAME, STAMP_SHEET, Stamp, StampKind
from toolkit.read.values import FileType
from toolkit.text import cell_text
from toolkit.write.files import atomic_path, safe_file_stem
from toolkit.write.workbook import write_workbook

ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
WARNING_FILL = PatternFill("solid", fgColor="FFEB9C")
COLUMN_WIDTHS = (6, 24, 8, 30, 14, 60, 16, 16, 24)
Moved = dict[tuple[str, str], tuple[str, str]]


def annotated_name(source: Path) -> str:
    return f"{safe_file_stem(source.stem)}{words.ANNOTATED_SUFFIX}.xlsx"


def _text(cell: Cell, value: object) -> None:
    """Write text that must stay text, even when it begins with = + - @ (no formula is ever created)."""
    cell.value = cell_text(value)
    cell.data_type = "s"


def _open_copy(checked: Checked, scratch: Path) -> tuple[Workbook, Moved]:
    """The workbook to annotate: the clerk's own .xlsx, or for .xls/.ods its values in the standard layout."""
    sub = checked.submission
    if sub.file_type == FileType.XLSX:
        return openpyxl.load_workbook(sub.path), {}
    rebuilt = scratch / "rebuilt.xlsx"
    write_workbook(rebuilt, sub.format, sub.header, {k: v.value for k, v in sub.cells.items()})
    layout = workbook_layout(sub.format)
    moved = {(cv.sheet, cv.address): layout.locate(cell_id) for cell_id, cv in sub.cells.items()}
    return openpyxl.load_workbook(rebuilt), moved


def _mark_cells(book: Workbook, findings: list[Finding], moved: Moved) -> None:
    for f in findings:
        sheet, ref = moved.get((f.sheet, f.cell), (f.sheet, f.cell))
        if not ref or sheet not in book.sheetnames:
            continue
        cell = book[sheet][ref]
        if f.severity == Severity.ERROR or cell.fill != ERROR_FILL:
            cell.fill = ERROR_FILL if f.severity == Severity.ERROR else WARNING_FILL
        text = f"[{f.code}] {f.message}"
        if cell.comment:
            text = f"{cell.comment.text}\n{text}"
        cell.comment = Comment(cell_text(text, 2000), "xltool", width=320, height=120)


def _results_sheet(book: Workbook, findings: list[Finding]) -> None:
    if words.FINDINGS_SHEET in book.sheetnames:
        del book[words.FINDINGS_SHEET]
    sheet = book.create_sheet(words.FINDINGS_SHEET, 0)
    for col, (_, title) in enumerate(words.FINDING_COLUMNS, start=1):
        _text(sheet.cell(row=1, column=col), title)
        sheet.cell(row=1, column=col).font = Font(bold=True)
    for row, f in enumerate(findings, start=2):
        for col, value in enumerate(f.columns(), start=1):
            _text(sheet.cell(row=row, column=col), value)
        if f.sheet in book.sheetnames and f.cell:
            link = sheet.cell(row=row, column=3)
            link.hyperlink = f"#'{f.sheet}'!{f.cell}"
            link.font = Font(color="0563C1", underline="single")
    for letter, width in zip("ABCDEFGHI", COLUMN_WIDTHS, strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    if not findings:
        _text(sheet.cell(row=2, column=6), words.NOTHING_FOUND)


def _stamp_annotated(book: Workbook, checked: Checked) -> None:
    fmt = checked.submission.format
    stamp = Stamp(fmt.id, fmt.version, kind=StampKind.ANNOTATED)
    if STAMP_NAME in book.defined_names:
        del book.defined_names[STAMP_NAME]
    book.defined_names[STAMP_NAME] = DefinedName(STAMP_NAME, attr_text=f'"{stamp.text()}"')
    if STAMP_SHEET in book.sheetnames:
        del book[STAMP_SHEET]
    sheet = book.create_sheet(STAMP_SHEET)
    for row, (key, value) in enumerate(stamp.rows(), start=1):
        _text(sheet.cell(row=row, column=1), key)
        _text(sheet.cell(row=row, column=2), value)
    sheet.sheet_state = "hidden"


def annotate(checked: Checked, folder: Path, force: bool = False) -> Path:
    """Write the annotated copy of one checked workbook into ``folder``; the source is never touched."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"无法创建文件夹 {folder}（{error.strerror}）") from None
    target = folder / annotated_name(checked.submission.path)
    with tempfile.TemporaryDirectory() as scratch, atomic_path(target, force, (checked.submission.path,)) as temp:
        book, moved = _open_copy(checked, Path(scratch))
        _mark_cells(book, checked.report.findings, moved)
        _results_sheet(book, checked.report.findings)
        _stamp_annotated(book, checked)
        book.active = 0
        book.save(temp)
    return target
