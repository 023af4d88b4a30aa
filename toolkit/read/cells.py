"""Cells as the document readers find them, marked for the row reader.

A cell is a ``str``; two kinds carry what the reader saw beyond their text: an empty cell whose place in
the row is certain (a pipe table, a PDF table), which is a blank of that row and never a separator left at
the end of a line; and several numbers printed together (a crawled page).
"""

from __future__ import annotations


class Blank(str):
    """An empty cell at a known position: the row's own blank (the form expects a number there)."""

    __slots__ = ()


class Run(str):
    """A cell that is several numbers printed without separators."""

    __slots__ = ()


BLANK = Blank("")
