"""A report format as typed, frozen values: tables, their rows, columns and cells, the sums that make the
totals, and the specifications of the rules. Built by :mod:`toolkit.format.load` from ``templates/``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from toolkit.text import norm_label


class Kind(StrEnum):
    """What a number cell holds."""

    COUNT = "count"  # a whole number >= 0
    AMOUNT = "amount"  # a number >= 0 in 万元 with at most 4 decimals
    DELTA = "delta"  # a signed change (2019's yearly increase or decrease): "+1", "-2", "减4"


class Shape(StrEnum):
    """How a table is drawn."""

    BLOCKS = "blocks"  # 表二: titled blocks, each with its own columns
    MATRIX = "matrix"  # 表三, 表四: one header over every row


class HeaderKey(StrEnum):
    """The header fields the tool reads; ``templates/header.toml`` gives their labels and must have them all."""

    UNIT = "unit_name"
    UNIT_TYPE = "unit_type"
    YEAR = "year"
    FILLER = "filler"
    PHONE = "phone"
    FILLED_ON = "filled_on"


@dataclass(frozen=True)
class Axis:
    """A row or a column of a table: its key, its label path (outermost first) and whether it is a total."""

    key: str
    path: tuple[str, ...]
    total: bool = False
    kind: Kind = Kind.COUNT

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

    code: str  # the finding when a stated total differs from the sum
    target: str
    terms: tuple[str, ...]
    on_rows: bool  # True: target is a row (sums down each column); False: target is a column
    terms_name: str  # what the terms are, in the finding's message


@dataclass(frozen=True)
class Balance:
    """Per column: sum of the ``left`` rows equals sum of the ``right`` rows (R1)."""

    code: str
    left: tuple[str, ...]
    right: tuple[str, ...]


@dataclass(frozen=True)
class Cell:
    """One number of the report, identified as ``table.row.column``."""

    id: str
    table: str
    row: str
    column: str
    kind: Kind
    computed: bool
    row_label: str
    column_label: str


@dataclass(frozen=True)
class Table:
    key: str
    index: int  # position in the format
    number: str
    title: str
    shape: Shape
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

    @property
    def labelled_rows(self) -> bool:
        """Whether the rows carry labels (表三) or the table is one row under its header (表四)."""
        return any(r.path for r in self.rows)

    def columns_of(self, row_key: str) -> tuple[Axis, ...]:
        """The value columns of one row: its block's columns in 表二, every column elsewhere."""
        for block in self.blocks:
            if any(r.key == row_key for r in block.rows):
                return block.columns
        return self.columns

    def labels(self) -> set[str]:
        """Every label of the table, normalized: row and column paths, block titles, the row head."""
        found = {norm_label(p) for axis in (*self.rows, *self.columns) for p in axis.path}
        found.update(norm_label(b.title) for b in self.blocks)
        found.add(norm_label(self.row_head))
        return {label for label in found if label}


@dataclass(frozen=True)
class HeaderField:
    key: HeaderKey
    label: str
    kind: str  # text, choice, year, date
    required: bool


@dataclass(frozen=True)
class UnitType:
    key: str
    label: str
    regulations: bool  # whether such a unit may make 规章 (R8)
    aliases: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()

    def names(self) -> tuple[str, ...]:
        """Every way of writing this type, normalized (key in lower case, label, aliases)."""
        return (self.key.lower(), norm_label(self.label).lower(), *(norm_label(a).lower() for a in self.aliases))


@dataclass(frozen=True)
class Header:
    sheet: str
    title: str
    note: str
    fields: tuple[HeaderField, ...]

    def field(self, key: HeaderKey) -> HeaderField:
        return next(f for f in self.fields if f.key == key)

    def label(self, key: HeaderKey) -> str:
        return self.field(key).label


@dataclass(frozen=True)
class NameWords:
    """Words for comparing unit names (see ``templates/header.toml``, section ``names``)."""

    same_unit_endings: tuple[str, ...] = ()
    unit_endings: tuple[str, ...] = ()
    file_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class RosterColumns:
    name: tuple[str, ...]
    type: tuple[str, ...]
    code: tuple[str, ...]


# --- rule specifications ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class IssuedValid:
    issued: str
    valid: str


@dataclass(frozen=True)
class Plausibility:
    """Single-workbook warnings: R7b pairs, R8 cells, R11 request and case totals."""

    issued_not_above_valid: tuple[IssuedValid, ...] = ()
    regulation_cells: tuple[str, ...] = ()
    requests: tuple[str, ...] = ()
    cases: tuple[str, ...] = ()


@dataclass(frozen=True)
class CarryOver:
    table: str
    this: str  # this year's row (二、上年结转)
    last: str  # last year's row (carried into the next year)


@dataclass(frozen=True)
class Stock:
    valid: str
    issued: str
    repealed: str


@dataclass(frozen=True)
class CrossYear:
    """Checks against the same unit's previous year: R6, R7, R10."""

    carry_over: CarryOver | None = None
    stock: tuple[Stock, ...] = ()
    headline: tuple[str, ...] = ()
    jump_factor: int = 5
    jump_floor: int = 10


@dataclass(frozen=True)
class TextCheck:
    """R9: a way the narrative quotes a number, and the cells (summed) it may stand for."""

    what: str
    patterns: tuple[str, ...]
    readings: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Section:
    """One of the parts of a report's text, in order: its ordinal and title (and the wordings reports use),
    how much it must say, and what it must mention (the fee of section 六)."""

    ordinal: str
    title: str
    variants: tuple[str, ...] = ()
    min_content: int = 0
    must_mention: tuple[str, ...] = ()
    topic: str = ""  # what must_mention stands for, in the finding

    @property
    def titles(self) -> tuple[str, ...]:
        return (self.title, *self.variants)


@dataclass(frozen=True)
class Sections:
    parts: tuple[Section, ...] = ()
    empty_words: tuple[str, ...] = ()  # a part holding only one of these says nothing ("无")


@dataclass(frozen=True)
class YearSlips:
    """Statistical sentences (holding one of ``verbs``) that name the year before or after the report's:
    a year left over from last year's text. A sentence with one of ``skip`` compares or plans, rightly."""

    verbs: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    before_year: tuple[str, ...] = ()  # a year right after one of these is a destination, not a slip


@dataclass(frozen=True)
class Copied:
    """Parts of the text (by ordinal) compared with the same unit's report of the year before, sentence by
    sentence: a sentence ``near_percent`` alike (numbers aside) counts as copied; a part whose copied share
    reaches ``warn_percent`` is warned. Sentences under ``min_sentence`` characters and parts under
    ``min_part`` are too short to judge."""

    parts: tuple[str, ...] = ()
    near_percent: int = 90
    warn_percent: int = 50
    min_sentence: int = 8
    min_part: int = 60


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
    report_title: str
    header: Header
    unit_types: tuple[UnitType, ...]
    roster: RosterColumns
    names: NameWords
    tables: tuple[Table, ...]
    plausibility: Plausibility
    cross_year: CrossYear
    text_checks: tuple[TextCheck, ...]
    instructions: tuple[str, ...]
    cells: Mapping[str, Cell] = field(repr=False)
    sections: Sections = Sections()
    year_slips: YearSlips = YearSlips()
    copied: Copied = Copied()

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)

    def table_of(self, cell_id: str) -> Table:
        return self.table(self.cells[cell_id].table)

    @property
    def input_cells(self) -> list[Cell]:
        return [c for c in self.cells.values() if not c.computed]

    @property
    def computed_cells(self) -> list[Cell]:
        return [c for c in self.cells.values() if c.computed]

    def unit_type(self, text: object) -> UnitType | None:
        """The unit type a person named: its key in any case, its label, or one of its aliases."""
        wanted = norm_label(text or "").lower()
        if not wanted:
            return None
        return next((u for u in self.unit_types if wanted in u.names()), None)

    def unit_type_words(self) -> str:
        """The accepted names of every unit type, for a message that refuses an unknown one."""
        return "；".join(f"{u.label}（{'、'.join((u.key, *u.aliases))}）" for u in self.unit_types)

    def infer_unit_type(self, unit: str) -> UnitType | None:
        """The unit type a unit's name shows by how it ends (…镇人民政府 is a town)."""
        return next((u for u in self.unit_types if u.suffixes and unit.endswith(u.suffixes)), None)
