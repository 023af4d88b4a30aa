"""A county's list of reporting units: CSV (UTF-8, UTF-8 with BOM, GB18030) or a workbook."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import python_calamine as calamine

from toolkit.errors import RosterError
from toolkit.format.model import Format
from toolkit.read.grids import CALAMINE_FAILURES, reraise_interrupts
from toolkit.text import decode_chinese, norm_label

_FORBIDDEN = re.compile(r"[/\\\x00-\x1f\x7f]|\.\.")


@dataclass(frozen=True)
class RosterEntry:
    name: str
    unit_type: str  # a unit type label of the format, or ""
    code: str
    line: int


def _decode(path: Path, data: bytes) -> str:
    text = decode_chinese(data)
    if text is None:
        raise RosterError(f"{path}：无法识别文件编码，请另存为 UTF-8 或 GB18030（Excel“CSV”）格式")
    return text


def _rows(path: Path) -> list[list[str]]:
    if not path.is_file():
        raise RosterError(f"{path}：名单文件不存在")
    data = path.read_bytes()
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        try:
            book = calamine.CalamineWorkbook.from_path(str(path))
            rows = book.get_sheet_by_index(0).to_python()
        except CALAMINE_FAILURES as error:
            reraise_interrupts(error)
            raise RosterError(f"{path}：名单工作簿无法读取，请另存为 .xlsx 或 CSV") from None
        return [["" if v is None else str(v).strip() for v in row] for row in rows]
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


def read_roster(path: Path | str, fmt: Format) -> list[RosterEntry]:
    """The units of a roster, validated; any problem raises RosterError naming the line."""
    path = Path(path)
    rows = [row for row in _rows(path) if any(cell for cell in row)]
    if not rows:
        raise RosterError(f"{path}：名单是空的")
    header = rows[0]
    columns = fmt.roster
    name_col = _column(header, columns.name)
    if name_col is None:
        example = ",".join((columns.name[0], columns.type[0], columns.code[0]))
        raise RosterError(f"{path}：第 1 行找不到“{columns.name[0]}”列（表头示例：{example}）")
    type_col, code_col = _column(header, columns.type), _column(header, columns.code)
    entries: list[RosterEntry] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):

        def cell(index: int | None, row: list[str] = row) -> str:
            return row[index].strip() if index is not None and index < len(row) else ""

        name = cell(name_col)
        if not name:
            raise RosterError(f"{path}：第 {line} 行{columns.name[0]}为空")
        if _FORBIDDEN.search(name):
            raise RosterError(
                f"{path}：第 {line} 行{columns.name[0]}“{name[:30]}”含有不允许的字符（/、\\、.. 或控制字符）"
            )
        key = unit_key(name)
        if key in seen:
            raise RosterError(f"{path}：第 {line} 行{columns.name[0]}“{name}”与第 {seen[key]} 行重复")
        seen[key] = line
        type_text = cell(type_col)
        unit_type = fmt.unit_type(type_text) if type_text else None
        if type_text and unit_type is None:
            allowed = "、".join(u.label for u in fmt.unit_types)
            raise RosterError(f"{path}：第 {line} 行{columns.type[0]}“{type_text}”无效，应为：{allowed}")
        entries.append(RosterEntry(name, unit_type.label if unit_type else "", cell(code_col), line))
    if not entries:
        raise RosterError(f"{path}：名单只有表头，没有单位")
    return entries


def unit_key(name: str) -> str:
    """A unit name reduced for matching: full-width forms, spaces and punctuation do not count."""
    return norm_label(name)
