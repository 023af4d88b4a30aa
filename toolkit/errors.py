"""The few reasons xltool cannot go on. Each message is one line of plain Chinese, with a remedy where known."""

from __future__ import annotations

from pathlib import Path


class XltoolError(Exception):
    """Base class: the CLI prints ``str(error)`` and exits with code 2."""


class UsageError(XltoolError):
    """An option or argument that cannot be used (a year that is not a year, an unknown unit type)."""


class OutputError(XltoolError):
    """An output that must not or cannot be written (exists without --force, folder not writable)."""


class RosterError(XltoolError):
    """A roster file that cannot be used; the message names the line."""


class FormatError(XltoolError):
    """A format description in ``templates/`` that is missing or wrong (a mistake of ours, never the user's)."""


class UnreadableWorkbook(XltoolError):
    """A file that is not a workbook or report xltool can read, or that holds none of the report's tables."""

    def __init__(self, path: Path | str, reason: str, unit: str = "") -> None:
        self.path = Path(path)
        self.reason = reason
        self.unit = unit  # the unit the file says it is from, when that much could be read
        super().__init__(f"{path}：{reason}")


class NotAReport(UnreadableWorkbook):
    """A text, page or document with none of the report's table words: a note or a letter, not a report.
    `check` says so as of any unreadable file; `merge` passes it over as it passes over other files."""
