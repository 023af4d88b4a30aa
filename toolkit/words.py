"""Display words: what every output (terminal, workbook sheets, JSON, the web page) calls things.

Labels of the official form are not here (they come from ``templates/``); these are the tool's own words,
kept in one place so that the terminal, the summary workbook, the annotated copy and the web page agree.
"""

from __future__ import annotations

ERROR_WORD = "错误"
WARNING_WORD = "警告"
SEVERITY_WORDS = {"error": ERROR_WORD, "warning": WARNING_WORD}

# The columns a list of findings is shown with, in this order (annotated copy, summary, web page).
FINDING_COLUMNS = (
    ("severity", "级别"),
    ("sheet", "工作表"),
    ("cell", "单元格"),
    ("row_label", "行"),
    ("column_label", "列"),
    ("message", "说明"),
    ("expected", "应为"),
    ("actual", "实为"),
    ("code", "代码"),
)
FILE_WORD = "文件"
UNIT_WORD = "单位"
WHOLE_FILE = "整个文件"
NO_UNIT = "（未填单位）"
NOTHING_FOUND = "未发现问题"

# Verdicts of one checked file.
PASSED = "通过"
UNREADABLE = "无法读取"

# The live R1 indicator under 表三 of the standard workbook.
BALANCED = "平衡"
UNBALANCED = "不平衡"

# Sheets xltool adds to what it writes.
DETAIL_SHEET = "明细"
FINDINGS_SHEET = "校验结果"
STATUS_SHEET = "报送情况"
INSTRUCTIONS_SHEET = "填表说明"
ANNOTATED_SUFFIX = "_校验批注"

# What merge decided about each file, and about each unit of the roster (keys are the enum values).
FILE_STATUS = {
    "accepted": "已采用",
    "accepted_invalid": "有错误但已采用",
    "rejected": "退回修改",
    "unreadable": "无法读取",
    "superseded": "重复",
    "other_year": "年度不符",
    "not_on_roster": "名单外",
    "skipped": "已跳过",
}
UNIT_STATUS = {
    "ok": "通过",
    "errors": "退回修改",
    "unreadable": "无法读取",
    "missing": "未报送",
}
ROSTER_UNITS = "名单单位"
BALANCE_CHECK = "勾稽关系校验"
FILLED_BY = "填报单位"
