"""Every rule on one Submission, in order: the cells, the sums, the balances, then the warnings."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from toolkit.check.arithmetic import check_balance, check_sums
from toolkit.check.cells import Numbers, read_numbers
from toolkit.check.copied import PartCopied, check_copied, compare_parts
from toolkit.check.cross_year import Year, check_previous_mismatch, compare_numbers
from toolkit.check.narrative import check_text_numbers, check_year_slips
from toolkit.check.plausibility import (
    check_cases_without_requests,
    check_file_kind,
    check_header,
    check_issued_not_above_valid,
    check_regulations,
    check_unit_name,
)
from toolkit.check.sections import check_sections
from toolkit.findings import Finding, Report, ordered
from toolkit.read.values import Submission

Rule = Callable[[Submission, Numbers], Iterable[Finding]]
RULES: tuple[Rule, ...] = (
    check_sums,
    check_balance,
    check_issued_not_above_valid,
    check_regulations,
    check_cases_without_requests,
    check_text_numbers,
    check_sections,
    check_year_slips,
)


@dataclass
class Checked:
    """A file read and checked: what it says, the numbers recomputed, and the report."""

    submission: Submission
    numbers: Numbers
    report: Report

    @property
    def year(self) -> Year:
        return Year(self.submission, self.numbers)


def _against_last_year(now: Year, last: Year) -> tuple[list[Finding], list[PartCopied]]:
    """The numbers against last year's (R6, R7, R10) and the text against last year's (with how much of each
    part repeats it); another unit's or another year's file is one warning instead."""
    mismatch = list(check_previous_mismatch(now, last))
    if mismatch:
        return mismatch, []
    compared = compare_parts(now.submission, last.submission)
    copied = check_copied(compared, now.submission.format.copied, last.submission.year)
    return [*compare_numbers(now, last), *copied], compared


def check(sub: Submission, previous: Checked | None = None, roster: Sequence[str] = ()) -> Checked:
    """Every rule on ``sub`` (and the cross-year ones against ``previous``); the findings in reading order.

    ``roster``: the names of a county's units, to tell which unit a file's name names.
    """
    numbers, found = read_numbers(sub)
    for rule in RULES:
        found += rule(sub, numbers)
    found += check_header(sub)
    found += check_unit_name(sub, roster)
    found += check_file_kind(sub)
    found += sub.notes
    compared: list[PartCopied] = []
    if previous is not None:
        against, compared = _against_last_year(Year(sub, numbers), previous.year)
        found += against
    report = Report(
        file=str(sub.path),
        unit=sub.unit,
        year=sub.year,
        format=sub.format.id,
        file_type=sub.file_type.value,
        standard=sub.standard,
        findings=ordered(found),
        copied_shares={part.part: part.share for part in compared},
    )
    return Checked(sub, numbers, report)
