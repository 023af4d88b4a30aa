"""What merge decides about every examined file and every roster unit, and the exact county totals.

A file is adopted when it is a unit's valid workbook of the year being summed; the newest of a unit's files
counts and the others are duplicates (two versions are never added up); totals are summed as int and
Decimal, never as float.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from toolkit import words
from toolkit.check.cells import read_numbers
from toolkit.check.cross_year import Year, compare_numbers
from toolkit.check.run import Checked
from toolkit.errors import UsageError
from toolkit.findings import Finding, Report, Severity, finding
from toolkit.format.load import load_format
from toolkit.format.model import Format, HeaderKey
from toolkit.format.stamp import StampKind
from toolkit.format.totals import Number, complete
from toolkit.merge.inbox import Passed
from toolkit.merge.pool import Examined
from toolkit.read.roster import RosterEntry, unit_key
from toolkit.read.values import virtual_submission
from toolkit.text import show

NAMES_SHOWN = 10


class FileStatus(StrEnum):
    ACCEPTED = "accepted"
    ACCEPTED_INVALID = "accepted_invalid"
    REJECTED = "rejected"
    UNREADABLE = "unreadable"
    SUPERSEDED = "superseded"
    SKIPPED = "skipped"
    OTHER_YEAR = "other_year"
    NOT_ON_ROSTER = "not_on_roster"

    @property
    def word(self) -> str:
        return words.FILE_STATUS[self.value]


ADOPTED = (FileStatus.ACCEPTED, FileStatus.ACCEPTED_INVALID)


class UnitStatus(StrEnum):
    OK = "ok"
    ERRORS = "errors"
    DUPLICATE = "duplicate"
    MISSING = "missing"

    @property
    def word(self) -> str:
        return words.UNIT_STATUS[self.value]


@dataclass
class FileOutcome:
    """One file of the inbox and what merge decided about it."""

    examined: Examined
    status: FileStatus
    note: str = ""

    @property
    def path(self) -> str:
        return self.examined.path

    @property
    def name(self) -> str:
        return Path(self.examined.path).name

    @property
    def report(self) -> Report:
        return self.examined.report

    @property
    def kind(self) -> str:
        return self.examined.kind

    @property
    def unit_type(self) -> str:
        return self.examined.unit_type

    @property
    def inputs(self) -> tuple[Number, ...]:
        return self.examined.inputs

    @property
    def key(self) -> str:
        return self.examined.key


@dataclass
class RosterLine:
    entry: RosterEntry
    status: UnitStatus
    file: str = ""
    note: str = ""


@dataclass
class MergeResult:
    folder: str
    format_id: str
    year: int | None
    files: list[FileOutcome]
    totals: dict[str, Number]
    roster: list[RosterLine] | None = None
    include_invalid: bool = False
    county_findings: list[Finding] = field(default_factory=list)
    output: str = ""
    long_output: str = ""

    @property
    def format(self) -> Format:
        return load_format(self.format_id)

    @property
    def accepted(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status in ADOPTED]

    def counts(self) -> dict[str, int]:
        return {status.word: n for status, n in Counter(f.status for f in self.files).items()}

    @property
    def complete(self) -> bool:
        """Every roster unit accepted and nothing rejected: the summary can be published as it is."""
        if self.roster is not None:
            return all(line.status == UnitStatus.OK for line in self.roster)
        return all(f.status in (FileStatus.ACCEPTED, FileStatus.SUPERSEDED, FileStatus.SKIPPED) for f in self.files)

    def to_dict(self) -> dict[str, object]:
        return {
            "folder": self.folder,
            "format": self.format_id,
            "year": self.year,
            "counts": self.counts(),
            "complete": self.complete,
            "files": [
                {
                    "file": f.path,
                    "unit": f.report.unit,
                    "status": f.status.word,
                    "note": f.note,
                    "errors": f.report.errors,
                    "warnings": f.report.warnings,
                    "failure": f.report.failure,
                }
                for f in self.files
            ],
            "roster": None
            if self.roster is None
            else [
                {"unit": line.entry.name, "status": line.status.word, "file": line.file, "note": line.note}
                for line in self.roster
            ],
            "totals": {cell_id: show(value) for cell_id, value in self.totals.items()},
            "findings": [
                {"file": f.path, "unit": f.report.unit, **one.to_dict()}
                for f in self.files
                for one in f.report.findings
            ],
            "county_findings": [f.to_dict() for f in self.county_findings],
            "output": self.output,
            "long_output": self.long_output,
        }


def first_problem(report: Report) -> str:
    if report.failure:
        return report.failure
    first = next((f for f in report.findings if f.severity == Severity.ERROR), None)
    if first is None:
        return ""
    return f"{first.location} {first.message}".strip()


def classify(item: Examined, include_invalid: bool) -> FileOutcome:
    if item.report.failure:
        return FileOutcome(item, FileStatus.UNREADABLE, item.report.failure)
    if item.kind == StampKind.ANNOTATED:
        return FileOutcome(item, FileStatus.SKIPPED, "校验批注副本")
    if item.kind == StampKind.SUMMARY:
        return FileOutcome(item, FileStatus.SKIPPED, "汇总表（不是单位报送的文件）")
    if not item.report.valid:
        status = FileStatus.ACCEPTED_INVALID if include_invalid else FileStatus.REJECTED
        return FileOutcome(item, status, first_problem(item.report))
    return FileOutcome(item, FileStatus.ACCEPTED)


def resolve_duplicates(items: list[FileOutcome]) -> None:
    """The same unit twice: its newest workbook counts (the date its header says it was filled, else the file's time)."""
    groups: dict[tuple[str, int | None], list[FileOutcome]] = defaultdict(list)
    for item in items:
        if item.status in (*ADOPTED, FileStatus.REJECTED) and item.key:
            groups[(item.key, item.report.year)].append(item)
    for group in groups.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda i: (i.examined.filled_on or dt.date.min, i.examined.modified), reverse=True)
        newest = group[0]
        for older in group[1:]:
            same = older.inputs == newest.inputs
            older.status = FileStatus.SUPERSEDED
            older.note = f"较新的文件：{newest.name}" + (
                "（数字相同）" if same else "（两份数字不同，只采用较新的一份）"
            )


def _names(items: Iterable[FileOutcome]) -> str:
    return "、".join(i.name for i in items)


def choose_year(items: list[FileOutcome], year: int | None) -> tuple[int | None, str]:
    """The one year and format being summed; a mix of either without ``--year`` is refused."""
    candidates = [i for i in items if i.status in ADOPTED]
    formats = Counter(i.report.format for i in candidates)
    if len(formats) > 1:
        detail = "；".join(
            f"{fmt}: " + _names(i for i in candidates if i.report.format == fmt)[:200] for fmt in formats
        )
        raise UsageError(f"文件夹中混有不同的报告格式，不能相加：{detail}")
    years = Counter(i.report.year for i in candidates)
    if year is None and len(years) > 1:
        detail = "；".join(
            f"{y} 年度 {n} 个（如 {next(i.name for i in candidates if i.report.year == y)}）"
            for y, n in years.most_common()
        )
        raise UsageError(f"文件夹中混有不同年度的报告，不能相加：{detail}。请用 --year 指定要汇总的年度")
    chosen = year if year is not None else (next(iter(years)) if years else None)
    return chosen, next(iter(formats), "")


def _roster_line(entry: RosterEntry, mine: list[FileOutcome]) -> RosterLine:
    taken = next((i for i in mine if i.status in ADOPTED), None)
    rejected = next((i for i in mine if i.status == FileStatus.REJECTED), None)
    duplicates = [i for i in mine if i.status == FileStatus.SUPERSEDED]
    if taken and taken.status == FileStatus.ACCEPTED:
        status = UnitStatus.DUPLICATE if duplicates else UnitStatus.OK
        note = f"另有 {len(duplicates)} 份较早的文件未采用" if duplicates else ""
        return RosterLine(entry, status, taken.name, note)
    item = taken or rejected
    if item is not None:
        return RosterLine(entry, UnitStatus.ERRORS, item.name, first_problem(item.report))
    return RosterLine(entry, UnitStatus.MISSING)


def apply_roster(items: list[FileOutcome], roster: list[RosterEntry]) -> list[RosterLine]:
    by_key: dict[str, list[FileOutcome]] = defaultdict(list)
    for item in items:
        by_key[item.key].append(item)
    known = {unit_key(e.name) for e in roster}
    for item in items:
        if item.status in ADOPTED and item.key not in known:
            item.status = FileStatus.NOT_ON_ROSTER
            item.note = f"名单中没有“{item.report.unit or words.NO_UNIT}”"
    return [_roster_line(entry, by_key.get(unit_key(entry.name), [])) for entry in roster]


def sum_inputs(fmt: Format, items: list[FileOutcome]) -> dict[str, Number]:
    """Exact sums (int and Decimal, never float) of every input cell over ``items``, plus recomputed totals."""
    cells = fmt.input_cells
    sums: list[Number] = [0] * len(cells)
    for item in items:
        for index, value in enumerate(item.inputs):
            sums[index] += value
    return complete(fmt, {cell.id: sums[i] for i, cell in enumerate(cells)})


def decide(
    examined: list[Examined],
    passed: list[Passed],
    *,
    folder: Path,
    roster: list[RosterEntry] | None = None,
    year: int | None = None,
    include_invalid: bool = False,
) -> MergeResult:
    """Statuses of every file and roster unit, the year summed, and the exact totals of what is adopted."""
    items = [classify(item, include_invalid) for item in examined]
    resolve_duplicates(items)
    chosen_year, format_id = choose_year(items, year)
    for item in items:
        if item.status in ADOPTED and item.report.year != chosen_year:
            item.status = FileStatus.OTHER_YEAR
            item.note = f"本文件为 {item.report.year} 年度，本次汇总 {chosen_year} 年度"
    lines = apply_roster(items, roster) if roster is not None else None
    fmt = load_format(format_id) if format_id else load_format()
    totals = sum_inputs(fmt, [i for i in items if i.status in ADOPTED])
    skipped = [
        FileOutcome(Examined(str(p.path), Report(file=str(p.path))), FileStatus.SKIPPED, p.reason) for p in passed
    ]
    return MergeResult(str(folder), fmt.id, chosen_year, items + skipped, totals, lines, include_invalid)


def compare_with_last_year(result: MergeResult, last: Checked, last_units: set[str] | None) -> list[Finding]:
    """R6, R7, R10 on the county totals against last year's summary, and a note when the units changed."""
    fmt = result.format
    header = {HeaderKey.UNIT: last.submission.unit, HeaderKey.YEAR: result.year}
    now = virtual_submission(fmt, header, result.totals, "汇总")
    numbers, _ = read_numbers(now)
    found = compare_numbers(Year(now, numbers), last.year)
    if last_units is not None:
        found += _unit_set_changed({unit_key(i.report.unit) for i in result.accepted}, last_units)
    return found


def _unit_set_changed(now: set[str], before: set[str]) -> list[Finding]:
    added, removed = sorted(now - before), sorted(before - now)
    if not (added or removed):
        return []
    return [
        finding(
            "unit-set-changed",
            expected=f"{len(before)} 个单位",
            actual=f"{len(now)} 个单位",
            added_count=len(added),
            added="、".join(added[:NAMES_SHOWN]) or "无",
            removed_count=len(removed),
            removed="、".join(removed[:NAMES_SHOWN]) or "无",
        )
    ]
