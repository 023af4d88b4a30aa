"""What the page draws, as JSON-ready values: a checked file's three tables (as on paper, every value cell
tagged with its cell and marked red or yellow), its findings tied to those cells, and a merge's statuses.
The words are the CLI's: statuses, severities and messages come from the same places."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from toolkit import words
from toolkit.check.run import Checked
from toolkit.findings import Finding, Report, Severity
from toolkit.format.layout import workbook_layout
from toolkit.merge.decide import FileOutcome, FileStatus, MergeResult, RosterLine
from toolkit.write.annotate import cell_targets, marks
from toolkit.write.export import GridCell, table_grid

Json = dict[str, Any]


def _cell(cell: GridCell | None, marked: Mapping[str, tuple[Severity, str]]) -> Json | None:
    if cell is None:
        return None
    drawn: Json = {"text": cell.text, "rows": cell.rows, "cols": cell.cols, "head": cell.head, "label": cell.label}
    if cell.cell_id:
        drawn["cell"] = cell.cell_id
        if cell.cell_id in marked:
            severity, note = marked[cell.cell_id]
            drawn["mark"], drawn["note"] = severity.value, note
    return drawn


def tables(checked: Checked) -> list[Json]:
    """The format's tables as the printed form draws them, with the checked file's values."""
    marked = marks(checked)
    drawn = []
    for table_layout in workbook_layout(checked.submission.format).tables:
        grid = table_grid(checked, table_layout)
        drawn.append({"title": table_layout.table.title, "rows": [[_cell(c, marked) for c in row] for row in grid]})
    return drawn


def _finding(f: Finding, cell: str) -> Json:
    return {
        "severity": f.severity.value,
        "word": f.severity.word,
        "code": f.code,
        "where": f.group,
        "labels": f.labels,
        "location": f.location,
        "message": f.message,
        "cell": cell,
    }


def findings(checked: Checked) -> list[Json]:
    targets = cell_targets(checked)
    return [_finding(f, targets.get((f.sheet, f.cell), "")) for f in checked.report.findings]


def verdict(report: Report) -> Json:
    return {
        "text": report.verdict(),
        "valid": report.valid and not report.failure,
        "errors": report.errors,
        "warnings": report.warnings,
        "unit": report.unit or words.NO_UNIT,
        "year": report.year,
        "failure": report.failure,
    }


def checked_file(checked: Checked, name: str) -> Json:
    """One file checked: the verdict, the tables with their marks, and the findings."""
    return {"name": name, "verdict": verdict(checked.report), "tables": tables(checked), "findings": findings(checked)}


def unreadable_file(name: str, reason: str) -> Json:
    return {"name": name, "verdict": verdict(Report(file=name, failure=reason)), "tables": [], "findings": []}


def _file(index: int, item: FileOutcome) -> Json:
    report = item.report
    return {
        "index": index,
        "name": item.name,
        "status": item.status.value,
        "word": item.status.word,
        "note": item.note,
        "unit": report.unit or item.unit,
        "errors": report.errors,
        "warnings": report.warnings,
        "readable": not report.failure and item.status != FileStatus.SKIPPED,
    }


def _line(line: RosterLine, index_of: dict[str, int]) -> Json:
    chosen = next((f for f in line.files if f.name == line.file), None)
    return {
        "unit": line.entry.name,
        "status": line.status.value,
        "word": line.status.word,
        "file": line.file,
        "index": index_of.get(chosen.path, -1) if chosen else -1,
        "note": line.note,
    }


def county_findings(found: Iterable[Finding]) -> list[Json]:
    return [_finding(f, "") for f in found]


def merged(result: MergeResult) -> Json:
    """A merge: the counts, every file with its status, every roster unit, and the county's own findings."""
    index_of = {item.path: n for n, item in enumerate(result.files)}
    return {
        "year": result.year,
        "counts": result.counts(),
        "unit_counts": result.unit_counts() if result.roster is not None else {},
        "files": [_file(n, item) for n, item in enumerate(result.files)],
        "roster": [_line(line, index_of) for line in result.roster or []],
        "county_findings": county_findings(result.county_findings),
        "complete": result.complete,
    }
