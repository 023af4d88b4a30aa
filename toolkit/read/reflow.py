"""Text run together: a crawled page where a whole table is one line, labels and numbers without a space.

``…一、本年新收…申请数量801000081二、上年结转…`` is cut at every label of the format, and what lies
between two labels becomes that row's value: one number, or a run of several (see :mod:`toolkit.read.runs`).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from functools import cache

from toolkit.format.model import Format
from toolkit.read.cells import Run
from toolkit.text import simplified

RUN_TOGETHER_LABELS = 3  # a line holding this many row labels is a table run together
_LEADING_VALUE = re.compile(r"^(?P<value>\d[\d.,]*)(?P<rest>.*)$", re.S)


def compact(text: str) -> str:
    """Text without spaces, in normal width and simplified characters (dots and commas kept)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", simplified(text)))


@cache
def _labels(fmt: Format) -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
    """(the row labels, every label by its first character, longest first)."""
    rows: set[str] = set()
    every: set[str] = set()
    for table in fmt.tables:
        for axis in (*table.rows, *table.columns):
            every.update(compact(p) for p in axis.path)
        rows.update(compact(axis.label) for axis in table.rows if axis.label)
        every.update(compact(b.title) for b in table.blocks)
        every.update(compact(t) for t in (table.title, table.row_head, table.corner) if t)
    by_first: dict[str, list[str]] = defaultdict(list)
    for label in every:
        if len(label) >= 2:
            by_first[label[0]].append(label)
    return frozenset(rows), {k: tuple(sorted(v, key=len, reverse=True)) for k, v in by_first.items()}


def _cut(text: str, fmt: Format) -> list[tuple[str, bool]]:
    """(piece, is a label) pieces of a compacted line, labels matched longest first, left to right."""
    _, by_first = _labels(fmt)
    pieces: list[tuple[str, bool]] = []
    plain = 0
    position = 0
    while position < len(text):
        label = next((lb for lb in by_first.get(text[position], ()) if text.startswith(lb, position)), None)
        if label is None:
            position += 1
            continue
        if plain < position:
            pieces.append((text[plain:position], False))
        pieces.append((label, True))
        position += len(label)
        plain = position
    if plain < len(text):
        pieces.append((text[plain:], False))
    return pieces


def _rows(pieces: list[tuple[str, bool]]) -> list[list[str]]:
    """A row per label, with the number after it (a run when several numbers are printed together)."""
    rows: list[list[str]] = []
    for piece, is_label in pieces:
        match = None if is_label or not rows else _LEADING_VALUE.match(piece)
        if match is None:
            rows.append([piece])
            continue
        value = match.group("value")
        rows[-1].append(Run(value) if value.isdigit() and len(value) > 1 else value)
        if match.group("rest"):
            rows.append([match.group("rest")])  # the text after a table (the next section) starts a row
    return rows


def reflow(rows: list[list[str]], fmt: Format) -> list[list[str]]:
    """The document's rows with every run-together table line cut into rows of a label and its numbers."""
    row_labels, _ = _labels(fmt)
    result: list[list[str]] = []
    for row in rows:
        line = compact(" ".join(row)) if len(row) == 1 else ""
        if line and sum(label in line for label in row_labels) >= RUN_TOGETHER_LABELS:
            result += _rows(_cut(line, fmt))
        else:
            result.append(row)
    return result
