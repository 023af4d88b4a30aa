"""Finding a report table in a sheet by its labels, wherever a person put it.

A clerk's own copy of the form has other sheet names, other positions, merged or split label cells and
labels typed with half-width brackets or spaces. Rows are found by their labels, in the format's order;
columns by their headers above the first row; a value is where a row meets a column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from toolkit.format.model import Axis, Block, HeaderKey, Shape, Table
from toolkit.read.grids import Grid
from toolkit.text import label_matches, norm_label

HEADER_BAND = 6  # rows above a table's first data row in which its column headers may stand

Texts = list[tuple[int, int, str]]
Positions = dict[str, tuple[int, int]]


@cache
def title_pattern(report_title: str) -> re.Pattern[str]:
    """A report's title in a cell: the unit, then the year, then the format's title phrase."""
    return re.compile(rf"^(?P<unit>.+?)(?P<year>(19|20)\d{{2}})\s*年度?{re.escape(report_title)}")


def texts_of(grid: Grid) -> Texts:
    """(row, col, normalized text) of every text cell, in reading order."""
    return [
        (r, c, norm_label(value))
        for r, row in enumerate(grid)
        for c, value in enumerate(row)
        if isinstance(value, str) and value.strip()
    ]


@dataclass
class Location:
    """Where a table's numbers are on a sheet, and which of its rows and columns could not be found."""

    positions: Positions = field(default_factory=dict)
    missing_rows: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.positions)


def _rows(texts: Texts, axes: Sequence[Axis], after: int = -1) -> tuple[Positions, list[str]]:
    """Row labels top to bottom, in the format's order; a row whose label is nowhere below is missing."""
    found: Positions = {}
    missing: list[str] = []
    for axis in axes:
        label = norm_label(axis.label)
        hit = next(((r, c) for r, c, t in texts if r > after and label_matches(t, label)), None)
        if hit is None:
            missing.append(axis.key)
            continue
        found[axis.key] = hit
        after = hit[0]
    return found, missing


def _columns(texts: Texts, axes: Sequence[Axis], band: tuple[int, int], left: int) -> tuple[Positions, list[str]]:
    """Column headers left to right inside the band of rows; repeated labels are taken in turn."""
    top, bottom = band
    found: Positions = {}
    missing: list[str] = []
    previous = left - 1
    for axis in axes:
        label = norm_label(axis.label)
        candidates = [(c, r) for r, c, t in texts if top <= r <= bottom and c > previous and t == label]
        if not candidates:
            missing.append(axis.key)
            continue
        col, row = min(candidates)
        found[axis.key] = (row, col)
        previous = col
    return found, missing


def _enough(found: Positions, wanted: Sequence[Axis]) -> bool:
    """At least half of a table's rows (or columns): fewer is another table, or no table."""
    return 2 * len(found) >= len(wanted)


def _matrix_with_row_labels(texts: Texts, table: Table) -> Location:
    rows, missing_rows = _rows(texts, table.rows)
    if not rows or not _enough(rows, table.rows):
        return Location()
    first = min(r for r, _ in rows.values())
    left = max(c for _, c in rows.values()) + 1
    columns, missing_columns = _columns(texts, table.columns, (max(first - HEADER_BAND, 0), first - 1), left)
    if not columns or not _enough(columns, table.columns):
        return Location()
    positions = {table.cell_id(r, c): (row[0], col[1]) for r, row in rows.items() for c, col in columns.items()}
    return Location(positions, missing_rows, missing_columns)


def _matrix_without_row_labels(texts: Texts, table: Table) -> Location:
    """表四: one data row under a header whose top-left group label anchors the table."""
    anchor_label = norm_label(table.columns[0].path[0])
    anchor = next(((r, c) for r, c, t in texts if t == anchor_label), None)
    if anchor is None:
        return Location()
    columns, missing = _columns(texts, table.columns, (anchor[0], anchor[0] + HEADER_BAND), anchor[1])
    if not columns or not _enough(columns, table.columns):
        return Location()
    data_row = max(r for r, _ in columns.values()) + 1
    row = table.rows[0]
    return Location({table.cell_id(row.key, c): (data_row, col[1]) for c, col in columns.items()}, [], missing)


def _block_columns(texts: Texts, block: Block, row: int, label_col: int) -> dict[str, int]:
    """The column of each value header of a block, found in the few rows above one of its rows."""
    found = {}
    for col_axis in block.columns:
        label = norm_label(col_axis.label)
        heads = [(r, -c) for r, c, t in texts if row - 4 <= r < row and c > label_col and label_matches(t, label)]
        if heads:
            found[col_axis.key] = -max(heads)[1]
    return found


def _blocks(texts: Texts, table: Table) -> Location:
    location = Location()
    after = -1
    for block in table.blocks:
        rows, missing = _rows(texts, block.rows, after)
        location.missing_rows += missing
        for key, (row, label_col) in rows.items():
            columns = _block_columns(texts, block, row, label_col)
            for col_key, col in columns.items():
                location.positions[table.cell_id(key, col_key)] = (row, col)
            location.missing_columns += [c.key for c in block.columns if c.key not in columns]
        after = max((r for r, _ in rows.values()), default=after)
    if not location.positions:
        return Location()
    location.missing_columns = list(dict.fromkeys(location.missing_columns))
    return location


def locate_table(grid: Grid, table: Table, texts: Texts | None = None) -> Location:
    """Where the numbers of ``table`` are in ``grid``; an empty Location when the table is not there."""
    texts = texts if texts is not None else texts_of(grid)
    if table.shape == Shape.BLOCKS:
        return _blocks(texts, table)
    if table.labelled_rows:
        return _matrix_with_row_labels(texts, table)
    return _matrix_without_row_labels(texts, table)


def _right_of(grid: Grid, row: int, col: int) -> tuple[object, int]:
    for c in range(col + 1, min(col + 4, len(grid[row]))):
        value = grid[row][c]
        if value not in ("", None):
            return value, c
    return "", col + 1


def locate_header(
    grid: Grid, fields: Sequence[tuple[HeaderKey, str]], report_title: str
) -> dict[HeaderKey, tuple[object, int, int]]:
    """Header values by label ("<label>：白鹤镇" or a label with the value beside it) or from a report title."""
    found: dict[HeaderKey, tuple[object, int, int]] = {}
    texts = texts_of(grid)
    for key, label in fields:
        wanted = norm_label(label)
        for r, c, text in texts:
            if text == wanted:
                value, col = _right_of(grid, r, c)
                found[key] = (value, r, col)
                break
            if text.startswith(wanted) and len(text) > len(wanted):
                found[key] = (str(grid[r][c]).split("：", 1)[-1].split(":", 1)[-1].strip(), r, c)
                break
    keys = {key for key, _ in fields}
    title = title_pattern(report_title)
    for r, c, _ in texts:
        match = title.match(str(grid[r][c]).strip())
        if match:
            if HeaderKey.UNIT in keys and HeaderKey.UNIT not in found:
                found[HeaderKey.UNIT] = (match.group("unit").strip(), r, c)
            if HeaderKey.YEAR in keys and HeaderKey.YEAR not in found:
                found[HeaderKey.YEAR] = (int(match.group("year")), r, c)
            break
    return found
