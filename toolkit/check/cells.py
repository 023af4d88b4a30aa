"""R5 and formula integrity, cell by cell: what a person typed, and the usable number of every cell.

Every later rule works on the numbers read here (0 where none could be read) and on the totals recomputed
from the input cells; the totals a workbook states are kept only to be compared, never trusted.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from toolkit.findings import Finding, Place, finding, finding_of
from toolkit.format.layout import parse_address
from toolkit.format.model import Cell, Kind
from toolkit.format.totals import Number, complete
from toolkit.read.values import CellValue, Submission
from toolkit.text import clip, parse_number, show

ERROR_VALUES = {"#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#N/A", "#NUM!", "#NULL!", "#ERROR", "#SPILL!", "#CALC!"}
AMOUNT_DECIMALS = 4


@dataclass
class Numbers:
    """The usable number of every cell (0 where none could be read) and the totals as the workbook states them."""

    inputs: dict[str, Number]
    stated: dict[str, Number | None]
    totals: dict[str, Number]


def place(sub: Submission, cell_id: str) -> Place:
    """Where a finding about one cell of the format points: the sheet and cell the workbook has it at."""
    cell = sub.format.cells[cell_id]
    cv = sub.cells[cell_id]
    table = sub.format.table(cell.table)
    row, col = parse_address(cv.address) if cv.address else (-1, -1)
    return Place(cv.sheet, cv.address, cell.row_label, cell.column_label, table.title, table.index, row, col)


def _check_value(value: Decimal, kind: Kind) -> str | None:
    if value < 0 and kind != Kind.DELTA:  # a yearly change (2019 format) is signed by nature
        return "negative-number"
    if kind != Kind.AMOUNT and value != value.to_integral_value():
        return "not-whole-number"
    exponent = value.normalize().as_tuple().exponent
    if kind == Kind.AMOUNT and isinstance(exponent, int) and exponent < -AMOUNT_DECIMALS:
        return "too-many-decimals"
    return None


def classify(raw: object, kind: Kind) -> tuple[Decimal | int | None, str | None]:
    """(the number meant, the finding code) for what a cell holds; (None, code) when no number can be used."""
    if type(raw) is float and raw >= 0 and raw.is_integer() and raw < 2**53:
        return int(raw), None  # the common case, a whole number: no Decimal needed
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, "blank-cell"
    if isinstance(raw, bool):
        return None, "not-a-number"
    if isinstance(raw, dt.date | dt.time | dt.timedelta):
        return None, "date-in-number-cell"
    if isinstance(raw, int | float | Decimal):
        if isinstance(raw, float) and not math.isfinite(raw):
            return None, "not-a-number"
        value = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
        return value, _check_value(value, kind)
    text = str(raw).strip()
    if text.upper() in ERROR_VALUES:
        return None, "error-value"
    parsed = parse_number(text, units=True, delta_words=kind == Kind.DELTA)
    if parsed is not None:
        return parsed, "number-as-text"
    return None, "not-a-number"


def _as_number(value: Decimal | int) -> Number:
    if isinstance(value, int):
        return value
    return int(value) if value == value.to_integral_value() else value


def _shown(raw: object) -> str:
    return "空" if raw is None or (isinstance(raw, str) and not raw.strip()) else clip(show(raw), 60)


def _formula_findings(sub: Submission, cell: Cell, cv: CellValue, raw: object) -> Iterator[Finding]:
    """A total typed over its formula, or a formula typed into an input (standard .xlsx only)."""
    if cell.computed and cv.formula is None:
        yield finding("formula-overwritten", place(sub, cell.id), actual=_shown(raw), raw=clip(show(raw), 20))
    elif not cell.computed and cv.formula is not None:
        actual = f"={clip(cv.formula, 50)}"
        yield finding("formula-in-input", place(sub, cell.id), actual=actual, formula=clip(cv.formula, 30))


def read_numbers(sub: Submission) -> tuple[Numbers, list[Finding]]:
    """R5 and formula integrity, cell by cell; the numbers every later rule uses."""
    found: list[Finding] = []
    inputs: dict[str, Number] = {}
    stated: dict[str, Number | None] = {}
    formulas_kept = sub.standard and sub.formulas_checked  # only then is a missing formula a finding
    for cell in sub.format.cells.values():
        if cell.id in sub.absent:
            inputs[cell.id], stated[cell.id] = 0, None
            continue
        cv = sub.cells[cell.id]
        raw = cv.error or cv.value
        if formulas_kept and (cell.computed == (cv.formula is None)):
            found += _formula_findings(sub, cell, cv, raw)
        if cell.computed and cv.formula is not None and raw in ("", None) and not cv.error:
            stated[cell.id] = None  # a formula whose result was never cached: nothing stated
            continue
        value, code = classify(raw, cell.kind)
        if code:
            shown = show(value) if value is not None else ""
            found.append(finding(code, place(sub, cell.id), actual=_shown(raw), raw=clip(show(raw), 30), value=shown))
        number = _as_number(value) if value is not None else None
        if cell.computed:
            stated[cell.id] = number
        else:
            inputs[cell.id] = number if number is not None else 0
    return Numbers(inputs, stated, complete(sub.format, inputs)), _unfilled(sub, found)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _unfilled(sub: Submission, found: list[Finding]) -> list[Finding]:
    """A template returned with every input blank is one finding, not one per cell."""
    inputs = [sub.cells[c.id] for c in sub.format.input_cells if c.id not in sub.absent]
    if not inputs or not all(_blank(cv.value) and not cv.error for cv in inputs):
        return found
    cells = tuple(f"{cv.sheet}!{cv.address}" for cv in inputs)
    unfilled = finding_of("template-unfilled", Place(), {"count": len(cells)}, actual="全部为空", cells=cells)
    return [f for f in found if f.code != "blank-cell"] + [unfilled]
