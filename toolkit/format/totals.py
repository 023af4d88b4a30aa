"""Arithmetic of a format: which cells are sums of which, and the totals computed from the inputs.

The template writer turns these sums into formulas with their cached values; the checker recomputes every
total from the input cells with the same sums, never trusting a number stored in the workbook.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from toolkit.format.model import Format, Kind, Table

Number = int | Decimal


@dataclass(frozen=True)
class Sum:
    code: str  # the finding when the stated total differs (from the format's totals)
    target: str
    terms: tuple[str, ...]
    terms_name: str


def _table_sums(table: Table) -> Iterator[Sum]:
    rows = table.rows
    columns = table.columns
    for total in table.totals:
        if total.on_rows:
            for col in columns:
                yield Sum(
                    total.code,
                    table.cell_id(total.target, col.key),
                    tuple(table.cell_id(term, col.key) for term in total.terms),
                    total.terms_name,
                )
        else:
            for row in rows:
                yield Sum(
                    total.code,
                    table.cell_id(row.key, total.target),
                    tuple(table.cell_id(row.key, term) for term in total.terms),
                    total.terms_name,
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


def zero(kind: Kind) -> Number:
    return Decimal(0) if kind == Kind.AMOUNT else 0


@cache
def _evaluation_order(fmt: Format) -> tuple[tuple[str, tuple[str, ...], Number], ...]:
    """(target, terms, zero) for every computed cell, each after the cells it sums."""
    known = {c.id for c in fmt.input_cells}
    pending = list(formula_sums(fmt).values())
    order: list[tuple[str, tuple[str, ...], Number]] = []
    while pending:
        ready = [s for s in pending if all(t in known for t in s.terms)]
        if not ready:
            raise ValueError(f"{fmt.id}: totals refer to each other in a circle")
        for s in ready:
            order.append((s.target, s.terms, zero(fmt.cells[s.target].kind)))
            known.add(s.target)
        pending = [s for s in pending if s not in ready]
    return tuple(order)


@cache
def _input_kinds(fmt: Format) -> tuple[tuple[str, Number], ...]:
    return tuple((c.id, zero(c.kind)) for c in fmt.input_cells)


def complete(fmt: Format, inputs: Mapping[str, Number | None]) -> dict[str, Number]:
    """Input values (missing or None counted as 0) plus every computed cell recomputed from them."""
    values: dict[str, Number] = {}
    for cell_id, nothing in _input_kinds(fmt):
        value = inputs.get(cell_id)
        values[cell_id] = nothing if value is None else value
    for target, terms, nothing in _evaluation_order(fmt):
        values[target] = sum((values[t] for t in terms), nothing)
    return values


@cache
def _sources(fmt: Format) -> dict[str, frozenset[str]]:
    """Every cell with all the cells it is summed from, directly or through other totals."""
    found: dict[str, frozenset[str]] = {c.id: frozenset((c.id,)) for c in fmt.input_cells}
    for target, terms, _ in _evaluation_order(fmt):
        found[target] = frozenset((target,)).union(*(found[t] for t in terms))
    return found


def depends_on(fmt: Format, cell_id: str, cells: set[str] | frozenset[str]) -> bool:
    """Whether a cell is, or is summed from, one of ``cells``."""
    return bool(cells) and not cells.isdisjoint(_sources(fmt)[cell_id])
