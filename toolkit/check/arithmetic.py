"""R1–R4: every stated total against the total recomputed from the input cells, and the balance of 表三."""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.check.cells import Numbers, place
from toolkit.findings import Finding, Stage, finding
from toolkit.format.model import Balance, Table
from toolkit.format.totals import Number, depends_on, sums
from toolkit.read.values import Submission
from toolkit.text import short_label, show


def check_sums(sub: Submission, numbers: Numbers) -> Iterator[Finding]:
    """R2, R3, R4: a stated total that differs from the sum of its terms (recomputed from the inputs)."""
    absent = sub.absent
    for s in sums(sub.format):
        stated = numbers.stated.get(s.target)
        recomputed = numbers.totals[s.target]
        if stated is None or stated == recomputed:
            continue
        if absent and (s.target in absent or not absent.isdisjoint(s.terms)):
            continue
        yield finding(
            s.code,
            place(sub, s.target),
            expected=show(recomputed),
            actual=show(stated),
            stage=Stage.SUM,
            variant="report" if sub.is_document else None,  # a published report has no cell addresses
            stated=show(stated),
            terms_name=s.terms_name,
            first=sub.cells[s.terms[0]].address,
            last=sub.cells[s.terms[-1]].address,
            recomputed=show(recomputed),
            difference=show(stated - recomputed),
        )


def _side(table: Table, keys: tuple[str, ...]) -> str:
    return "+".join(short_label(table.row(k).label) for k in keys)


def _balance_term(sub: Submission, numbers: Numbers, cell_id: str) -> Number | None:
    """A term of the balance: recomputed from the inputs, or, when some of those are missing from a report
    (rows it does not print), the total it states; None when neither is there."""
    if cell_id in sub.absent:
        return None
    if depends_on(sub.format, cell_id, sub.absent):
        return numbers.stated.get(cell_id)
    return numbers.totals[cell_id]


def _column_balance(sub: Submission, numbers: Numbers, table: Table, balance: Balance, column: str) -> Finding | None:
    lefts = [_balance_term(sub, numbers, table.cell_id(k, column)) for k in balance.left]
    rights = [_balance_term(sub, numbers, table.cell_id(k, column)) for k in balance.right]
    known_lefts = [n for n in lefts if n is not None]
    known_rights = [n for n in rights if n is not None]
    if len(known_lefts) < len(lefts) or len(known_rights) < len(rights):
        return None
    left, right = sum(known_lefts), sum(known_rights)
    if left == right:
        return None
    left_name, right_name = _side(table, balance.left), _side(table, balance.right)
    return finding(
        balance.code,
        place(sub, table.cell_id(balance.right[-1], column)),
        expected=f"{left_name} = {right_name}",
        actual=f"{show(left)} ≠ {show(right)}",
        stage=Stage.BALANCE,
        left_name=left_name,
        right_name=right_name,
        left=show(left),
        right=show(right),
        difference=show(abs(left - right)),
    )


def check_balance(sub: Submission, numbers: Numbers) -> Iterator[Finding]:
    """R1, per column of 表三: 一 + 二 = （七）+ 四, on recomputed totals."""
    for table in sub.format.tables:
        if table.balance is None:
            continue
        for column in table.columns:
            found = _column_balance(sub, numbers, table, table.balance, column.key)
            if found is not None:
                yield found
