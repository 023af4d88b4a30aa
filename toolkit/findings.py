"""Data problems as values: a Finding per problem, a Report per file.

Every code is listed once in CODES with its severity and a short Chinese title; the README's table of codes
is checked against this list by the tests.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

ERROR = "error"
WARNING = "warning"

# code -> (severity, rule of FORMAT.md §5 or "", short Chinese title)
CODES: dict[str, tuple[str, str, str]] = {
    "balance-r1": (ERROR, "R1", "勾稽关系不平衡：一+二≠（七）+四"),
    "total-row-r2": (ERROR, "R2", "（七）总计不等于各项办理结果之和"),
    "total-column-r3": (ERROR, "R3", "总计列不等于各类申请人之和"),
    "total-review-r4": (ERROR, "R4", "表四总计不等于四项结果之和"),
    "blank-cell": (ERROR, "R5", "应填数字的单元格为空"),
    "not-a-number": (ERROR, "R5", "应填数字，却填了文字或符号"),
    "number-as-text": (ERROR, "R5", "数字以文本形式填写（含全角数字、空格或单位）"),
    "negative-number": (ERROR, "R5", "数字为负数"),
    "not-whole-number": (ERROR, "R5", "件数不是整数"),
    "too-many-decimals": (ERROR, "R5", "收费金额超过 4 位小数"),
    "date-in-number-cell": (ERROR, "R5", "应填数字，却是日期"),
    "error-value": (ERROR, "R5", "单元格是错误值（如 #REF!）"),
    "formula-overwritten": (ERROR, "", "自动计算的公式被改成了手填数字"),
    "formula-in-input": (WARNING, "", "填写项里输入了公式"),
    "formula-unverified": (WARNING, "", "此文件格式无法核验公式是否完整"),
    "missing-unit-name": (ERROR, "", "未填写单位名称"),
    "missing-year": (ERROR, "", "未填写年度或年度无效"),
    "format-outdated": (ERROR, "", "所用格式不适用于该年度"),
    "not-standard-template": (WARNING, "", "未使用标准模板"),
    "layout-changed": (WARNING, "", "标准模板的表格位置被改动"),
    "annotated-copy": (ERROR, "", "这是校验批注副本，不能作为报送文件"),
    "issued-exceeds-valid-r7b": (WARNING, "R7b", "本年制发件数大于现行有效件数"),
    "regulation-not-allowed-r8": (WARNING, "R8", "该类单位没有规章制定权，规章应为 0"),
    "cases-without-requests-r11": (WARNING, "R11", "表四有复议诉讼案件，表三却没有任何申请"),
    "carry-over-mismatch-r6": (WARNING, "R6", "上年结转数不等于上年报告的结转下年度数"),
    "stock-mismatch-r7": (WARNING, "R7", "现行有效件数与上年数、本年制发、废止不衔接"),
    "year-on-year-jump-r10": (WARNING, "R10", "主要数字与上年相比变化超过 5 倍"),
    "previous-mismatch": (WARNING, "", "上年文件与本文件的单位或年度不对应"),
    "unit-set-changed": (WARNING, "", "汇总的单位与上年不同"),
    "import-table-missing": (ERROR, "", "报告中没有找到某张表"),
    "import-rows-missing": (ERROR, "", "报告的表格缺少若干行"),
    "import-row-unclear": (ERROR, "", "报告的某行数字个数不对，无法确定所在列"),
    "import-row-repaired": (WARNING, "", "报告的某行缺一格，已按总计唯一补全"),
    "text-table-mismatch-r9": (WARNING, "R9", "正文中的数字与表格不一致"),
}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    sheet: str
    cell: str
    row_label: str
    column_label: str
    expected: str
    actual: str
    message: str
    rule: str = ""
    table: str = ""
    stage: int = 0  # order of discovery: 0 the cell itself, 1 sums, 2 balances, 3 warnings

    @property
    def location(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("stage")
        return data


def finding(
    code: str,
    message: str,
    *,
    sheet: str = "",
    cell: str = "",
    row_label: str = "",
    column_label: str = "",
    expected: object = "",
    actual: object = "",
    table: str = "",
    stage: int = 0,
) -> Finding:
    severity, rule, _ = CODES[code]
    return Finding(
        code=code,
        severity=severity,
        sheet=sheet,
        cell=cell,
        row_label=row_label,
        column_label=column_label,
        expected=str(expected),
        actual=str(actual),
        message=message,
        rule=rule,
        table=table,
        stage=stage,
    )


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

    @property
    def errors(self) -> int:
        return sum(f.severity == ERROR for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == WARNING for f in self.findings)

    @property
    def valid(self) -> bool:
        return not self.failure and self.errors == 0

    def flatten(self, *fields: str) -> list[tuple]:
        return [tuple(getattr(f, name) for name in fields) for f in self.findings]

    def verdict(self) -> str:
        if self.failure:
            return "无法读取"
        if self.valid and not self.warnings:
            return "通过"
        if self.valid:
            return f"通过（{self.warnings} 个警告）"
        return f"{self.errors} 个错误，{self.warnings} 个警告"

    def to_dict(self) -> dict:
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
            "counts": {"errors": self.errors, "warnings": self.warnings},
            "findings": [f.to_dict() for f in self.findings],
        }
