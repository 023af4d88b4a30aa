"""Terminal output: rich tables for people, JSON for programs. Nothing here decides anything."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from toolkit import words
from toolkit.findings import Finding, Report, Severity
from toolkit.merge.decide import FileStatus, MergeResult, UnitStatus
from toolkit.merge.pool import Progress as ProgressCallback
from toolkit.read.values import DOCUMENT_TYPES
from toolkit.text import wrap

SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow"}
DOCUMENTS = {t.value for t in DOCUMENT_TYPES}


def verdict_line(report: Report) -> Text:
    name = Text(report.file, style="bold")
    if report.failure:
        return name + Text(f"  无法读取：{report.failure}", style="bold red")
    who = f"  {report.unit or words.NO_UNIT} {report.year or '?'} 年度"
    style = "bold green" if report.valid else "bold red"
    return name + Text(who) + Text(f"  {report.verdict()}", style=style)


NARROW = 100  # below this many columns the code goes under the message instead of in a column of its own
LEVEL_WIDTH = 4
ROW_COLUMN_SHARE = 0.35  # of the room left for the row/column labels and the message


def _widths(total: int, cells: list[str], with_code: int) -> tuple[int, int, int]:
    """(cell, row/column, message) widths that fill ``total`` columns of a bordered table."""
    columns = 5 if with_code else 4
    cell = max([len(c) for c in cells] + [6])
    room = max(total - (3 * columns + 1) - LEVEL_WIDTH - cell - with_code, 20)
    row_column = max(int(room * ROW_COLUMN_SHARE), 8)
    return cell, row_column, room - row_column


def _lines(text: str, width: int) -> str:
    return "\n".join(wrap(text, width))


def findings_tables(report: Report, width: int = 120) -> list[Table]:
    """One table per report table (表二, 表三, …), in the order the findings come: errors first.

    Columns are sized to ``width`` and text is wrapped here, so that a number or a cell reference is never
    cut in two; below NARROW columns the finding's code goes on its own line under the message."""
    groups: dict[str, list[Finding]] = {}
    for f in report.findings:
        groups.setdefault(f.group, []).append(f)
    if words.WHOLE_FILE in groups:  # what concerns the whole file comes after the tables, errors or not
        groups[words.WHOLE_FILE] = groups.pop(words.WHOLE_FILE)
    # A published report has no cells of its own; its findings are placed by row and column alone.
    document = report.file_type in DOCUMENTS
    tables = []
    for title, findings in groups.items():
        cells = ["—" if document or not f.cell else f.cell for f in findings]
        code_width = 0 if width < NARROW else max(len(f.code) for f in findings)
        cell_width, label_width, message_width = _widths(width, cells, code_width)
        table = Table(title=title, title_justify="left", title_style="bold cyan", header_style="bold")
        table.add_column("级别", no_wrap=True, width=LEVEL_WIDTH)
        table.add_column("单元格", no_wrap=True, width=cell_width)
        table.add_column("行 / 列", no_wrap=True, width=label_width)
        table.add_column("说明", no_wrap=True, width=message_width)
        if code_width:
            table.add_column("代码", style="dim", no_wrap=True, width=code_width)
        for f, cell in zip(findings, cells, strict=True):
            message = Text(_lines(f.message, message_width))
            if not code_width:
                message.append(f"\n{f.code}", style="dim")
            row: list[Text | str] = [
                Text(f.severity.word, style=SEVERITY_STYLE[f.severity]),
                cell,
                _lines(f.labels, label_width),
                message,
            ]
            table.add_row(*row, *([f.code] if code_width else []))
        tables.append(table)
    return tables


def print_reports(console: Console, reports: Iterable[Report]) -> None:
    for report in reports:
        for table in findings_tables(report, console.width):
            console.print(table)
        console.print(verdict_line(report), soft_wrap=True)  # one line per file, whatever the width
        if report.copied_shares:
            shares = "，".join(f"{part} {share:.0%}" for part, share in report.copied_shares.items())
            console.print(f"  与上年报告逐句比较，相同或几乎相同的文字：{shares}", soft_wrap=True)
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


SECTION_STYLE = {
    FileStatus.ACCEPTED_INVALID: "red",
    FileStatus.REJECTED: "red",
    FileStatus.UNREADABLE: "red",
    FileStatus.SUPERSEDED: "yellow",
    FileStatus.OTHER_YEAR: "yellow",
    FileStatus.NOT_ON_ROSTER: "yellow",
    FileStatus.SKIPPED: "dim",
}


def _print_sections(console: Console, result: MergeResult) -> None:
    """Every file that was not simply adopted, by status, with why."""
    for status, style in SECTION_STYLE.items():
        items = [f for f in result.files if f.status == status]
        if not items:
            continue
        console.print(Text(f"{status.word}（{len(items)}）：", style=f"bold {style}"))
        for item in items:
            console.print(Text(f"  {item.name}  ") + Text(item.note, style=style))


def _print_roster(console: Console, result: MergeResult) -> None:
    if result.roster is None:
        return
    counts = "，".join(f"{word} {n}" for word, n in result.unit_counts().items())
    console.print(Text(f"名单 {len(result.roster)} 个单位：{counts}", style="bold"))
    missing = [line.entry.name for line in result.roster if line.status == UnitStatus.MISSING]
    if missing:
        console.print(Text(f"  {UnitStatus.MISSING.word}：" + "、".join(missing), style="red"))
    for line in result.roster:
        if line.status in (UnitStatus.ERRORS, UnitStatus.UNREADABLE):
            console.print(Text(f"  {line.status.word}：{line.entry.name}  {line.file}", style="red"))
        elif line.status == UnitStatus.OK and line.note:
            console.print(Text(f"  请核实：{line.entry.name}  {line.note}", style="yellow"))
    if result.roster_problems:
        shown = "；".join(result.roster_problems)
        console.print(
            Text(
                f"  名单中 {len(result.roster_problems)} 行的{result.format.roster.type[0]}无法识别（汇总不需要，已忽略）：{shown}",
                style="yellow",
            )
        )


def print_merge(console: Console, result: MergeResult) -> None:
    counts = "，".join(f"{word} {n}" for word, n in result.counts().items())
    console.print(Text(f"{result.year or '?'} 年度：共 {len(result.files)} 个文件（{counts}）", style="bold"))
    invalid = sum(f.status == FileStatus.ACCEPTED_INVALID for f in result.files)
    if result.include_invalid and invalid:
        console.print(Text(f"注意：按 --include-invalid，{invalid} 个有错误的工作簿也计入了汇总", style="bold red"))
    _print_sections(console, result)
    _print_roster(console, result)
    for f in result.county_findings:
        error = f.severity == Severity.ERROR
        label = Text(f"  汇总{words.SEVERITY_WORDS[f.severity]}：", style="red" if error else "yellow")
        where = " ".join(p for p in (f.location, f.labels) if p)
        console.print(label + Text(f"{where} {f.message}".strip()))
    console.print(Text(f"汇总表：{shown_path(result.output)}", style="bold green"))
    if result.long_output:
        console.print(f"长表 CSV：{shown_path(result.long_output)}")


def shown_path(path: str | Path) -> str:
    """A path as the user will recognise it: relative to the current folder when it is inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def merge_json(result: MergeResult) -> str:
    return json.dumps(result.to_dict(), ensure_ascii=False, indent=2)
