"""R6, R7, R10: this year's numbers against the same unit's previous year (``--previous``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from toolkit.check.cells import Numbers, place
from toolkit.findings import Finding, Stage, finding
from toolkit.format.totals import Number
from toolkit.read.names import same_unit
from toolkit.read.values import Submission
from toolkit.text import show


@dataclass
class Year:
    """One year of one unit: what it said and the numbers recomputed from it."""

    submission: Submission
    numbers: Numbers

    def has(self, cell_id: str) -> bool:
        return cell_id in self.numbers.totals and cell_id not in self.submission.absent

    def value(self, cell_id: str) -> Number:
        return self.numbers.totals[cell_id]


def check_previous_mismatch(now: Year, last: Year) -> Iterator[Finding]:
    """The file given as last year's is another unit's, or not the year before."""
    sub, prev = now.submission, last.submission
    this_year, last_year = sub.year, prev.year
    # "洪泽区人民政府" and "淮安市洪泽区人民政府" are one unit, named with and without its city
    other_unit = bool(prev.unit and sub.unit and not same_unit(prev.unit, sub.unit, sub.format.names))
    other_year = bool(this_year and last_year and last_year != this_year - 1)
    if other_unit or other_year:
        yield finding(
            "previous-mismatch",
            expected=f"{sub.unit} {this_year - 1 if this_year else ''} 年度",
            actual=f"{prev.unit} {last_year}",
            stage=Stage.WARNING,
            previous_unit=prev.unit or "?",
            previous_year=last_year or "?",
            unit=sub.unit or "?",
            year=this_year or "?",
        )


def check_carry_over(now: Year, last: Year) -> Iterator[Finding]:
    """R6, per column: what this year carried over from last year = what last year carried into this one."""
    spec = now.submission.format.cross_year.carry_over
    if spec is None:
        return
    table = now.submission.format.table(spec.table)
    for col in (c for c in table.columns if not c.total):  # a total column only repeats its parts
        this_id, last_id = table.cell_id(spec.this, col.key), table.cell_id(spec.last, col.key)
        if not (now.has(this_id) and last.has(last_id)):
            continue
        carried, forwarded = now.value(this_id), last.value(last_id)
        if carried != forwarded:
            yield finding(
                "carry-over-mismatch-r6",
                place(now.submission, this_id),
                expected=show(forwarded),
                actual=show(carried),
                stage=Stage.WARNING,
                now=show(carried),
                before=show(forwarded),
                last_label=table.row(spec.last).label,
            )


def check_stock(now: Year, last: Year) -> Iterator[Finding]:
    """R7: 现行有效 = last year's 现行有效 + 本年制发 − 本年废止."""
    for stock in now.submission.format.cross_year.stock:
        if not (now.has(stock.valid) and now.has(stock.issued) and now.has(stock.repealed) and last.has(stock.valid)):
            continue
        valid = now.value(stock.valid)
        should_be = last.value(stock.valid) + now.value(stock.issued) - now.value(stock.repealed)
        if valid != should_be:
            yield finding(
                "stock-mismatch-r7",
                place(now.submission, stock.valid),
                expected=show(should_be),
                actual=show(valid),
                stage=Stage.WARNING,
                now=show(valid),
                should_be=show(should_be),
            )


def check_jumps(now: Year, last: Year) -> Iterator[Finding]:
    """R10: a headline figure that grew above ×factor or fell below 1/factor (small numbers ignored)."""
    spec = now.submission.format.cross_year
    for cell_id in spec.headline:
        if not (now.has(cell_id) and last.has(cell_id)):
            continue
        current, before = now.value(cell_id), last.value(cell_id)
        if max(current, before) < spec.jump_floor or not before or not current:
            continue
        ratio = Decimal(current) / Decimal(before)
        if ratio > spec.jump_factor or ratio < Decimal(1) / spec.jump_factor:
            yield finding(
                "year-on-year-jump-r10",
                place(now.submission, cell_id),
                expected=f"约 {show(before)}",
                actual=show(current),
                stage=Stage.WARNING,
                before=show(before),
                now=show(current),
                factor=spec.jump_factor,
            )


NUMBER_RULES = (check_carry_over, check_stock, check_jumps)


def compare_numbers(now: Year, last: Year) -> list[Finding]:
    """R6, R7, R10 (without asking whether ``last`` is the same unit's year before)."""
    return [f for rule in NUMBER_RULES for f in rule(now, last)]


def check_against_last_year(now: Year, last: Year) -> list[Finding]:
    """The cross-year rules, against the same unit's year before only: any other file is one warning."""
    mismatch = list(check_previous_mismatch(now, last))
    return mismatch or compare_numbers(now, last)
