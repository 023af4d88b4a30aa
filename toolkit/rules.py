"""The 勾稽关系 rules of FORMAT.md §5, each a small function that yields findings.

Numbers are first read cell by cell (R5: what a person typed, and whether it is a usable number); then
every total is recomputed from the input cells (R2, R3, R4 compare it with the stated total; R1 balances
the recomputed columns). Cached totals are never trusted.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from toolkit.findings import Finding, finding
from toolkit.formats import AMOUNT, DELTA, Cell, load_format
from toolkit.layout import parse_address
from toolkit.reader import DOCUMENTS, CellValue, Submission
from toolkit.stamp import ANNOTATED
from toolkit.text import clip, parse_number_text, short_label
from toolkit.totals import Number, complete, sums

ERROR_VALUES = {"#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#N/A", "#NUM!", "#NULL!", "#ERROR", "#SPILL!", "#CALC!"}
STAGE_CELL, STAGE_SUM, STAGE_BALANCE, STAGE_WARNING = 0, 1, 2, 3
AMOUNT_DECIMALS = 4


def show(value: object) -> str:
    """A number as a person writes it: 12, 12.5, 59237.2449 (no exponent, no trailing zeros)."""
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class Numbers:
    """The usable number of every cell (0 where none could be read) and the totals as the workbook states them."""

    inputs: dict[str, Number]
    stated: dict[str, Number | None]
    totals: dict[str, Number]


def _as_number(value: Decimal | int) -> Number:
    if isinstance(value, int):
        return value
    return int(value) if value == value.to_integral_value() else value


def _check_value(value: Decimal, kind: str) -> str | None:
    if value < 0 and kind != DELTA:  # 本年增/减 (2019 format) is signed by nature
        return "negative-number"
    if kind != AMOUNT and value != value.to_integral_value():
        return "not-whole-number"
    if kind == AMOUNT and value.normalize().as_tuple().exponent < -AMOUNT_DECIMALS:
        return "too-many-decimals"
    return None


def classify(raw: object, kind: str) -> tuple[Decimal | int | None, str | None]:
    """(the number meant, the finding code) for what a cell holds; (None, code) when no number can be used."""
    if type(raw) is float and raw >= 0 and raw.is_integer() and raw < 2**53:
        return int(raw), None  # the common case, a whole number: no Decimal needed
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, "blank-cell"
    if isinstance(raw, bool):
        return None, "not-a-number"
    if isinstance(raw, dt.date | dt.time | dt.timedelta):
        return None, "date-in-number-cell"
    if isinstance(raw, int | float | Decimal):
        if isinstance(raw, float) and not math.isfinite(raw):
            return None, "not-a-number"
        value = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
        return value, _check_value(value, kind)
    text = str(raw).strip()
    if text.upper() in ERROR_VALUES:
        return None, "error-value"
    parsed = parse_number_text(text)
    if parsed is not None:
        return parsed, "number-as-text"
    return None, "not-a-number"


_EXPECTED = {
    "blank-cell": ("数字（没有发生请填 0）", "没有填写；没有发生的请填 0，不要留空"),
    "not-a-number": ("数字", "填的是“{raw}”，应填数字；没有发生的请填 0"),
    "number-as-text": ("数字 {value}", "“{raw}”是文本，不是数字；请直接填数字 {value}（不带单位、用半角数字）"),
    "negative-number": ("不小于 0 的数", "填的是 {value}，不能为负数"),
    "not-whole-number": ("整数", "填的是 {value}，件数应为整数"),
    "too-many-decimals": ("最多 4 位小数", "填的是 {value}，金额单位为万元，最多保留 4 位小数"),
    "date-in-number-cell": ("数字", "单元格是日期格式（{raw}），应填数字；请把单元格格式改为“常规”后重填"),
    "error-value": ("数字", "单元格显示错误值 {raw}，请重新填写数字"),
}


def at_cell(
    code: str, message: str, cell: Cell, cv: CellValue, table_title: str, expected: object, actual: object, stage: int
) -> Finding:
    """A finding about one cell of the format, located where the workbook has it."""
    return finding(
        code,
        message,
        sheet=cv.sheet,
        cell=cv.address,
        row_label=cell.row_label,
        column_label=cell.column_label,
        expected=expected,
        actual=actual,
        table=table_title,
        stage=stage,
    )


def _cell_finding(
    code: str, cell: Cell, cv: CellValue, raw: object, value: Decimal | None, table_title: str
) -> Finding:
    expected, message = _EXPECTED[code]
    values = {"raw": clip(raw, 30), "value": show(value) if value is not None else ""}
    actual = clip(raw, 60) if raw != "" else "空"
    return at_cell(code, message.format(**values), cell, cv, table_title, expected.format(**values), actual, STAGE_CELL)


def read_numbers(sub: Submission) -> tuple[Numbers, list[Finding]]:
    """R5 and formula integrity, cell by cell; the numbers every later rule uses."""
    fmt = sub.format
    found: list[Finding] = []
    inputs: dict[str, Number] = {}
    stated: dict[str, Number | None] = {}
    check_formulas = sub.standard and sub.formulas_checked
    titles = {t.key: t.title for t in fmt.tables}
    for cell in fmt.cells.values():
        if cell.id in sub.absent:
            inputs[cell.id] = 0
            stated[cell.id] = None
            continue
        cv = sub.cells[cell.id]
        title = titles[cell.table]
        raw = cv.error or cv.value
        if cell.computed:
            if check_formulas and cv.formula is None:
                message = f"这里原是自动计算的公式，现被改成手填的“{clip(raw, 20)}”；请使用标准模板重新填写，不要覆盖灰色单元格"
                actual = clip(raw, 60) if raw != "" else "空"
                found.append(at_cell("formula-overwritten", message, cell, cv, title, "公式", actual, STAGE_CELL))
            if cv.formula is not None and raw in ("", None) and not cv.error:
                stated[cell.id] = None  # a formula whose result was never cached: nothing stated
                continue
        elif check_formulas and cv.formula is not None:
            message = f"填写项里是公式“={clip(cv.formula, 30)}”，请直接填写数字"
            found.append(
                at_cell("formula-in-input", message, cell, cv, title, "数字", f"={clip(cv.formula, 50)}", STAGE_CELL)
            )
        value, code = classify(raw, cell.kind)
        if code:
            found.append(_cell_finding(code, cell, cv, raw, value, title))
        number = _as_number(value) if value is not None else None
        if cell.computed:
            stated[cell.id] = number
        else:
            inputs[cell.id] = number if number is not None else 0
    return Numbers(inputs, stated, complete(fmt, inputs)), found


_SUM_CODES = {"R2": "total-row-r2", "R3": "total-column-r3", "R4": "total-review-r4"}


def check_sums(sub: Submission, numbers: Numbers) -> Iterator[Finding]:
    """R2, R3, R4: every stated total against the total recomputed from the input cells."""
    fmt = sub.format
    for s in sums(fmt):
        if s.target in sub.absent or any(t in sub.absent for t in s.terms):
            continue
        stated = numbers.stated.get(s.target)
        recomputed = numbers.totals[s.target]
        if stated is None or stated == recomputed:
            continue
        cell = fmt.cells[s.target]
        cv = sub.cells[s.target]
        first, last = sub.cells[s.terms[0]], sub.cells[s.terms[-1]]
        what = "各类申请人" if s.rule == "R3" else "各项办理结果" if s.rule == "R2" else "四项结果"
        message = (
            f"总计填的是 {show(stated)}，{what}（{first.address}～{last.address}）相加是 {show(recomputed)}，"
            f"相差 {show(stated - recomputed)}"
        )
        title = fmt.table(cell.table).title
        yield at_cell(_SUM_CODES[s.rule], message, cell, cv, title, show(recomputed), show(stated), STAGE_SUM)


def check_balance(sub: Submission, numbers: Numbers) -> Iterator[Finding]:
    """R1, per column of 表三: 一 + 二 = （七）+ 四, on recomputed totals."""
    fmt = sub.format
    for table in fmt.tables:
        balance = table.balance
        if balance is None:
            continue
        left_name = "+".join(short_label(table.row(k).label) for k in balance.left)
        right_name = "+".join(short_label(table.row(k).label) for k in balance.right)
        for col in table.columns:
            involved = [table.cell_id(k, col.key) for k in (*balance.left, *balance.right)]
            if any(cell_id in sub.absent for cell_id in involved):
                continue
            left = sum(numbers.totals[table.cell_id(k, col.key)] for k in balance.left)
            right = sum(numbers.totals[table.cell_id(k, col.key)] for k in balance.right)
            if left == right:
                continue
            target = table.cell_id(balance.right[-1], col.key)
            message = f"{left_name}={show(left)}，{right_name}={show(right)}，相差 {show(abs(left - right))}"
            yield at_cell(
                "balance-r1",
                message,
                fmt.cells[target],
                sub.cells[target],
                table.title,
                f"{left_name} = {right_name}",
                f"{show(left)} ≠ {show(right)}",
                STAGE_BALANCE,
            )


def _cell_warning(sub: Submission, code: str, cell_id: str, message: str, expected: object, actual: object):
    cell = sub.format.cells[cell_id]
    title = sub.format.table(cell.table).title
    return at_cell(code, message, cell, sub.cells[cell_id], title, expected, actual, STAGE_WARNING)


def check_warnings(sub: Submission, numbers: Numbers) -> Iterator[Finding]:
    """R7b, R8, R11: single-workbook warnings."""
    rules = sub.format.warnings
    value = numbers.totals.__getitem__
    t3_cut = any(c.table == "t3" and c.id in sub.absent for c in sub.format.cells.values())
    for pair in rules.get("issued_not_above_valid", []):
        if pair["issued"] in sub.absent or pair["valid"] in sub.absent:
            continue
        issued, valid = value(pair["issued"]), value(pair["valid"])
        if issued > valid:
            yield _cell_warning(
                sub,
                "issued-exceeds-valid-r7b",
                pair["issued"],
                f"本年制发 {show(issued)} 件，多于现行有效 {show(valid)} 件；请核对（本年制发的一般都仍有效）",
                f"≤ {show(valid)}",
                show(issued),
            )
    unit_type = sub.format.unit_type(str(sub.header.get("unit_type") or ""))
    if unit_type is not None and not unit_type.regulations:
        for cell_id in rules.get("regulation_cells", []):
            if cell_id not in sub.absent and value(cell_id):
                yield _cell_warning(
                    sub,
                    "regulation-not-allowed-r8",
                    cell_id,
                    f"单位类型为“{unit_type.label}”，没有规章制定权，规章应填 0，现为 {show(value(cell_id))}",
                    0,
                    show(value(cell_id)),
                )
    if t3_cut or any(c.table == "t4" and c.id in sub.absent for c in sub.format.cells.values()):
        return  # a report with rows cut off: R11 would compare with numbers it does not have
    cases = sum(value(c) for c in rules.get("case_totals", []))
    requests = value(rules["request_total"]) + sum(value(c) for c in rules.get("request_received", []))
    if cases and not requests:
        first_case = next(c for c in rules["case_totals"] if value(c))
        yield _cell_warning(
            sub,
            "cases-without-requests-r11",
            first_case,
            f"表四有 {show(cases)} 件行政复议或行政诉讼，表三却没有任何政府信息公开申请；请核对",
            "表三有申请",
            "表三全为 0",
        )


def check_header(sub: Submission) -> Iterator[Finding]:
    fmt = sub.format
    sheet_of = {k: v for k, v in sub.header_cells.items()}
    labels = {f.key: f.label for f in fmt.header}
    in_report = sub.file_type in DOCUMENTS
    if not sub.unit:
        sheet, cell = sheet_of.get("unit_name", (fmt.header_sheet, ""))
        yield finding(
            "missing-unit-name",
            "报告中没有找到单位名称（应在标题中，如“××镇人民政府2025年政府信息公开工作年度报告”）"
            if in_report
            else "没有填写单位名称",
            sheet=sheet,
            cell=cell,
            row_label=labels["unit_name"],
            expected="单位全称",
            actual="空",
        )
    year = report_year(sub)
    sheet, cell = sheet_of.get("year", (fmt.header_sheet, ""))
    raw = sub.header.get("year")
    if year is None:
        actual = "空" if raw in (None, "") else clip(raw, 30)
        yield finding(
            "missing-year",
            f"年度没有填写或无法识别（{actual}），请填写四位年份，例如 {dt.date.today().year - 1}",
            sheet=sheet,
            cell=cell,
            row_label=labels["year"],
            expected="四位年份",
            actual=actual,
        )
    elif fmt.last_year is not None and year > fmt.last_year:
        newest = load_format()
        yield finding(
            "format-outdated",
            f"{year} 年度的报告使用了旧格式（{fmt.document}），应使用{newest.document}格式",
            sheet=sheet,
            cell=cell,
            row_label=labels["year"],
            expected=newest.document,
            actual=fmt.document,
        )
    elif year < fmt.first_year:
        yield finding(
            "format-outdated",
            f"年度为 {year}，而本格式（{fmt.document}）从 {fmt.first_year} 年度起使用",
            sheet=sheet,
            cell=cell,
            row_label=labels["year"],
            expected=f"≥ {fmt.first_year}",
            actual=year,
        )


def report_year(sub: Submission) -> int | None:
    raw = sub.header.get("year")
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        year = int(raw) if float(raw).is_integer() else None
    elif isinstance(raw, str):
        digits = parse_number_text(raw.strip().removesuffix("年度").removesuffix("年"))
        year = int(digits) if digits is not None and digits == digits.to_integral_value() else None
    else:
        year = None
    if year is None or not 2000 <= year <= dt.date.today().year + 1:
        return None
    return year


def check_file_level(sub: Submission) -> Iterator[Finding]:
    if sub.stamp is not None and sub.stamp.kind == ANNOTATED:
        yield finding(
            "annotated-copy",
            "这是 xltool 生成的校验批注副本，只供修改参考；请报送改正后的原文件",
            expected="单位填报的工作簿",
            actual="校验批注副本",
        )
    if sub.file_type in DOCUMENTS:
        return  # a published report: no template to compare with, no formulas to verify
    if sub.stamp is None:
        yield finding(
            "not-standard-template",
            "未使用标准模板：表格是按名称找到的，请核对读取的数字；建议今后使用 xltool make-template 生成的模板",
            expected="标准模板",
            actual="自制表格",
        )
    for key in sub.moved_tables:
        table = sub.format.table(key)
        yield finding(
            "layout-changed",
            f"{table.title}不在标准模板的位置（行列被增删或移动），已按名称查找",
            sheet=table.title[:31],
            table=table.title,
            expected="标准位置",
            actual="已移动",
        )
    if not sub.formulas_checked:
        yield finding(
            "formula-unverified",
            f".{sub.file_type} 文件只能读取数值，无法核验公式是否被改动；建议另存为 .xlsx 后报送",
            expected=".xlsx",
            actual=f".{sub.file_type}",
        )


def _position(sub: Submission, f: Finding) -> tuple[int, int]:
    if not f.cell:
        return (-1, -1)
    row, col = parse_address(f.cell)
    return (row, col)


def order_findings(sub: Submission, found: list[Finding]) -> list[Finding]:
    """Errors first; within a table the cell itself before the sums and balances it breaks."""
    tables = {t.title: i for i, t in enumerate(sub.format.tables)}
    return sorted(
        found,
        key=lambda f: (f.severity != "error", tables.get(f.table, -1), f.stage, _position(sub, f)),
    )


def check_submission(sub: Submission) -> tuple[list[Finding], Numbers]:
    numbers, found = read_numbers(sub)
    found += list(check_sums(sub, numbers))
    found += list(check_balance(sub, numbers))
    found += list(check_header(sub))
    found += list(check_warnings(sub, numbers))
    found += list(check_file_level(sub))
    found += sub.notes
    return order_findings(sub, found), numbers


def check_previous(sub: Submission, numbers: Numbers, prev: Submission, prev_numbers: Numbers) -> list[Finding]:
    """R6, R7, R10 against last year's workbook of the same unit."""
    found: list[Finding] = []
    this_year, last_year = report_year(sub), report_year(prev)
    if (prev.unit and sub.unit and prev.unit != sub.unit) or (this_year and last_year and last_year != this_year - 1):
        found.append(
            finding(
                "previous-mismatch",
                f"上年文件是“{prev.unit or '?'}”{last_year or '?'} 年度，本文件是“{sub.unit or '?'}”{this_year or '?'} 年度",
                expected=f"{sub.unit} {this_year - 1 if this_year else ''} 年度",
                actual=f"{prev.unit} {last_year}",
                stage=STAGE_WARNING,
            )
        )
    rules = sub.format.cross_year

    def known(this_id: str, last_id: str) -> bool:
        """Both years have the cell (last year's report may use the other format, or have lost rows)."""
        return this_id not in sub.absent and last_id in prev_numbers.totals and last_id not in prev.absent

    carry = rules.get("carry_over")
    if carry:
        table_key, this_row = carry["this"].split(".")
        _, last_row = carry["last"].split(".")
        table = sub.format.table(table_key)
        for col in (c for c in table.columns if not c.total):  # a total column only repeats its parts
            this_id, last_id = table.cell_id(this_row, col.key), table.cell_id(last_row, col.key)
            if not known(this_id, last_id):
                continue
            now, before = numbers.totals[this_id], prev_numbers.totals[last_id]
            if now != before:
                found.append(
                    _cell_warning(
                        sub,
                        "carry-over-mismatch-r6",
                        this_id,
                        f"上年结转填 {show(now)}，上年报告的“{table.row(last_row).label}”是 {show(before)}",
                        show(before),
                        show(now),
                    )
                )
    for stock in rules.get("stock", []):
        if (
            not known(stock["valid"], stock["valid"])
            or stock["issued"] in sub.absent
            or stock["repealed"] in sub.absent
        ):
            continue
        now = numbers.totals[stock["valid"]]
        expected = (
            prev_numbers.totals[stock["valid"]] + numbers.totals[stock["issued"]] - numbers.totals[stock["repealed"]]
        )
        if now != expected:
            found.append(
                _cell_warning(
                    sub,
                    "stock-mismatch-r7",
                    stock["valid"],
                    f"现行有效 {show(now)} 件；按上年现行有效 + 本年制发 − 本年废止应为 {show(expected)} 件"
                    "（清理、到期失效或机构调整时可能合理）",
                    show(expected),
                    show(now),
                )
            )
    factor, floor = rules.get("jump_factor", 5), rules.get("jump_floor", 10)
    for cell_id in rules.get("headline", []):
        if not known(cell_id, cell_id):
            continue
        now, before = numbers.totals[cell_id], prev_numbers.totals[cell_id]
        if max(now, before) < floor or not before or not now:
            continue
        ratio = Decimal(now) / Decimal(before)
        if ratio > factor or ratio < Decimal(1) / factor:
            found.append(
                _cell_warning(
                    sub,
                    "year-on-year-jump-r10",
                    cell_id,
                    f"上年 {show(before)}，今年 {show(now)}，变化超过 {factor} 倍；请核对是否填错",
                    f"约 {show(before)}",
                    show(now),
                )
            )
    return found
