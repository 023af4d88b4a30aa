"""What merge decides about every examined file and every roster unit, and the exact county totals.

A file is adopted when it is a unit's valid workbook of the year being summed; the newest of a unit's files
counts and the others are duplicates (two versions are never added up); totals are summed as int and
Decimal, never as float. Every file that can be tied to a unit (by what it says inside, or by its name
against the roster) is shown with that unit, so a unit that sent something is never listed as 未报送.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from toolkit import words
from toolkit.check.cells import read_numbers
from toolkit.check.cross_year import Year, check_previous_mismatch, compare_numbers
from toolkit.check.run import Checked
from toolkit.errors import UsageError
from toolkit.findings import Finding, Report, Severity, finding
from toolkit.format.load import load_format
from toolkit.format.model import Format, HeaderKey, NameWords
from toolkit.format.stamp import StampKind
from toolkit.format.totals import Number, complete
from toolkit.merge.inbox import Passed
from toolkit.merge.pool import Examined
from toolkit.read.names import named_in, nearest, roster_match, unit_key
from toolkit.read.roster import Roster, RosterEntry
from toolkit.read.values import virtual_submission
from toolkit.text import clip, show

NAMES_SHOWN = 10
MISMATCH = "unit-name-mismatch"


class FileStatus(StrEnum):
    ACCEPTED = "accepted"
    ACCEPTED_INVALID = "accepted_invalid"
    REJECTED = "rejected"
    UNREADABLE = "unreadable"
    SUPERSEDED = "superseded"
    OTHER_YEAR = "other_year"
    NOT_ON_ROSTER = "not_on_roster"
    SKIPPED = "skipped"

    @property
    def word(self) -> str:
        return words.FILE_STATUS[self.value]


ADOPTED = (FileStatus.ACCEPTED, FileStatus.ACCEPTED_INVALID)


class UnitStatus(StrEnum):
    OK = "ok"
    ERRORS = "errors"
    UNREADABLE = "unreadable"
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
    relative: str = ""  # the path inside the inbox, as the officer knows it
    unit: str = ""  # the roster unit the file is for ("" without a roster, or when none fits)
    also: str = ""  # another roster unit the file concerns (the unit named inside a misnamed file)

    @property
    def path(self) -> str:
        return self.examined.path

    @property
    def name(self) -> str:
        return self.relative or Path(self.examined.path).name

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
    def misnamed(self) -> bool:
        return any(f.code == MISMATCH for f in self.report.findings)

    @property
    def identity(self) -> str:
        """Which unit the file stands for, for telling duplicates apart."""
        return self.unit or unit_key(self.report.unit)


@dataclass
class RosterLine:
    entry: RosterEntry
    status: UnitStatus
    files: list[FileOutcome] = field(default_factory=list)
    note: str = ""

    @property
    def file(self) -> str:
        """The file that decides the unit's status: the adopted one, else the first sent."""
        adopted = next((f for f in self.files if f.status in ADOPTED), None)
        chosen = adopted or next(iter(self.files), None)
        return chosen.name if chosen else ""


LONG_COLUMNS = ("unit", "unit_type", "year", "table", "row", "column", "cell", "value")


@dataclass
class MergeResult:
    folder: str
    format_id: str
    year: int | None
    files: list[FileOutcome]
    totals: dict[str, Number]
    roster: list[RosterLine] | None = None
    roster_problems: list[str] = field(default_factory=list)
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
        """Files per status, in the statuses' fixed order (statuses no file has are left out)."""
        found = Counter(f.status for f in self.files)
        return {status.word: found[status] for status in FileStatus if found[status]}

    def unit_counts(self) -> dict[str, int]:
        """Roster units per status, every status shown (0 included), in a fixed order."""
        found = Counter(line.status for line in self.roster or [])
        return {status.word: found[status] for status in UnitStatus}

    @property
    def complete(self) -> bool:
        """Every roster unit accepted, nothing rejected, no county error: the summary can be published as it is."""
        if any(f.severity == Severity.ERROR for f in self.county_findings):
            return False  # the published report disagrees with the units (R13)
        if self.roster is not None:
            return all(line.status == UnitStatus.OK for line in self.roster)
        return all(f.status in (FileStatus.ACCEPTED, FileStatus.SUPERSEDED, FileStatus.SKIPPED) for f in self.files)

    def to_dict(self) -> dict[str, object]:
        return {
            "folder": self.folder,
            "format": self.format_id,
            "year": self.year,
            "counts": self.counts(),
            "unit_counts": self.unit_counts() if self.roster is not None else None,
            "complete": self.complete,
            "files": [_file_dict(f) for f in self.files],
            "roster": None if self.roster is None else [_line_dict(line) for line in self.roster],
            "roster_problems": self.roster_problems,
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


def _file_dict(f: FileOutcome) -> dict[str, object]:
    return {
        "file": f.path,
        "relative": f.name,
        "unit": f.report.unit,
        "roster_unit": f.unit,
        "status": f.status.word,
        "note": f.note,
        "errors": f.report.errors,
        "warnings": f.report.warnings,
        "failure": f.report.failure,
    }


def _line_dict(line: RosterLine) -> dict[str, object]:
    files = [{"file": f.name, "status": f.status.word} for f in line.files]
    return {"unit": line.entry.name, "status": line.status.word, "file": line.file, "files": files, "note": line.note}


# --- one file at a time -----------------------------------------------------------------------------------
def error_summary(report: Report) -> str:
    """ "3 个错误：表!E18 填的是“无”…（另有 2 个）": how many errors, the first one, how many more."""
    if report.failure:
        return report.failure
    errors = [f for f in report.findings if f.severity == Severity.ERROR]
    if not errors:
        return ""
    where, message = errors[0].location, errors[0].message
    first = message if message.startswith(where) else f"{where} {message}".strip()  # a table named once
    more = f"（另有 {len(errors) - 1} 个）" if len(errors) > 1 else ""
    return f"{len(errors)} 个{words.ERROR_WORD}：{first}{more}"


def classify(item: Examined, include_invalid: bool, relative: str) -> FileOutcome:
    if item.not_report:
        return FileOutcome(item, FileStatus.SKIPPED, f"不是年度报告：{item.not_report}", relative)
    if item.report.failure:
        return FileOutcome(item, FileStatus.UNREADABLE, item.report.failure, relative)
    if item.kind == StampKind.SUMMARY:
        return FileOutcome(item, FileStatus.SKIPPED, "汇总表（不是单位报送的文件）", relative)
    if not item.report.valid:
        status = FileStatus.ACCEPTED_INVALID if include_invalid else FileStatus.REJECTED
        return FileOutcome(item, status, error_summary(item.report), relative)
    return FileOutcome(item, FileStatus.ACCEPTED, "", relative)


def _relative(path: str, folder: Path) -> str:
    try:
        return Path(path).relative_to(folder).as_posix()
    except ValueError:
        return Path(path).name


# --- units --------------------------------------------------------------------------------------------------
def attribute(items: list[FileOutcome], roster: Sequence[str], names: NameWords) -> None:
    """Tie each file to a roster unit: by the unit inside it, else by its name. A misnamed file belongs to the
    unit its name names, and concerns the unit named inside."""
    for item in items:
        inside = item.report.unit or item.examined.failure_unit
        by_name = named_in(Path(item.path).stem, roster, names)
        by_inside = roster_match(inside, roster, names) if inside else None
        if item.misnamed:
            item.unit, item.also = by_name or "", by_inside or ""
        else:
            item.unit = by_inside or ("" if inside and item.status != FileStatus.UNREADABLE else by_name or "")


def resolve_duplicates(items: list[FileOutcome]) -> None:
    """The same unit twice: its newest workbook counts (the date its header says it was filled, else the
    file's time). A misnamed file is never anyone's newer version."""
    groups: dict[tuple[str, int | None], list[FileOutcome]] = defaultdict(list)
    for item in items:
        if item.status in (*ADOPTED, FileStatus.REJECTED) and item.identity and not item.misnamed:
            groups[(item.identity, item.report.year)].append(item)
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


def _unit_status(files: list[FileOutcome]) -> UnitStatus:
    statuses = {f.status for f in files}
    if FileStatus.ACCEPTED in statuses:
        return UnitStatus.OK
    if statuses & {FileStatus.ACCEPTED_INVALID, FileStatus.REJECTED, FileStatus.OTHER_YEAR, FileStatus.SUPERSEDED}:
        return UnitStatus.ERRORS
    if FileStatus.UNREADABLE in statuses:
        return UnitStatus.UNREADABLE
    return UnitStatus.MISSING


def _unit_note(status: UnitStatus, files: list[FileOutcome], concerning: list[FileOutcome]) -> str:
    notes = []
    deciding = next((f for f in files if f.status != FileStatus.SUPERSEDED), None)
    if status != UnitStatus.OK and deciding is not None and deciding.note:
        notes.append(deciding.note)
    if any(f.status == FileStatus.ACCEPTED_INVALID for f in files):
        notes.append("有错误，但按 --include-invalid 已计入汇总")
    notes += [f"另有文件 {f.name} 填的是本单位的名称（文件名是其他单位），请核实" for f in concerning]
    return "；".join(notes)


def apply_roster(items: list[FileOutcome], roster: list[RosterEntry]) -> list[RosterLine]:
    """Each roster unit's status and files; adopted files of units not on the roster are set aside."""
    for item in items:
        if item.status in ADOPTED and not item.unit:
            guess = nearest(item.report.unit, [e.name for e in roster])
            item.status = FileStatus.NOT_ON_ROSTER
            item.note = f"名单中没有“{item.report.unit or words.NO_UNIT}”" + (f"，是否为“{guess}”？" if guess else "")
    lines = []
    for entry in roster:
        files = [i for i in items if i.unit == entry.name and i.status != FileStatus.SKIPPED]
        files.sort(key=lambda i: i.status not in ADOPTED)  # the adopted file first
        concerning = [i for i in items if i.also == entry.name]
        status = _unit_status(files)
        lines.append(RosterLine(entry, status, files, _unit_note(status, files, concerning)))
    return lines


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
    roster: Roster | None = None,
    year: int | None = None,
    include_invalid: bool = False,
) -> MergeResult:
    """Statuses of every file and roster unit, the year summed, and the exact totals of what is adopted."""
    items = [classify(item, include_invalid, _relative(item.path, folder)) for item in examined]
    names = load_format().names
    if roster is not None:
        attribute(items, roster.names, names)
    resolve_duplicates(items)
    chosen_year, format_id = choose_year(items, year)
    for item in items:
        if item.status in ADOPTED and item.report.year != chosen_year:
            item.status = FileStatus.OTHER_YEAR
            item.note = f"本文件为 {item.report.year} 年度，本次汇总 {chosen_year} 年度"
    lines = apply_roster(items, roster.entries) if roster is not None else None
    fmt = load_format(format_id) if format_id else load_format()
    totals = sum_inputs(fmt, [i for i in items if i.status in ADOPTED])
    skipped = [
        FileOutcome(
            Examined(str(p.path), Report(file=str(p.path))),
            FileStatus.SKIPPED,
            p.reason,
            _relative(str(p.path), folder),
        )
        for p in passed
    ]
    problems = roster.problems if roster is not None else []
    return MergeResult(str(folder), fmt.id, chosen_year, items + skipped, totals, lines, problems, include_invalid)


def nothing_adopted(result: MergeResult) -> str:
    """Why no workbook could be summed, in one line."""
    counts = "，".join(f"{word} {n}" for word, n in result.counts().items())
    year = f"{result.year} 年度" if result.year else ""
    return f"没有可以汇总的{year}工作簿（共 {len(result.files)} 个文件：{counts}）；请先处理退回的文件，汇总表没有生成"


def compare_with_last_year(result: MergeResult, last: Checked, last_units: set[str] | None) -> list[Finding]:
    """R6, R7, R10 on the county totals against last year's summary, and a note when the units changed.

    A summary of another year than the one before is one warning, and nothing is compared with it."""
    fmt = result.format
    header = {HeaderKey.UNIT: last.submission.unit, HeaderKey.YEAR: result.year}
    now = virtual_submission(fmt, header, result.totals, "汇总")
    this = Year(now, read_numbers(now)[0])
    mismatch = list(check_previous_mismatch(this, last.year))
    if mismatch:
        return mismatch
    found = compare_numbers(this, last.year)
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
            added=clip("、".join(added[:NAMES_SHOWN]) or "无", 200),
            removed_count=len(removed),
            removed=clip("、".join(removed[:NAMES_SHOWN]) or "无", 200),
        )
    ]


def long_records(result: MergeResult) -> Iterator[tuple[FileOutcome, tuple[object, ...]]]:
    """Each adopted file with each of its input numbers as a long-form record (see LONG_COLUMNS)."""
    fmt = result.format
    for item in result.accepted:
        for cell, value in zip(fmt.input_cells, item.inputs, strict=True):
            table = fmt.table(cell.table).title
            yield (
                item,
                (
                    item.report.unit,
                    item.unit_type,
                    result.year,
                    table,
                    cell.row_label,
                    cell.column_label,
                    cell.id,
                    value,
                ),
            )
