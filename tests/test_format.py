"""The format description against the official tables as FORMAT.md gives them."""

from __future__ import annotations

import re

from tests.support import DATA, FMT
from toolkit.format.totals import complete
from toolkit.text import norm_label

FORMAT_MD = (DATA / "FORMAT.md").read_text(encoding="utf-8")  # a copy of the shared domain description


def test_table_three_rows_are_the_official_25_in_order():
    official = re.findall(r"^r(\d\d)\s+(\S.*)$", FORMAT_MD, flags=re.M)
    assert len(official) == 25
    rows = FMT.table("t3").rows
    assert [r.key for r in rows] == [f"r{n}" for n, _ in official]
    assert [r.label for r in rows] == [label.strip() for _, label in official]


def test_table_three_columns_and_groups():
    line = re.search(r"^Columns: (.*)$", FORMAT_MD, flags=re.M).group(1)
    official = re.findall(r"c(\d) (\S+)", line)
    table = FMT.table("t3")
    assert [(c.key, c.label) for c in table.columns] == [(f"c{n}", label) for n, label in official]
    for group in ("（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理"):
        assert group in FORMAT_MD
        assert any(group in r.path for r in table.rows)
    assert table.corner in FORMAT_MD


def test_table_two_labels_appear_in_format_md():
    table = FMT.table("t2")
    for block in table.blocks:
        assert block.title in FORMAT_MD
        for axis in (*block.rows, *block.columns):
            assert axis.label in FORMAT_MD or norm_label(axis.label) in norm_label(FORMAT_MD), axis.label


def test_table_four_has_15_columns_with_three_totals():
    table = FMT.table("t4")
    assert len(table.columns) == 15
    assert [c.key for c in table.columns if c.total] == ["rv_total", "ld_total", "la_total"]


def test_inputs_and_computed_cells_follow_format_md():
    # 表二 10 inputs; 表三 r01–r23 and r25 in c1–c6; 表四 12 inputs.
    assert len(FMT.input_cells) == 10 + 24 * 6 + 12
    assert {c.row for c in FMT.cells.values() if c.table == "t3" and c.computed and c.column != "c7"} == {"r24"}
    assert FMT.cells["t2.fees.amount"].kind == "amount"
    assert not FMT.cells["t3.r25.c1"].computed  # 四、结转 stays an input so that R1 can catch errors


def test_complete_recomputes_totals_from_inputs():
    values = complete(FMT, {"t3.r05.c2": 2, "t3.r23.c6": 3, "t3.r01.c1": 1, "t4.cases.la_pending": 4})
    assert values["t3.r24.c2"] == 2
    assert values["t3.r24.c7"] == 5
    assert values["t3.r01.c7"] == 1
    assert values["t4.cases.la_total"] == 4
    assert values["t4.cases.rv_total"] == 0
