"""A published report (text, web page, Word file) -> the numbers of its tables, in the standard cells.

Rows are found by their labels, in the format's order; the values of a row are the cells after its label.
What cannot be read unambiguously is said precisely (which row, what was found), never guessed: a missing
row, a row with too few or too many values. One case is settled by arithmetic instead of guessing: a 表三 row
that lost one cell, where only one completion satisfies 总计 = 各列之和 (R3).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from toolkit.documents import BLANK_MARKS, Document, read_document
from toolkit.errors import UnreadableWorkbook
from toolkit.findings import Finding, finding
from toolkit.formats import AMOUNT, DELTA, Format, Table, available_formats, description, load_format
from toolkit.text import clip, label_matches, norm_label, simplified

_NOTE = re.compile(r"^[(（].*[)）]$")
VALUE_TEXT_LIMIT = 8  # a cell longer than this after a row label is text, not a value ("无", "/", "12件" are short)
_NUMBER = re.compile(r"^(?P<sign>[+\-−增减]?)(?P<digits>\d{1,3}(,\d{3})+|\d+)(?P<fraction>\.\d+)?$")
_TITLE_UNIT_FIRST = re.compile(r"(?P<unit>[^\s\d，。:：]{2,40}?)(?P<year>20\d{2})\s*年度?\s*政府信息公开工作年度报告")
_TITLE_YEAR_FIRST = re.compile(r"(?P<year>20\d{2})\s*年度?\s*(?P<unit>[^\s\d，。:：]{2,40}?)政府信息公开工作年度报告")
_PERIOD = re.compile(
    r"(?:统计期限|统计时间|数据统计)[^。]{0,8}?(20\d{2})\s*年\s*1\s*月\s*1\s*日|截[止至]\s*(20\d{2})\s*年\s*12\s*月\s*31\s*日"
)


@dataclass
class Imported:
    document: Document
    format: Format
    header: dict[str, object]
    values: dict[str, object]  # numbers as int/Decimal; anything else kept as the text found
    absent: set[str] = field(default_factory=set)  # cells whose row (or table) the document does not have
    problems: list[Finding] = field(default_factory=list)


def to_value(text: str, kind: str) -> object:
    """A number for a clean numeral (full-width digits and thousands separators allowed); else the text."""
    if text in BLANK_MARKS:
        return ""
    cleaned = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    match = _NUMBER.match(cleaned)
    if not match:
        return text.strip()
    sign = match.group("sign")
    if sign in ("增", "减") and kind != DELTA:
        return text.strip()  # 增/减 only belongs in a 本年增/减 cell
    number = Decimal(match.group("digits").replace(",", "") + (match.group("fraction") or ""))
    if sign in ("-", "−", "减"):
        number = -number
    if kind != AMOUNT and number == number.to_integral_value():
        return int(number)
    return number


def _tokens(document: Document) -> list[tuple[int, str]]:
    return [(row_index, simplified(cell)) for row_index, row in enumerate(document.rows) for cell in row]


def _is_value_like(text: str) -> bool:
    if len(text) <= VALUE_TEXT_LIMIT:
        return True
    return bool(_NUMBER.match(unicodedata.normalize("NFKC", text).strip().replace(" ", "")))


_LABELLED_VALUE = re.compile(r"^(?P<label>\D+?)\s*(?P<value>[+\-]?[\d,.]+)$")


def _without_label(text: str, column_label: str) -> str:
    """ "本年制发 0" -> "0" when the words are the column's own label, shortened."""
    match = _LABELLED_VALUE.match(text.strip())
    if match and norm_label(column_label).startswith(norm_label(match.group("label"))):
        return match.group("value")
    return text


def _trimmed(cells: list[str]) -> list[str]:
    """Without the empty cells that tabs and pipes leave at the end of a line."""
    cells = list(cells)
    while cells and cells[-1] == "":
        cells.pop()
    return cells


class _Reader:
    def __init__(self, document: Document, fmt: Format) -> None:
        self.document = document
        self.fmt = fmt
        self.tokens = _tokens(document)
        self.norms = [norm_label(t) for _, t in self.tokens]
        self.values: dict[str, object] = {}
        self.absent: set[str] = set()
        self.problems: list[Finding] = []
        self.signed = False  # the document uses the format's own words: a report even if its tables are cut off
        labels = set()
        for table in fmt.tables:
            labels.update(norm_label(p) for axis in (*table.rows, *table.columns) for p in axis.path)
            labels.update(norm_label(b.title) for b in table.blocks)
            if table.row_head:
                labels.add(norm_label(table.row_head))
        self.all_labels = {label for label in labels if label}

    # -- finding the tables ------------------------------------------------------------------------------
    def find(self, label: str, start: int = 0, end: int | None = None) -> int | None:
        wanted = norm_label(label)
        for index in range(start, len(self.tokens) if end is None else end):
            if label_matches(self.norms[index], wanted):
                return index
        return None

    def anchor(self, table: Table, after: int) -> int | None:
        if table.blocks:  # the first block a report has (an excerpt may start further down)
            hits = [self.find(axis.label, after) for block in table.blocks for axis in block.rows[:1]]
            return min((h for h in hits if h is not None), default=None)
        if any(r.path for r in table.rows):
            return self.find(table.rows[0].label, after)
        wanted = norm_label(table.columns[0].path[0])
        return next((i for i in range(after, len(self.norms)) if self.norms[i].startswith(wanted)), None)

    # -- values of a labelled row ------------------------------------------------------------------------
    def row_tokens(self, start: int, end: int) -> list[str]:
        found = []
        for index in range(start, end):
            text = self.tokens[index][1]
            norm = self.norms[index]
            if norm in self.all_labels or any(
                label_matches(norm, label) for label in self.all_labels if len(label) >= 4
            ):
                break
            if _NOTE.match(text):
                continue  # a note in brackets beside a label, e.g. "（区分处理的……）"
            if not _is_value_like(text):
                break
            found.append(text)
        return found

    def missing(self, table: Table, keys: list[str], what: str) -> None:
        if not keys:
            return
        labels = [self._row_label(table, k) for k in keys]
        shown = "、".join(labels[:6]) + (f" 等 {len(labels)} 行" if len(labels) > 6 else "")
        self.about_table(
            "import-rows-missing",
            table,
            f"{table.title}缺少{what}：{shown}（原文可能不完整或被截断）",
            "完整的表格",
            f"缺 {len(labels)} 行",
        )

    def about_table(self, code: str, table: Table, message: str, expected: str, actual: str) -> None:
        self.problems.append(
            finding(code, message, sheet=table.title, table=table.title, expected=expected, actual=actual)
        )

    @staticmethod
    def _row_label(table: Table, key: str) -> str:
        axis = next((r for r in table.rows if r.key == key), None)
        return axis.label if axis else key

    def unclear(self, table: Table, label: str, found: list[str], expected: int) -> None:
        shown = "、".join(t if t else "空" for t in found) or "无"
        message = (
            f"“{clip(label, 30)}”一行找到 {len([t for t in found if t])} 个数（{clip(shown, 60)}），应有 {expected} 个；"
            "无法确定各数属于哪一列（网页表格可能被压平或缺格），请对照原表核实"
        )
        self.about_row("import-row-unclear", table, label, message, f"{expected} 个数", clip(shown, 60))

    def about_row(self, code: str, table: Table, label: str, message: str, expected: str, actual: str) -> None:
        self.problems.append(
            finding(
                code, message, sheet=table.title, row_label=label, table=table.title, expected=expected, actual=actual
            )
        )

    def assign(self, table: Table, row_key: str, columns, texts: list[str]) -> None:
        for col, text in zip(columns, texts, strict=True):
            self.values[table.cell_id(row_key, col.key)] = to_value(_without_label(text, col.label), col.kind)

    def mark_absent(self, table: Table, row_key: str, columns) -> None:
        self.absent.update(table.cell_id(row_key, c.key) for c in columns)

    # -- one row: fit the cells found to the columns -----------------------------------------------------
    def fit(self, table: Table, row_key: str, label: str, columns, found: list[str], filler: bool) -> None:
        k = len(columns)
        cells = _trimmed(found)
        while len(cells) > k and cells[0] == "":
            cells.pop(0)
        if len(cells) == k and (cells[0] != "" or not filler):
            self.assign(table, row_key, columns, cells)
            return
        filled = [c for c in cells if c != ""]
        if len(filled) == k:
            self.assign(table, row_key, columns, filled)
            return
        completed = self.complete_by_total(table, columns, filled)
        if completed is not None:
            self.assign(table, row_key, columns, completed)
            message = (
                f"“{clip(label, 30)}”一行只有 {len(filled)} 个数，应有 {k} 个；按“总计=各列之和”只有一种补法，"
                "已据此补全，请对照原表核实"
            )
            self.about_row("import-row-repaired", table, label, message, f"{k} 个数", "、".join(filled))
            return
        self.unclear(table, label, cells, k)
        self.mark_absent(table, row_key, columns)

    @staticmethod
    def complete_by_total(table: Table, columns, filled: list[str]) -> list[str] | None:
        """The one way to put a lost cell back so that the row total holds, if there is exactly one."""
        total = next((t for t in table.totals if not t.on_rows), None)
        keys = [c.key for c in columns]
        if total is None or len(filled) != len(keys) - 1 or total.target not in keys:
            return None
        numbers = [to_value(t, "count") for t in filled]
        if not all(isinstance(n, int) and n >= 0 for n in numbers):
            return None
        target = keys.index(total.target)
        terms = [keys.index(t) for t in total.terms if t in keys]
        rows = set()
        for gap in range(len(keys)):
            row: list[int | None] = [*numbers[:gap], None, *numbers[gap:]]
            if gap == target:
                row[gap] = sum(row[i] for i in terms)
            else:
                row[gap] = row[target] - sum(row[i] for i in terms if i != gap)
            if row[gap] >= 0:
                rows.add(tuple(row))
        return [str(n) for n in next(iter(rows))] if len(rows) == 1 else None

    # -- tables --------------------------------------------------------------------------------------------
    def labelled_rows(self, table: Table, rows, columns_of, start: int, end: int) -> None:
        positions: dict[str, int] = {}
        missing: list[str] = []
        cursor = start
        for axis in rows:
            index = self.find(axis.label, cursor, end)
            if index is None:
                missing.append(axis.key)
                self.mark_absent(table, axis.key, columns_of(axis.key))
                continue
            positions[axis.key] = index
            cursor = index + 1
        found = {key: self.row_tokens(index + 1, end) for key, index in positions.items()}
        # A leading empty cell on rows that have one more cell than columns is the label's merged filler.
        filler = any(
            len(_trimmed(cells)) == len(columns_of(key)) + 1 and cells[0] == "" for key, cells in found.items()
        )
        for axis in rows:
            if axis.key in found:
                self.fit(table, axis.key, axis.label, columns_of(axis.key), found[axis.key], filler)
        self.missing(table, missing, "以下各行")

    def blocks(self, table: Table, start: int, end: int) -> None:
        columns = {axis.key: block.columns for block in table.blocks for axis in block.rows}
        rows = [axis for block in table.blocks for axis in block.rows]
        self.labelled_rows(table, rows, columns.__getitem__, start, end)

    def matrix(self, table: Table, start: int, end: int) -> None:
        self.labelled_rows(table, table.rows, lambda _key: table.columns, start, end)

    def header_only(self, table: Table, start: int, end: int) -> None:
        """表四: header rows, then one row of values; values may also stand beside their labels ("结果维持 5")."""
        words = sorted({p for c in table.columns for p in c.path}, key=len, reverse=True)
        rows: dict[int, list[str]] = {}
        for index in range(start, end):
            rows.setdefault(self.tokens[index][0], []).append(self.tokens[index][1])
        values: list[str] = []
        for cells in rows.values():
            kinds = []
            for cell in cells:
                stripped = cell
                for word in words:
                    stripped = stripped.replace(word, "")
                stripped = stripped.strip(" :：")
                if stripped != cell.strip(" :："):
                    kinds.append(("mixed" if stripped else "pure", stripped))
                elif not _is_value_like(cell):
                    kinds.append(("text", cell))
                else:
                    kinds.append(("plain", cell))
            if any(kind == "text" for kind, _ in kinds):
                break  # narrative text: the table is over
            header_row = any(kind == "pure" for kind, _ in kinds) and not any(kind == "mixed" for kind, _ in kinds)
            values += [text for kind, text in kinds if kind == "mixed" or (kind == "plain" and not header_row)]
        self.fit(table, table.rows[0].key, table.title, table.columns, values, filler=False)

    def read(self) -> None:
        anchors = []
        after = 0
        for table in self.fmt.tables:
            anchor = self.anchor(table, after)
            anchors.append((anchor, table))
            after = anchor + 1 if anchor is not None else after
        found = sorted((a, t.key) for a, t in anchors if a is not None)
        if not found and not self.signed:
            raise LookupError
        for anchor, table in anchors:
            if anchor is None:
                self.absent.update(c.id for c in table.cells)
                message = f"没有找到{table.title}（表格缺失或标题、行名无法识别）"
                self.about_table("import-table-missing", table, message, "表格", "缺失")
                continue
            later = [a for a, _ in found if a > anchor]
            end = later[0] if later else len(self.tokens)
            if table.blocks:
                self.blocks(table, anchor, end)
            elif any(r.path for r in table.rows):
                self.matrix(table, anchor, end)
            else:
                self.header_only(table, anchor, end)


def detect_format(document: Document) -> Format | None:
    """The format whose distinctive words the document uses most; the newest when they tie."""
    text = norm_label(" ".join(" ".join(row) for row in document.rows))
    scores = []
    for format_id in available_formats():
        fmt = load_format(format_id)
        hits = sum(norm_label(word) in text for word in fmt.signature)
        scores.append((hits, fmt.first_year, fmt))
    scores.sort(key=lambda s: (s[0], s[1]), reverse=True)
    best = scores[0]
    if best[0]:
        return best[2]
    newest = load_format()
    t2, t3 = newest.table("t2"), newest.table("t3")
    anchors = [norm_label(t3.rows[0].label), *(norm_label(r.label) for r in t2.rows)]
    cells = {norm_label(cell) for row in document.rows for cell in row}
    return newest if norm_label(t3.rows[0].label) in text or any(a in cells for a in anchors) else None


def report_header(document: Document) -> dict[str, object]:
    """Unit and year from the title ("白鹤镇人民政府2021年政府信息公开工作年度报告"), else the year from the text."""
    header: dict[str, object] = {}
    lines = [simplified(row[0]) for row in document.rows[:60] if row and row[0]]
    for line in lines:
        match = _TITLE_YEAR_FIRST.search(line) or _TITLE_UNIT_FIRST.search(line)
        if match:
            unit = match.group("unit").strip()
            if unit and not unit.startswith(("关于", "本")):
                header["unit_name"] = unit
                unit_type = infer_unit_type(unit)
                if unit_type:
                    header["unit_type"] = unit_type
            header["year"] = int(match.group("year"))
            return header
    period = _PERIOD.search(simplified(document.text))
    if period:
        header["year"] = int(period.group(1) or period.group(2))
    return header


def infer_unit_type(unit: str) -> str:
    """The 单位类型 a unit's name shows (白鹤镇人民政府 -> 乡镇/街道), from the header description."""
    for unit_type in description("header")["unit_types"]:
        if unit.endswith(tuple(unit_type.get("suffixes", ()))):
            return unit_type["label"]
    return ""


def import_document(document: Document) -> Imported:
    fmt = detect_format(document)
    if fmt is None:
        raise UnreadableWorkbook(document.path, "没有找到年度报告的表格（表二、表三、表四）")
    reader = _Reader(document, fmt)
    reader.signed = any(norm_label(w) in norm_label(document.text) for w in fmt.signature)
    try:
        reader.read()
    except LookupError:
        raise UnreadableWorkbook(document.path, "没有找到年度报告的表格（表二、表三、表四）") from None
    imported = Imported(document, fmt, report_header(document), reader.values, reader.absent, reader.problems)
    imported.problems += narrative_checks(imported)
    return imported


# -- R9: what the text says against what the tables say ---------------------------------------------------
def _narrative_rules() -> list[dict]:
    return description("narrative")["text_checks"]


def _cells_of(fmt: Format, spec: str) -> list[str]:
    table_key, rows, column = spec.split(".")
    table = fmt.table(table_key)
    first, _, last = rows.partition(":")
    keys = [r.key for r in table.rows]
    if first not in keys or (last and last not in keys):
        return []
    chosen = keys[keys.index(first) : keys.index(last or first) + 1]
    return [table.cell_id(k, column) for k in chosen]


def _depends_on(fmt: Format, cell_id: str, cells: set[str]) -> bool:
    """Whether a cell is, or is summed from, one of ``cells``."""
    from toolkit.totals import formula_sums

    if cell_id in cells:
        return True
    definition = formula_sums(fmt).get(cell_id)
    return definition is not None and any(_depends_on(fmt, t, cells) for t in definition.terms)


def _narrative_lines(document: Document) -> list[str]:
    return [simplified(row[0]) for row in document.rows if len(row) == 1 and len(row[0]) > 12]


def narrative_checks(imported: Imported) -> list[Finding]:
    from toolkit.rules import show
    from toolkit.totals import complete

    fmt = imported.format
    numbers = {k: v for k, v in imported.values.items() if isinstance(v, int | Decimal)}
    totals = complete(fmt, numbers)
    found: list[Finding] = []
    lines = _narrative_lines(imported.document)
    said: set[tuple[str, int]] = set()
    for rule in _narrative_rules():
        readings = []
        for reading in rule["readings"]:
            cells = [c for spec in reading.split("+") for c in _cells_of(fmt, spec)]
            if cells and not any(_depends_on(fmt, c, imported.absent) for c in cells):
                readings.append(sum(totals[c] for c in cells))
        if not readings:
            continue
        for line in lines:
            for pattern in rule["patterns"]:
                for match in re.finditer(pattern, line):
                    stated = int(match.group(1))
                    if stated in readings or (rule["what"], stated) in said:
                        continue
                    said.add((rule["what"], stated))
                    found.append(
                        finding(
                            "text-table-mismatch-r9",
                            f"正文说{rule['what']}为 {stated}（“{clip(match.group(0), 30)}”），表格中为 "
                            f"{'、'.join(dict.fromkeys(show(r) for r in readings))}，请核对",
                            expected=" 或 ".join(dict.fromkeys(show(r) for r in readings)),
                            actual=stated,
                            stage=3,
                        )
                    )
    return found


def read_report(path: Path, kind: str):
    """A published report as a Submission, so that every rule of `check` applies to it."""
    from toolkit.reader import document_kind_note, virtual_submission

    try:
        imported = import_document(read_document(path, kind))
    except UnreadableWorkbook as error:
        note = document_kind_note(path, kind)
        raise UnreadableWorkbook(path, f"{note}，其中{error.reason}" if note else error.reason) from None
    sub = virtual_submission(imported.format, imported.header, imported.values, path, file_type=kind)
    sub.absent = imported.absent
    sub.notes = imported.problems
    return sub


def import_to_workbook(
    path: Path | str, output: Path | str | None = None, folder: Path | str | None = None, force: bool = False
):
    """`xltool import`: a published report -> a standard workbook with its numbers; (path written, Report).

    Refuses (UnreadableWorkbook, nothing written) a report whose tables cannot be read completely, or that
    uses a format xltool does not write (the 2019 trial format: check it directly instead).
    """
    from toolkit.check import check_workbook
    from toolkit.make import template_name
    from toolkit.reader import DOCUMENTS
    from toolkit.template import write_workbook

    path = Path(path)
    checked = check_workbook(path)  # reads the file once, whatever it is
    sub = checked.submission
    if sub.file_type not in DOCUMENTS:
        raise UnreadableWorkbook(path, "这已经是工作簿，不需要导入；请直接用 xltool check 校验")
    blocking = [f for f in sub.notes if f.code in BLOCKING]
    if blocking:
        raise UnreadableWorkbook(path, f"表格无法完整读取：{blocking[0].message}")
    if not sub.format.writable:
        raise UnreadableWorkbook(
            path, f"该报告使用{sub.format.document}格式，不能导入为现行标准模板；可直接用 xltool check 校验"
        )
    target = (
        Path(output) if output else Path(folder or ".") / template_name(sub.unit or path.stem, checked.report.year or 0)
    )
    values = {cell_id: cv.value for cell_id, cv in sub.cells.items() if not sub.format.cells[cell_id].computed}
    header = {k: v for k, v in sub.header.items() if v not in (None, "")}
    write_workbook(target, sub.format, header, values, force=force)
    return target, checked.report


BLOCKING = {"import-table-missing", "import-rows-missing", "import-row-unclear"}
