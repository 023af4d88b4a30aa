"""Arithmetic of a format: which cells are sums of which, and the totals computed from the inputs.

The template writer turns these sums into formulas with their cached values; the checker recomputes every
total from the input cells with the same sums, never trusting a number stored in the workbook.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from toolkit.formats import Format

Number = int | Decimal


@dataclass(frozen=True)
class Sum:
    rule: str
    target: str
    terms: tuple[str, ...]


def _table_sums(table) -> Iterator[Sum]:
    rows = table.rows
    columns = table.columns
    for total in table.totals:
        if total.on_rows:
            for col in columns:
                yield Sum(
                    total.rule,
                    table.cell_id(total.target, col.key),
                    tuple(table.cell_id(term, col.key) for term in total.terms),
                )
        else:
            for row in rows:
                yield Sum(
                    total.rule,
                    table.cell_id(row.key, total.target),
                    tuple(table.cell_id(row.key, term) for term in total.terms),
                )


@cache
def sums(fmt: Format) -> tuple[Sum, ...]:
    """Every sum of the format; a cell that is both a row and a column total appears twice."""
    return tuple(s for table in fmt.tables for s in _table_sums(table))


@cache
def formula_sums(fmt: Format) -> dict[str, Sum]:
    """One sum per computed cell: the one the template writes as its formula."""
    chosen: dict[str, Sum] = {}
    for s in sums(fmt):
        chosen.setdefault(s.target, s)
    return chosen


def zero(kind: str) -> Number:
    return Decimal(0) if kind == "amount" else 0


def complete(fmt: Format, inputs: Mapping[str, Number | None]) -> dict[str, Number]:
    """Input values (missing or None counted as 0) plus every computed cell recomputed from them."""
    values: dict[str, Number] = {}
    for cell in fmt.input_cells:
        value = inputs.get(cell.id)
        values[cell.id] = zero(cell.kind) if value is None else value
    pending = list(formula_sums(fmt).values())
    while pending:
        ready = [s for s in pending if all(t in values for t in s.terms)]
        for s in ready:
            values[s.target] = sum((values[t] for t in s.terms), zero(fmt.cells[s.target].kind))
        pending = [s for s in pending if s not in ready]
    return values
