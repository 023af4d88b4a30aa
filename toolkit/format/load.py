"""The format descriptions of ``templates/`` turned into :mod:`toolkit.format.model` values.

The loader is strict: an unknown key, a missing one, or a cell id that names no cell is a FormatError that
names the file and the place, so a typo in a description can never silently switch a rule off.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from toolkit import descriptions, words
from toolkit.errors import FormatError
from toolkit.format.model import (
    Axis,
    Balance,
    Block,
    CarryOver,
    Cell,
    Copied,
    CrossYear,
    Format,
    Header,
    HeaderField,
    HeaderKey,
    IssuedValid,
    Kind,
    NameWords,
    Plausibility,
    RosterColumns,
    Section,
    Sections,
    Shape,
    Stock,
    Table,
    TextCheck,
    Total,
    UnitType,
    YearSlips,
)

DEFAULT_FORMAT = "gov-2021"
FORMAT_PREFIX = "gov-"


class Fields:
    """One TOML table read key by key; :meth:`done` refuses the keys nobody asked for."""

    def __init__(self, raw: object, where: str) -> None:
        if not isinstance(raw, Mapping):
            raise FormatError(f"{where}：应为表（键值对），实为 {type(raw).__name__}")
        self.raw: Mapping[str, Any] = raw
        self.where = where
        self.used: set[str] = set()

    def _get(self, key: str, default: object = ...) -> Any:
        self.used.add(key)
        if key in self.raw:
            return self.raw[key]
        if default is ...:
            raise FormatError(f"{self.where}：缺少键 {key}")
        return default

    def text(self, key: str, default: str | None = None) -> str:
        value = self._get(key, ... if default is None else default)
        if not isinstance(value, str):
            raise FormatError(f"{self.where}.{key}：应为文字")
        return value

    def number(self, key: str, default: int | None = None) -> int:
        value = self._get(key, ... if default is None else default)
        if not isinstance(value, int) or isinstance(value, bool):
            raise FormatError(f"{self.where}.{key}：应为整数")
        return value

    def optional_number(self, key: str) -> int | None:
        self.used.add(key)
        return self.number(key) if key in self.raw else None

    def flag(self, key: str, default: bool | None = None) -> bool:
        value = self._get(key, ... if default is None else default)
        if not isinstance(value, bool):
            raise FormatError(f"{self.where}.{key}：应为 true 或 false")
        return value

    def texts(self, key: str, default: tuple[str, ...] | None = None) -> tuple[str, ...]:
        value = self._get(key, ... if default is None else list(default))
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise FormatError(f"{self.where}.{key}：应为文字列表")
        return tuple(value)

    def table(self, key: str) -> Fields:
        return Fields(self._get(key), f"{self.where}.{key}")

    def optional_table(self, key: str) -> Fields | None:
        self.used.add(key)
        return self.table(key) if key in self.raw else None

    def tables(self, key: str, default: list[object] | None = None) -> list[Fields]:
        value = self._get(key, ... if default is None else default)
        if not isinstance(value, list):
            raise FormatError(f"{self.where}.{key}：应为表的列表")
        return [Fields(item, f"{self.where}.{key}[{index}]") for index, item in enumerate(value)]

    def done(self) -> None:
        unknown = sorted(set(self.raw) - self.used)
        if unknown:
            raise FormatError(f"{self.where}：未知的键 {'、'.join(unknown)}")


# --- tables -----------------------------------------------------------------------------------------------
def _axes(items: list[Fields]) -> tuple[Axis, ...]:
    axes = []
    for item in items:
        path = item.texts("path") if "path" in item.raw else (item.text("label"),)
        axes.append(Axis(item.text("key"), path, item.flag("total", False), Kind(item.text("kind", "count"))))
        item.done()
    return tuple(axes)


def expand(spec: str, keys: list[str], where: str) -> tuple[str, ...]:
    """``"r03:r23"`` -> every key from r03 to r23 in table order; ``"r03"`` -> that key alone."""
    first, _, last = spec.partition(":")
    for key in (first, last or first):
        if key not in keys:
            raise FormatError(f"{where}：没有“{key}”这一行或列")
    return tuple(keys[keys.index(first) : keys.index(last or first) + 1])


def _blocks(raw: Fields) -> tuple[Block, ...]:
    blocks = []
    for item in raw.tables("blocks", []):
        blocks.append(Block(item.text("title"), _axes(item.tables("rows")), _axes(item.tables("columns"))))
        item.done()
    return tuple(blocks)


def _block_axes(blocks: tuple[Block, ...]) -> tuple[tuple[Axis, ...], tuple[Axis, ...]]:
    rows = tuple(r for b in blocks for r in b.rows)
    columns: dict[str, Axis] = {}
    for block in blocks:
        for column in block.columns:
            columns.setdefault(column.key, column)
    return rows, tuple(columns.values())


def _totals(raw: Fields, rows: tuple[Axis, ...], columns: tuple[Axis, ...]) -> tuple[Total, ...]:
    row_keys, column_keys = [r.key for r in rows], [c.key for c in columns]
    totals = []
    for item in raw.tables("totals", []):
        target = item.text("target")
        on_rows = target in row_keys
        keys = row_keys if on_rows else column_keys
        terms = expand(item.text("terms"), keys, item.where)
        totals.append(Total(item.text("code"), target, terms, on_rows, item.text("terms_name")))
        item.done()
    return tuple(totals)


def _balance(raw: Fields, rows: tuple[Axis, ...]) -> Balance | None:
    item = raw.optional_table("balance")
    if item is None:
        return None
    keys = [r.key for r in rows]
    left = tuple(k for spec in item.texts("left") for k in expand(spec, keys, item.where))
    right = tuple(k for spec in item.texts("right") for k in expand(spec, keys, item.where))
    balance = Balance(item.text("code"), left, right)
    item.done()
    return balance


def _column_names(table: Table) -> dict[str, str]:
    """What a finding calls each column: its label, or, where the table has that label more than once (表四
    has three 总计), the heading above it too (the review one, the suit ones)."""
    counts = Counter(c.label for c in table.columns)
    return {
        c.key: c.label if counts[c.label] == 1 or len(c.path) < 2 else f"{c.path[-2]} {c.label}" for c in table.columns
    }


def _cells(table: Table) -> tuple[Cell, ...]:
    total_keys = {t.target for t in table.totals}
    names = _column_names(table)
    pairs = (
        [(r, c) for b in table.blocks for r in b.rows for c in b.columns]
        if table.blocks
        else [(r, c) for r in table.rows for c in table.columns]
    )
    return tuple(
        Cell(
            id=table.cell_id(r.key, c.key),
            table=table.key,
            row=r.key,
            column=c.key,
            kind=c.kind,
            computed=r.key in total_keys or c.key in total_keys,
            row_label=r.label,
            column_label=names[c.key],
        )
        for r, c in pairs
    )


def _table(raw: Fields, index: int) -> Table:
    blocks = _blocks(raw)
    rows, columns = _block_axes(blocks) if blocks else (_axes(raw.tables("rows")), _axes(raw.tables("columns")))
    table = Table(
        key=raw.text("key"),
        index=index,
        number=raw.text("number"),
        title=raw.text("title"),
        shape=Shape(raw.text("layout")),
        rows=rows,
        columns=columns,
        blocks=blocks,
        row_head=raw.text("row_head", ""),
        corner=raw.text("corner", ""),
        totals=_totals(raw, rows, columns),
        balance=_balance(raw, rows),
    )
    raw.done()
    return Table(**{**table.__dict__, "cells": _cells(table)})


def _resolve(raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    """A table given as ``same_as = "<format>:<table>"`` is that table, with this one's keys on top; its
    ``replace_rows`` swaps a run of rows (and the totals that end there) for other rows."""
    if "same_as" not in raw:
        return dict(raw)
    format_id, _, key = str(raw["same_as"]).partition(":")
    base = next((t for t in descriptions.load(format_id).get("tables", []) if t.get("key") == key), None)
    if base is None:
        raise FormatError(f"{where}：same_as 指向不存在的表 {raw['same_as']}")
    table = {
        **_resolve(copy.deepcopy(base), where),
        **{k: v for k, v in raw.items() if k not in ("same_as", "replace_rows")},
    }
    if "replace_rows" in raw:
        change = Fields(raw["replace_rows"], f"{where}.replace_rows")
        keys = [r["key"] for r in table["rows"]]
        first, last = change.text("first"), change.text("last")
        new_rows = change._get("rows")
        change.done()
        expand(f"{first}:{last}", keys, change.where)
        table["rows"] = [*table["rows"][: keys.index(first)], *new_rows, *table["rows"][keys.index(last) + 1 :]]
        for total in table.get("totals", []):
            total_first, _, total_last = total["terms"].partition(":")
            if total_last == last:
                total["terms"] = f"{total_first}:{new_rows[-1]['key']}"
    return table


# --- header, unit types, roster ---------------------------------------------------------------------------
def _header(raw: Fields) -> Header:
    fields = []
    for item in raw.tables("fields"):
        key = item.text("key")
        if key not in {k.value for k in HeaderKey}:
            raise FormatError(f"{item.where}：未知的基本信息字段 {key}")
        fields.append(HeaderField(HeaderKey(key), item.text("label"), item.text("kind"), item.flag("required")))
        item.done()
    missing = {k.value for k in HeaderKey} - {f.key.value for f in fields}
    if missing:
        raise FormatError(f"{raw.where}：缺少基本信息字段 {'、'.join(sorted(missing))}")
    header = Header(raw.text("sheet"), raw.text("title"), raw.text("note"), tuple(fields))
    raw.done()
    return header


def _unit_types(items: list[Fields]) -> tuple[UnitType, ...]:
    types = []
    for item in items:
        types.append(
            UnitType(
                item.text("key"),
                item.text("label"),
                item.flag("regulations"),
                item.texts("aliases", ()),
                item.texts("suffixes", ()),
            )
        )
        item.done()
    return tuple(types)


def _names(raw: Fields) -> NameWords:
    words = NameWords(raw.texts("same_unit_endings"), raw.texts("unit_endings"), raw.texts("file_words"))
    raw.done()
    return words


def _roster(raw: Fields) -> RosterColumns:
    columns = RosterColumns(raw.texts("name"), raw.texts("type"), raw.texts("code"))
    raw.done()
    return columns


# --- rule specifications ----------------------------------------------------------------------------------
def _cell_ids(specs: tuple[str, ...], cells: Mapping[str, Cell], where: str) -> tuple[str, ...]:
    for spec in specs:
        if spec not in cells:
            raise FormatError(f"{where}：没有单元格 {spec}")
    return specs


def _plausibility(raw: Fields | None, cells: Mapping[str, Cell]) -> Plausibility:
    if raw is None:
        return Plausibility()
    pairs = []
    for item in raw.tables("issued_not_above_valid", []):
        issued, valid = _cell_ids((item.text("issued"), item.text("valid")), cells, item.where)
        pairs.append(IssuedValid(issued, valid))
        item.done()
    spec = Plausibility(
        tuple(pairs),
        _cell_ids(raw.texts("regulation_cells", ()), cells, raw.where),
        _cell_ids(raw.texts("requests", ()), cells, raw.where),
        _cell_ids(raw.texts("cases", ()), cells, raw.where),
    )
    raw.done()
    return spec


def _carry_over(raw: Fields | None, tables: tuple[Table, ...]) -> CarryOver | None:
    if raw is None:
        return None
    table = next((t for t in tables if t.key == raw.text("table")), None)
    if table is None:
        raise FormatError(f"{raw.where}：没有表 {raw.text('table')}")
    keys = [r.key for r in table.rows]
    spec = CarryOver(
        table.key, expand(raw.text("this"), keys, raw.where)[0], expand(raw.text("last"), keys, raw.where)[0]
    )
    raw.done()
    return spec


def _cross_year(raw: Fields | None, tables: tuple[Table, ...], cells: Mapping[str, Cell]) -> CrossYear:
    if raw is None:
        return CrossYear()
    stock = []
    for item in raw.tables("stock", []):
        valid, issued, repealed = _cell_ids(
            (item.text("valid"), item.text("issued"), item.text("repealed")), cells, item.where
        )
        stock.append(Stock(valid, issued, repealed))
        item.done()
    spec = CrossYear(
        _carry_over(raw.optional_table("carry_over"), tables),
        tuple(stock),
        _cell_ids(raw.texts("headline", ()), cells, raw.where),
        raw.number("jump_factor", 5),
        raw.number("jump_floor", 10),
    )
    raw.done()
    return spec


def _reading(spec: str, tables: tuple[Table, ...]) -> tuple[str, ...] | None:
    """``"<table>.<row>:<row>.<column>+…"`` -> the cells it sums; None when this format lacks one of its rows."""
    cells: list[str] = []
    for part in spec.split("+"):
        table_key, rows, column = part.split(".")
        table = next((t for t in tables if t.key == table_key), None)
        if table is None:
            return None
        try:
            keys = expand(rows, [r.key for r in table.rows], spec)
        except FormatError:
            return None
        cells += [table.cell_id(k, column) for k in keys]
    return tuple(cells)


def _text_checks(items: list[Fields], tables: tuple[Table, ...]) -> tuple[TextCheck, ...]:
    checks = []
    for item in items:
        patterns = item.texts("patterns")
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise FormatError(f"{item.where}：正则表达式有误（{error}）") from None
        readings = tuple(r for spec in item.texts("readings") if (r := _reading(spec, tables)) is not None)
        checks.append(TextCheck(item.text("what"), patterns, readings))
        item.done()
    return tuple(checks)


def _copied(raw: Fields | None) -> Copied:
    if raw is None:
        return Copied()
    copied = Copied(
        raw.texts("parts"),
        raw.number("near_percent"),
        raw.number("warn_percent"),
        raw.number("min_sentence"),
        raw.number("min_part"),
    )
    raw.done()
    return copied


def _year_slips(raw: Fields | None) -> YearSlips:
    if raw is None:
        return YearSlips()
    slips = YearSlips(raw.texts("verbs"), raw.texts("skip", ()), raw.texts("before_year", ()))
    raw.done()
    return slips


def _sections(raw: Fields | None) -> Sections:
    if raw is None:
        return Sections()
    parts = []
    for item in raw.tables("parts"):
        parts.append(
            Section(
                ordinal=item.text("ordinal"),
                title=item.text("title"),
                variants=item.texts("variants", ()),
                min_content=item.number("min_content", 0),
                must_mention=item.texts("must_mention", ()),
                topic=item.text("topic", ""),
            )
        )
        item.done()
    sections = Sections(tuple(parts), raw.texts("empty_words", ()))
    raw.done()
    return sections


_PLACEHOLDER = re.compile(r"\{(\w+)(?::([\w.]+))?\}")


def _instructions(lines: tuple[str, ...], values: Mapping[str, str], tables: tuple[Table, ...]) -> tuple[str, ...]:
    """The 填表说明 lines with their placeholders filled from the format itself."""

    def row(spec: str) -> Axis:
        table_key, row_key = spec.split(".")
        return next(t for t in tables if t.key == table_key).row(row_key)

    def balance(table_key: str) -> str:
        table = next(t for t in tables if t.key == table_key)
        if table.balance is None:
            raise FormatError(f"填表说明：表 {table_key} 没有勾稽关系")
        left = "＋".join(table.row(k).label for k in table.balance.left)
        right = "＋".join(table.row(k).label for k in table.balance.right)
        return f"{left} ＝ {right}"

    def fill(match: re.Match[str]) -> str:
        name, argument = match.group(1), match.group(2)
        try:
            if name == "label" and argument:
                return row(argument).label
            if name == "path" and argument:
                return "·".join(row(argument).path[1:])
            if name == "balance" and argument:
                return balance(argument)
            return values[name]
        except (KeyError, StopIteration, ValueError):
            raise FormatError(f"填表说明：无法填写 {match.group(0)}") from None

    return tuple(_PLACEHOLDER.sub(fill, line) for line in lines)


# --- the format -------------------------------------------------------------------------------------------
def build_format(
    format_id: str,
    description: Mapping[str, Any],
    header: Mapping[str, Any] | None = None,
    narrative_checks: Mapping[str, Any] | None = None,
) -> Format:
    """A format from its description (as parsed TOML) and the shared ones; strict about every key."""
    raw = Fields(description, f"{format_id}.toml")
    shared = Fields(header if header is not None else descriptions.load("header"), "header.toml")
    narrative = Fields(
        narrative_checks if narrative_checks is not None else descriptions.load("narrative"), "narrative.toml"
    )
    display_words = _display_words()
    resolved = [_resolve(t.raw, t.where) for t in raw.tables("tables")]
    tables = tuple(_table(Fields(t, f"{format_id}.toml.tables[{i}]"), i) for i, t in enumerate(resolved))
    cells = {c.id: c for t in tables for c in t.cells}
    document, name, first_year = raw.text("document"), raw.text("name"), raw.number("first_year")
    instructions = raw.optional_table("instructions")
    placeholders = {"name": name, "document": document, "first_year": str(first_year), **display_words}
    fmt = Format(
        id=raw.text("id"),
        name=name,
        document=document,
        version=raw.text("version"),
        first_year=first_year,
        last_year=raw.optional_number("last_year"),
        writable=raw.flag("writable", True),
        signature=raw.texts("signature"),
        report_title=shared.text("report_title"),
        header=_header(shared.table("header")),
        unit_types=_unit_types(shared.tables("unit_types")),
        roster=_roster(shared.table("roster")),
        names=_names(shared.table("names")),
        tables=tables,
        plausibility=_plausibility(raw.optional_table("plausibility"), cells),
        cross_year=_cross_year(raw.optional_table("cross_year"), tables, cells),
        text_checks=_text_checks(narrative.tables("text_checks"), tables),
        instructions=_instructions(instructions.texts("lines"), placeholders, tables) if instructions else (),
        cells=cells,
        sections=_sections(narrative.optional_table("sections")),
        year_slips=_year_slips(narrative.optional_table("year_slips")),
        copied=_copied(narrative.optional_table("copied")),
    )
    for done in (raw, shared, narrative, *([instructions] if instructions else [])):
        done.done()
    if fmt.id != format_id:
        raise FormatError(f"{format_id}.toml：id 应为 {format_id}")
    return fmt


def _display_words() -> dict[str, str]:
    return {"balanced": words.BALANCED, "unbalanced": words.UNBALANCED}


@cache
def available_formats() -> tuple[str, ...]:
    """Every format description (``gov-*.toml``), newest first."""
    return descriptions.names(FORMAT_PREFIX)


@cache
def load_format(format_id: str = DEFAULT_FORMAT) -> Format:
    """The format described by ``templates/<format_id>.toml`` (bundled as ``toolkit.templates``)."""
    if format_id not in available_formats():
        raise KeyError(format_id)
    return build_format(format_id, descriptions.load(format_id))


def all_formats() -> Iterator[Format]:
    return (load_format(f) for f in available_formats())
