"""The hidden, machine-readable mark that tells a reader which format and template made a workbook.

It is written twice: as a defined-name constant (survives Excel, WPS and LibreOffice saves, also to .xls)
and as rows of a hidden sheet (readable where defined names are not, e.g. .ods through calamine).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

STAMP_NAME = "XLTOOL_STAMP"
STAMP_SHEET = "_xltool"
TEMPLATE_VERSION = "1"


class StampKind(StrEnum):
    TEMPLATE = "template"  # a unit's workbook (blank, prefilled, or imported from a report)
    SUMMARY = "summary"  # a county summary written by merge
    ANNOTATED = "annotated"  # a copy marked by check --annotate: never a submission


@dataclass(frozen=True)
class Stamp:
    format_id: str
    format_version: str
    template_version: str = TEMPLATE_VERSION
    kind: str = StampKind.TEMPLATE

    def text(self) -> str:
        return "|".join((self.format_id, self.format_version, self.template_version, self.kind))

    def rows(self) -> list[tuple[str, str]]:
        return [
            ("format", self.format_id),
            ("format_version", self.format_version),
            ("template_version", self.template_version),
            ("kind", self.kind),
        ]

    @classmethod
    def parse(cls, text: str) -> Stamp | None:
        parts = text.strip().strip('="').split("|")
        if len(parts) != 4 or not all(parts):
            return None
        return cls(*parts)

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[object]]) -> Stamp | None:
        pairs = {str(r[0]).strip(): str(r[1]).strip() for r in rows if len(r) >= 2 and r[0] != ""}
        try:
            return cls(pairs["format"], pairs["format_version"], pairs["template_version"], pairs["kind"])
        except KeyError:
            return None
