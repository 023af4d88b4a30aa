"""One row of a published report's table: the cells found after its label, fitted to the row's columns.

What cannot be fitted unambiguously is said precisely (which row, what was found), never guessed. Two cases
are settled by arithmetic instead: a row that lost one cell, where only one completion satisfies
总计 = 各列之和 (the table's column total); and numbers run together (see :mod:`toolkit.read.runs`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from toolkit.findings import Finding, Place, finding_of
from toolkit.format.model import Axis, Kind, Table
from toolkit.read.cells import Blank
from toolkit.read.runs import is_run, row_sums, splits
from toolkit.text import clip, norm_label, parse_number

# Some text copies mark an empty cell with a middle dot: kept as a cell (a blank value, never 0), unlike the
# empty strings that tabs and pipes leave at the ends of a line.
BLANK_MARKS = frozenset({"·", "•"})
LABELLED_VALUE = re.compile(r"^(?P<label>\D+?)\s*(?P<value>[+\-]?[\d,.]+)$")
_WITH_NOTE = re.compile(r"^(?P<number>[+\-−]?[\d０-９,，.．]+)\s*(?P<note>[（(].*[)）]?)$")
Candidates = list[tuple[int, ...]]


@dataclass
class Reading:
    """What has been read of a report's tables so far."""

    values: dict[str, object] = field(default_factory=dict)  # numbers as int/Decimal, anything else as found
    absent: set[str] = field(default_factory=set)  # cells whose row (or table) the report does not have
    problems: list[Finding] = field(default_factory=list)
    # rows whose numbers ran together and split in more than one way: settled by the table's arithmetic
    ambiguous: dict[tuple[str, str], tuple[str, Candidates]] = field(default_factory=dict)
    grouped: set[str] = field(default_factory=set)  # sub-rows of a group printed as one row (reported once)

    def assign(self, table: Table, row_key: str, columns: Sequence[Axis], texts: Sequence[str]) -> None:
        for col, text in zip(columns, texts, strict=True):
            cell = without_label(text, col.label)
            note = _WITH_NOTE.match(cell.strip())
            if note and parse_number(note.group("number")) is not None:
                self._noted(table, row_key, col, cell, note.group("number"))
                cell = note.group("number")
            self.values[table.cell_id(row_key, col.key)] = to_value(cell, col.kind)

    def _noted(self, table: Table, row_key: str, column: Axis, cell: str, number: str) -> None:
        """A number written with words beside it ("22（其中修订 16 件）"): the number is read, with a warning."""
        place = Place(table.title, "", table.row(row_key).label, column.label, table.title, table.index)
        values = {"raw": clip(cell, 40), "value": number}
        self.problems.append(finding_of("number-with-note", place, values, actual=clip(cell, 60)))

    def mark_absent(self, table: Table, row_key: str, columns: Sequence[Axis]) -> None:
        self.absent.update(table.cell_id(row_key, c.key) for c in columns)

    def about_table(self, code: str, table: Table, *, actual: str, **values: object) -> None:
        place = Place(sheet=table.title, table=table.title, table_index=table.index)
        self.problems.append(finding_of(code, place, {"table": table.title, **values}, actual=actual))

    def about_row(self, code: str, table: Table, label: str, *, expected: str, actual: str, **values: object) -> None:
        place = Place(sheet=table.title, row_label=label, table=table.title, table_index=table.index)
        found = finding_of(code, place, {"label": clip(label, 30), **values}, expected=expected, actual=actual)
        self.problems.append(found)


def to_value(text: str, kind: Kind) -> object:
    """A number for a clean numeral (full-width digits, thousands separators, a sign); else the text."""
    if text in BLANK_MARKS:
        return ""
    number = parse_number(text, delta_words=kind == Kind.DELTA)
    if number is None:
        return text.strip()
    if kind != Kind.AMOUNT and number == number.to_integral_value():
        return int(number)
    return number


def without_label(text: str, column_label: str) -> str:
    """ "本年制发 0" -> "0" when the words are the column's own label, shortened."""
    match = LABELLED_VALUE.match(text.strip())
    if match and norm_label(column_label).startswith(norm_label(match.group("label"))):
        return match.group("value")
    return text


def trimmed(cells: Sequence[str]) -> list[str]:
    """Without the empty cells that tabs leave at the end of a line (a Blank at a known place stays, and so
    do the empty cells beyond a full row of a pipe table)."""
    kept = list(cells)
    while kept and kept[-1] == "" and not isinstance(kept[-1], Blank):
        kept.pop()
    return kept


def row_cells(cells: Sequence[str], width: int) -> list[str]:
    """The cells of a row as given to its columns: no separators left at the end, no merged-label filler
    before a full row."""
    kept = trimmed(cells)
    while len(kept) > width and kept[0] == "":
        kept.pop(0)
    return kept


def complete_by_total(table: Table, columns: Sequence[Axis], filled: Sequence[str]) -> list[str] | None:
    """The one way to put a lost cell back so that the row total holds, if there is exactly one."""
    total = next((t for t in table.totals if not t.on_rows), None)
    keys = [c.key for c in columns]
    if total is None or len(filled) != len(keys) - 1 or total.target not in keys:
        return None
    numbers = [to_value(t, Kind.COUNT) for t in filled]
    counts = [n for n in numbers if isinstance(n, int) and n >= 0]
    if len(counts) != len(numbers):
        return None
    target = keys.index(total.target)
    terms = [keys.index(t) for t in total.terms if t in keys]
    completions = set()
    for gap in range(len(keys)):
        row = [*counts[:gap], 0, *counts[gap:]]
        if gap == target:
            row[gap] = sum(row[i] for i in terms)
        else:
            row[gap] = row[target] - sum(row[i] for i in terms if i != gap)
        if row[gap] >= 0:
            completions.add(tuple(row))
    return [str(n) for n in next(iter(completions))] if len(completions) == 1 else None


def _fit_run(reading: Reading, table: Table, row_key: str, label: str, columns: Sequence[Axis], run: str) -> None:
    """Numbers printed together: the one split the row's arithmetic allows, else candidates for the table's."""
    candidates = splits(run, len(columns), row_sums(table, columns))
    if len(candidates) == 1:
        reading.assign(table, row_key, columns, [str(n) for n in candidates[0]])
    elif candidates:
        reading.ambiguous[(table.key, row_key)] = (label, candidates)
    else:
        unclear(reading, table, row_key, label, columns, [run])


def unclear(
    reading: Reading, table: Table, row_key: str, label: str, columns: Sequence[Axis], cells: Sequence[str]
) -> None:
    """A row whose numbers cannot be given to its columns: said, and its cells left out of the rules."""
    k = len(columns)
    shown = "、".join(t if t else "空" for t in cells) or "无"
    reading.about_row(
        "import-row-unclear",
        table,
        label,
        expected=f"{k} 个数",
        actual=clip(shown, 60),
        count=len([c for c in cells if c]),
        found=clip(shown, 60),
        expected_count=k,
    )
    reading.mark_absent(table, row_key, columns)


def fit_row(
    reading: Reading,
    table: Table,
    row_key: str,
    label: str,
    columns: Sequence[Axis],
    found: Sequence[str],
    filler: bool,
) -> None:
    """Give the cells found after a row's label to its columns, or say precisely why that is not possible."""
    k = len(columns)
    if len(found) == 1 and is_run(found[0], k):
        _fit_run(reading, table, row_key, label, columns, found[0])
        return
    cells = trimmed(found)
    while len(cells) > k and cells[0] == "":
        cells.pop(0)
    if len(cells) == k and (cells[0] != "" or not filler):
        reading.assign(table, row_key, columns, cells)
        return
    filled = [c for c in cells if c != ""]
    if len(filled) == k:
        reading.assign(table, row_key, columns, filled)
        return

    completed = complete_by_total(table, columns, filled)
    if completed is not None:
        reading.assign(table, row_key, columns, completed)
        reading.about_row(
            "import-row-repaired",
            table,
            label,
            expected=f"{k} 个数",
            actual="、".join(filled),
            count=len(filled),
            expected_count=k,
        )
        return
    unclear(reading, table, row_key, label, columns, cells)


def is_number(value: object) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)
