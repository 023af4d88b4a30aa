"""Every rule on values built in memory: no file is read or written, so each rule is tested on its own."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest

from tests.support import FMT, balanced_inputs
from toolkit import descriptions
from toolkit.check.arithmetic import check_balance, check_sums
from toolkit.check.cells import classify, read_numbers
from toolkit.check.cross_year import check_against_last_year
from toolkit.check.narrative import check_text_numbers, check_year_slips
from toolkit.check.plausibility import (
    check_cases_without_requests,
    check_file_kind,
    check_header,
    check_issued_not_above_valid,
    check_regulations,
)
from toolkit.check.run import check
from toolkit.check.sections import check_sections
from toolkit.errors import FormatError
from toolkit.findings import catalogue
from toolkit.format.load import build_format, load_format
from toolkit.format.model import HeaderKey, Kind
from toolkit.format.stamp import Stamp, StampKind
from toolkit.format.totals import complete
from toolkit.read.values import FileType, virtual_submission

TOWN = {HeaderKey.UNIT: "白鹤镇人民政府", HeaderKey.UNIT_TYPE: "乡镇/街道", HeaderKey.YEAR: 2025}


def unit(changes=None, header=None, *, with_totals=True, file_type=FileType.XLSX, stamped=True):
    """A unit's submission in memory: balanced inputs plus ``changes``, totals stated as a workbook would."""
    values = {**balanced_inputs(), **(changes or {})}
    numeric = {k: v for k, v in values.items() if isinstance(v, int | float | Decimal) and not isinstance(v, bool)}
    stated = complete(FMT, {k: Decimal(repr(v)) if isinstance(v, float) else v for k, v in numeric.items()})
    cells = {**({c.id: stated[c.id] for c in FMT.computed_cells} if with_totals else {}), **values}
    sub = virtual_submission(FMT, {**TOWN, **(header or {})}, cells, "unit.xlsx", file_type)
    if stamped:
        sub.stamp = Stamp(FMT.id, FMT.version)
    if with_totals and not file_type.is_document:
        sub.formulas_checked = True  # as an .xlsx: every total still holds its formula
        for cell in FMT.computed_cells:
            sub.cells[cell.id].formula = "SUM()"
    return sub


def codes(found):
    return [(f.code, f.cell) for f in found]


def numbers_of(sub):
    return read_numbers(sub)[0]


@pytest.mark.parametrize(
    ("raw", "kind", "expected"),
    [
        (3.0, Kind.COUNT, (3, None)),
        (None, Kind.COUNT, (None, "blank-cell")),
        ("  ", Kind.COUNT, (None, "blank-cell")),
        ("无", Kind.COUNT, (None, "not-a-number")),
        (True, Kind.COUNT, (None, "not-a-number")),
        (float("nan"), Kind.COUNT, (None, "not-a-number")),
        ("１２件", Kind.COUNT, (Decimal(12), "number-as-text")),
        ("1,234", Kind.COUNT, (Decimal(1234), "number-as-text")),
        (-1.0, Kind.COUNT, (Decimal(-1), "negative-number")),
        (-2.0, Kind.DELTA, (Decimal(-2), None)),
        ("减4", Kind.DELTA, (Decimal(-4), "number-as-text")),
        (2.5, Kind.COUNT, (Decimal("2.5"), "not-whole-number")),
        (1.23456, Kind.AMOUNT, (Decimal("1.23456"), "too-many-decimals")),
        (1.2345, Kind.AMOUNT, (Decimal("1.2345"), None)),
        (dt.date(2025, 1, 1), Kind.COUNT, (None, "date-in-number-cell")),
        ("#REF!", Kind.COUNT, (None, "error-value")),
    ],
)
def test_classify_what_a_person_typed(raw, kind, expected):
    assert classify(raw, kind) == expected


def test_a_balanced_unit_has_no_finding():
    checked = check(unit())
    assert checked.report.findings == []
    assert checked.numbers.totals["t3.r24.c7"] == 11


def test_cell_findings_place_the_cell_and_say_what_was_found():
    numbers, found = read_numbers(unit({"t3.r05.c3": "无", "t3.r01.c1": "10件"}))
    assert codes(found) == [("number-as-text", "D6"), ("not-a-number", "F10")]
    assert found[1].message == "填的是“无”，应填数字；没有发生的请填 0"
    assert (found[1].row_label, found[1].column_label, found[1].expected, found[1].actual) == (
        "1.属于国家秘密",
        "科研机构",
        "数字",
        "无",
    )
    assert numbers.inputs["t3.r01.c1"] == 10  # a number typed as text still counts, so R1 is not broken too


def test_sums_r2_r3_r4_compare_stated_with_recomputed():
    sub = unit({"t3.r03.c7": 9, "t3.r24.c2": 7, "t4.cases.rv_total": 3})
    found = list(check_sums(sub, numbers_of(sub)))
    assert codes(found) == [("total-column-r3", "J8"), ("total-row-r2", "E29"), ("total-review-r4", "E6")]
    assert found[0].message == "总计填的是 9，各类申请人（D8～I8）相加是 5，相差 4"
    assert (found[2].expected, found[2].actual) == ("1", "3")


def test_balance_r1_per_column_on_recomputed_totals():
    sub = unit({"t3.r25.c1": 4})
    found = list(check_balance(sub, numbers_of(sub)))
    assert codes(found) == [("balance-r1", "D30"), ("balance-r1", "J30")]
    assert found[0].message == "一+二=12，（七）+四=13，相差 1"


def test_issued_not_above_valid_r7b():
    sub = unit({"t2.normative.issued": 20})
    assert codes(check_issued_not_above_valid(sub, numbers_of(sub))) == [("issued-exceeds-valid-r7b", "B6")]
    control = unit()
    assert list(check_issued_not_above_valid(control, numbers_of(control))) == []


def test_regulations_r8_only_for_units_that_cannot_make_them():
    town = unit({"t2.regulations.valid": 6})
    assert codes(check_regulations(town, numbers_of(town))) == [("regulation-not-allowed-r8", "D5")]
    other = unit({"t2.regulations.valid": 6}, {HeaderKey.UNIT_TYPE: "其他"})
    assert list(check_regulations(other, numbers_of(other))) == []
    alias = unit({"t2.regulations.valid": 6}, {HeaderKey.UNIT_TYPE: "乡镇"})  # an alias names the same type
    assert len(list(check_regulations(alias, numbers_of(alias)))) == 1


def test_cases_without_requests_r11_and_its_control():
    no_requests = {c.id: 0 for c in FMT.input_cells if c.table == "t3"}
    sub = unit({**no_requests, "t4.cases.rv_upheld": 1})
    assert codes(check_cases_without_requests(sub, numbers_of(sub))) == [("cases-without-requests-r11", "E6")]
    control = unit()
    assert list(check_cases_without_requests(control, numbers_of(control))) == []
    cut = unit({**no_requests, "t4.cases.rv_upheld": 1})
    cut.absent = {"t3.r05.c1"}  # a report with a row cut off: R11 cannot know there were no requests
    assert list(check_cases_without_requests(cut, numbers_of(cut))) == []


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ({HeaderKey.UNIT: ""}, [("missing-unit-name", "B3")]),
        ({HeaderKey.YEAR: None}, [("missing-year", "B5")]),
        ({HeaderKey.YEAR: "２０２５年度"}, []),
        ({HeaderKey.YEAR: 2019}, [("format-outdated", "B5")]),
    ],
)
def test_header(header, expected):
    assert codes(check_header(unit(header=header))) == expected


def test_file_kind_findings():
    assert codes(check_file_kind(unit(stamped=False))) == [("not-standard-template", "")]
    assert codes(check_file_kind(unit(with_totals=False))) == [("formula-unverified", "")]
    annotated = unit()  # a clerk's corrected copy is a submission like any other
    annotated.stamp = Stamp(FMT.id, FMT.version, kind=StampKind.ANNOTATED)
    assert codes(check_file_kind(annotated)) == []
    moved = unit()
    moved.moved_tables = ["t3"]
    assert codes(check_file_kind(moved)) == [("layout-changed", "")]


def test_cross_year_r6_r7_r10_and_a_mismatched_previous():
    last = check(unit({"t2.licensing.decisions": 20}, {HeaderKey.YEAR: 2024}))
    now_sub = unit({"t3.r02.c1": 2, "t3.r25.c1": 3})
    now = check(now_sub)
    found = check_against_last_year(now.year, last.year)
    assert codes(found) == [
        ("carry-over-mismatch-r6", "D7"),
        ("stock-mismatch-r7", "D6"),
        ("year-on-year-jump-r10", "B9"),
    ]
    other = check(unit(header={HeaderKey.UNIT: "别的镇", HeaderKey.YEAR: 2024}))
    assert ("previous-mismatch", "") in codes(check_against_last_year(now.year, other.year))


def test_text_numbers_r9_accept_every_plausible_reading():
    sub = unit(file_type=FileType.TXT)
    sub.narrative = (
        "本年度共收到政府信息公开申请12件。",  # 新收 (r01 total): right
        "全年共受理政府信息公开申请14件。",  # 新收 + 结转: a plausible reading, no warning
        "本年共收到政府信息公开申请20件。",  # no reading gives 20
    )
    found = list(check_text_numbers(sub, numbers_of(sub)))
    assert [(f.code, f.actual) for f in found] == [("text-table-mismatch-r9", "20")]


def test_text_numbers_r9_read_new_and_carried_requests_within_their_clause():
    sub = unit(file_type=FileType.TXT)  # 新收 12 (r01 total), 上年结转 2 (r02), 办结 11, 结转下年度 3
    sub.narrative = (
        "本年度新收政府信息公开申请12件，上年结转2件。",  # both right
        "本年新收政府信息公开申请13件。",  # 新收 is r01 only: wrong
        "上年度结转申请5件。",  # wrong
        "申请中同意公开答复5件，部分公开答复1件，转下一年度办理答复的有3件。",  # kinds of answer: not 办结
        "本年新收的申请中，自然人提出的占多数，共办结11件。",  # the number is in another clause than 新收
    )
    found = list(check_text_numbers(sub, numbers_of(sub)))
    assert [(f.code, f.actual) for f in found] == [("text-table-mismatch-r9", "13"), ("text-table-mismatch-r9", "5")]


REPORT_TEXT = (
    "白鹤镇人民政府2025年政府信息公开工作年度报告",
    "一、总体情况",
    "2025年，我镇认真贯彻《政府信息公开条例》，主动公开各类信息。",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "主动公开的深度还不够，解读材料偏少。下一步将加强培训，提高公开质量。",
    "六、其他需要报告的事项",
    "本年度未收取政府信息公开信息处理费。",
)


def sections_of(lines):
    sub = unit(file_type=FileType.TXT)
    sub.lines = tuple(lines)
    return [(f.code, f.message) for f in check_sections(sub, numbers_of(sub))]


def _replaced(old, *new):
    index = REPORT_TEXT.index(old)
    return (*REPORT_TEXT[:index], *new, *REPORT_TEXT[index + 1 :])


def test_sections_of_a_complete_report_say_nothing():
    assert sections_of(REPORT_TEXT) == []
    assert sections_of([" ".join(REPORT_TEXT)]) == []  # a crawled page: the whole report on one line


def test_a_missing_section_is_named():
    lines = [line for line in REPORT_TEXT if not line.startswith("五") and "下一步" not in line]
    assert sections_of(lines) == [("section-missing", "报告中没有找到“五、存在的主要问题及改进情况”这一部分")]


def test_wrong_repeated_or_soiled_ordinals_are_warned():
    found = sections_of(_replaced("六、其他需要报告的事项", "l六、其他需要报告的事项"))
    assert found == [("section-numbering", "标题“l六、其他需要报告的事项”的序号不对，应为“六、其他需要报告的事项”")]
    found = sections_of(_replaced("五、存在的主要问题及改进情况", "四、存在的主要问题和改进情况"))
    assert [code for code, _ in found] == ["section-numbering"] and "应为“五、存在的主要问题及改进情况”" in found[0][1]
    found = sections_of((*REPORT_TEXT, "一、总体情况"))
    assert [code for code, _ in found] == ["section-numbering"] and "重复出现" in found[0][1]
    assert (
        sections_of(_replaced("二、主动公开政府信息情况", "二、主动公开政府信息情况", "表二：主动公开政府信息情况"))
        == []
    )


def test_section_five_that_says_nothing():
    for empty in ("无。", "无", "暂无。", "有待加强。"):
        found = sections_of(_replaced("主动公开的深度还不够，解读材料偏少。下一步将加强培训，提高公开质量。", empty))
        assert [code for code, _ in found] == ["section-empty"], empty
    words_on_the_heading = _replaced(
        "五、存在的主要问题及改进情况", "五、存在的主要问题及改进情况：人员力量不足，需加强培训。"
    )
    assert sections_of([line for line in words_on_the_heading if "下一步" not in line]) == []


def test_section_six_must_report_the_processing_fee():
    found = sections_of(_replaced("本年度未收取政府信息公开信息处理费。", "本机关无其他需要报告的事项。"))
    assert [code for code, _ in found] == ["section-empty"]
    found = sections_of(_replaced("本年度未收取政府信息公开信息处理费。", "本机关认真落实各项工作要求。"))
    assert [code for code, _ in found] == ["section-topic-missing"] and "国办函〔2020〕109号" in found[0][1]
    assert sections_of(_replaced("本年度未收取政府信息公开信息处理费。", "全年未收费。")) == []


def test_a_page_of_tables_alone_has_no_sections_to_check():
    assert sections_of([line for line in REPORT_TEXT if line[0] in "二三四"]) == []


def test_a_workbook_has_no_sections_to_check():
    sub = unit()
    assert list(check_sections(sub, numbers_of(sub))) == []


def test_a_year_slip_in_a_statistical_sentence_is_warned_once_per_year():
    sub = unit(file_type=FileType.TXT)  # a 2025 report
    sub.lines = (
        "2024年，本机关共收到政府信息公开申请12件，2024年办结11件。",  # slip: last year's text
        "2025年共受理申请12件，转2026年办理3件。",  # right, and a destination year
        "与2024年相比，申请数量有所增加。",  # a comparison
        "针对上年度存在的问题，2024年制定的制度已全部整改到位。",  # last year's problems
        "2026年，我镇将进一步加强政务公开工作。",  # next year's plans
        "本年度报告中所列数据的统计期限自2025年1月1日起至2025年12月31日止。",
    )
    found = [(f.code, f.actual) for f in check_year_slips(sub, numbers_of(sub))]
    assert found == [("year-slip", "2024")]
    sub.lines = sub.lines[1:]
    assert list(check_year_slips(sub, numbers_of(sub))) == []


def test_every_declared_code_has_a_message_and_a_known_severity():
    for code in catalogue().values():
        assert code.summary and code.message and code.severity.word in ("错误", "警告")


def _gov_2021():
    return copy.deepcopy(descriptions.load("gov-2021"))


def test_a_typo_in_a_format_description_is_a_load_error_not_a_silent_rule():
    raw = _gov_2021()
    raw["plausibility"]["regulaton_cells"] = raw["plausibility"].pop("regulation_cells")
    with pytest.raises(FormatError, match="regulaton_cells"):
        build_format("gov-2021", raw)


def test_a_cell_that_does_not_exist_is_a_load_error():
    raw = _gov_2021()
    raw["cross_year"]["headline"] = ["t3.r01.c9"]
    with pytest.raises(FormatError, match=r"t3\.r01\.c9"):
        build_format("gov-2021", raw)


def test_an_unknown_key_in_a_table_is_a_load_error():
    raw = _gov_2021()
    raw["tables"][1]["totals"][0]["terms_nmae"] = "x"
    with pytest.raises(FormatError, match="terms_nmae"):
        build_format("gov-2021", raw)


def test_the_description_loads_to_the_same_format():
    fmt = build_format("gov-2021", _gov_2021())
    assert fmt.cells.keys() == load_format().cells.keys()
    assert fmt.instructions == load_format().instructions


def test_a_total_typed_over_its_formula_and_a_formula_typed_into_an_input():
    sub = unit()
    sub.cells["t3.r01.c7"].formula = None
    sub.cells["t3.r01.c1"].formula = "5+5"
    assert codes(read_numbers(sub)[1]) == [("formula-in-input", "D6"), ("formula-overwritten", "J6")]
