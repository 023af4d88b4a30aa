"""Numbers run together: a crawled page prints 80, 1, 0, 0, 0, 0, 81 as ``801000081``.

A run is split into the row's cells by the row's own arithmetic (总计 = 各列之和); where that leaves more than
one split, by the arithmetic of the whole table (each column's 总计 is the sum of its rows; 一+二 =
（七）+四). What is still ambiguous is reported with its candidates, never guessed.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from toolkit.format.model import Axis, Table
from toolkit.read.cells import Run

MAX_CANDIDATES = 40  # splits of one run kept; beyond this the run is hopeless without more arithmetic
MAX_COMBINATIONS = 200_000  # choices across a table's ambiguous rows tried against its column arithmetic
_DIGITS = re.compile(r"^\d+$")


def is_run(text: str, width: int) -> bool:
    return isinstance(text, Run) and width > 1 and bool(_DIGITS.match(text)) and len(text) >= width


@dataclass(frozen=True)
class RowSum:
    """Within one row: the cell at ``target`` is the sum of the cells at ``terms`` (positions in the row)."""

    target: int
    terms: tuple[int, ...]


def row_sums(table: Table, columns: Sequence[Axis]) -> list[RowSum]:
    keys = [c.key for c in columns]
    return [
        RowSum(keys.index(t.target), tuple(keys.index(term) for term in t.terms))
        for t in table.totals
        if not t.on_rows and t.target in keys and all(term in keys for term in t.terms)
    ]


def _holds(parts: Sequence[int], sums: Sequence[RowSum]) -> bool:
    return all(
        s.target >= len(parts) or max(s.terms) >= len(parts) or parts[s.target] == sum(parts[i] for i in s.terms)
        for s in sums
    )


def splits(digits: str, width: int, sums: Sequence[RowSum], limit: int = MAX_CANDIDATES) -> list[tuple[int, ...]]:
    """Every way to cut ``digits`` into ``width`` numbers (no leading zeros) that keeps the row's sums; at
    most ``limit`` of them."""
    found: list[tuple[int, ...]] = []

    def cut(start: int, parts: list[int]) -> None:
        if len(found) >= limit:
            return
        if len(parts) == width:
            if start == len(digits):
                found.append(tuple(parts))
            return
        remaining = width - len(parts)
        for end in range(start + 1, len(digits) - remaining + 2):
            piece = digits[start:end]
            if len(piece) > 1 and piece[0] == "0":
                break  # a number is not written with a leading zero (and longer pieces only get worse)
            parts.append(int(piece))
            if _holds(parts, sums):
                cut(end, parts)
            parts.pop()

    cut(0, [])
    return found


@dataclass(frozen=True)
class ColumnRule:
    """Across rows, per column: the left rows' sum equals the right rows' sum (R1, R2)."""

    left: tuple[str, ...]
    right: tuple[str, ...]


def column_rules(table: Table) -> list[ColumnRule]:
    rules = [ColumnRule((t.target,), t.terms) for t in table.totals if t.on_rows]
    if table.balance is not None:
        rules.append(ColumnRule(table.balance.left, table.balance.right))
    return rules


def _violates(table: Table, values: Mapping[str, Sequence[int]], rules: Sequence[ColumnRule]) -> bool:
    """Whether the rows known so far break a column rule (rules with a row still unknown are not judged)."""
    for rule in rules:
        rows = (*rule.left, *rule.right)
        if not all(r in values for r in rows):
            continue
        for col in range(len(table.columns)):
            left = sum(values[r][col] for r in rule.left if col < len(values[r]))
            right = sum(values[r][col] for r in rule.right if col < len(values[r]))
            if left != right:
                return True
    return False


def resolve(
    table: Table, fixed: Mapping[str, Sequence[int]], ambiguous: Mapping[str, Sequence[tuple[int, ...]]]
) -> dict[str, tuple[int, ...]] | None:
    """The one choice of a split per ambiguous row that makes the table's columns add up, if exactly one."""
    rules = column_rules(table)
    keys = list(ambiguous)
    combinations = 1
    for key in keys:
        combinations *= len(ambiguous[key])
    if not keys or combinations > MAX_COMBINATIONS:
        return None
    fitting = [
        choice
        for choice in itertools.product(*(ambiguous[k] for k in keys))
        if not _violates(table, {**fixed, **dict(zip(keys, choice, strict=True))}, rules)
    ]
    return dict(zip(keys, fitting[0], strict=True)) if len(fitting) == 1 else None


def shown(candidates: Sequence[tuple[int, ...]], most: int = 3) -> Iterator[str]:
    for candidate in candidates[:most]:
        yield "、".join(map(str, candidate))
