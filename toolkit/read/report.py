"""A published report (text, web page, Word file, PDF) -> a Submission with the numbers of its tables.

Each table is anchored at the first label of it the document has; rows are found by their labels, in the
format's order; the values of a row are the cells after its label (see :mod:`toolkit.read.rows`). Reports
reach a reader in many shapes, and each is read for what it is:

- a row's numbers on its own line, or on the lines after its label (a label wrapped over two lines, values
  split over lines);
- a table run together on one line (a crawled page), cut at its labels first (:mod:`toolkit.read.reflow`);
- numbers set apart from their labels (another tool's Markdown): put back in order, and kept only when the
  table's totals then hold.

A report with rows or tables cut off is read as far as it goes: what is missing is listed and left out of
the rules.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.errors import NotAReport, UnreadableWorkbook
from toolkit.findings import Place, finding
from toolkit.format.detect import detect_format
from toolkit.format.load import all_formats
from toolkit.format.model import Axis, Format, Shape, Table
from toolkit.read.cells import Blank, Run
from toolkit.read.document import Document, read_document
from toolkit.read.reflow import reflow
from toolkit.read.rows import LABELLED_VALUE, Reading, fit_row, row_cells, trimmed
from toolkit.read.runs import resolve, shown
from toolkit.read.sniff import document_kind_note
from toolkit.read.title import report_header
from toolkit.read.values import FileType, Submission, virtual_submission
from toolkit.text import label_matches, norm_label, parse_number, simplified, value_like

_NOTE = re.compile(r"^[(（].*[)）]$")
SHOWN_ROWS = 6  # missing rows named in a finding before "等 N 行"
OCCURRENCES = 5  # places of a label tried before its first one is taken
LABEL_FRAGMENTS = 3  # pieces of a label wrapped onto the next cells or lines, before its numbers
NO_TABLES = "没有找到年度报告的表格（表二、表三、表四）"


def _simplified(cell: str) -> str:
    """The cell in simplified characters; a marked cell (a run, a blank at a known place) keeps its mark."""
    return cell if isinstance(cell, Run | Blank) else simplified(cell)


def _labelled_value(text: str, columns: set[str]) -> bool:
    """A value written after its column's label, shortened ("本年制发 0")."""
    match = LABELLED_VALUE.match(text.strip())
    if not match:
        return False
    words = norm_label(match.group("label"))
    return bool(words) and any(column.startswith(words) for column in columns)


class Tokens:
    """The document's cells in reading order, normalized once, with the labels of every table."""

    def __init__(self, rows: list[list[str]], fmt: Format) -> None:
        self.tokens = [(row_index, _simplified(cell)) for row_index, row in enumerate(rows) for cell in row]
        self.norms = [norm_label(t) for _, t in self.tokens]
        labels = set().union(*(table.labels() for table in fmt.tables))
        self.labels = frozenset(labels)
        self.long_labels = tuple(label for label in labels if len(label) >= 4)
        columns = {norm_label(c.label) for table in fmt.tables for c in table.columns}
        self.values = [value_like(t) or _labelled_value(t, columns) for _, t in self.tokens]

    def __len__(self) -> int:
        return len(self.tokens)

    def row_of(self, index: int) -> int:
        return self.tokens[index][0]

    def find(self, label: str, start: int = 0, end: int | None = None) -> int | None:
        wanted = norm_label(label)
        for index in range(start, len(self.tokens) if end is None else end):
            if not self.values[index] and label_matches(self.norms[index], wanted):
                return index
        return None

    def is_label(self, index: int) -> bool:
        norm = self.norms[index]
        return norm in self.labels or any(label_matches(norm, label) for label in self.long_labels)

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

    def pure_value_row(self, row: int, start: int, end: int) -> list[str] | None:
        """The cells of a document row that holds values only (a row of numbers set apart from its label)."""
        indexes = [i for i in range(start, end) if self.tokens[i][0] == row]
        if not indexes or not all(self.values[i] for i in indexes):
            return None
        cells = [self.tokens[i][1] for i in indexes]
        return cells if any(cells) else None


@dataclass
class RowValues:
    """The cells found for one labelled row, and the document rows they came from."""

    cells: list[str] = field(default_factory=list)
    rows: set[int] = field(default_factory=set)


def _collect(tokens: Tokens, index: int, end: int, width: int, set_apart: bool = True) -> RowValues:
    """The values after the label at ``index``: on its own line, then (when fewer than ``width``) on the lines
    after it. Pieces of text before the first value continue the label; the next label ends the row. A line
    that holds nothing but a full row of values is left for the rows set apart (see _place_pool), in a table
    that can have them (``set_apart``; the blocks of 表二 cannot)."""
    found = RowValues()
    label_row = tokens.row_of(index)
    fragments = 0
    position = index + 1
    while position < end:
        row, text = tokens.tokens[position]
        pooled = set_apart and _pool_row(tokens, row, position, end, width)
        if row != label_row and (len(trimmed(found.cells)) >= width or pooled):
            break
        if tokens.is_label(position):
            break
        if tokens.values[position]:
            found.cells.append(text)
            found.rows.add(row)
        elif (found.cells and any(found.cells)) or fragments >= LABEL_FRAGMENTS:
            break
        elif not _NOTE.match(text):
            fragments += 1
        position += 1
    return found


def _pool_row(tokens: Tokens, row: int, position: int, end: int, width: int) -> bool:
    """Whether the row starting at ``position`` is a full row of values on a line of its own."""
    if tokens.tokens[position][0] != row or (position > 0 and tokens.tokens[position - 1][0] == row):
        return False
    cells = tokens.pure_value_row(row, position, end)
    return cells is not None and len(trimmed(cells)) >= width


def _missing_rows(reading: Reading, table: Table, keys: list[str]) -> None:
    if not keys:
        return
    labels = [table.row(k).label for k in keys]
    rows = "、".join(labels[:SHOWN_ROWS]) + (f" 等 {len(labels)} 行" if len(labels) > SHOWN_ROWS else "")
    reading.about_table("import-rows-missing", table, rows=rows, actual=f"缺 {len(labels)} 行")


@dataclass
class Found:
    """The labelled rows of a table: where each label is and what followed it."""

    positions: dict[str, int] = field(default_factory=dict)
    values: dict[str, RowValues] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def _find_rows(tokens: Tokens, table: Table, rows: Sequence[Axis], span: tuple[int, int]) -> Found:
    """Each run of rows found in the format's order; the blocks of 表二 each on their own, in any order (a
    converter may print them scrambled)."""
    start, end = span
    found = Found()
    runs = [list(block.rows) for block in table.blocks] if table.blocks else [list(rows)]
    for run in runs:
        position = start
        for axis in run:
            width = len(table.columns_of(axis.key))
            hit = _occurrence(tokens, axis.label, (position, end), width, not table.blocks)
            if hit is None:
                found.missing.append(axis.key)
                continue
            found.positions[axis.key], found.values[axis.key] = hit
            position = hit[0] + 1
    return found


def _occurrence(
    tokens: Tokens, label: str, span: tuple[int, int], width: int, set_apart: bool
) -> tuple[int, RowValues] | None:
    """The first place of a label with values after it; else its first place. (A label named in a sentence
    before the table, as a crawled page keeps it, has no values.)"""
    first: tuple[int, RowValues] | None = None
    position, end = span
    for _ in range(OCCURRENCES):
        index = tokens.find(label, position, end)
        if index is None:
            break
        values = _collect(tokens, index, end, width, set_apart)
        if any(values.cells):
            return index, values
        first = first or (index, values)
        position = index + 1
    return first


def _columns_set_apart(tokens: Tokens, table: Table, found: Found, span: tuple[int, int]) -> dict[str, list[str]]:
    """Blocks of 表二 printed column by column (text a PDF tool pulled out box by box): the block's labels,
    then either each column's header followed by one value per label, or every value on a line of its own,
    column after column."""
    placed: dict[str, list[str]] = {}
    used: set[int] = set()
    for block in table.blocks:
        keys = [axis.key for axis in block.rows]
        if not all(k in found.positions for k in keys):
            continue
        if any(any(found.values[k].cells) for k in keys[:-1]):
            continue
        last = max(found.positions[k] for k in keys)
        columns = _block_columns(tokens, block.columns, last, span[1], len(keys), used) or _value_lines(
            tokens, last, span[1], len(keys), len(block.columns)
        )
        if columns is not None:
            placed.update({key: [column[i] for column in columns] for i, key in enumerate(keys)})
    return placed


def _block_columns(
    tokens: Tokens, columns: Sequence[Axis], after: int, end: int, count: int, used: set[int]
) -> list[list[str]] | None:
    """Each column's ``count`` values, found after its header (a header used by an earlier block is skipped)."""
    found = []
    for column in columns:
        position = after + 1
        header = None
        while (index := tokens.find(column.label, position, end)) is not None:
            if index not in used:
                header = index
                break
            position = index + 1
        if header is None:
            return None
        values = [tokens.tokens[i][1] for i in _values_after(tokens, header, end, count)]
        if len(values) != count:
            return None
        used.add(header)
        found.append(values)
    return found


def _value_lines(tokens: Tokens, after: int, end: int, count: int, width: int) -> list[list[str]] | None:
    """``width`` columns of ``count`` values right after the last label, each value on a line of its own."""
    values = _values_after(tokens, after, end, count * width)
    if len(values) != count * width or len({tokens.row_of(i) for i in values}) != len(values):
        return None
    return [[tokens.tokens[i][1] for i in values[c * count : (c + 1) * count]] for c in range(width)]


def _values_after(tokens: Tokens, after: int, end: int, most: int) -> list[int]:
    """Positions of the values right after ``after`` (empty lines skipped), up to ``most`` of them."""
    found: list[int] = []
    for index in range(after + 1, end):
        if not tokens.values[index] or len(found) == most:
            break
        if tokens.tokens[index][1]:
            found.append(index)
    return found


def _missing_groups(table: Table, found: Found) -> dict[str, list[str]]:
    """Groups of rows whose every sub-row is missing (a group printed as one row): group label -> its rows."""
    groups: dict[str, list[str]] = {}
    for axis in table.rows:
        if len(axis.path) > 2:
            groups.setdefault(axis.path[-2], []).append(axis.key)
    return {group: keys for group, keys in groups.items() if all(k in found.missing for k in keys)}


def _labels_in_order(tokens: Tokens, table: Table, found: Found, span: tuple[int, int]) -> list[tuple[int, str]]:
    """(position, row key or group label) of every row the document prints, in document order."""
    entries = [(position, key) for key, position in found.positions.items()]
    groups = ((tokens.find(group, *span), group) for group in _missing_groups(table, found))
    entries.extend((index, group) for index, group in groups if index is not None)
    return sorted(entries)


def _column_sections(
    tokens: Tokens, entries: list[tuple[int, str]], span: tuple[int, int], table: Table
) -> dict[str, list[str]]:
    """Rows printed as a run of labels followed by their values column by column (each page of the table
    its own run); {} when any run does not have exactly labels × columns values, or no run has two rows."""
    placed: dict[str, list[str]] = {}
    pending: list[str] = []
    widest, start = 0, span[0]
    width = len(table.columns)
    labels = {position for position, _ in entries}
    bounds = [position for position, _ in entries[1:]] + [span[1]]
    for (position, name), bound in zip(entries, bounds, strict=True):
        pending.append(name)
        values = [tokens.tokens[i][1] for i in range(position + 1, bound) if tokens.values[i] and tokens.tokens[i][1]]
        if not values:
            continue
        runs = [values[c * len(pending) : (c + 1) * len(pending)] for c in range(width)]
        order = _heading_order(tokens, table, (start, bound), labels)
        if order is not None:
            runs = [runs[order.index(c)] for c in range(width)]
        columns = _total_in_place(table, runs) if len(values) == len(pending) * width else None
        if columns is None:
            return {}
        placed.update({row: [column[r] for column in columns] for r, row in enumerate(pending)})
        widest, pending, start = max(widest, len(pending)), [], bound
    return placed if widest > 1 and not pending else {}


def _heading_order(tokens: Tokens, table: Table, span: tuple[int, int], labels: set[int]) -> list[int] | None:
    """The format's column indexes in the order their headings are printed in ``span`` (pdfminer prints
    each column's heading with its values, in the order it took the columns); None unless each heading is
    there exactly once. Headings wrapped over lines ("商业企" "业") are read joined; the headings above
    several columns are set aside first, since a leaf heading (其他) can be inside one of them."""
    text = "".join(
        tokens.norms[i] for i in range(*span) if i not in labels and not tokens.values[i] and tokens.tokens[i][1]
    )
    for group in {norm_label(part) for column in table.columns for part in column.path[:-1]}:
        text = text.replace(group, "|" * len(group))
    found = []
    for index, column in enumerate(table.columns):
        heading = norm_label(column.label)
        at = text.find(heading)
        if at < 0 or text.find(heading, at + 1) >= 0:
            return None
        found.append((at, index))
    return [index for _, index in sorted(found)]


def _total_in_place(table: Table, runs: list[list[str]]) -> list[list[str]] | None:
    """The columns in the format's order. pdfminer may print the total column out of place (its text boxes
    follow the header cells, which span different rows); it is a run that is the sum of the others, the
    nearest to where the format has it when several are (the people column equals the total when only people applied). The
    other columns keep their printed order. None when no single reading fits."""
    keys = [c.key for c in table.columns]
    total = next((t for t in table.totals if not t.on_rows and {t.target, *t.terms} == set(keys)), None)
    if total is None:
        return runs
    numbers = [_numbers(run) for run in runs]
    place = keys.index(total.target)
    fits = sorted(
        (abs(index - place), index)
        for index, run in enumerate(numbers)
        if run is not None and all(n is not None for n in numbers) and _sum_of_others(numbers, index)
    )
    if not fits or (len(fits) > 1 and fits[0][0] == fits[1][0]):
        return None
    index = fits[0][1]
    order = [run for i, run in enumerate(runs) if i != index]
    order.insert(place, runs[index])
    return order


def _sum_of_others(numbers: Sequence[list[int] | None], index: int) -> bool:
    """Whether run ``index`` is, row by row, the sum of all the other runs."""
    target = numbers[index] or []
    others = [n or [] for i, n in enumerate(numbers) if i != index]
    return all(target[r] == sum(n[r] for n in others) for r in range(len(target)))


def _as_rows(table: Table, placed: dict[str, list[str]]) -> dict[str, list[str]]:
    """The placed values by row key; a group read as one row stands in for its rows in the totals (its first
    row carries the group's values, the others zero), since the totals only need their sum."""
    keys = {axis.key for axis in table.rows}
    rows = {key: cells for key, cells in placed.items() if key in keys}
    for group in (name for name in placed if name not in keys):
        members = [axis.key for axis in table.rows if len(axis.path) > 2 and axis.path[-2] == group]
        rows.update({key: ["0"] * len(placed[group]) for key in members[1:]})
        rows[members[0]] = placed[group]
    return rows


def _columns_after_labels(
    tokens: Tokens, reading: Reading, table: Table, found: Found, span: tuple[int, int]
) -> dict[str, list[str]]:
    """A table printed column by column (the text pdfminer pulls out of a ruled table): the row labels of a
    page first, without values, then each column's values top to bottom. Kept only when every page's
    count is exactly rows × columns and the table's totals then hold."""
    if table.blocks:
        return {}
    entries = _labels_in_order(tokens, table, found, span)
    placed = _column_sections(tokens, entries, span, table)
    if not placed or not _totals_hold(table, _as_rows(table, placed)):
        return {}
    reading.about_table("import-columns-placed", table, actual=f"{len(table.columns)} 列", count=len(table.columns))
    return placed


def _set_apart(
    tokens: Tokens, reading: Reading, table: Table, found: Found, span: tuple[int, int]
) -> dict[str, list[str]]:
    """Values that are not beside their labels, put back by the one reading that fits, if any."""
    return (
        _place_pool(tokens, reading, table, found, span)
        or _columns_set_apart(tokens, table, found, span)
        or _columns_after_labels(tokens, reading, table, found, span)
    )


def _labelled_rows(tokens: Tokens, reading: Reading, table: Table, rows: Sequence[Axis], span: tuple[int, int]) -> None:
    found = _find_rows(tokens, table, rows, span)
    placed = _set_apart(tokens, reading, table, found, span)
    # A leading empty cell on rows that have one more cell than columns is the label's merged filler.
    filler = any(
        len(trimmed(values.cells)) == len(table.columns_of(key)) + 1 and values.cells[0] == ""
        for key, values in found.values.items()
    )
    for axis in rows:
        if axis.key in placed:
            reading.assign(table, axis.key, table.columns_of(axis.key), placed[axis.key])
        elif axis.key in found.values:
            cells = found.values[axis.key].cells
            fit_row(reading, table, axis.key, axis.label, table.columns_of(axis.key), cells, filler)
    for key in found.missing:
        if key not in placed:
            reading.mark_absent(table, key, table.columns_of(key))
    _one_row_groups(tokens, reading, table, found, span, placed)
    _missing_rows(reading, table, [k for k in found.missing if k not in reading.grouped and k not in placed])
    _settle_runs(reading, table)


def _pool(tokens: Tokens, found: Found, span: tuple[int, int]) -> list[tuple[int, list[str]]]:
    """(document row, cells) of every row of values on a line of its own that no label took."""
    taken = {row for values in found.values.values() for row in values.rows}
    label_rows = {tokens.row_of(index) for index in found.positions.values()}
    pool = []
    for row in sorted({tokens.row_of(i) for i in range(*span)} - taken - label_rows):
        first = next(i for i in range(*span) if tokens.row_of(i) == row)
        cells = tokens.pure_value_row(row, first, span[1])
        if cells is not None:
            pool.append((row, trimmed(cells)))
    return pool


def _full(table: Table, found: Found, key: str) -> bool:
    width = len(table.columns_of(key))
    return key in found.values and len(row_cells(found.values[key].cells, width)) >= width


def _gaps(table: Table, found: Found, span: tuple[int, int]) -> list[tuple[list[str], tuple[int, int]]] | None:
    """The rows without values between two rows read with theirs, each run with the document rows between
    those two; None when the rows read are not in the format's order in the document."""
    anchors = [(key, min(found.values[key].rows)) for key in (r.key for r in table.rows) if _full(table, found, key)]
    rows = [row for _, row in anchors]
    if rows != sorted(rows):
        return None
    bounds = [(None, -1), *anchors, (None, 1 << 30)]
    keys = [r.key for r in table.rows]
    gaps = []
    for (before, low), (after, high) in itertools.pairwise(bounds):
        first = keys.index(before) + 1 if before else 0
        last = keys.index(after) if after else len(keys)
        waiting = [k for k in keys[first:last] if not _full(table, found, k)]
        if waiting:
            gaps.append((waiting, (low, high)))
    return gaps


def _place_pool(
    tokens: Tokens, reading: Reading, table: Table, found: Found, span: tuple[int, int]
) -> dict[str, list[str]]:
    """Rows of values set apart from their labels (a converter's Markdown), given back to the rows that have
    none: between two rows read with their values, the rows of values found there go, in order, to the rows
    the format has there. Kept only when every such stretch matches and the table's totals then hold."""
    pool = _pool(tokens, found, span)
    gaps = _gaps(table, found, span) if pool and not table.blocks else None
    if not gaps:
        return {}
    placed: dict[str, list[str]] = {}
    for waiting, (low, high) in gaps:
        between = [cells for row, cells in pool if low < row < high]
        if len(between) != len(waiting) or any(
            len(c) != len(table.columns_of(k)) for k, c in zip(waiting, between, strict=True)
        ):
            return {}
        placed.update(zip(waiting, between, strict=True))
    known = {key: found.values[key].cells for key in found.values if _full(table, found, key)}
    if not _totals_hold(table, {**known, **placed}):
        return {}
    waiting_keys = list(placed)
    labels = "、".join(table.row(k).label for k in waiting_keys[:SHOWN_ROWS]) + (
        "等" if len(waiting_keys) > SHOWN_ROWS else ""
    )
    reading.about_table("import-rows-placed", table, actual=f"{len(placed)} 行", count=len(placed), rows=labels)
    return placed


def _numbers(cells: Sequence[str]) -> list[int] | None:
    values = [parse_number(c) for c in cells]
    if any(v is None or v != v.to_integral_value() for v in values):
        return None
    return [int(v) for v in values if v is not None]


def _totals_hold(table: Table, rows: dict[str, list[str]]) -> bool:
    """Whether every column total of the table that can be judged from ``rows`` holds (and at least one can)."""
    numbers = {key: n for key, cells in rows.items() if (n := _numbers(trimmed(cells))) is not None}
    judged = False
    for total in (t for t in table.totals if t.on_rows):
        if total.target not in numbers or not all(term in numbers for term in total.terms):
            continue
        for col in range(len(numbers[total.target])):
            if numbers[total.target][col] != sum(numbers[t][col] for t in total.terms if col < len(numbers[t])):
                return False
        judged = True
    return judged


def _one_row_groups(
    tokens: Tokens, reading: Reading, table: Table, found: Found, span: tuple[int, int], placed: dict[str, list[str]]
) -> None:
    """A group printed as one row without its sub-rows (the last group of 表三 with its three items missing)."""
    for group, members in _missing_groups(table, found).items():
        index = tokens.find(group, *span)
        width = len(table.columns)
        if group in placed:
            cells = placed[group]
        else:
            cells = row_cells(_collect(tokens, index, span[1], width).cells, width) if index is not None else []
        if len(cells) != len(table.columns):
            continue
        reading.grouped.update(members)
        rows = "、".join(table.row(k).label for k in members)
        values = "、".join(c or "空" for c in cells)
        reading.about_table(
            "import-sub-rows-missing", table, actual=f"只有合计 {values}", group=group, found=values, rows=rows
        )


def _settle_runs(reading: Reading, table: Table) -> None:
    """Rows of this table whose numbers ran together and split several ways: the table's arithmetic decides."""
    ambiguous = {row: cands for (key, row), (_, cands) in reading.ambiguous.items() if key == table.key}
    if not ambiguous:
        return
    fixed = {
        axis.key: numbers
        for axis in table.rows
        if (numbers := _numbers([str(reading.values.get(table.cell_id(axis.key, c.key), "")) for c in table.columns]))
        is not None
    }
    chosen = resolve(table, fixed, ambiguous) or {}
    for row, candidates in ambiguous.items():
        label = reading.ambiguous.pop((table.key, row))[0]
        if row in chosen:
            reading.assign(table, row, table.columns, [str(n) for n in chosen[row]])
            continue
        run = "".join(str(n) for n in candidates[0])
        options = "；".join(shown(candidates))
        reading.about_row(
            "import-runs-unclear",
            table,
            label,
            expected="一种拆法",
            actual=options,
            run=run,
            count=len(candidates),
            candidates=options,
        )
        reading.mark_absent(table, row, table.columns)


def _strip_words(cell: str, words: Sequence[str]) -> str:
    stripped = cell
    for word in words:
        stripped = stripped.replace(word, "")
    return stripped.strip(" :：")


def _header_piece(cell: str, words: Sequence[str]) -> bool:
    """Part of the header: its words, or pieces of them run together or cut apart ("结果结果其他尚未", "总",
    "计" from a header wrapped over many lines): nothing but the header's characters."""
    text = norm_label(cell)
    return bool(text) and set(text) <= set("".join(words))


def _cell_kind(cell: str, words: Sequence[str]) -> tuple[str, str] | None:
    """("pure", "") for header words, ("mixed", value) for a value beside its label ("<label> 5"), ("plain",
    cell) for a value, None for a piece of narrative."""
    if isinstance(cell, Run):
        return "mixed", cell  # numbers run together after the last header word: the row itself
    if value_like(cell):
        return "plain", cell
    stripped = _strip_words(norm_label(cell), words)
    if not stripped or _header_piece(stripped, words):
        return "pure", ""
    if value_like(stripped):
        return "mixed", stripped
    return None


def _header_row_values(cells: list[str], words: Sequence[str]) -> list[str] | None:
    """The values of one line of 表四 (None once narrative text starts). Values may stand beside their
    labels ("<label> 5"); a line of pure header words gives none."""
    kinds = []
    for cell in cells:
        kind = _cell_kind(cell, words)
        if kind is None:
            return None
        kinds.append(kind)
    header_row = any(kind == "pure" for kind, _ in kinds) and not any(kind == "mixed" for kind, _ in kinds)
    return [text for kind, text in kinds if kind == "mixed" or (kind == "plain" and not header_row)]


def _header_only(tokens: Tokens, reading: Reading, table: Table, span: tuple[int, int]) -> None:
    """表四: header rows, then one row of values. Values with header words between them (text pulled out
    box by box, in an order of the extractor's making) cannot be put in their columns: the table is
    reported, not guessed."""
    words = sorted({norm_label(p) for c in table.columns for p in c.path}, key=len, reverse=True)
    values: list[str] = []
    interleaved = False
    for cells in tokens.rows_between(*span).values():
        found = _header_row_values(cells, words)
        if found is None:
            break  # narrative text: the table is over
        read = sum(1 for value in values if value)
        heading_after_values = read > 0 and not found and any(norm_label(c) for c in cells)
        interleaved = interleaved or (heading_after_values and read < len(table.columns))
        values += found
    numbers = [value for value in values if value]
    if interleaved and len(numbers) == len(table.columns):
        reading.mark_absent(table, table.rows[0].key, table.columns)
        reading.about_table("import-order-unclear", table, actual="数字与表头交错", found="、".join(numbers))
        return
    fit_row(reading, table, table.rows[0].key, table.title, table.columns, values, filler=False)
    _settle_runs(reading, table)


def _read_table(tokens: Tokens, reading: Reading, table: Table, span: tuple[int, int]) -> None:
    if table.shape == Shape.BLOCKS:
        _labelled_rows(tokens, reading, table, [axis for block in table.blocks for axis in block.rows], span)
    elif table.labelled_rows:
        _labelled_rows(tokens, reading, table, table.rows, span)
    else:
        _header_only(tokens, reading, table, span)


def read_tables(rows: list[list[str]], fmt: Format, signed: bool) -> Reading:
    """Every table of ``fmt`` the rows hold; raises LookupError when there is none and the text is not ``signed``."""
    tokens = Tokens(reflow(rows, fmt), fmt)
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
    if fmt is None and _titled(document):
        raise UnreadableWorkbook(document.path, NO_TABLES)  # a report whose tables are pictures or cut off
    if fmt is None:
        raise NotAReport(document.path, NO_TABLES)  # no report at all: a covering note, a letter
    return fmt


def _titled(document: Document) -> bool:
    """Whether the text names itself an annual report (the title of any format)."""
    text = norm_label(document.text)
    return any(norm_label(fmt.report_title) in text for fmt in all_formats())


def submission_of(document: Document) -> Submission:
    """A published report as a Submission, so that every rule of `check` applies to it."""
    fmt = document_format(document)
    # The document uses the format's own words: a report even if its tables are cut off.
    signed = any(norm_label(w) in norm_label(document.text) for w in fmt.signature)
    try:
        reading = read_tables(document.rows, fmt, signed)
    except LookupError:
        raise UnreadableWorkbook(document.path, NO_TABLES) from None
    sub = virtual_submission(fmt, report_header(document, fmt), reading.values, document.path, document.kind)
    sub.absent = reading.absent
    sub.notes = reading.problems
    if document.recognised:
        sub.notes.append(finding("ocr-values", Place(), actual="扫描件"))
    sub.narrative = tuple(simplified(line) for line in document.narrative())
    sub.lines = tuple(simplified(line) for line in document.text_lines())
    return sub


def read_report(path: Path, kind: FileType) -> Submission:
    """Read a report file; a report behind a workbook's extension says so in its failure."""
    try:
        return submission_of(read_document(path, kind))
    except UnreadableWorkbook as error:
        note = document_kind_note(path, kind)
        if not note:
            raise
        raise UnreadableWorkbook(path, f"{note}，其中{error.reason}") from None
