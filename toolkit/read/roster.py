"""A county's list of reporting units: CSV (UTF-8, UTF-8 with BOM, GB18030 as Excel saves it) or a workbook.

Only the names are needed everywhere; the unit types matter for templates (rule R8). So a roster for
`make-template` must name valid types (every bad line is listed at once), while `merge` takes any roster with
names and reports a bad or missing type as a warning.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine as calamine

from toolkit.errors import RosterError
from toolkit.format.model import Format
from toolkit.read.grids import CALAMINE_FAILURES, reraise_interrupts
from toolkit.read.names import unit_key
from toolkit.text import clip, decode_chinese, norm_label

_FORBIDDEN = re.compile(r"[/\\\x00-\x1f\x7f]|\.\.")
SHOWN_LINES = 20


@dataclass(frozen=True)
class RosterEntry:
    name: str
    unit_type: str  # a unit type label of the format, or ""
    code: str
    line: int


@dataclass
class Roster:
    entries: list[RosterEntry]
    problems: list[str] = field(default_factory=list)  # lines whose unit type is not one xltool knows

    @property
    def names(self) -> list[str]:
        return [e.name for e in self.entries]


def _decode(path: Path, data: bytes) -> str:
    text = decode_chinese(data)
    if text is None:
        raise RosterError(f"{path}：无法识别文件编码，请另存为 UTF-8 或 GB18030（Excel“CSV”）格式")
    return text


def _workbook_rows(path: Path) -> list[list[str]]:
    try:
        book = calamine.CalamineWorkbook.from_path(str(path))
        rows = book.get_sheet_by_index(0).to_python()
    except CALAMINE_FAILURES as error:
        reraise_interrupts(error)
        raise RosterError(f"{path}：名单工作簿无法读取，请另存为 .xlsx 或 CSV") from None
    return [["" if v is None else str(v).strip() for v in row] for row in rows]


def _rows(path: Path) -> list[list[str]]:
    if not path.is_file():
        raise RosterError(f"{path}：名单文件不存在")
    data = path.read_bytes()
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return _workbook_rows(path)
    if b"\x00" in data[:4096]:
        raise RosterError(f"{path}：不是 CSV 或 Excel 名单文件")
    text = _decode(path, data)
    try:
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    except csv.Error as error:
        raise RosterError(f"{path}：CSV 格式有误（{error}）") from None


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    wanted = [norm_label(n).lower() for n in names]
    for name in wanted:
        for index, cell in enumerate(header):
            if norm_label(cell).lower() == name:
                return index
    return None


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


def _check_name(path: Path, fmt: Format, line: int, name: str, seen: dict[str, int]) -> None:
    what = fmt.roster.name[0]
    if not name:
        raise RosterError(f"{path}：第 {line} 行{what}为空")
    if _FORBIDDEN.search(name):
        raise RosterError(f"{path}：第 {line} 行{what}“{name[:30]}”含有不允许的字符（/、\\、.. 或控制字符）")
    key = unit_key(name)
    if key in seen:
        raise RosterError(f"{path}：第 {line} 行{what}“{name}”与第 {seen[key]} 行重复")
    seen[key] = line


def read_roster(path: Path | str, fmt: Format, *, strict_types: bool = True) -> Roster:
    """The units of a roster. A missing or repeated name raises RosterError naming the line; unknown unit
    types raise one RosterError listing every such line (``strict_types``) or become ``problems``."""
    path = Path(path)
    rows = [row for row in _rows(path) if any(cell for cell in row)]
    if not rows:
        raise RosterError(f"{path}：名单是空的")
    columns = fmt.roster
    name_col = _column(rows[0], columns.name)
    if name_col is None:
        example = ",".join((columns.name[0], columns.type[0], columns.code[0]))
        raise RosterError(f"{path}：第 1 行找不到“{columns.name[0]}”列（表头示例：{example}）")
    type_col, code_col = _column(rows[0], columns.type), _column(rows[0], columns.code)
    roster = Roster([])
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        name = _cell(row, name_col)
        _check_name(path, fmt, line, name, seen)
        type_text = _cell(row, type_col)
        unit_type = fmt.unit_type(type_text) if type_text else None
        if type_text and unit_type is None:
            roster.problems.append(f"第 {line} 行“{clip(name, 20)}”的{columns.type[0]}“{clip(type_text, 20)}”")
        roster.entries.append(RosterEntry(name, unit_type.label if unit_type else "", _cell(row, code_col), line))
    if not roster.entries:
        raise RosterError(f"{path}：名单只有表头，没有单位")
    if strict_types and roster.problems:
        shown = "；".join(roster.problems[:SHOWN_LINES]) + ("……" if len(roster.problems) > SHOWN_LINES else "")
        raise RosterError(
            f"{path}：{len(roster.problems)} 行的{columns.type[0]}无法识别：{shown}。可以写：{fmt.unit_type_words()}"
        )
    return roster
