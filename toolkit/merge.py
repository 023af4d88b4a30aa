"""`xltool merge` as a library: a folder of unit workbooks -> decisions -> county totals.

Each workbook is read and checked exactly as `check` does, in worker processes when there are many. Only a
small record of each (its report and its input numbers) is kept, so memory stays flat for thousands of files.
Writing the summary workbook is :mod:`toolkit.summary`'s job.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.errors import UnreadableWorkbook, UsageError
from toolkit.findings import Report
from toolkit.formats import load_format
from toolkit.roster import RosterEntry, read_roster, unit_key
from toolkit.stamp import ANNOTATED, SUMMARY
from toolkit.totals import Number, complete

WORKBOOK_SUFFIXES = {".xlsx", ".xls", ".ods"}
PARALLEL_FROM = 48  # below this many files, starting worker processes costs more than it saves

# Statuses of a file
ACCEPTED = "已采用"
ACCEPTED_INVALID = "有错误但已采用"
REJECTED = "有错误未采用"
UNREADABLE = "无法读取"
SUPERSEDED = "重复未采用"
SKIPPED = "已跳过"
OTHER_YEAR = "年度不符"
NOT_ON_ROSTER = "名单外未采用"

# Statuses of a roster unit
UNIT_OK = "已报送通过"
UNIT_ERRORS = "已报送有错误"
UNIT_DUPLICATE = "重复"
UNIT_MISSING = "未报送"


@dataclass
class Examined:
    """What merge keeps of one file: its report, who and when it is from, and its input numbers."""

    path: str
    report: Report
    kind: str = ""  # stamp kind: template, summary, annotated ("" when not a standard workbook)
    unit_type: str = ""
    filled_on: dt.date | None = None
    modified: float = 0.0
    inputs: tuple[Number, ...] = ()
    status: str = ""
    note: str = ""

    @property
    def key(self) -> str:
        return unit_key(self.report.unit)


@dataclass
class RosterLine:
    entry: RosterEntry
    status: str
    file: str = ""
    note: str = ""


@dataclass
class MergeResult:
    folder: str
    format_id: str
    year: int | None
    files: list[Examined]
    totals: dict[str, Number]
    roster: list[RosterLine] | None = None
    include_invalid: bool = False
    county_findings: list = field(default_factory=list)
    output: str = ""
    long_output: str = ""

    @property
    def accepted(self) -> list[Examined]:
        return [f for f in self.files if f.status in (ACCEPTED, ACCEPTED_INVALID)]

    def counts(self) -> dict[str, int]:
        return dict(Counter(f.status for f in self.files))

    @property
    def complete(self) -> bool:
        """Every roster unit accepted and nothing rejected: the summary can be published as it is."""
        if self.roster is not None:
            return all(line.status == UNIT_OK for line in self.roster)
        return all(f.status in (ACCEPTED, SUPERSEDED, SKIPPED) for f in self.files)

    def to_dict(self) -> dict:
        from toolkit.rules import show

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
                    "status": f.status,
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
                {"unit": line.entry.name, "status": line.status, "file": line.file, "note": line.note}
                for line in self.roster
            ],
            "totals": {cell_id: show(value) for cell_id, value in self.totals.items()},
            "findings": [
                {"file": f.path, "unit": f.report.unit, **finding.to_dict()}
                for f in self.files
                for finding in f.report.findings
            ],
            "county_findings": [f.to_dict() for f in self.county_findings],
            "output": self.output,
            "long_output": self.long_output,
        }


def _is_hidden(path: Path, root: Path) -> bool:
    return any(part.startswith((".", "~$")) for part in path.relative_to(root).parts)


def collect(folder: Path) -> tuple[list[Path], list[Examined]]:
    """Workbooks to read, and the files passed over with the reason (temporary, hidden, not a workbook)."""
    if not folder.exists():
        raise UsageError(f"文件夹不存在：{folder}")
    if not folder.is_dir():
        raise UsageError(f"{folder} 不是文件夹；合并需要一个存放各单位工作簿的文件夹")
    workbooks: list[Path] = []
    passed: list[Examined] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        note = ""
        if _is_hidden(path, folder):
            note = "临时文件或隐藏文件"
        elif path.suffix.lower() not in WORKBOOK_SUFFIXES:
            note = "不是工作簿文件（只读取 .xlsx、.xls、.ods）"
        elif path.stem.endswith("_校验批注"):
            note = "校验批注副本"
        if note:
            passed.append(Examined(str(path), Report(file=str(path)), status=SKIPPED, note=note))
        else:
            workbooks.append(path)
    return workbooks, passed


_DATE = re.compile(r"(\d{4})\D{1,2}(\d{1,2})\D{1,2}(\d{1,2})")


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and (m := _DATE.search(value)):
        try:
            return dt.date(*map(int, m.groups()))
        except ValueError:
            return None
    return None


def examine(path: Path | str) -> Examined:
    """Read and check one file exactly as `xltool check` does; keep only what merging needs."""
    from toolkit.check import check_workbook

    path = Path(path)
    modified = path.stat().st_mtime if path.exists() else 0.0
    try:
        checked = check_workbook(path)
    except UnreadableWorkbook as error:
        return Examined(str(path), Report(file=str(path), failure=error.reason), modified=modified)
    sub = checked.submission
    inputs = tuple(checked.numbers.inputs[c.id] for c in sub.format.input_cells)
    return Examined(
        path=str(path),
        report=checked.report,
        kind=sub.stamp.kind if sub.stamp else "",
        unit_type=str(sub.header.get("unit_type") or ""),
        filled_on=_date(sub.header.get("filled_on")),
        modified=modified,
        inputs=inputs,
    )


def examine_alone(path: Path) -> Examined:
    """One file in a process of its own, so that a reader crash (a native library aborting) costs only it."""
    with ProcessPoolExecutor(max_workers=1) as pool:
        try:
            return pool.submit(examine, path).result()
        except BrokenProcessPool:
            reason = (
                "读取程序在读这个文件时异常退出（文件可能严重损坏或被蓄意构造）；请用 Excel 或 WPS 打开后另存为 .xlsx"
            )
            return Examined(str(path), Report(file=str(path), failure=reason))


def examine_all(
    paths: list[Path], progress: Callable[[int, int], None] | None = None, workers: int | None = None
) -> Iterator[Examined]:
    """Every file examined, in order; on all cores when there are many.

    Should a worker die (a native reader aborting on a crafted file), the first file it had not finished is
    read again in a process of its own, and a fresh pool goes on with the rest: one bad file costs one restart.
    """
    workers = workers or os.cpu_count() or 1
    total = len(paths)
    if total < PARALLEL_FROM or workers < 2:
        for done, path in enumerate(paths, start=1):
            if progress:
                progress(done, total)
            yield examine(path)
        return
    remaining = list(paths)
    chunk = max(1, min(64, total // (workers * 8)))
    while remaining:
        finished = 0
        with ProcessPoolExecutor(max_workers=workers) as pool:
            try:
                for item in pool.map(examine, remaining, chunksize=chunk):
                    finished += 1
                    yield item
                    if progress:
                        progress(total - len(remaining) + finished, total)
            except BrokenProcessPool:
                pass
        if finished == len(remaining):
            return
        yield examine_alone(remaining[finished])
        remaining = remaining[finished + 1 :]
        chunk = 1  # after a crash, keep the unit of loss small


def _first_problem(report: Report) -> str:
    if report.failure:
        return report.failure
    first = next((f for f in report.findings if f.severity == "error"), None)
    if first is None:
        return ""
    return f"{first.location} {first.message}".strip()


def _classify(item: Examined, include_invalid: bool) -> None:
    if item.report.failure:
        item.status, item.note = UNREADABLE, item.report.failure
    elif item.kind == ANNOTATED:
        item.status, item.note = SKIPPED, "校验批注副本"
    elif item.kind == SUMMARY:
        item.status, item.note = SKIPPED, "汇总表（不是单位报送的文件）"
    elif not item.report.valid:
        item.status = ACCEPTED_INVALID if include_invalid else REJECTED
        item.note = _first_problem(item.report)
    else:
        item.status = ACCEPTED


def _resolve_duplicates(items: list[Examined]) -> None:
    """The same unit twice: its newest workbook counts (its own 填报日期, else the file's time)."""
    groups: dict[tuple[str, int | None], list[Examined]] = defaultdict(list)
    for item in items:
        if item.status in (ACCEPTED, ACCEPTED_INVALID, REJECTED) and item.key:
            groups[(item.key, item.report.year)].append(item)
    for group in groups.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda i: (i.filled_on or dt.date.min, i.modified), reverse=True)
        newest = group[0]
        for older in group[1:]:
            same = older.inputs == newest.inputs
            older.status = SUPERSEDED
            older.note = f"较新的文件：{Path(newest.path).name}" + (
                "（数字相同）" if same else "（两份数字不同，只采用较新的一份）"
            )


def _choose_year(items: list[Examined], year: int | None) -> tuple[int | None, str]:
    candidates = [i for i in items if i.status in (ACCEPTED, ACCEPTED_INVALID)]
    formats = Counter(i.report.format for i in candidates)
    if len(formats) > 1:
        detail = "；".join(
            f"{fmt}: " + "、".join(Path(i.path).name for i in candidates if i.report.format == fmt)[:200]
            for fmt in formats
        )
        raise UsageError(f"文件夹中混有不同的报告格式，不能相加：{detail}")
    years = Counter(i.report.year for i in candidates)
    if year is None and len(years) > 1:
        detail = "；".join(
            f"{y} 年度 {n} 个（如 {next(Path(i.path).name for i in candidates if i.report.year == y)}）"
            for y, n in years.most_common()
        )
        raise UsageError(f"文件夹中混有不同年度的报告，不能相加：{detail}。请用 --year 指定要汇总的年度")
    chosen = year if year is not None else (next(iter(years)) if years else None)
    return chosen, next(iter(formats), "")


def _apply_roster(items: list[Examined], roster: list[RosterEntry]) -> list[RosterLine]:
    by_key: dict[str, list[Examined]] = defaultdict(list)
    for item in items:
        by_key[item.key].append(item)
    known = {unit_key(e.name) for e in roster}
    for item in items:
        if item.status in (ACCEPTED, ACCEPTED_INVALID) and item.key not in known:
            item.status, item.note = NOT_ON_ROSTER, f"名单中没有“{item.report.unit or '（未填单位）'}”"
    lines = []
    for entry in roster:
        mine = by_key.get(unit_key(entry.name), [])
        taken = next((i for i in mine if i.status in (ACCEPTED, ACCEPTED_INVALID)), None)
        rejected = next((i for i in mine if i.status == REJECTED), None)
        duplicates = [i for i in mine if i.status == SUPERSEDED]
        if taken and taken.status == ACCEPTED:
            status = UNIT_DUPLICATE if duplicates else UNIT_OK
            note = f"另有 {len(duplicates)} 份较早的文件未采用" if duplicates else ""
            lines.append(RosterLine(entry, status, Path(taken.path).name, note))
        elif taken or rejected:
            item = taken or rejected
            lines.append(RosterLine(entry, UNIT_ERRORS, Path(item.path).name, _first_problem(item.report)))
        else:
            lines.append(RosterLine(entry, UNIT_MISSING))
    return lines


def merge_folder(
    folder: Path | str,
    *,
    roster: Path | str | None = None,
    year: int | None = None,
    include_invalid: bool = False,
    progress: Callable[[int, int], None] | None = None,
    exclude: tuple[Path, ...] = (),
) -> MergeResult:
    """Read, check and decide on every workbook of ``folder``; sum the accepted ones exactly."""
    folder = Path(folder)
    paths, passed = collect(folder)
    excluded = {p.resolve() for p in exclude}
    paths = [p for p in paths if p.resolve() not in excluded]
    if not paths:
        raise UsageError(f"{folder} 中没有找到工作簿（.xlsx、.xls、.ods）")
    fmt_roster = read_roster(roster, load_format()) if roster else None
    items = list(examine_all(paths, progress))
    for item in items:
        _classify(item, include_invalid)
    _resolve_duplicates(items)
    chosen_year, format_id = _choose_year(items, year)
    for item in items:
        if item.status in (ACCEPTED, ACCEPTED_INVALID) and item.report.year != chosen_year:
            item.status, item.note = OTHER_YEAR, f"本文件为 {item.report.year} 年度，本次汇总 {chosen_year} 年度"
    lines = _apply_roster(items, fmt_roster) if fmt_roster is not None else None
    fmt = load_format(format_id) if format_id else load_format()
    totals = sum_inputs(fmt, [i for i in items if i.status in (ACCEPTED, ACCEPTED_INVALID)])
    return MergeResult(str(folder), fmt.id, chosen_year, items + passed, totals, lines, include_invalid)


def sum_inputs(fmt, items: list[Examined]) -> dict[str, Number]:
    """Exact sums (int and Decimal, never float) of every input cell over ``items``, plus recomputed totals."""
    cells = fmt.input_cells
    sums: list[Number] = [0] * len(cells)
    for item in items:
        for index, value in enumerate(item.inputs):
            sums[index] += value
    return complete(fmt, {cell.id: sums[i] for i, cell in enumerate(cells)})
