"""A published report (text, web page, Word file) -> a Submission with the numbers of its tables.

Each table is anchored at the first label of it the document has; rows are found by their labels, in the
format's order; the values of a row are the cells after its label (see :mod:`toolkit.read.rows`). A report
with rows or tables cut off is read as far as it goes: what is missing is listed and left out of the rules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from toolkit.errors import UnreadableWorkbook
from toolkit.format.detect import detect_format
from toolkit.format.model import Axis, Format, Shape, Table
from toolkit.read.document import Document, read_document
from toolkit.read.rows import Reading, fit_row, is_value_like, trimmed
from toolkit.read.sniff import document_kind_note
from toolkit.read.title import report_header
from toolkit.read.values import FileType, Submission, virtual_submission
from toolkit.text import label_matches, norm_label, simplified

_NOTE = re.compile(r"^[(（].*[)）]$")
SHOWN_ROWS = 6  # missing rows named in a finding before "等 N 行"
NO_TABLES = "没有找到年度报告的表格（表二、表三、表四）"


class Tokens:
    """The document's cells in reading order, normalized once, with the labels of every table."""

    def __init__(self, document: Document, fmt: Format) -> None:
        self.tokens = [(row_index, simplified(cell)) for row_index, row in enumerate(document.rows) for cell in row]
        self.norms = [norm_label(t) for _, t in self.tokens]
        labels = set().union(*(table.labels() for table in fmt.tables))
        self.labels = frozenset(labels)
        self.long_labels = tuple(label for label in labels if len(label) >= 4)

    def __len__(self) -> int:
        return len(self.tokens)

    def find(self, label: str, start: int = 0, end: int | None = None) -> int | None:
        wanted = norm_label(label)
        for index in range(start, len(self.tokens) if end is None else end):
            if label_matches(self.norms[index], wanted):
                return index
        return None

    def is_label(self, index: int) -> bool:
        norm = self.norms[index]
        return norm in self.labels or any(label_matches(norm, label) for label in self.long_labels)

    def values_after(self, start: int, end: int) -> list[str]:
        """The cells after a row label, up to the next label or the first piece of text."""
        found = []
        for index in range(start, end):
            text = self.tokens[index][1]
            if self.is_label(index):
                break
            if _NOTE.match(text):
                continue  # a note in brackets beside a label, e.g. "（区分处理的……）"
            if not is_value_like(text):
                break
            found.append(text)
        return found

    def anchor(self, table: Table, after: int) -> int | None:
        """Where a table starts: the first of its labels the document has after ``after``."""
        if table.shape == Shape.BLOCKS:  # the first block a report has (an excerpt may start further down)
            hits = [self.find(block.rows[0].label, after) for block in table.blocks]
            return min((h for h in hits if h is not None), default=None)
        if table.labelled_rows:
            return self.find(table.rows[0].label, after)
        wanted = norm_label(table.columns[0].path[0])
        return next((i for i in range(after, len(self.norms)) if self.norms[i].startswith(wanted)), None)

    def rows_between(self, start: int, end: int) -> dict[int, list[str]]:
        rows: dict[int, list[str]] = {}
        for index in range(start, end):
            row, text = self.tokens[index]
            rows.setdefault(row, []).append(text)
        return rows


def _missing_rows(reading: Reading, table: Table, keys: list[str]) -> None:
    if not keys:
        return
    labels = [table.row(k).label for k in keys]
    shown = "、".join(labels[:SHOWN_ROWS]) + (f" 等 {len(labels)} 行" if len(labels) > SHOWN_ROWS else "")
    reading.about_table("import-rows-missing", table, rows=shown, actual=f"缺 {len(labels)} 行")


def _labelled_rows(tokens: Tokens, reading: Reading, table: Table, rows: Sequence[Axis], span: tuple[int, int]) -> None:
    start, end = span
    positions: dict[str, int] = {}
    missing: list[str] = []
    for axis in rows:
        index = tokens.find(axis.label, start, end)
        if index is None:
            missing.append(axis.key)
            reading.mark_absent(table, axis.key, table.columns_of(axis.key))
            continue
        positions[axis.key] = index
        start = index + 1
    found = {key: tokens.values_after(index + 1, end) for key, index in positions.items()}
    # A leading empty cell on rows that have one more cell than columns is the label's merged filler.
    filler = any(
        len(trimmed(cells)) == len(table.columns_of(key)) + 1 and cells[0] == "" for key, cells in found.items()
    )
    for axis in rows:
        if axis.key in found:
            fit_row(reading, table, axis.key, axis.label, table.columns_of(axis.key), found[axis.key], filler)
    _missing_rows(reading, table, missing)


def _strip_words(cell: str, words: Sequence[str]) -> str:
    stripped = cell
    for word in words:
        stripped = stripped.replace(word, "")
    return stripped.strip(" :：")


def _header_row_values(cells: list[str], words: Sequence[str]) -> list[str] | None:
    """The values of one line of 表四 (None once narrative text starts). Values may stand beside their
    labels ("<label> 5"); a line of pure header words gives none."""
    kinds = []
    for cell in cells:
        stripped = _strip_words(cell, words)
        if stripped != cell.strip(" :："):
            kinds.append(("mixed" if stripped else "pure", stripped))
        elif not is_value_like(cell):
            return None
        else:
            kinds.append(("plain", cell))
    header_row = any(kind == "pure" for kind, _ in kinds) and not any(kind == "mixed" for kind, _ in kinds)
    return [text for kind, text in kinds if kind == "mixed" or (kind == "plain" and not header_row)]


def _header_only(tokens: Tokens, reading: Reading, table: Table, span: tuple[int, int]) -> None:
    """表四: header rows, then one row of values."""
    words = sorted({p for c in table.columns for p in c.path}, key=len, reverse=True)
    values: list[str] = []
    for cells in tokens.rows_between(*span).values():
        found = _header_row_values(cells, words)
        if found is None:
            break  # narrative text: the table is over
        values += found
    fit_row(reading, table, table.rows[0].key, table.title, table.columns, values, filler=False)


def _read_table(tokens: Tokens, reading: Reading, table: Table, span: tuple[int, int]) -> None:
    if table.shape == Shape.BLOCKS:
        _labelled_rows(tokens, reading, table, [axis for block in table.blocks for axis in block.rows], span)
    elif table.labelled_rows:
        _labelled_rows(tokens, reading, table, table.rows, span)
    else:
        _header_only(tokens, reading, table, span)


def read_tables(document: Document, fmt: Format, signed: bool) -> Reading:
    """Every table of ``fmt`` the document has; raises LookupError when it has none and is not ``signed``."""
    tokens = Tokens(document, fmt)
    reading = Reading()
    anchors: list[tuple[int | None, Table]] = []
    after = 0
    for table in fmt.tables:
        anchor = tokens.anchor(table, after)
        anchors.append((anchor, table))
        after = anchor + 1 if anchor is not None else after
    starts = sorted(a for a, _ in anchors if a is not None)
    if not starts and not signed:
        raise LookupError
    for anchor, table in anchors:
        if anchor is None:
            reading.absent.update(c.id for c in table.cells)
            reading.about_table("import-table-missing", table, actual="缺失")
            continue
        end = next((a for a in starts if a > anchor), len(tokens))
        _read_table(tokens, reading, table, (anchor, end))
    return reading


def document_format(document: Document) -> Format:
    texts = (norm_label(cell) for row in document.rows for cell in row)
    fmt = detect_format(texts)
    if fmt is None:
        raise UnreadableWorkbook(document.path, NO_TABLES)
    return fmt


def submission_of(document: Document) -> Submission:
    """A published report as a Submission, so that every rule of `check` applies to it."""
    fmt = document_format(document)
    # The document uses the format's own words: a report even if its tables are cut off.
    signed = any(norm_label(w) in norm_label(document.text) for w in fmt.signature)
    try:
        reading = read_tables(document, fmt, signed)
    except LookupError:
        raise UnreadableWorkbook(document.path, NO_TABLES) from None
    sub = virtual_submission(fmt, report_header(document, fmt), reading.values, document.path, document.kind)
    sub.absent = reading.absent
    sub.notes = reading.problems
    sub.narrative = tuple(simplified(line) for line in document.narrative())
    return sub


def read_report(path: Path, kind: FileType) -> Submission:
    """Read a report file; a report behind a workbook's extension says so in its failure."""
    try:
        return submission_of(read_document(path, kind))
    except UnreadableWorkbook as error:
        note = document_kind_note(path, kind)
        raise UnreadableWorkbook(path, f"{note}，其中{error.reason}" if note else error.reason) from None
