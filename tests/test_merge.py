"""`merge`: a folder of unit workbooks -> county summary, statuses, long CSV and JSON."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from tests.support import FMT, LAYOUT, balanced_inputs, cached_values, check_file, libreoffice_convert
from toolkit.api import merge as build_county_summary
from toolkit.api import read_and_check as check_workbook
from toolkit.cli import main
from toolkit.format.totals import complete
from toolkit.write.workbook import write_workbook

YEAR = 2025


def unit_values(seed: int) -> dict[str, object]:
    """Balanced values that differ per unit; the fee has 4 decimals so that float sums would drift."""
    rng = random.Random(seed)
    values = balanced_inputs()
    extra = rng.randint(0, 9)
    values["t3.r01.c3"] = extra
    values["t3.r03.c3"] = extra
    values["t2.licensing.decisions"] = rng.randint(0, 5000)
    values["t2.fees.amount"] = Decimal(rng.randint(0, 99_999_999)) / 10_000
    return values


def write_unit(
    folder: Path,
    name: str,
    values: dict,
    year: int = YEAR,
    filled_on: dt.date | None = None,
    file_name: str | None = None,
    unit_type: str = "乡镇/街道",
) -> Path:
    header = {"unit_name": name, "unit_type": unit_type, "year": year, "filled_on": filled_on or dt.date(2026, 1, 5)}
    return write_workbook(folder / (file_name or f"{name}.xlsx"), FMT, header, values)


@pytest.fixture
def county(tmp_path):
    """Eight towns, one faulty, one submitted twice, one unreadable file, a temp file and a note."""
    inbox = tmp_path / "收件箱"
    (inbox / "二组").mkdir(parents=True)
    accepted = {}
    for i in range(6):
        name = f"第{i + 1}镇"
        folder = inbox if i % 2 else inbox / "二组"
        accepted[name] = unit_values(i)
        write_unit(folder, name, accepted[name])
    write_unit(inbox, "错误镇", {**unit_values(10), "t3.r25.c1": 99})
    old = {**unit_values(20), "t3.r01.c1": 11, "t3.r03.c1": 6}
    write_unit(inbox, "重复镇", old, filled_on=dt.date(2026, 1, 2), file_name="重复镇-初稿.xlsx")
    accepted["重复镇"] = unit_values(20)
    write_unit(inbox, "重复镇", accepted["重复镇"], filled_on=dt.date(2026, 1, 9), file_name="重复镇-定稿.xlsx")
    (inbox / "坏文件.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    (inbox / "~$第1镇.xlsx").write_bytes(b"lock")
    (inbox / "说明.docx").write_bytes(b"x")
    roster = tmp_path / "名单.csv"
    names = [*accepted, "错误镇", "未报镇"]
    roster.write_bytes(("单位名称,单位类型\n" + "".join(f"{n},乡镇/街道\n" for n in names)).encode("gb18030"))
    return inbox, roster, accepted


def expected_totals(accepted: dict[str, dict]) -> dict[str, object]:
    sums: dict[str, object] = {}
    for values in accepted.values():
        for cell in FMT.input_cells:
            value = values[cell.id]
            value = Decimal(str(value)) if cell.kind == "amount" else value
            sums[cell.id] = sums.get(cell.id, 0) + value
    return sums


def test_summary_equals_sum_of_accepted_units(county, tmp_path):
    inbox, roster, accepted = county
    out = tmp_path / "汇总.xlsx"
    result = build_county_summary(inbox, out, roster=roster, unit="某县人民政府")
    sums = expected_totals(accepted)
    sub = check_workbook(out).submission
    for cell in FMT.input_cells:
        stated = sub.cells[cell.id].value
        if cell.kind == "amount":
            assert Decimal(repr(stated)) == sums[cell.id]
            assert result.totals[cell.id] == sums[cell.id]  # exact: Decimal, no float drift
        else:
            assert stated == sums[cell.id], cell.id
    assert check_file(out).valid
    assert sorted(Path(f.path).name for f in result.accepted) == sorted(
        [*(f"第{i}镇.xlsx" for i in range(1, 7)), "重复镇-定稿.xlsx"]
    )


def test_statuses_and_roster(county, tmp_path):
    inbox, roster, _ = county
    result = build_county_summary(inbox, tmp_path / "汇总.xlsx", roster=roster)
    status = {Path(f.path).name: f.status.word for f in result.files}
    assert status["错误镇.xlsx"] == "退回修改"
    assert status["重复镇-初稿.xlsx"] == "重复"
    assert status["坏文件.xlsx"] == "无法读取"
    assert status["~$第1镇.xlsx"] == "已跳过" and status["说明.docx"] == "已跳过"
    lines = {line.entry.name: line.status.word for line in result.roster}
    assert lines["第1镇"] == lines["重复镇"] == "通过"
    assert lines["错误镇"] == "退回修改"
    assert lines["未报镇"] == "未报送"
    assert not result.complete
    book = openpyxl.load_workbook(tmp_path / "汇总.xlsx")
    sheet = book["报送情况"]
    counts = {sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=2).value for r in range(1, 6)}
    assert counts == {"名单单位": 9, "通过": 7, "退回修改": 1, "无法读取": 0, "未报送": 1}
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=8)]
    twice = [r[2:4] for r in rows if r[0] == "重复镇"]
    assert twice == [["重复镇-定稿.xlsx", "已采用"], ["重复镇-初稿.xlsx", "重复"]]  # the adopted file shown as such
    detail = book["明细"]
    assert detail["A1"].value == "单位名称" and detail.max_row == 2 + 7
    findings = book["校验结果"]
    files = {findings.cell(row=r, column=1).value for r in range(2, findings.max_row + 1)}
    assert {"错误镇.xlsx", "坏文件.xlsx"} <= files


def test_summary_after_libreoffice_recalculation(county, tmp_path):
    inbox, roster, accepted = county
    out = build_county_summary(inbox, tmp_path / "汇总.xlsx", roster=roster).output
    recalculated = libreoffice_convert([Path(out)], tmp_path / "lo")[0]
    totals = complete(FMT, expected_totals(accepted))
    t3 = LAYOUT.table("t3")
    values = cached_values(recalculated, t3.sheet)
    for cell in FMT.computed_cells:
        if cell.table == "t3":
            assert values[t3.address(cell.id)] == totals[cell.id]
    assert [values[f"{c}31"] for c in "DEFGHIJ"] == ["平衡"] * 7
    assert check_file(recalculated).valid


def test_cli_exit_codes_and_terminal_summary(county, tmp_path, capsys):
    inbox, roster, _ = county
    out = tmp_path / "汇总.xlsx"
    assert main(["merge", str(inbox), "--roster", str(roster), "-o", str(out)]) == 1
    text = capsys.readouterr().out
    assert "未报送：未报镇" in text and "错误镇.xlsx" in text and "重复镇-初稿.xlsx" in text and str(out) in text
    before = out.read_bytes()
    assert main(["merge", str(inbox), "--roster", str(roster), "-o", str(out)]) == 2
    assert "已存在" in capsys.readouterr().err
    assert out.read_bytes() == before
    assert main(["merge", str(inbox), "--roster", str(roster), "-o", str(out), "--force"]) == 1


def test_complete_folder_exits_0(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    for i in range(3):
        write_unit(inbox, f"第{i}镇", unit_values(i))
    assert main(["merge", str(inbox), "-o", str(tmp_path / "s.xlsx")]) == 0


def test_include_invalid_sums_faulty_units_loudly(county, tmp_path, capsys):
    inbox, _roster, accepted = county
    out = tmp_path / "汇总.xlsx"
    assert main(["merge", str(inbox), "-o", str(out), "--include-invalid"]) == 1
    assert "--include-invalid" in capsys.readouterr().out
    sub = check_workbook(out).submission
    assert sub.cells["t3.r25.c1"].value == sum(v["t3.r25.c1"] for v in accepted.values()) + 99


def test_mixed_years_refused_then_year_selects(tmp_path, capsys):
    inbox = tmp_path / "in"
    inbox.mkdir()
    write_unit(inbox, "甲镇", unit_values(1))
    write_unit(inbox, "乙镇", unit_values(2), year=2024)
    assert main(["merge", str(inbox), "-o", str(tmp_path / "s.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "混有不同年度" in err and "2025" in err and "2024" in err and "--year" in err
    assert not (tmp_path / "s.xlsx").exists()
    assert main(["merge", str(inbox), "-o", str(tmp_path / "s.xlsx"), "--year", "2025"]) == 1  # 乙镇 not taken
    result = build_county_summary(inbox, tmp_path / "s2.xlsx", year=2025)
    assert {Path(f.path).name: f.status.word for f in result.files}["乙镇.xlsx"] == "年度不符"


def test_empty_or_missing_folder(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["merge", str(tmp_path / "empty")]) == 2
    assert "没有找到工作簿" in capsys.readouterr().err
    assert main(["merge", str(tmp_path / "nope")]) == 2
    assert "文件夹不存在" in capsys.readouterr().err


def test_formula_looking_unit_names_stay_text(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    names = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]
    for i, name in enumerate(names):
        write_unit(inbox, name, unit_values(i), file_name=f"u{i}.xlsx")
    out, long_csv = tmp_path / "s.xlsx", tmp_path / "long.csv"
    result = build_county_summary(inbox, out, long_csv=long_csv)
    assert len(result.accepted) == 4
    detail = openpyxl.load_workbook(out)["明细"]
    cells = [detail.cell(row=r, column=1) for r in range(3, 7)]
    assert sorted(c.value for c in cells) == sorted(names)
    assert all(c.data_type == "s" for c in cells)
    rows = list(csv.DictReader(long_csv.read_text(encoding="utf-8-sig").splitlines()))
    assert {r["unit"] for r in rows} == {f"'{n}" for n in names}


def test_long_csv_and_json(county, tmp_path, capsys):
    inbox, roster, accepted = county
    long_csv = tmp_path / "长表.csv"
    assert (
        main(
            [
                "merge",
                str(inbox),
                "--roster",
                str(roster),
                "-o",
                str(tmp_path / "s.xlsx"),
                "--long",
                str(long_csv),
                "--json",
            ]
        )
        == 1
    )
    data = json.loads(capsys.readouterr().out)
    assert data["year"] == YEAR and data["complete"] is False
    assert data["counts"]["已采用"] == 7
    assert {r["unit"]: r["status"] for r in data["roster"]}["未报镇"] == "未报送"
    sums = expected_totals(accepted)
    assert Decimal(data["totals"]["t2.fees.amount"]) == sums["t2.fees.amount"]
    assert any(f["code"] == "balance-r1" and f["unit"] == "错误镇" for f in data["findings"])
    assert long_csv.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(long_csv.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == 7 * len(FMT.input_cells)
    fee = [Decimal(r["value"]) for r in rows if r["cell"] == "t2.fees.amount"]
    assert sum(fee) == sums["t2.fees.amount"]
    assert rows[0].keys() == {"unit", "unit_type", "year", "table", "row", "column", "cell", "value"}


def test_annotated_copies_and_summaries_in_the_folder_are_skipped(county, tmp_path):
    inbox, _roster, _ = county
    shutil.copy(build_county_summary(inbox, tmp_path / "s.xlsx").output, inbox / "上次的汇总.xlsx")
    from toolkit.api import check_files

    check_files([inbox / "错误镇.xlsx"], annotate_dir=inbox / "批注")
    result = build_county_summary(inbox, tmp_path / "s2.xlsx")
    status = {Path(f.path).name: (f.status.word, f.note) for f in result.files}
    assert status["上次的汇总.xlsx"][0] == "已跳过"
    assert status["错误镇_校验批注.xlsx"] == ("已跳过", "校验批注副本")


def test_previous_year_summary(county, tmp_path):
    inbox, _roster, _ = county
    last_inbox = tmp_path / "去年"
    last_inbox.mkdir()
    write_unit(last_inbox, "第1镇", {**balanced_inputs(), "t3.r25.c1": 5, "t3.r03.c1": 3}, year=YEAR - 1)
    write_unit(last_inbox, "老镇", balanced_inputs(), year=YEAR - 1)
    last = build_county_summary(last_inbox, tmp_path / "去年汇总.xlsx").output
    result = build_county_summary(inbox, tmp_path / "汇总.xlsx", previous=last)
    codes = [f.code for f in result.county_findings]
    assert "carry-over-mismatch-r6" in codes and "unit-set-changed" in codes
    changed = next(f for f in result.county_findings if f.code == "unit-set-changed")
    assert "老镇" in changed.message and "第2镇" in changed.message


def test_output_never_over_an_input(county, tmp_path, capsys):
    inbox, _, _ = county
    target = inbox / "第2镇.xlsx"
    before = target.read_bytes()
    assert main(["merge", str(inbox), "-o", str(target), "--force"]) == 2
    assert target.read_bytes() == before


def test_reports_beside_workbooks_are_checked_and_summed(county, tmp_path):
    """A prefecture's inbox: some units sent their published report (Word, web page) instead of a workbook."""
    from toolkit.api import export

    inbox, _roster, accepted = county
    sent = {"甲镇": ("docx", unit_values(31)), "乙镇": ("html", unit_values(32))}
    sent["丙镇"] = ("html", {**unit_values(33), "t3.r25.c1": 99})  # its 总计 no longer adds up
    for name, (kind, values) in sent.items():
        workbook = write_unit(tmp_path, name, values)
        export(workbook, **{kind: inbox / f"{name}.{kind}"})
    (inbox / "报送说明.txt").write_text("请各单位于1月10日前报送年报，联系电话 1234567。\n", encoding="utf-8")
    titled = "丁镇人民政府2025年政府信息公开工作年度报告\n一、总体情况\n表格见附图。\n"
    (inbox / "丁镇.txt").write_text(titled, encoding="utf-8")  # a report whose tables were pictures
    result = build_county_summary(inbox, tmp_path / "汇总.xlsx")
    status = {Path(f.path).name: (f.status.word, f.note) for f in result.files}
    assert status["甲镇.docx"] == status["乙镇.html"] == ("已采用", "")
    assert status["丙镇.html"][0] == "退回修改" and "相差 96" in status["丙镇.html"][1]
    assert status["报送说明.txt"] == ("已跳过", "不是年度报告：没有找到年度报告的表格（表二、表三、表四）")
    assert status["丁镇.txt"] == ("无法读取", "没有找到年度报告的表格（表二、表三、表四）")
    sums = expected_totals({**accepted, "甲镇": sent["甲镇"][1], "乙镇": sent["乙镇"][1]})
    for cell in FMT.input_cells:
        assert result.totals[cell.id] == sums[cell.id], cell.id


def test_a_folder_of_notes_only_is_refused(tmp_path, capsys):
    (tmp_path / "报送说明.txt").write_text("请各单位于1月10日前报送。\n", encoding="utf-8")
    assert main(["merge", str(tmp_path), "-o", str(tmp_path / "汇总.xlsx")]) == 2
    assert "没有可以汇总" in capsys.readouterr().err
    assert not (tmp_path / "汇总.xlsx").exists()


# --- R13: a parent against its units ---------------------------------------------------------------------
TOWNS = ("东镇", "西镇", "南乡")


@pytest.fixture
def units(tmp_path):
    """Three valid towns and the exact sums of their inputs."""
    inbox = tmp_path / "各单位"
    inbox.mkdir()
    values = {name: unit_values(40 + i) for i, name in enumerate(TOWNS)}
    for name, v in values.items():
        write_unit(inbox, name, v)
    return inbox, expected_totals(values)


def write_parent(folder: Path, sums: dict, changes: dict | None = None, year: int = YEAR, html: bool = False) -> Path:
    values = {cell_id: value + (changes or {}).get(cell_id, 0) for cell_id, value in sums.items()}
    header = {"unit_name": "某县人民政府", "unit_type": "县级政府", "year": year}
    workbook = write_workbook(folder / f"某县人民政府{year}.xlsx", FMT, header, values)
    if not html:
        return workbook
    from toolkit.api import export

    return export(workbook, html=folder / f"某县人民政府{year}年报.html")[0]


def parent_findings(result_findings) -> list[tuple[str, str, str, str]]:
    return [(f.code, f.row_label, f.expected, f.actual) for f in result_findings if f.code.startswith("parent-")]


def test_check_units_reports_the_one_differing_cell_with_both_numbers(units, tmp_path, capsys):
    inbox, sums = units
    parent = write_parent(tmp_path, sums, {"t3.r03.c2": 1})  # one 表三 cell: 予以公开, 商业企业
    assert main(["check", str(parent), "--units", str(inbox), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)[0]
    found = [f for f in report["findings"] if f["code"].startswith("parent-")]
    assert [(f["code"], f["row_label"], f["column_label"], f["expected"], f["actual"]) for f in found] == [
        ("parent-differs-r13", "（一）予以公开", "商业企业", str(sums["t3.r03.c2"]), str(sums["t3.r03.c2"] + 1))
    ]
    contributing = [n for n in TOWNS if unit_values(40 + TOWNS.index(n))["t3.r03.c2"]]
    assert all(name in found[0]["message"] for name in contributing)
    assert f"{len(TOWNS)} 个单位合计" in found[0]["message"]


def test_check_units_control_parent_equal_to_its_units(units, tmp_path, capsys):
    inbox, sums = units
    parent = write_parent(tmp_path, sums)
    shutil.copy(parent, inbox / parent.name)  # a parent kept among its units is not one of them
    assert main(["check", str(inbox / parent.name), "--units", str(inbox), "--json"]) == 0
    assert not [f for f in json.loads(capsys.readouterr().out)[0]["findings"] if f["code"].startswith("parent-")]


def test_merge_parent_report_against_the_summary(units, tmp_path, capsys):
    inbox, sums = units
    published = write_parent(tmp_path, sums, {"t3.r01.c1": 2, "t3.r03.c1": 2}, html=True)
    result = build_county_summary(inbox, tmp_path / "汇总.xlsx", parent=published)
    assert parent_findings(result.county_findings) == [
        ("parent-differs-r13", "一、本年新收政府信息公开申请数量", str(sums["t3.r01.c1"]), str(sums["t3.r01.c1"] + 2)),
        ("parent-differs-r13", "（一）予以公开", str(sums["t3.r03.c1"]), str(sums["t3.r03.c1"] + 2)),
    ]
    out = tmp_path / "汇总2.xlsx"
    assert main(["merge", str(inbox), "-o", str(out), "--parent", str(published)]) == 1
    assert capsys.readouterr().out.count("汇总错误") == 2
    (tmp_path / "exact").mkdir()
    exact = write_parent(tmp_path / "exact", sums, html=True)
    assert main(["merge", str(inbox), "-o", str(out), "--force", "--parent", str(exact)]) == 0


def test_parent_of_another_year_is_not_compared(units, tmp_path):
    inbox, sums = units
    parent = write_parent(tmp_path, sums, {"t3.r01.c1": 5}, year=YEAR - 1)
    result = build_county_summary(inbox, tmp_path / "汇总.xlsx", parent=parent)
    assert [f.code for f in result.county_findings] == ["parent-other-year"]


def test_units_left_out_are_named(units, tmp_path, capsys):
    inbox, sums = units
    (inbox / "北镇.xlsx").write_bytes(b"PK\x03\x04 cut short")
    parent = write_parent(tmp_path, sums)
    assert main(["check", str(parent), "--units", str(inbox), "--json"]) == 0  # a warning only
    found = [f for f in json.loads(capsys.readouterr().out)[0]["findings"] if f["code"].startswith("parent-")]
    assert [f["code"] for f in found] == ["parent-units-left-out"]
    assert "北镇.xlsx（无法读取）" in found[0]["message"]


def test_units_sent_as_published_reports(units, tmp_path, capsys):
    """The units of a prefecture are the counties' published reports, not workbooks."""
    from toolkit.api import export

    inbox, sums = units
    reports = tmp_path / "各县年报"
    reports.mkdir()
    for workbook in sorted(inbox.glob("*.xlsx")):
        export(workbook, docx=reports / f"{workbook.stem}.docx")
    parent = write_parent(tmp_path, sums, {"t4.cases.rv_upheld": 1})  # one more 行政复议 case, 结果维持
    assert main(["check", str(parent), "--units", str(reports), "--json"]) == 1
    found = [f for f in json.loads(capsys.readouterr().out)[0]["findings"] if f["code"].startswith("parent-")]
    assert [(f["code"], f["expected"], f["actual"]) for f in found] == [
        ("parent-differs-r13", str(sums["t4.cases.rv_upheld"]), str(sums["t4.cases.rv_upheld"] + 1))
    ]
