"""What a county summary written by xltool lists: the units of its 明细 sheet (for merge --previous)."""

from __future__ import annotations

from pathlib import Path

import python_calamine as calamine

from toolkit import words
from toolkit.read.grids import CALAMINE_FAILURES, reraise_interrupts
from toolkit.read.names import unit_key

DETAIL_HEADER_ROWS = 2


def summary_units(path: Path) -> set[str] | None:
    """Unit names (as matching keys) listed in the 明细 sheet of a summary, or None when it has none."""
    try:
        book = calamine.CalamineWorkbook.from_path(str(path))
        if words.DETAIL_SHEET not in book.sheet_names:
            return None
        rows = book.get_sheet_by_name(words.DETAIL_SHEET).to_python()
    except CALAMINE_FAILURES as error:
        reraise_interrupts(error)
        return None
    return {unit_key(str(r[0])) for r in rows[DETAIL_HEADER_ROWS:] if r and str(r[0]).strip()}
