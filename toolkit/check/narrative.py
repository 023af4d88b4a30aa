"""R9: numbers a published report's text quotes, against every plausible reading of its tables; and the
years its statistical sentences name.

Texts often quote new plus carried-over requests, or natural persons only: each way of quoting (``templates/narrative.toml``)
lists the readings it may stand for, and only a number that matches none of them is a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from toolkit.check.cells import Numbers
from toolkit.findings import Finding, Stage, finding
from toolkit.format.model import TextCheck
from toolkit.format.totals import Number, depends_on
from toolkit.read.values import Submission
from toolkit.text import clip, show

QUOTE_LIMIT = 30
_SENTENCE = re.compile(r"[^。；;！!？?\n]+")
_YEAR = re.compile(r"(20\d{2})\s*年")


def _readings(sub: Submission, numbers: Numbers, check: TextCheck) -> list[Number]:
    """The values of every reading whose cells the report has (all of them, and all they sum)."""
    return [
        sum((numbers.totals[c] for c in cells), start=0)
        for cells in check.readings
        if cells and not any(depends_on(sub.format, c, sub.absent) for c in cells)
    ]


def check_text_numbers(sub: Submission, numbers: Numbers) -> Iterator[Finding]:
    if not sub.narrative:
        return
    said: set[tuple[str, int]] = set()
    for check in sub.format.text_checks:
        readings = _readings(sub, numbers, check)
        if not readings:
            continue
        shown = list(dict.fromkeys(show(r) for r in readings))
        for line in sub.narrative:
            for pattern in check.patterns:
                for match in re.finditer(pattern, line):
                    stated = int(match.group(1))
                    if stated in readings or (check.what, stated) in said:
                        continue
                    said.add((check.what, stated))
                    yield finding(
                        "text-table-mismatch-r9",
                        expected=" 或 ".join(shown),
                        actual=stated,
                        stage=Stage.WARNING,
                        what=check.what,
                        stated=stated,
                        quote=clip(match.group(0), QUOTE_LIMIT),
                        readings="、".join(shown),
                    )


def _statistical(sentence: str, sub: Submission) -> bool:
    slips = sub.format.year_slips
    return any(v in sentence for v in slips.verbs) and not any(w in sentence for w in slips.skip)


def check_year_slips(sub: Submission, numbers: Numbers) -> Iterator[Finding]:
    """A sentence about this year's work that names the year before or after: once per wrong year."""
    year = sub.year
    if not sub.is_document or year is None or not sub.format.year_slips.verbs:
        return
    said: set[int] = set()
    sentences = (s for line in sub.lines for s in _SENTENCE.findall(line) if _statistical(s, sub))
    for sentence in sentences:
        for match in _YEAR.finditer(sentence):
            named = int(match.group(1))
            destination = sentence[: match.start()].endswith(sub.format.year_slips.before_year)
            if abs(named - year) != 1 or named in said or destination:
                continue
            said.add(named)
            quote = clip(sentence.strip(), QUOTE_LIMIT * 2)
            yield finding(
                "year-slip",
                expected=str(year),
                actual=str(named),
                stage=Stage.WARNING,
                year=year,
                named=named,
                quote=quote,
            )
