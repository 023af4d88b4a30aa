"""Sheet grids through python-calamine: rows of values with absolute positions (row 0 = Excel row 1)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import python_calamine as calamine

from toolkit import limits, words
from toolkit.errors import UnreadableWorkbook
from toolkit.format.stamp import STAMP_SHEET
from toolkit.read.xlsx import XlsxParts
from toolkit.text import clip

Grid = Sequence[Sequence[object]]

# calamine raises several unrelated types for broken files, and a Rust panic arrives as a BaseException
# (pyo3's PanicException): all of them mean "this file cannot be read", none may end the program.
CALAMINE_FAILURES = (Exception, BaseException)
TOOL_SHEETS = frozenset({STAMP_SHEET, words.FINDINGS_SHEET, words.DETAIL_SHEET, words.STATUS_SHEET})


def reraise_interrupts(error: BaseException) -> None:
    if isinstance(error, KeyboardInterrupt | SystemExit | GeneratorExit):
        raise error


def _brief(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:80]


class Grids:
    """The sheets of one workbook, each loaded on first use; sizes are checked before calamine loads them."""

    def __init__(self, path: Path, parts: XlsxParts | None = None) -> None:
        self.path = path
        self.parts = parts
        saved_by = parts.application if parts else ""
        # Where it helps, name the program that saved the file: the remedy is to re-save it there.
        self.origin = f"（该文件由 {saved_by} 保存）" if saved_by else ""
        try:
            self.book = calamine.CalamineWorkbook.from_path(str(path))
        except CALAMINE_FAILURES as error:
            reraise_interrupts(error)
            raise UnreadableWorkbook(
                path, f"工作簿无法读取（{_brief(error)}）{self.origin}；请用 Excel 或 WPS 打开后另存为 .xlsx"
            ) from None
        self.names = list(self.book.sheet_names)[: limits.MAX_SHEETS]
        self._grids: dict[str, Grid] = {}

    @property
    def content_sheets(self) -> list[str]:
        """Every sheet a unit fills: not the stamp, not the sheets xltool adds to what it writes (the findings
        of an annotated copy or a summary, a summary's detail and status), whose cells repeat labels."""
        return [name for name in self.names if name not in TOOL_SHEETS]

    def grid(self, name: str) -> Grid:
        if name not in self._grids:
            self._check_extent(name)
            try:
                sheet = self.book.get_sheet_by_name(name)
                if sheet.height * sheet.width > limits.MAX_GRID_CELLS:
                    raise UnreadableWorkbook(self.path, f"工作表“{name}”的数据区域异常大，不像是年报表格")
                self._grids[name] = sheet.to_python(skip_empty_area=False)
            except UnreadableWorkbook:
                raise
            except CALAMINE_FAILURES as error:
                reraise_interrupts(error)
                raise UnreadableWorkbook(
                    self.path, f"工作表“{name}”内容缺失或损坏{self.origin}；请用 Excel 或 WPS 打开后另存为 .xlsx"
                ) from None
        return self._grids[name]

    def _check_extent(self, name: str) -> None:
        if self.parts is None:
            return
        rows, cols = self.parts.extent(name)
        if rows * max(cols, 1) > limits.MAX_GRID_CELLS:
            raise UnreadableWorkbook(
                self.path, f"工作表“{clip(name, 20)}”声称有 {rows} 行、{cols} 列，数据区域异常大，已拒绝读取"
            )

    def has(self, name: str) -> bool:
        return name in self.names


def value_at(grid: Grid, row: int, col: int) -> object:
    if row < len(grid) and col < len(grid[row]):
        return grid[row][col]
    return ""
