"""R13: a parent's tables (a county's own report, or its published summary) against the sum of its units.

Only the cells a person fills in are compared: every total is recomputed from them, so a total that differs
follows from a filled cell that differs (and a parent's total that does not add up is already R1–R4).
"""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.check.cells import place
from toolkit.check.run import Checked
from toolkit.findings import Finding, Stage, finding
from toolkit.merge.decide import FileStatus, MergeResult
from toolkit.text import clip, show

CONTRIBUTORS_SHOWN = 5
NOT_COUNTED = (FileStatus.UNREADABLE, FileStatus.REJECTED, FileStatus.OTHER_YEAR)


def _contributors(result: MergeResult, index: int) -> str:
    """The units whose number makes up a cell's sum, largest first: "甲镇 3、乙镇 2（另有 4 个）"."""
    parts = sorted(((f.inputs[index], f.report.unit) for f in result.accepted if f.inputs[index]), reverse=True)
    shown = "、".join(f"{unit or '?'} {show(value)}" for value, unit in parts[:CONTRIBUTORS_SHOWN])
    more = f"（另有 {len(parts) - CONTRIBUTORS_SHOWN} 个）" if len(parts) > CONTRIBUTORS_SHOWN else ""
    return clip(shown + more, 300) if parts else "各单位均为 0"


def _differing_cells(parent: Checked, result: MergeResult) -> Iterator[Finding]:
    sub = parent.submission
    units = len(result.accepted)
    for index, cell in enumerate(result.format.input_cells):
        if cell.id in sub.absent or cell.id not in parent.numbers.inputs:
            continue
        stated, summed = parent.numbers.inputs[cell.id], result.totals[cell.id]
        if stated != summed:
            yield finding(
                "parent-differs-r13",
                place(sub, cell.id),
                expected=show(summed),
                actual=show(stated),
                stage=Stage.WARNING,
                parent=show(stated),
                total=show(summed),
                units=units,
                contributors=_contributors(result, index),
            )


def _not_counted(result: MergeResult) -> Iterator[Finding]:
    left_out = [f for f in result.files if f.status in NOT_COUNTED]
    if left_out:
        names = "、".join(f"{f.name}（{f.status.word}）" for f in left_out[:CONTRIBUTORS_SHOWN])
        yield finding(
            "parent-units-left-out",
            actual=f"{len(left_out)} 个文件",
            stage=Stage.WARNING,
            count=len(left_out),
            files=clip(names, 300),
        )


def compare_parent(parent: Checked, result: MergeResult) -> list[Finding]:
    """Every filled-in cell of ``parent`` that differs from the sum over the units ``result`` adopted.

    A parent of another year or format than its units is one warning, and nothing is compared."""
    sub = parent.submission
    if sub.year != result.year or sub.format.id != result.format_id:
        what = f"{sub.year or '?'} 年度（{sub.format.document}）"
        units = f"{result.year or '?'} 年度（{result.format.document}）"
        return [
            finding("parent-other-year", expected=units, actual=what, stage=Stage.WARNING, parent=what, units=units)
        ]
    return [*_differing_cells(parent, result), *_not_counted(result)]
