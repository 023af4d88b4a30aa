"""Who a published report is from and for which year: its title, else the statistical period in its text.

A title may be split over two lines (the unit on one, "2024 年…年度报告" on the next, or the
phrase itself cut), or stand in a sentence ("特编制××办公室2023年…年度报告"). A printed standard workbook
has no title but says "填报单位：××　　年度：2025" over each table.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from toolkit import words
from toolkit.format.model import Format, HeaderKey
from toolkit.read.document import Document
from toolkit.text import simplified

TITLE_LINES = 60  # a title stands near the top
_PERIOD = re.compile(
    r"(?:统计期限|统计时间|数据统计|统计周期)[^。]{0,12}?(20\d{2})\s*年\s*1\s*月\s*1\s*日|截[止至]\s*(20\d{2})\s*年\s*12\s*月\s*31\s*日"
)
_NOT_A_UNIT = ("关于", "本")
# Words a sentence puts before the unit: "特编制", "现发布", "根据…要求，编制".
_LEADING_VERB = re.compile(r"^.*?(?:特|现|特此)?(?:编制|发布|公布|印发|形成)(?:了|本)?")


@cache
def _titles(report_title: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The title with the year after the unit, and with the year first ("2021年白鹤镇…")."""
    phrase = r"\s*".join(re.escape(ch) for ch in report_title)
    unit = r"(?P<unit>[^\s\d，。:：,；;]{2,40}?)"
    return (
        re.compile(rf"(?P<year>20\d{{2}})\s*年度?\s*{unit}\s*{phrase}"),
        re.compile(rf"{unit}\s*(?P<year>20\d{{2}})\s*年度?\s*{phrase}"),
    )


@cache
def _filled_by(year_label: str) -> re.Pattern[str]:
    """The line over each table of a printed standard workbook: who filled it in, for which year."""
    return re.compile(
        rf"{words.FILLED_BY}\s*[:：]\s*(?P<unit>[^:：]{{0,40}}?)\s*{re.escape(year_label)}\s*[:：]\s*(?P<year>20\d{{2}})"
    )


def _candidates(document: Document) -> Iterator[str]:
    """The first lines, each alone and joined with the next (a title split over two lines)."""
    lines = [simplified(line).strip() for line in (document.lines or [" ".join(r) for r in document.rows])]
    lines = [line for line in lines[:TITLE_LINES] if line]
    for index, line in enumerate(lines):
        yield line
        if index + 1 < len(lines):
            yield line + lines[index + 1]


def _unit(raw: str) -> str:
    unit = raw.strip()
    if not re.match(r"^(?:特|现)?(?:编制|发布|公布|印发)", unit):
        return unit
    return _LEADING_VERB.sub("", unit, count=1)


def report_header(document: Document, fmt: Format) -> dict[HeaderKey, object]:
    """Unit and year from the title (unit, year, title phrase), else the year from the statistical period."""
    header: dict[HeaderKey, object] = {}
    patterns = (*_titles(fmt.report_title), _filled_by(fmt.header.label(HeaderKey.YEAR)))
    for line in _candidates(document):
        match = next((m for pattern in patterns if (m := pattern.search(line))), None)
        if match:
            unit = _unit(match.group("unit"))
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
