"""One workbook's other findings: who and when (header), what kind of file it is, and the single-year
warnings R7b, R8 and R11."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

from toolkit.check.cells import Numbers, place
from toolkit.findings import Finding, Place, Stage, finding
from toolkit.format.layout import parse_address
from toolkit.format.load import load_format
from toolkit.format.model import HeaderKey
from toolkit.format.totals import depends_on
from toolkit.read.names import file_unit, named_in, same_unit
from toolkit.read.values import Submission
from toolkit.text import clip, show


def _header_place(sub: Submission, key: HeaderKey) -> Place:
    sheet, cell = sub.header_cells.get(key, (sub.format.header.sheet, ""))
    row, col = parse_address(cell) if cell else (-1, -1)
    return Place(sheet, cell, sub.format.header.label(key), row=row, col=col)


def check_header(sub: Submission) -> Iterator[Finding]:
    """The unit is named, the year is a year, and the format fits the year."""
    fmt = sub.format
    if not sub.unit:
        variant = "report" if sub.is_document else None
        yield finding(
            "missing-unit-name",
            _header_place(sub, HeaderKey.UNIT),
            actual="空",
            variant=variant,
            title=fmt.report_title,
        )
    year = sub.year
    where = _header_place(sub, HeaderKey.YEAR)
    if year is None:
        raw = sub.header.get(HeaderKey.YEAR)
        actual = "空" if raw in (None, "") else clip(raw, 30)
        yield finding("missing-year", where, actual=actual, example=dt.date.today().year - 1)
    elif fmt.last_year is not None and year > fmt.last_year:
        newest = load_format()
        yield finding(
            "format-outdated",
            where,
            expected=newest.document,
            actual=fmt.document,
            year=year,
            document=fmt.document,
            newest=newest.document,
        )
    elif year < fmt.first_year:
        yield finding(
            "format-outdated",
            where,
            expected=f"≥ {fmt.first_year}",
            actual=year,
            variant="too_early",
            year=year,
            document=fmt.document,
            first_year=fmt.first_year,
        )


def check_unit_name(sub: Submission, roster: Sequence[str] = ()) -> Iterator[Finding]:
    """The file's name names another unit than the one inside it (a neighbour's file copied and renamed).

    With a roster, a roster unit whose name the file name holds; without, the unit-like words of the file
    name. A file name that names no unit ("u001.xlsx", "年报.xlsx") says nothing.
    """
    if not sub.unit:
        return
    words = sub.format.names
    named = (named_in(sub.path.stem, roster, words) if roster else None) or file_unit(sub.path.stem, words)
    if named and not same_unit(named, sub.unit, words):
        variant = "report" if sub.is_document else None
        where = _header_place(sub, HeaderKey.UNIT)
        yield finding(
            "unit-name-mismatch", where, expected=named, actual=sub.unit, variant=variant, named=named, unit=sub.unit
        )


def check_file_kind(sub: Submission) -> Iterator[Finding]:
    """An annotated copy, a hand-made copy, a moved table, a file whose formulas cannot be seen."""
    if sub.is_document:
        return  # a published report: no template to compare with, no formulas to verify
    if sub.stamp is None:
        yield finding("not-standard-template", actual="自制表格")
    for key in sub.moved_tables:
        table = sub.format.table(key)
        where = Place(sheet=table.title[:31], table=table.title, table_index=table.index)
        yield finding("layout-changed", where, actual="已移动", table=table.title)
    if not sub.formulas_checked:
        yield finding("formula-unverified", actual=f".{sub.file_type}", file_type=sub.file_type)


def _known(sub: Submission, *cells: str) -> bool:
    """Whether the report has these cells and everything they are summed from."""
    return not any(depends_on(sub.format, c, sub.absent) for c in cells)


def check_issued_not_above_valid(sub: Submission, numbers: Numbers) -> Iterator[Finding]:
    """R7b: what was issued this year is no more than what is in force."""
    for pair in sub.format.plausibility.issued_not_above_valid:
        if not _known(sub, pair.issued, pair.valid):
            continue
        issued, valid = numbers.totals[pair.issued], numbers.totals[pair.valid]
        if issued > valid:
            yield finding(
                "issued-exceeds-valid-r7b",
                place(sub, pair.issued),
                expected=f"≤ {show(valid)}",
                actual=show(issued),
                stage=Stage.WARNING,
                issued=show(issued),
                valid=show(valid),
            )


def check_regulations(sub: Submission, numbers: Numbers) -> Iterator[Finding]:
    """R8: a unit that cannot make 规章 reports none."""
    unit_type = sub.format.unit_type(sub.unit_type)
    if unit_type is None or unit_type.regulations:
        return
    for cell_id in sub.format.plausibility.regulation_cells:
        value = numbers.totals[cell_id]
        if _known(sub, cell_id) and value:
            yield finding(
                "regulation-not-allowed-r8",
                place(sub, cell_id),
                expected=0,
                actual=show(value),
                stage=Stage.WARNING,
                unit_type=unit_type.label,
                value=show(value),
            )


def check_cases_without_requests(sub: Submission, numbers: Numbers) -> Iterator[Finding]:
    """R11: 表四 has cases while 表三 has no request at all (the reverse is most units' normal year)."""
    spec = sub.format.plausibility
    if not spec.cases or not _known(sub, *spec.cases, *spec.requests):
        return
    cases = sum(numbers.totals[c] for c in spec.cases)
    requests = sum(numbers.totals[c] for c in spec.requests)
    if cases and not requests:
        first_case = next(c for c in spec.cases if numbers.totals[c])
        yield finding(
            "cases-without-requests-r11",
            place(sub, first_case),
            actual="表三全为 0",
            stage=Stage.WARNING,
            cases=show(cases),
        )
