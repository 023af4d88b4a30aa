"""`xltool make-template` as a library: one standard workbook, or one per unit of a roster."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from toolkit.errors import OutputError, UsageError
from toolkit.files import atomic_paths, check_writable, safe_file_stem
from toolkit.formats import DEFAULT_FORMAT, Format, load_format
from toolkit.roster import read_roster
from toolkit.template import render_workbook, write_workbook


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
    if not level:
        return ""
    unit_type = fmt.unit_type(level)
    if unit_type is None:
        choices = "、".join(f"{u.key}（{u.label}）" for u in fmt.unit_types)
        raise UsageError(f"单位类型“{level}”无效，可选：{choices}")
    return unit_type.label


def template_name(unit: str, year: int) -> str:
    if unit:
        return f"{safe_file_stem(unit)}_{year}年度政府信息公开年报.xlsx"
    return f"政府信息公开年报模板_{year}年度.xlsx"


def make_template(
    output: Path | None = None,
    *,
    unit: str = "",
    year: int | None = None,
    level: str = "",
    password: str | None = None,
    force: bool = False,
    format_id: str = DEFAULT_FORMAT,
) -> Path:
    fmt = load_format(format_id)
    year = validate_year(fmt, year)
    header = {"unit_name": unit.strip(), "year": year, "unit_type": unit_type_label(fmt, level)}
    target = Path(output) if output else Path.cwd() / template_name(unit.strip(), year)
    if target.is_dir():
        target = target / template_name(unit.strip(), year)
    if target.suffix.lower() != ".xlsx":
        raise UsageError(f"输出文件应以 .xlsx 结尾：{target}")
    return write_workbook(target, fmt, header, password=password, force=force)


def make_roster_templates(
    roster: Path,
    folder: Path,
    *,
    year: int | None = None,
    password: str | None = None,
    force: bool = False,
    format_id: str = DEFAULT_FORMAT,
) -> list[Path]:
    """One prefilled template per roster unit, written all together or not at all."""
    fmt = load_format(format_id)
    year = validate_year(fmt, year)
    entries = read_roster(roster, fmt)
    folder = Path(folder)
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
    for target in targets:
        check_writable(target, force)
    with atomic_paths(targets, force=force) as temps:
        for entry, temp in zip(entries, temps, strict=True):
            header = {"unit_name": entry.name, "year": year, "unit_type": entry.unit_type}
            render_workbook(temp, fmt, header, password=password)
    return targets
