"""Finding a report table in a sheet by its labels, wherever a person put it.

A clerk's own copy of the form has other sheet names, other positions, merged or split label cells and
labels typed with half-width brackets or spaces. Rows are found by their labels, in the format's order;
columns by their headers above the first row; a value is where a row meets a column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from toolkit.format.model import Axis, HeaderKey, Shape, Table
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


def _rows(texts: Texts, axes: Sequence[Axis], after: int = -1) -> Positions | None:
    found: Positions = {}
    for axis in axes:
        label = norm_label(axis.label)
        hit = next(((r, c) for r, c, t in texts if r > after and label_matches(t, label)), None)
        if hit is None:
            return None
        found[axis.key] = hit
        after = hit[0]
    return found


def _columns(texts: Texts, axes: Sequence[Axis], top: int, bottom: int, left: int) -> Positions | None:
    """Column headers left to right inside rows top..bottom; repeated labels are taken in turn."""
    found: Positions = {}
    previous = left - 1
    for axis in axes:
        label = norm_label(axis.label)
        candidates = [(c, r) for r, c, t in texts if top <= r <= bottom and c > previous and t == label]
        if not candidates:
            return None
        col, row = min(candidates)
        found[axis.key] = (row, col)
        previous = col
    return found


def _matrix_with_row_labels(texts: Texts, table: Table) -> Positions | None:
    rows = _rows(texts, table.rows)
    if rows is None:
        return None
    first = rows[table.rows[0].key][0]
    left = max(c for _, c in rows.values()) + 1
    columns = _columns(texts, table.columns, max(first - HEADER_BAND, 0), first - 1, left)
    if columns is None:
        return None
    return {table.cell_id(r.key, c.key): (rows[r.key][0], columns[c.key][1]) for r in table.rows for c in table.columns}


def _matrix_without_row_labels(texts: Texts, table: Table) -> Positions | None:
    """表四: one data row under a header whose top-left group label anchors the table."""
    anchor_label = norm_label(table.columns[0].path[0])
    anchor = next(((r, c) for r, c, t in texts if t == anchor_label), None)
    if anchor is None:
        return None
    columns = _columns(texts, table.columns, anchor[0], anchor[0] + HEADER_BAND, anchor[1])
    if columns is None:
        return None
    data_row = max(r for r, _ in columns.values()) + 1
    row = table.rows[0]
    return {table.cell_id(row.key, c.key): (data_row, columns[c.key][1]) for c in table.columns}


def _blocks(texts: Texts, table: Table) -> Positions | None:
    positions: Positions = {}
    after = -1
    for block in table.blocks:
        rows = _rows(texts, block.rows, after)
        if rows is None:
            return None
        for axis in block.rows:
            row, label_col = rows[axis.key]
            for col_axis in block.columns:
                label = norm_label(col_axis.label)
                heads = [
                    (r, -c) for r, c, t in texts if row - 4 <= r < row and c > label_col and label_matches(t, label)
                ]
                if not heads:
                    return None
                _, neg_col = max(heads)
                positions[table.cell_id(axis.key, col_axis.key)] = (row, -neg_col)
        after = max(r for r, _ in rows.values())
    return positions


def locate_table(grid: Grid, table: Table, texts: Texts | None = None) -> Positions | None:
    """cell id -> (row, col) of every number of ``table`` in ``grid``, or None when it is not there."""
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
