"""Terminal output: rich tables for people, JSON for programs. Nothing here decides anything."""

from __future__ import annotations

import json
from collections.abc import Iterable

from rich.console import Console
from rich.table import Table
from rich.text import Text

from toolkit.findings import ERROR, Finding, Report

SEVERITY_TEXT = {ERROR: Text("错误", style="bold red"), "warning": Text("警告", style="yellow")}


def short_sheet(sheet: str) -> str:
    """三、收到和处理政府信息公开申请情况 -> 三、收到和处理…"""
    return sheet if len(sheet) <= 8 else sheet[:7] + "…"


def _location(f: Finding) -> str:
    if f.sheet and f.cell:
        return f"{short_sheet(f.sheet)}!{f.cell}"
    return short_sheet(f.sheet) if f.sheet else "（整个文件）"


def _row_column(f: Finding) -> str:
    parts = [p for p in (f.row_label, f.column_label) if p]
    return " / ".join(parts)


def verdict_line(report: Report) -> Text:
    name = Text(report.file, style="bold")
    if report.failure:
        return name + Text(f"  无法读取：{report.failure}", style="bold red")
    who = f"  {report.unit or '（未填单位）'} {report.year or '?'} 年度"
    style = "bold green" if report.valid else "bold red"
    return name + Text(who) + Text(f"  {report.verdict()}", style=style)


def findings_table(report: Report) -> Table:
    table = Table(show_header=True, header_style="bold", expand=False, show_lines=False)
    table.add_column("级别", no_wrap=True)
    table.add_column("位置", no_wrap=True)
    table.add_column("行 / 列", overflow="fold", max_width=40)
    table.add_column("说明", overflow="fold")
    table.add_column("代码", style="dim", no_wrap=True)
    current = None
    for f in report.findings:
        group = f.table or "文件与基本信息"
        if group != current:
            if current is not None:
                table.add_section()
            table.add_row("", Text(group, style="bold cyan"), "", "", "")
            current = group
        table.add_row(SEVERITY_TEXT[f.severity], _location(f), _row_column(f), f.message, f.code)
    return table


def print_reports(console: Console, reports: Iterable[Report]) -> None:
    for report in reports:
        if report.findings:
            console.print(findings_table(report))
        console.print(verdict_line(report))
        if report.annotated:
            console.print(f"  标注副本：{report.annotated}")


def reports_json(reports: Iterable[Report]) -> str:
    return json.dumps([r.to_dict() for r in reports], ensure_ascii=False, indent=2)
