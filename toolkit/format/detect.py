"""Which format a workbook or a published report uses, from the words it contains.

One detector for both: each format's distinctive words (its ``signature``) are counted in the text; the
format with most wins, the newest on a tie. Text with none of them still counts as the newest format when it
carries the labels of its tables (a report excerpt that starts below 表二).
"""

from __future__ import annotations

from collections.abc import Iterable

from toolkit.format.load import all_formats, load_format
from toolkit.format.model import Format
from toolkit.text import norm_label

LONG_LABEL = 8  # a row label this long is distinctive enough to find inside running text


def detect_format(texts: Iterable[str]) -> Format | None:
    """The format of a document or workbook whose cell and line texts are ``texts`` (normalized)."""
    cells = {t for t in texts if t}
    joined = "\n".join(cells)
    scores = []
    for fmt in all_formats():
        hits = sum(norm_label(word) in joined for word in fmt.signature)
        scores.append((hits, fmt.first_year, fmt))
    hits, _, best = max(scores, key=lambda s: (s[0], s[1]))
    if hits:
        return best
    newest = load_format()
    return newest if _has_row_labels(newest, cells, joined) else None


def _has_row_labels(fmt: Format, cells: set[str], joined: str) -> bool:
    for table in fmt.tables:
        for row in table.rows:
            label = norm_label(row.label)
            if label and (label in cells or (len(label) >= LONG_LABEL and label in joined)):
                return True
    return False
