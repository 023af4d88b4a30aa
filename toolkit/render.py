"""Terminal output: rich tables for people, JSON for programs. Nothing here decides anything."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from toolkit import words
from toolkit.findings import Finding, Report, Severity
from toolkit.merge.decide import FileStatus, MergeResult, UnitStatus
from toolkit.merge.pool import Progress as ProgressCallback
from toolkit.read.values import DOCUMENT_TYPES

SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow"}
DOCUMENTS = {t.value for t in DOCUMENT_TYPES}


def _group(f: Finding) -> str:
    return f.table or f.sheet or words.WHOLE_FILE


def _row_column(f: Finding) -> str:
    parts = [p for p in (f.row_label, f.column_label) if p]
    return " / ".join(parts)


def verdict_line(report: Report) -> Text:
    name = Text(report.file, style="bold")
    if report.failure:
        return name + Text(f"  无法读取：{report.failure}", style="bold red")
    who = f"  {report.unit or words.NO_UNIT} {report.year or '?'} 年度"
    style = "bold green" if report.valid else "bold red"
    return name + Text(who) + Text(f"  {report.verdict()}", style=style)


def findings_tables(report: Report) -> list[Table]:
    """One table per report table (表二, 表三, …), in the order the findings come: errors first."""
    groups: dict[str, list[Finding]] = {}
    for f in report.findings:
        groups.setdefault(_group(f), []).append(f)
    tables = []
    # A published report has no cells of its own; its findings are placed by row and column alone.
    document = report.file_type in DOCUMENTS
    for title, findings in groups.items():
        table = Table(title=title, title_justify="left", title_style="bold cyan", header_style="bold")
        table.add_column("级别", no_wrap=True)
        table.add_column("单元格", no_wrap=True)
        table.add_column("行 / 列", overflow="fold", max_width=44)
        table.add_column("说明", overflow="fold")
        table.add_column("代码", style="dim", no_wrap=True)
        for f in findings:
            cell = "—" if document or not f.cell else f.cell
            table.add_row(
                Text(f.severity.word, style=SEVERITY_STYLE[f.severity]), cell, _row_column(f), f.message, f.code
            )
        tables.append(table)
    return tables


def print_reports(console: Console, reports: Iterable[Report]) -> None:
    for report in reports:
        for table in findings_tables(report):
            console.print(table)
        console.print(verdict_line(report), soft_wrap=True)  # one line per file, whatever the width
        if report.annotated:
            console.print(f"  标注副本：{report.annotated}")


def reports_json(reports: Iterable[Report]) -> str:
    return json.dumps([r.to_dict() for r in reports], ensure_ascii=False, indent=2)


@contextlib.contextmanager
def merge_progress(console: Console, enabled: bool = True) -> Iterator[ProgressCallback | None]:
    """A progress bar while workbooks are read; yields the callback merge calls after each file."""
    if not enabled or not console.is_terminal:
        yield None
        return
    with Progress(
        "读取工作簿", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True
    ) as bar:
        task = bar.add_task("read", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


SECTIONS = (
    (FileStatus.REJECTED, "有错误，未采用（请退回修改）", "red"),
    (FileStatus.UNREADABLE, "无法读取", "red"),
    (FileStatus.SUPERSEDED, "重复提交", "yellow"),
    (FileStatus.OTHER_YEAR, "年度不符", "yellow"),
    (FileStatus.SKIPPED, "已跳过", "dim"),
)


def _print_sections(console: Console, result: MergeResult) -> None:
    for status, title, style in SECTIONS:
        items = [f for f in result.files if f.status == status]
        if items:
            console.print(Text(f"{title}（{len(items)}）：", style=f"bold {style}"))
            for item in items:
                console.print(Text(f"  {item.name}  ") + Text(item.note, style=style))
    others = [f for f in result.files if f.status == FileStatus.NOT_ON_ROSTER]
    if others:
        console.print(Text(f"不在名单中（{len(others)}，未计入）：", style="bold yellow"))
        for item in others:
            console.print(f"  {item.name}  {item.report.unit}")


def _print_roster(console: Console, result: MergeResult) -> None:
    if result.roster is None:
        return
    missing = [line.entry.name for line in result.roster if line.status == UnitStatus.MISSING]
    done = sum(line.status != UnitStatus.MISSING for line in result.roster)
    console.print(Text(f"名单 {len(result.roster)} 个单位：已报送 {done}，未报送 {len(missing)}", style="bold"))
    if missing:
        console.print(Text("  未报送：" + "、".join(missing), style="red"))


def print_merge(console: Console, result: MergeResult) -> None:
    counts = result.counts()
    parts = "，".join(f"{status} {n}" for status, n in counts.items())
    console.print(Text(f"{result.year or '?'} 年度：共 {len(result.files)} 个文件（{parts}）", style="bold"))
    invalid = counts.get(FileStatus.ACCEPTED_INVALID.word)
    if result.include_invalid and invalid:
        console.print(Text(f"注意：按 --include-invalid，{invalid} 个有错误的工作簿也计入了汇总", style="bold red"))
    _print_sections(console, result)
    _print_roster(console, result)
    for f in result.county_findings:
        console.print(Text("  汇总警告：", style="yellow") + Text(f"{f.location} {f.message}"))
    console.print(Text(f"汇总表：{result.output}", style="bold green"))
    if result.long_output:
        console.print(f"长表 CSV：{result.long_output}")


def merge_json(result: MergeResult) -> str:
    return json.dumps(result.to_dict(), ensure_ascii=False, indent=2)
