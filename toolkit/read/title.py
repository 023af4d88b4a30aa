"""Who a published report is from and for which year: its title, else the statistical period in its text."""

from __future__ import annotations

import re
from functools import cache

from toolkit.format.model import Format, HeaderKey
from toolkit.read.document import Document
from toolkit.text import simplified

TITLE_LINES = 60  # a title stands near the top
_PERIOD = re.compile(
    r"(?:统计期限|统计时间|数据统计)[^。]{0,8}?(20\d{2})\s*年\s*1\s*月\s*1\s*日|截[止至]\s*(20\d{2})\s*年\s*12\s*月\s*31\s*日"
)
_NOT_A_UNIT = ("关于", "本")


@cache
def _titles(report_title: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The title with the year after the unit, and with the year first ("2021年白鹤镇…")."""
    phrase = re.escape(report_title)
    unit = r"(?P<unit>[^\s\d，。:：]{2,40}?)"
    return (
        re.compile(rf"(?P<year>20\d{{2}})\s*年度?\s*{unit}{phrase}"),
        re.compile(rf"{unit}(?P<year>20\d{{2}})\s*年度?\s*{phrase}"),
    )


def report_header(document: Document, fmt: Format) -> dict[HeaderKey, object]:
    """Unit and year from the title (unit, year, title phrase), else the year from the statistical period."""
    header: dict[HeaderKey, object] = {}
    lines = [simplified(row[0]) for row in document.rows[:TITLE_LINES] if row and row[0]]
    for line in lines:
        match = next((m for pattern in _titles(fmt.report_title) if (m := pattern.search(line))), None)
        if match:
            unit = match.group("unit").strip()
            if unit and not unit.startswith(_NOT_A_UNIT):
                header[HeaderKey.UNIT] = unit
                unit_type = fmt.infer_unit_type(unit)
                if unit_type:
                    header[HeaderKey.UNIT_TYPE] = unit_type.label
            header[HeaderKey.YEAR] = int(match.group("year"))
            return header
    period = _PERIOD.search(simplified(document.text))
    if period:
        header[HeaderKey.YEAR] = int(period.group(1) or period.group(2))
    return header
