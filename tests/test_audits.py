"""The evaluator's audits that compare a report with another: text copied from last year (`--previous`),
against a single file and against a folder of last year's reports. Real report texts from samples/reports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.support import REPORTS
from toolkit.cli import main

HONGZE_2023 = REPORTS / "07_hongze-district-2023.txt"
HONGZE_2024 = REPORTS / "08_hongze-district-2024.txt"
BAIHE_2021 = REPORTS / "01_baihe-town-2021.txt"


def findings(capsys, *args: str) -> tuple[int, list[dict]]:
    code, report = checked(capsys, *args)
    return code, report["findings"]


def checked(capsys, *args: str) -> tuple[int, dict]:
    code = main(["check", *args, "--json"])
    return code, json.loads(capsys.readouterr().out)[0]


def copied(found: list[dict]) -> list[tuple[str, str, str]]:
    return [(f["code"], f["expected"], f["actual"]) for f in found if f["code"] == "copied-from-last-year"]


def reissued(tmp_path: Path) -> Path:
    """洪泽区's 2024 report issued again as 2025 with one figure changed (主动发布 2428 → 2519 条)."""
    text = HONGZE_2024.read_text(encoding="utf-8").replace("2024", "2025").replace("2428", "2519")
    target = tmp_path / "洪泽区2025.txt"
    target.write_text(text, encoding="utf-8")
    return target


def test_report_reissued_with_one_number_changed_is_copied_in_both_parts(tmp_path, capsys):
    code, report = checked(capsys, str(reissued(tmp_path)), "--previous", str(HONGZE_2024))
    found = report["findings"]
    assert copied(found) == [("copied-from-last-year", "低于 50%", "100%")] * 2
    assert report["copied_shares"] == {"一、总体情况": 1.0, "五、存在的主要问题及改进情况": 1.0}
    messages = [f["message"] for f in found if f["code"] == "copied-from-last-year"]
    assert "“一、总体情况”有 100% 的文字与 2024 年度报告相同或几乎相同" in messages[0]
    assert messages[1].startswith("“五、存在的主要问题及改进情况”有 100%")
    assert code == 1  # the report's own errors (the same as in 2024); the copy is a warning


def test_control_the_same_unit_a_year_later_is_not_copied(capsys):
    """洪泽区 2024 against its own 2023 report: 29% of 一 and 23% of 五 alike (the standard openings)."""
    _, report = checked(capsys, str(HONGZE_2024), "--previous", str(HONGZE_2023))
    assert report["copied_shares"] == {"一、总体情况": 0.286, "五、存在的主要问题及改进情况": 0.233}
    found = report["findings"]
    assert copied(found) == []
    assert "previous-mismatch" not in {f["code"] for f in found}  # 洪泽区人民政府 = 淮安市洪泽区人民政府
    assert "year-on-year-jump-r10" in {f["code"] for f in found}  # the years were compared


def test_control_another_units_report_is_not_compared(capsys):
    _, found = findings(capsys, str(HONGZE_2024), "--previous", str(BAIHE_2021))
    assert [f["code"] for f in found if f["code"] in ("copied-from-last-year", "previous-mismatch")] == [
        "previous-mismatch"
    ]


def test_previous_folder_finds_each_units_year_before(tmp_path, capsys):
    last_year = tmp_path / "2024"
    last_year.mkdir()
    for report in (HONGZE_2024, BAIHE_2021):
        shutil.copy(report, last_year / report.name)
    (last_year / "说明.txt").write_text("上年各单位年报。\n", encoding="utf-8")
    _, found = findings(capsys, str(reissued(tmp_path)), "--previous", str(last_year))
    assert len(copied(found)) == 2
    assert "previous-not-found" not in {f["code"] for f in found}
    _, found = findings(capsys, str(HONGZE_2023), "--previous", str(last_year))
    assert [f["code"] for f in found if f["code"].startswith(("previous", "copied"))] == ["previous-not-found"]
    assert "“洪泽区人民政府”2022 年度" in next(f["message"] for f in found if f["code"] == "previous-not-found")
