"""`xltool check` as a library: a file in, a Report out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import UnreadableWorkbook
from toolkit.findings import Report
from toolkit.reader import Submission, read_workbook
from toolkit.rules import Numbers, check_previous, check_submission, order_findings, report_year


@dataclass
class Checked:
    """A workbook read and checked: what it says, the numbers recomputed, and the report."""

    submission: Submission
    numbers: Numbers
    report: Report


def check_workbook(path: Path | str, previous: Checked | None = None) -> Checked:
    """Read and check one workbook; raise UnreadableWorkbook when it cannot be read."""
    sub = read_workbook(path)
    found, numbers = check_submission(sub)
    if previous is not None:
        found = order_findings(sub, found + check_previous(sub, numbers, previous.submission, previous.numbers))
    report = Report(
        file=str(path),
        unit=sub.unit,
        year=report_year(sub),
        format=sub.format.id,
        file_type=sub.file_type,
        standard=sub.standard,
        findings=found,
    )
    return Checked(sub, numbers, report)


def check_file(path: Path | str, previous_path: Path | str | None = None) -> Report:
    previous = check_workbook(previous_path) if previous_path else None
    return check_workbook(path, previous).report


def check_files(
    paths: Iterable[Path | str],
    previous_path: Path | str | None = None,
    annotate_dir: Path | None = None,
    force: bool = False,
) -> list[Report]:
    """Check several files; one that cannot be read becomes a Report with ``failure`` set.

    With ``annotate_dir``, each readable file also gets an annotated copy there (see toolkit.annotate).
    """
    previous = check_workbook(previous_path) if previous_path else None
    reports = []
    for path in paths:
        try:
            checked = check_workbook(path, previous)
        except UnreadableWorkbook as error:
            reports.append(Report(file=str(path), failure=error.reason))
            continue
        if annotate_dir is not None:
            from toolkit.annotate import annotate

            checked.report.annotated = str(annotate(checked, annotate_dir, force))
        reports.append(checked.report)
    return reports
