"""A copy of a checked file for the clerk: the standard workbook with the unit's own entries, every faulty
cell filled red (error) or yellow (warning) with the findings as its comment, and a 校验结果 sheet first
that lists them with links to the cells.

The copy is written by the same writer as the template (XlsxWriter), so it behaves as one: totals are
formulas with cached values (they show in Excel's Protected View), strings are shared, the stamp sheet is
very hidden. A clerk who corrects the marked cells and sends the copy back is checked like any submission:
the marks and the results sheet do not count, every total is recomputed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from toolkit import words
from toolkit.check.run import Checked
from toolkit.errors import OutputError
from toolkit.findings import Finding, Severity
from toolkit.format.layout import workbook_layout
from toolkit.format.model import HeaderKey
from toolkit.format.stamp import StampKind
from toolkit.write.files import atomic_path, safe_file_stem
from toolkit.write.workbook import Marks, Styles, build_workbook, new_book, print_setup, row_height, wrapped_rows

COLUMN_WIDTHS = (6.0, 24.0, 8.0, 30.0, 14.0, 60.0, 16.0, 16.0, 24.0)
NOTE = (
    "这是 xltool 校验后生成的批注副本：红色单元格是错误，黄色是警告，单元格的批注和下表说明了问题。"
    "请直接在本文件中改正后保存，照常报送即可（本页和标记不影响校验，所有合计都会重新计算）。"
)
TABLE_TOP = 2  # the note, an empty row, then the findings


def annotated_name(source: Path) -> str:
    return f"{safe_file_stem(source.stem)}{words.ANNOTATED_SUFFIX}.xlsx"


def cell_targets(checked: Checked) -> dict[tuple[str, str], str]:
    """(sheet, cell) where a finding points -> the cell id or header key it is about."""
    sub = checked.submission
    found: dict[tuple[str, str], str] = {(cv.sheet, cv.address): cell_id for cell_id, cv in sub.cells.items()}
    found.update({place: key.value for key, place in sub.header_cells.items()})
    return found


def marks(checked: Checked) -> Marks:
    """Each cell's findings, as one comment, with the worst severity for its fill."""
    targets = cell_targets(checked)
    collected: dict[str, tuple[Severity, list[str]]] = {}
    for f in checked.report.findings:
        key = targets.get((f.sheet, f.cell))
        if key is None:
            continue
        severity, texts = collected.get(key, (Severity.WARNING, []))
        worst = Severity.ERROR if Severity.ERROR in (severity, f.severity) else Severity.WARNING
        collected[key] = (worst, [*texts, f"[{f.code}] {f.message}"])
    return {key: (severity, "\n".join(texts)) for key, (severity, texts) in collected.items()}


def _standard_place(checked: Checked, f: Finding, targets: dict[tuple[str, str], str]) -> tuple[str, str] | None:
    """Where the copy has the cell a finding points at (the copy is in the standard layout)."""
    key = targets.get((f.sheet, f.cell))
    if key is None:
        return None
    layout = workbook_layout(checked.submission.format)
    if key in checked.submission.format.cells:
        return layout.locate(key)
    return layout.header.sheet, layout.header.address(HeaderKey(key))


def _results_sheet(book: Any, styles: Styles, checked: Checked) -> None:
    sheet = book.add_worksheet(words.FINDINGS_SHEET)
    sheet.merge_range(0, 0, 0, len(COLUMN_WIDTHS) - 1, NOTE, styles.get("note"))
    sheet.set_row(0, row_height([(NOTE, sum(COLUMN_WIDTHS))]))
    for col, (_, title) in enumerate(words.FINDING_COLUMNS):
        sheet.write_string(TABLE_TOP, col, title, styles.get("head"))
    targets = cell_targets(checked)
    cell_col = [key for key, _ in words.FINDING_COLUMNS].index("cell")
    wrapped_rows(sheet, styles, [f.columns() for f in checked.report.findings], TABLE_TOP + 1, COLUMN_WIDTHS)
    for row, f in enumerate(checked.report.findings, start=TABLE_TOP + 1):
        place = _standard_place(checked, f, targets)
        if place is not None:  # an internal link (a location, no external relationship)
            sheet.write_url(row, cell_col, f"internal:'{place[0]}'!{place[1]}", styles.get("link"), place[1])
    if not checked.report.findings:
        sheet.write_string(TABLE_TOP + 1, 0, words.NOTHING_FOUND, styles.get("text"))
    sheet.freeze_panes(TABLE_TOP + 1, 0)
    print_setup(sheet, header_rows=(TABLE_TOP, TABLE_TOP))
    sheet.activate()


def annotate(checked: Checked, folder: Path, force: bool = False) -> Path:
    """Write the annotated copy of one checked file into ``folder``; the source is never touched."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"无法创建文件夹 {folder}（{error.strerror}）") from None
    sub = checked.submission
    target = folder / annotated_name(sub.path)
    values = {cell_id: cv.value for cell_id, cv in sub.cells.items() if cell_id not in sub.absent}
    with atomic_path(target, force, (sub.path,)) as temp:
        book = new_book(temp)
        styles = Styles(book)
        _results_sheet(book, styles, checked)
        build_workbook(book, sub.format, sub.header, values, kind=StampKind.ANNOTATED, marks=marks(checked))
        book.close()
    return target
