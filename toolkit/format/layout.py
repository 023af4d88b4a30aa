"""Where every label and number of a format stands in the standard workbook.

The template writer places cells from this layout, and the reader looks for numbers at the same places, so
the two cannot drift apart. Rows and columns here are 0-based; ``address`` turns them into ``D30``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property

from toolkit.format.model import Axis, Format, HeaderKey, Shape, Table

TITLE_ROW = 0
SUBTITLE_ROW = 1
TABLE_TOP = 2
HEADER_LABEL_COLUMN = 0
HEADER_VALUE_COLUMN = 1
HEADER_FIRST_ROW = 2


def column_letter(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def address(row: int, col: int) -> str:
    return f"{column_letter(col)}{row + 1}"


def parse_address(text: str) -> tuple[int, int]:
    letters = "".join(ch for ch in text if ch.isalpha()).upper()
    digits = "".join(ch for ch in text if ch.isdigit())
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(digits) - 1, col - 1


@dataclass(frozen=True)
class Label:
    """A piece of fixed text: its cell, the cell its merge ends at, and its role (for styling)."""

    row: int
    col: int
    text: str
    role: str  # title, corner, head, group, label
    last_row: int | None = None
    last_col: int | None = None

    @property
    def merged(self) -> bool:
        return (self.last_row, self.last_col) != (None, None) and (self.last_row, self.last_col) != (
            self.row,
            self.col,
        )


@dataclass
class TableLayout:
    table: Table
    sheet: str
    width: int
    labels: list[Label] = field(default_factory=list)
    cells: dict[str, tuple[int, int]] = field(default_factory=dict)
    # cell id -> last column of a value merged across several columns (表二's single-value rows)
    value_spans: dict[str, int] = field(default_factory=dict)
    header_rows: tuple[int, int] = (TABLE_TOP, TABLE_TOP)
    label_columns: int = 0
    check_row: int | None = None
    last_row: int = TABLE_TOP

    def address(self, cell_id: str) -> str:
        return self.addresses[cell_id]

    @cached_property
    def addresses(self) -> dict[str, str]:
        return {cell_id: address(*pos) for cell_id, pos in self.cells.items()}


@dataclass
class HeaderLayout:
    sheet: str
    cells: dict[HeaderKey, tuple[int, int]]

    def address(self, key: HeaderKey) -> str:
        return address(*self.cells[key])


@dataclass
class WorkbookLayout:
    format: Format
    header: HeaderLayout
    tables: list[TableLayout]

    def table(self, key: str) -> TableLayout:
        return next(t for t in self.tables if t.table.key == key)

    def locate(self, cell_id: str) -> tuple[str, str]:
        """(sheet name, A1 address) of a format cell."""
        table = self.table(self.format.cells[cell_id].table)
        return table.sheet, table.address(cell_id)

    def position(self, cell_id: str) -> tuple[int, int]:
        """(row, column), 0-based, of a format cell on its sheet."""
        return self.table(self.format.cells[cell_id].table).cells[cell_id]


def _groups(items: Sequence[Axis], depth: int) -> list[tuple[int, int]]:
    """Consecutive runs of items (rows or columns) whose label paths agree to ``depth`` levels."""
    runs: list[tuple[int, int]] = []
    for index, item in enumerate(items):
        key = item.path[: depth + 1] if len(item.path) > depth else None
        if runs and key is not None and items[runs[-1][0]].path[: depth + 1] == key:
            runs[-1] = (runs[-1][0], index)
        elif key is not None:
            runs.append((index, index))
    return runs


def _header_spans(items: Sequence[Axis], depths: int) -> Iterator[tuple[int, int, int, str, bool]]:
    """(depth, first, last, text, leaf) for every header cell over ``items`` (columns or rows), outermost first."""
    for depth in range(depths):
        for first, last in _groups(items, depth):
            leaf = all(len(item.path) == depth + 1 for item in items[first : last + 1])
            yield depth, first, last, items[first].path[depth], leaf


def _matrix(table: Table, sheet: str) -> TableLayout:
    label_cols = max((len(r.path) for r in table.rows), default=0)
    head_depth = max(len(c.path) for c in table.columns)
    first_data_row = TABLE_TOP + head_depth
    layout = TableLayout(table, sheet, width=label_cols + len(table.columns), label_columns=label_cols)
    layout.header_rows = (TABLE_TOP, first_data_row - 1)
    if label_cols:
        layout.labels.append(Label(TABLE_TOP, 0, table.corner, "corner", first_data_row - 1, label_cols - 1))
    # Column headers grow downwards, row labels rightwards; a leaf stretches to the last header row/column.
    for depth, first, last, text, leaf in _header_spans(table.columns, head_depth):
        bottom = first_data_row - 1 if leaf else TABLE_TOP + depth
        layout.labels.append(Label(TABLE_TOP + depth, label_cols + first, text, "head", bottom, label_cols + last))
    for depth, first, last, text, leaf in _header_spans(table.rows, label_cols):
        right = label_cols - 1 if leaf else depth
        role = "label" if leaf else "group"
        layout.labels.append(Label(first_data_row + first, depth, text, role, first_data_row + last, right))
    for r_index, row in enumerate(table.rows):
        for c_index, col in enumerate(table.columns):
            layout.cells[table.cell_id(row.key, col.key)] = (first_data_row + r_index, label_cols + c_index)
    layout.last_row = first_data_row + len(table.rows) - 1
    if table.balance:
        layout.check_row = layout.last_row + 1
        layout.last_row += 1
    return layout


def _blocks(table: Table, sheet: str) -> TableLayout:
    value_width = max(len(b.columns) for b in table.blocks)
    layout = TableLayout(table, sheet, width=1 + value_width, label_columns=1)
    row = TABLE_TOP
    for block in table.blocks:
        layout.labels.append(Label(row, 0, block.title, "group", row, value_width))
        row += 1
        layout.labels.append(Label(row, 0, table.row_head, "head"))
        span = value_width - len(block.columns)  # a lone value column spans the whole width
        for index, col in enumerate(block.columns):
            last = 1 + index + (span if index == len(block.columns) - 1 else 0)
            layout.labels.append(Label(row, 1 + index, col.label, "head", row, last))
        row += 1
        for axis in block.rows:
            layout.labels.append(Label(row, 0, axis.label, "label"))
            for index, col in enumerate(block.columns):
                cell_id = table.cell_id(axis.key, col.key)
                layout.cells[cell_id] = (row, 1 + index)
                if span and index == len(block.columns) - 1:
                    layout.value_spans[cell_id] = 1 + index + span
            row += 1
    layout.header_rows = (TABLE_TOP, TABLE_TOP + 1)
    layout.last_row = row - 1
    return layout


def sheet_name(table: Table) -> str:
    # Excel caps sheet names at 31 characters.
    return table.title[:31]


@cache
def workbook_layout(fmt: Format) -> WorkbookLayout:
    header = HeaderLayout(
        fmt.header.sheet,
        {f.key: (HEADER_FIRST_ROW + i, HEADER_VALUE_COLUMN) for i, f in enumerate(fmt.header.fields)},
    )
    tables = [(_blocks if t.shape == Shape.BLOCKS else _matrix)(t, sheet_name(t)) for t in fmt.tables]
    return WorkbookLayout(fmt, header, tables)
