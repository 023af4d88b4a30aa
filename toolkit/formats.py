"""The official report formats, loaded from their descriptions in ``templates/``.

Nothing outside this module knows a label, a row order or which cells are computed: everything is read
from the format description (one TOML file per official format) and exposed as the small immutable
objects below.
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

COUNT = "count"
AMOUNT = "amount"
DELTA = "delta"  # a signed change such as 本年增/减: "+1", "-2", "减4"
DEFAULT_FORMAT = "gov-2021"


@dataclass(frozen=True)
class Axis:
    """A row or a column of a table: its key, its label path (outermost first) and whether it is a total."""

    key: str
    path: tuple[str, ...]
    total: bool = False
    kind: str = COUNT

    @property
    def label(self) -> str:
        return self.path[-1] if self.path else ""


@dataclass(frozen=True)
class Block:
    """One block of a ``blocks`` table (表二): a title, its rows and its value columns."""

    title: str
    rows: tuple[Axis, ...]
    columns: tuple[Axis, ...]


@dataclass(frozen=True)
class Total:
    """A computed row or column: ``target`` is the sum of ``terms`` (rows or columns of the same table)."""

    rule: str
    target: str
    terms: tuple[str, ...]
    on_rows: bool  # True: target is a row (sums down each column); False: target is a column


@dataclass(frozen=True)
class Balance:
    """Per column: sum of the ``left`` rows equals sum of the ``right`` rows (R1)."""

    rule: str
    left: tuple[str, ...]
    right: tuple[str, ...]


@dataclass(frozen=True)
class Cell:
    """One number of the report, identified as ``table.row.column``."""

    id: str
    table: str
    row: str
    column: str
    kind: str
    computed: bool
    row_label: str
    column_label: str


@dataclass(frozen=True)
class Table:
    key: str
    number: str
    title: str
    layout: str
    rows: tuple[Axis, ...]
    columns: tuple[Axis, ...]
    blocks: tuple[Block, ...] = ()
    row_head: str = ""
    corner: str = ""
    totals: tuple[Total, ...] = ()
    balance: Balance | None = None
    cells: tuple[Cell, ...] = field(default=(), compare=False)

    def row(self, key: str) -> Axis:
        return next(r for r in self.rows if r.key == key)

    def column(self, key: str) -> Axis:
        return next(c for c in self.columns if c.key == key)

    def cell_id(self, row: str, column: str) -> str:
        return f"{self.key}.{row}.{column}"


@dataclass(frozen=True)
class HeaderField:
    key: str
    label: str
    kind: str
    required: bool


@dataclass(frozen=True)
class UnitType:
    key: str
    label: str
    regulations: bool


@dataclass(frozen=True, eq=False)
class Format:
    id: str
    name: str
    document: str
    version: str
    first_year: int
    last_year: int | None
    writable: bool
    signature: tuple[str, ...]
    header_sheet: str
    header_title: str
    header: tuple[HeaderField, ...]
    unit_types: tuple[UnitType, ...]
    tables: tuple[Table, ...]
    warnings: dict
    cross_year: dict
    cells: dict[str, Cell] = field(compare=False, repr=False)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)

    @property
    def input_cells(self) -> list[Cell]:
        return [c for c in self.cells.values() if not c.computed]

    @property
    def computed_cells(self) -> list[Cell]:
        return [c for c in self.cells.values() if c.computed]

    def unit_type(self, text: str | None) -> UnitType | None:
        """The unit type named by a key (``town``) or a label (``乡镇/街道``), else None."""
        wanted = (text or "").strip()
        return next((u for u in self.unit_types if wanted in (u.key, u.label)), None)


def _axes(items: list[dict], default_kind: str = COUNT) -> tuple[Axis, ...]:
    return tuple(
        Axis(
            key=item["key"],
            path=tuple(item["path"]) if "path" in item else (item["label"],),
            total=item.get("total", False),
            kind=item.get("kind", default_kind),
        )
        for item in items
    )


def _expand_range(spec: str, axes: tuple[Axis, ...]) -> tuple[str, ...]:
    """``"r03:r23"`` -> every key from r03 to r23 in table order."""
    first, _, last = spec.partition(":")
    keys = [a.key for a in axes]
    return tuple(keys[keys.index(first) : keys.index(last or first) + 1])


def _table(raw: dict) -> Table:
    blocks = tuple(
        Block(title=b["title"], rows=_axes(b["rows"]), columns=_axes(b["columns"])) for b in raw.get("blocks", [])
    )
    if blocks:
        rows = tuple(r for b in blocks for r in b.rows)
        columns_seen: dict[str, Axis] = {}
        for b in blocks:
            for c in b.columns:
                columns_seen.setdefault(c.key, c)
        columns = tuple(columns_seen.values())
    else:
        rows, columns = _axes(raw["rows"]), _axes(raw["columns"])
    row_keys = {r.key for r in rows}
    totals = []
    for t in raw.get("totals", []):
        on_rows = t["target"] in row_keys
        totals.append(Total(t["rule"], t["target"], _expand_range(t["terms"], rows if on_rows else columns), on_rows))
    balance = (
        Balance(**{k: tuple(v) if isinstance(v, list) else v for k, v in raw["balance"].items()})
        if ("balance" in raw)
        else None
    )
    table = Table(
        key=raw["key"],
        number=raw["number"],
        title=raw["title"],
        layout=raw["layout"],
        rows=rows,
        columns=columns,
        blocks=blocks,
        row_head=raw.get("row_head", ""),
        corner=raw.get("corner", ""),
        totals=tuple(totals),
        balance=balance,
    )
    return _with_cells(table)


def _with_cells(table: Table) -> Table:
    total_keys = {t.target for t in table.totals}
    pairs = (
        [(r, c) for b in table.blocks for r in b.rows for c in b.columns]
        if table.blocks
        else [(r, c) for r in table.rows for c in table.columns]
    )
    cells = tuple(
        Cell(
            id=table.cell_id(r.key, c.key),
            table=table.key,
            row=r.key,
            column=c.key,
            kind=c.kind,
            computed=r.key in total_keys or c.key in total_keys,
            row_label=r.label,
            column_label=c.label,
        )
        for r, c in pairs
    )
    return Table(**{**table.__dict__, "cells": cells})


def _resolve_table(raw: dict) -> dict:
    """A table given as ``same_as = "<format>:<table>"`` is that table, with this one's keys on top."""
    if "same_as" not in raw:
        return raw
    format_id, _, key = raw["same_as"].partition(":")
    base = next(t for t in description(format_id)["tables"] if t.get("key") == key)
    table = {**_resolve_table(base), **{k: v for k, v in raw.items() if k not in ("same_as", "replace_rows")}}
    if "replace_rows" in raw:
        change = raw["replace_rows"]
        keys = [r["key"] for r in table["rows"]]
        first, last = keys.index(change["first"]), keys.index(change["last"])
        table["rows"] = [*table["rows"][:first], *change["rows"], *table["rows"][last + 1 :]]
        for total in table.get("totals", []):
            total_first, _, total_last = total["terms"].partition(":")
            if total_last == change["last"]:
                total["terms"] = f"{total_first}:{change['rows'][-1]['key']}"
    return table


def description(name: str) -> dict:
    """One description file of ``templates/`` as data (a format, ``header``, ``narrative``)."""
    resource = _descriptions().joinpath(f"{name}.toml")
    if not resource.is_file():
        raise KeyError(name)
    return tomllib.loads(resource.read_text(encoding="utf-8"))


def parse_format(text: str) -> Format:
    raw = tomllib.loads(text)
    shared = description("header")
    header = raw.get("header", shared["header"])
    tables = tuple(_table(_resolve_table(copy.deepcopy(t))) for t in raw["tables"])
    return Format(
        id=raw["id"],
        name=raw["name"],
        document=raw["document"],
        version=raw["version"],
        first_year=raw["first_year"],
        last_year=raw.get("last_year"),
        writable=raw.get("writable", True),
        signature=tuple(raw.get("signature", ())),
        header_sheet=header["sheet"],
        header_title=header["title"],
        header=tuple(HeaderField(**f) for f in header["fields"]),
        unit_types=tuple(
            UnitType(u["key"], u["label"], u["regulations"]) for u in raw.get("unit_types", shared["unit_types"])
        ),
        tables=tables,
        warnings=raw.get("warnings", {}),
        cross_year=raw.get("cross_year", {}),
        cells={c.id: c for t in tables for c in t.cells},
    )


def _descriptions():
    """The folder of format descriptions: package data when installed, ``templates/`` in a source checkout."""
    try:
        return resources.files("toolkit.templates")
    except ModuleNotFoundError:  # imported from a checkout that was not installed in place (e.g. tests)
        return Path(__file__).resolve().parent.parent / "templates"


@cache
def available_formats() -> tuple[str, ...]:
    """Every format description (``gov-*.toml``), newest first."""
    folder = _descriptions()
    names = [p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.startswith("gov-")]
    return tuple(sorted(names, reverse=True))


@cache
def load_format(format_id: str = DEFAULT_FORMAT) -> Format:
    """The format described by ``templates/<format_id>.toml`` (bundled as ``toolkit.templates``)."""
    resource = _descriptions().joinpath(f"{format_id}.toml")
    if not resource.is_file() or not format_id.startswith("gov-"):
        raise KeyError(format_id)
    return parse_format(resource.read_text(encoding="utf-8"))
