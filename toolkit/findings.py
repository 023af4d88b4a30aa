"""Data problems as values: a Finding per problem, a Report per file.

Every finding code is declared once, in ``templates/findings.toml``: severity, rule, summary and message
template. A rule reports a finding by its code and the values its message needs; nothing else spells the
wording. The README's table of codes is generated from the same declaration.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any

from toolkit import descriptions, words
from toolkit.errors import FormatError


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"

    @property
    def word(self) -> str:
        return words.SEVERITY_WORDS[self.value]


class Stage:
    """Order of discovery within a table: the cell itself, then the sums and balances it breaks."""

    CELL = 0
    SUM = 1
    BALANCE = 2
    WARNING = 3


@dataclass(frozen=True)
class Code:
    """One kind of finding, as declared in ``templates/findings.toml``."""

    code: str
    severity: Severity
    rule: str
    summary: str
    message: str
    expected: str = ""
    variants: Mapping[str, str] = field(default_factory=dict)

    def text(self, variant: str | None, values: Mapping[str, object]) -> str:
        template = self.variants[variant] if variant else self.message
        return template.format_map(values)


_CODE_KEYS = {"severity", "rule", "summary", "message", "expected", "variants"}


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _code(name: str, raw: Mapping[str, Any]) -> Code:
    unknown = set(raw) - _CODE_KEYS
    if unknown:
        raise FormatError(f"findings.toml：[{name}] 有未知的键 {sorted(unknown)}")
    try:
        severity = Severity(raw["severity"])
        declared = Code(
            name,
            severity,
            str(raw.get("rule", "")),
            str(raw["summary"]),
            str(raw["message"]),
            str(raw.get("expected", "")),
            {str(k): str(v) for k, v in raw.get("variants", {}).items()},
        )
        for template in (declared.message, declared.expected, *declared.variants.values()):
            _placeholders(template)  # a placeholder left open is a ValueError here, not at run time
    except (KeyError, ValueError) as error:
        raise FormatError(f"findings.toml：[{name}] 有误（{error}）") from None
    return declared


@cache
def catalogue() -> dict[str, Code]:
    """Every finding code xltool reports, in the order the README lists them."""
    return {name: _code(name, raw) for name, raw in descriptions.load("findings").items()}


@dataclass(frozen=True)
class Place:
    """Where a finding points: a cell of a sheet, a row and column of a table, or a whole table or file."""

    sheet: str = ""
    cell: str = ""
    row_label: str = ""
    column_label: str = ""
    table: str = ""  # the table's title, as shown to people
    table_index: int = -1  # the table's position in its format (for ordering); -1: not about one table
    row: int = -1  # 0-based position of the cell, for ordering findings within a table
    col: int = -1


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    sheet: str
    cell: str
    row_label: str
    column_label: str
    expected: str
    actual: str
    message: str
    rule: str = ""
    table: str = ""
    stage: int = Stage.CELL
    table_index: int = -1
    position: tuple[int, int] = (-1, -1)
    cells: tuple[str, ...] = ()  # every cell a finding about many cells is about ("sheet!A1")

    @property
    def location(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""

    @property
    def group(self) -> str:
        """The table (or sheet) a finding is listed under; the whole file when it is about none."""
        return self.table or self.sheet or words.WHOLE_FILE

    @property
    def labels(self) -> str:
        """ "行 / 列": the row and column labels it points at, as far as it has them."""
        return " / ".join(p for p in (self.row_label, self.column_label) if p)

    def columns(self) -> tuple[str, ...]:
        """The finding as the cells of a results table, in the order of ``words.FINDING_COLUMNS``."""
        return tuple(
            self.severity.word if key == "severity" else str(getattr(self, key)) for key, _ in words.FINDING_COLUMNS
        )

    def order(self) -> tuple[bool, int, int, tuple[int, int]]:
        """Errors first; within a table the cell itself before the sums and balances it breaks."""
        return (self.severity != Severity.ERROR, self.table_index, self.stage, self.position)

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "sheet": self.sheet,
            "cell": self.cell,
            "row_label": self.row_label,
            "column_label": self.column_label,
            "expected": self.expected,
            "actual": self.actual,
            "message": self.message,
            "rule": self.rule,
            "table": self.table,
            "cells": list(self.cells),
        }


def finding(
    code: str,
    place: Place = Place(),
    *,
    expected: object = None,
    actual: object = "",
    stage: int = Stage.CELL,
    variant: str | None = None,
    **values: object,
) -> Finding:
    """A finding of a declared code; its message is the code's template filled with ``values``."""
    return finding_of(code, place, values, expected=expected, actual=actual, stage=stage, variant=variant)


def finding_of(
    code: str,
    place: Place,
    values: Mapping[str, object],
    *,
    expected: object = None,
    actual: object = "",
    stage: int = Stage.CELL,
    variant: str | None = None,
    cells: tuple[str, ...] = (),
) -> Finding:
    """:func:`finding` with the message's values given as a mapping."""
    declared = catalogue()[code]
    if expected is None:
        expected = declared.expected.format_map(values)
    values = {"actual": actual, "expected": expected, **values}
    return Finding(
        code=code,
        severity=declared.severity,
        sheet=place.sheet,
        cell=place.cell,
        row_label=place.row_label,
        column_label=place.column_label,
        expected=str(expected),
        actual=str(actual),
        message=declared.text(variant, values),
        rule=declared.rule,
        table=place.table,
        stage=stage,
        table_index=place.table_index,
        position=(place.row, place.col),
        cells=cells,
    )


def ordered(found: list[Finding]) -> list[Finding]:
    return sorted(found, key=Finding.order)


@dataclass
class Report:
    """What xltool found in one file."""

    file: str
    unit: str = ""
    year: int | None = None
    format: str = ""
    file_type: str = ""
    standard: bool = False
    findings: list[Finding] = field(default_factory=list)
    failure: str = ""  # set when the file could not be read at all
    annotated: str = ""  # path of the annotated copy, when one was written
    # with last year's report: each compared part of the text -> the share of it that repeats last year's
    copied_shares: dict[str, float] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return sum(f.severity == Severity.ERROR for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == Severity.WARNING for f in self.findings)

    @property
    def valid(self) -> bool:
        return not self.failure and self.errors == 0

    def flatten(self, *fields: str) -> list[tuple[object, ...]]:
        return [tuple(getattr(f, name) for name in fields) for f in self.findings]

    def verdict(self) -> str:
        if self.failure:
            return words.UNREADABLE
        if self.valid and not self.warnings:
            return words.PASSED
        if self.valid:
            return f"{words.PASSED}（{self.warnings} 个{words.WARNING_WORD}）"
        return f"{self.errors} 个{words.ERROR_WORD}，{self.warnings} 个{words.WARNING_WORD}"

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "unit": self.unit,
            "year": self.year,
            "format": self.format,
            "file_type": self.file_type,
            "standard_template": self.standard,
            "valid": self.valid,
            "failure": self.failure,
            "annotated": self.annotated,
            "copied_shares": {part: round(share, 3) for part, share in self.copied_shares.items()},
            "counts": {"errors": self.errors, "warnings": self.warnings},
            "findings": [f.to_dict() for f in self.findings],
        }
