"""A worksheet whose many data rows are streamed to a temporary file as they are written.

XlsxWriter keeps every cell of a worksheet in memory until the workbook closes (about 100 bytes and a few
microseconds a cell); its constant-memory mode avoids that but writes inline strings, which some WPS versions
do not open. A county summary's 明细 sheet has 166 numbers for each of up to thousands of units, so its data
rows are written here directly as sheet XML: numbers as values, text through the workbook's shared-strings
table. Everything else of the sheet (header rows, widths, filters, panes, print setup) is XlsxWriter's.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from decimal import Decimal
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from toolkit.text import cell_text

COPY_BUFFER = 1 << 16


class StreamedSheet(Worksheet):  # type: ignore[misc]  # XlsxWriter ships no type information
    """Rows added with :meth:`stream_row` go straight to a temporary file, after the rows written as usual."""

    def _initialize(self, init_data: dict[str, Any]) -> None:
        super()._initialize(init_data)
        self.streamed = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 (closed after writing)
        self.streamed_rows = 0
        self.table_last_row: int | None = None
        self.dim_rowmax: int | None

    def stream_row(
        self,
        row: int,
        texts: Sequence[object],
        numbers: Sequence[object],
        text_format: Any,
        height: float | None = None,
    ) -> None:
        """One row: ``texts`` as shared strings from column A, then ``numbers``; ``height`` in points."""
        if self.table_last_row is None:
            self.table_last_row = int(self.dim_rowmax or 0)
        style = f' s="{text_format._get_xf_index()}"' if text_format is not None else ""
        excel_row = row + 1
        start = len(texts)
        names = _column_names(start + len(numbers))
        cells = "".join(
            f'<c r="{names[col]}{excel_row}" t="s"{style}><v>{self._string(text)}</v></c>'
            for col, text in enumerate(texts)
        )
        shown = [value if type(value) is int else _number(value) for value in numbers]
        cells += _numbers_template(start, len(numbers)).format(excel_row, *shown)
        size = f' ht="{height}" customHeight="1"' if height else ""
        self.streamed.write(f'<row r="{excel_row}"{size}>{cells}</row>')
        self.streamed_rows += 1
        self._check_dimensions(row, 0)
        self._check_dimensions(row, max(start + len(numbers) - 1, 0))

    def _string(self, text: object) -> int:
        # XlsxWriter escapes the shared strings when it writes their table.
        index: int = self.str_table._get_shared_string_index(cell_text(text))
        return index

    def _write_rows(self) -> None:
        last = self.dim_rowmax
        if self.table_last_row is not None:
            self.dim_rowmax = self.table_last_row  # the usual rows: XlsxWriter writes them
        super()._write_rows()
        self.dim_rowmax = last
        self.streamed.seek(0)
        shutil.copyfileobj(self.streamed, self.fh, COPY_BUFFER)
        self.streamed.close()


@cache
def _numbers_template(start: int, count: int) -> str:
    """The cells of ``count`` whole numbers from column ``start`` on, for ``str.format(row, *numbers)``: one
    call a row instead of one string a cell (a county summary has 166 numbers a unit)."""
    names = _column_names(start + count)
    return "".join(f'<c r="{names[start + col]}{{0}}"><v>{{{col + 1}}}</v></c>' for col in range(count))


@cache
def _column_names(count: int) -> tuple[str, ...]:
    return tuple(xl_col_to_name(col) for col in range(count))


def _number(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal | float):
        return f"{float(value):.16G}"
    return escape(str(value))
