"""The library's commands: one public function per `xltool` command, each chaining the stages it needs.

Every function returns values and raises XltoolError subclasses for what cannot be done; none prints or
exits. `cli` (and the local web page) render what they return.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from toolkit.check.run import Checked, check
from toolkit.errors import OutputError, UnreadableWorkbook, UsageError, XltoolError
from toolkit.findings import Finding, Report, Severity, finding, ordered
from toolkit.format.load import DEFAULT_FORMAT, load_format
from toolkit.format.model import Format, HeaderKey
from toolkit.format.stamp import StampKind
from toolkit.merge.decide import (
    LONG_COLUMNS,
    MergeResult,
    compare_with_last_year,
    decide,
    long_records,
    nothing_adopted,
)
from toolkit.merge.inbox import collect
from toolkit.merge.parent import compare_parent
from toolkit.merge.pool import Progress, examine_all
from toolkit.read.names import same_unit
from toolkit.read.open import read_file
from toolkit.read.roster import read_roster
from toolkit.read.summary import summary_units
from toolkit.read.values import Submission
from toolkit.write.annotate import annotate
from toolkit.write.export import export_tables
from toolkit.write.files import atomic_path, atomic_paths, check_writable, template_name
from toolkit.write.summary import default_output, write_long_csv, write_summary
from toolkit.write.workbook import render_workbook, write_workbook


# --- one file -------------------------------------------------------------------------------------------
def read_and_check(path: Path | str, previous: Checked | None = None) -> Checked:
    """Read one workbook or published report and run every rule on it; raises UnreadableWorkbook."""
    return check(read_file(path), previous)


def check_files(
    paths: Sequence[Path | str],
    previous: Path | str | None = None,
    annotate_dir: Path | None = None,
    force: bool = False,
    units: Path | str | None = None,
) -> list[Report]:
    """`xltool check`: a report per file; one that cannot be read is a Report with ``failure`` set.

    With ``annotate_dir``, each readable file also gets an annotated copy there. With ``units`` (a folder of
    the units' workbooks or reports), each file is compared cell by cell with the sum over its units (R13).
    """
    last_year = LastYear(Path(previous)) if previous else None
    sums = UnitSums(Path(units), tuple(Path(p) for p in paths)) if units else None
    reports = []
    for path in paths:
        try:
            sub = read_file(path)
        except UnreadableWorkbook as error:
            reports.append(Report(file=str(path), failure=error.reason))
            continue
        last = last_year.of(sub) if last_year else None
        checked = check(sub, last)
        if last_year is not None and last is None:
            checked.report.findings.append(last_year.not_found(sub))
        if sums is not None:
            report = checked.report
            report.findings = ordered([*report.findings, *compare_parent(checked, sums.of_year(report.year))])
        if annotate_dir is not None:
            checked.report.annotated = str(annotate(checked, annotate_dir, force))
        reports.append(checked.report)
    return reports


class LastYear:
    """What ``--previous`` names: one file (last year's of every file checked), or a folder of last year's
    reports and workbooks, where each file checked finds its own unit's year before."""

    def __init__(self, previous: Path) -> None:
        self.folder = previous if previous.is_dir() else None
        self.single = None if self.folder else read_and_check(previous)
        self._read: list[Checked] | None = None

    def _folder_files(self) -> list[Checked]:
        if self._read is None and self.folder is not None:
            paths, _ = collect(self.folder)
            self._read = [c for p in paths if (c := _readable(p)) is not None]
        return self._read or []

    def of(self, sub: Submission) -> Checked | None:
        if self.single is not None:
            return self.single
        names = sub.format.names
        for last in self._folder_files():
            before = last.submission
            if sub.year and before.year == sub.year - 1 and same_unit(before.unit, sub.unit, names):
                return last
        return None

    def not_found(self, sub: Submission) -> Finding:
        year = sub.year - 1 if sub.year else "上一"
        return finding(
            "previous-not-found", actual="没有找到", unit=sub.unit or "本单位", year=year, folder=self.folder
        )


def _readable(path: Path) -> Checked | None:
    try:
        return read_and_check(path)
    except UnreadableWorkbook:
        return None


class UnitSums:
    """The units of a parent, read, chosen and summed exactly as merge does (a faulty unit is left out and
    named), once per year asked for."""

    def __init__(self, folder: Path, parents: tuple[Path, ...]) -> None:
        self.folder = folder
        self.parents = parents  # a parent kept in its units' folder is not one of its units
        self.years: dict[int | None, MergeResult] = {}

    def of_year(self, year: int | None) -> MergeResult:
        if year not in self.years:
            self.years[year] = _decided(self.folder, None, year, False, excluded=self.parents)
        return self.years[year]


# --- templates ------------------------------------------------------------------------------------------
def due_year(today: dt.date | None = None) -> int:
    """The report year being prepared: reports are written from autumn and published by 31 March."""
    today = today or dt.date.today()
    return today.year if today.month >= 7 else today.year - 1


def validate_year(fmt: Format, year: int | None) -> int:
    year = due_year() if year is None else year
    latest = dt.date.today().year + 1
    if not fmt.first_year <= year <= latest:
        raise UsageError(f"年度 {year} 不合理：本格式（{fmt.document}）适用于 {fmt.first_year}～{latest} 年度")
    return year


def unit_type_label(fmt: Format, level: str | None) -> str:
    """The unit type's label for what a user typed (a key, a label or an alias); refuses an unknown one."""
    if not level:
        return ""
    unit_type = fmt.unit_type(level)
    if unit_type is None:
        what = fmt.header.label(HeaderKey.UNIT_TYPE)
        raise UsageError(f"{what}“{level}”无效，可选：{fmt.unit_type_words()}")
    return unit_type.label


def _template_target(output: Path | None, unit: str, year: int) -> Path:
    target = Path(output) if output else Path.cwd() / template_name(unit, year)
    if target.is_dir():
        target = target / template_name(unit, year)
    if target.suffix.lower() != ".xlsx":
        raise UsageError(f"输出文件应以 .xlsx 结尾：{target}")
    return target


def _roster_targets(roster: Path, folder: Path, fmt: Format, year: int) -> list[tuple[Path, dict[HeaderKey, object]]]:
    entries = read_roster(roster, fmt).entries
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} 不是文件夹")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"无法创建输出文件夹 {folder}（{error.strerror}）") from None
    targets = [folder / template_name(e.name, year) for e in entries]
    names = [t.name.lower() for t in targets]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise OutputError(f"名单中有单位生成了相同的文件名：{'、'.join(sorted(duplicates))}")
    headers = [{HeaderKey.UNIT: e.name, HeaderKey.YEAR: year, HeaderKey.UNIT_TYPE: e.unit_type} for e in entries]
    return list(zip(targets, headers, strict=True))


def make_templates(
    output: Path | None = None,
    *,
    unit: str = "",
    year: int | None = None,
    level: str = "",
    password: str | None = None,
    force: bool = False,
    roster: Path | None = None,
    folder: Path | None = None,
    format_id: str = DEFAULT_FORMAT,
) -> list[Path]:
    """`xltool make-template`: one standard workbook, or with ``roster`` one per unit in ``folder``
    (written all together or not at all)."""
    fmt = load_format(format_id)
    year = validate_year(fmt, year)
    if roster is None:
        header = {HeaderKey.UNIT: unit.strip(), HeaderKey.YEAR: year, HeaderKey.UNIT_TYPE: unit_type_label(fmt, level)}
        return [
            write_workbook(_template_target(output, unit.strip(), year), fmt, header, password=password, force=force)
        ]
    if folder is None:
        raise UsageError("使用 --roster 时请用 -d 指定输出文件夹")
    targets = _roster_targets(Path(roster), Path(folder), fmt, year)
    for target, _ in targets:
        check_writable(target, force)
    with atomic_paths([t for t, _ in targets], force=force) as temps:
        for (_, header), temp in zip(targets, temps, strict=True):
            render_workbook(temp, fmt, header, password=password)
    return [t for t, _ in targets]


# --- the county -----------------------------------------------------------------------------------------
def merge(
    folder: Path | str,
    output: Path | str | None = None,
    *,
    roster: Path | str | None = None,
    year: int | None = None,
    include_invalid: bool = False,
    force: bool = False,
    long_csv: Path | str | None = None,
    previous: Path | str | None = None,
    unit: str = "",
    level: str = "",
    progress: Progress | None = None,
    parent: Path | str | None = None,
) -> MergeResult:
    """`xltool merge`: examine every workbook and report of ``folder``, decide, sum, and write the county
    summary. ``previous``: last year's summary (R6, R7, R10); ``parent``: the county's own or published
    report, compared cell by cell with the sum (R13)."""
    folder = Path(folder)
    level_label = unit_type_label(load_format(), level)
    excluded = tuple(Path(p) for p in (long_csv, previous, parent) if p)
    result = _decided(folder, roster, year, include_invalid, progress, excluded)
    if previous:
        result.county_findings = compare_with_last_year(result, read_and_check(previous), summary_units(Path(previous)))
    if parent:
        result.county_findings += compare_parent(read_and_check(parent), result)
    target = Path(output) if output else default_output(result.year)
    # Every file a unit sent is an input and is never written over; an earlier summary may be replaced.
    inputs = tuple(Path(f.path) for f in result.files if f.kind != StampKind.SUMMARY)
    for path in (target, *([Path(long_csv)] if long_csv else [])):
        check_writable(path, force)  # before anything is written: all outputs or none
    if long_csv and Path(long_csv).suffix.lower() == PARQUET:
        _pandas(PARQUET_ENGINE)
    result.output = str(write_summary(result, target, unit=unit, level=level_label, force=force, inputs=inputs))
    if long_csv and Path(long_csv).suffix.lower() == PARQUET:
        result.long_output = str(_write_parquet(result, Path(long_csv), force, inputs))
    elif long_csv:
        result.long_output = str(write_long_csv(result, Path(long_csv), force=force, inputs=inputs))
    return result


def _decided(
    folder: Path,
    roster: Path | str | None,
    year: int | None,
    include_invalid: bool,
    progress: Progress | None = None,
    excluded: tuple[Path, ...] = (),
) -> MergeResult:
    """Every workbook and report of an inbox examined and the merge decided (nothing written)."""
    paths, passed = collect(folder)
    skipped = {p.resolve() for p in excluded}
    paths = [p for p in paths if p.resolve() not in skipped]
    if not paths:
        raise UsageError(f"{folder} 中没有找到工作簿（.xlsx、.xls、.ods）或年报（.txt、.html、.docx、.pdf）")
    units = read_roster(roster, load_format(), strict_types=False) if roster else None
    examined = list(examine_all(paths, progress, roster=tuple(units.names) if units else ()))
    result = decide(examined, passed, folder=folder, roster=units, year=year, include_invalid=include_invalid)
    if not result.accepted:
        raise UsageError(nothing_adopted(result))
    return result


# --- data for analysis (pandas, an optional extra: never imported on the way of check or merge) ------------
PARQUET = ".parquet"
FRAME_COLUMNS = (*LONG_COLUMNS, "errors", "warnings")
NO_PANDAS = '需要 pandas（及 pyarrow）：pip install "xltool[pandas]"'


PARQUET_ENGINE = "pyarrow"


def _pandas(*also: str) -> Any:
    """pandas (and any module ``also`` named), or one line saying how to install them."""
    try:
        for name in also:
            importlib.import_module(name)
        return importlib.import_module("pandas")
    except ImportError:
        raise UsageError(NO_PANDAS) from None


def _frame(result: MergeResult) -> Any:
    """The long table as a DataFrame; amounts as floats (analysis, not accounting: the summary sums exactly)."""
    rows = []
    for item, record in long_records(result):
        counts = Counter(f.severity for f in item.report.findings)
        value = float(record[-1]) if isinstance(record[-1], Decimal) else record[-1]
        rows.append((*record[:-1], value, counts[Severity.ERROR], counts[Severity.WARNING]))
    return _pandas().DataFrame(rows, columns=list(FRAME_COLUMNS))


def long_table(
    folder: Path | str, *, roster: Path | str | None = None, year: int | None = None, include_invalid: bool = False
) -> Any:
    """The adopted data of an inbox as a pandas DataFrame: one row per unit and input number (unit, unit_type,
    year, table, row, column, cell, value) with the unit's error and warning counts. Files are read, checked
    and chosen exactly as `xltool merge` does; nothing is written. Needs ``pip install "xltool[pandas]"``."""
    return _frame(_decided(Path(folder), roster, year, include_invalid))


def _write_parquet(result: MergeResult, output: Path, force: bool, inputs: tuple[Path, ...]) -> Path:
    frame = _frame(result)
    with atomic_path(output, force=force, inputs=inputs) as temp:
        frame.to_parquet(temp, index=False, engine=PARQUET_ENGINE)
    return output


# --- published reports ----------------------------------------------------------------------------------
@dataclass
class Imported:
    """One report given to `xltool import`: the workbook written and the report's check, or why not."""

    source: Path
    target: Path | None = None
    report: Report | None = None
    failure: str = ""


def import_report(
    path: Path | str, output: Path | str | None = None, folder: Path | str | None = None, force: bool = False
) -> tuple[Path, Report]:
    """A published report -> a standard workbook with its numbers; (path written, the report's check).

    What could not be read is left blank in the workbook (its check lists it, and the report has errors).
    Refuses (UnreadableWorkbook, nothing written) a report with no table at all, or one in a format xltool
    does not write (the 2019 trial format: check it directly instead).
    """
    path = Path(path)
    checked = read_and_check(path)
    sub = checked.submission
    if not sub.is_document:
        raise UnreadableWorkbook(path, "这已经是工作簿，不需要导入；请直接用 xltool check 校验")
    if not sub.format.writable:
        raise UnreadableWorkbook(
            path, f"该报告使用{sub.format.document}格式，不能导入为现行标准模板；可直接用 xltool check 校验"
        )
    name = template_name(sub.unit or path.stem, checked.report.year or 0)
    target = Path(output) if output else Path(folder or ".") / name
    values = {
        cell_id: cv.value
        for cell_id, cv in sub.cells.items()
        if not sub.format.cells[cell_id].computed and cell_id not in sub.absent
    }
    header = {k: v for k, v in sub.header.items() if v not in (None, "")}
    write_workbook(target, sub.format, header, values, force=force)
    return target, checked.report


def import_reports(
    paths: Sequence[Path], output: Path | None = None, folder: Path | None = None, force: bool = False
) -> list[Imported]:
    """`xltool import`: every report imported; one that cannot be is an Imported with ``failure`` set."""
    if len(paths) > 1 and not folder:
        raise UsageError("导入多份年报时请用 -d 指定输出文件夹")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
    outcomes = []
    for path in paths:
        try:
            target, report = import_report(path, output, folder, force)
        except XltoolError as error:
            outcomes.append(Imported(Path(path), failure=str(error)))
            continue
        outcomes.append(Imported(Path(path), target, report))
    return outcomes


def export(path: Path | str, html: Path | None = None, docx: Path | None = None, force: bool = False) -> list[Path]:
    """`xltool export`: the three tables of a workbook (or report) as a web page and/or a Word file."""
    if not html and not docx:
        raise UsageError("请用 --html 或 --docx 指定输出文件")
    return export_tables(read_and_check(path), html_path=html, docx_path=docx, force=force)
