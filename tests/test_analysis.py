"""Data for analysts: the adopted numbers as a pandas DataFrame and as Parquet; pandas stays off the path of
check and merge, and its absence is one clear line."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pandas as pd
import pytest

from tests.support import ROOT, balanced_inputs
from tests.test_merge import write_unit
from toolkit.api import long_table
from toolkit.cli import main
from toolkit.format.load import load_format

FMT = load_format()


@pytest.fixture
def inbox(tmp_path):
    folder = tmp_path / "收件箱"
    folder.mkdir()
    write_unit(folder, "甲镇", {**balanced_inputs(), "t2.fees.amount": Decimal("1.2345")})
    write_unit(folder, "乙镇", {**balanced_inputs(), "t2.licensing.decisions": 42})
    write_unit(folder, "丙镇", {**balanced_inputs(), "t3.r25.c1": 4})  # an error: R1 does not hold
    return folder


def test_long_table_holds_every_adopted_number_with_the_units_finding_counts(inbox):
    frame = long_table(inbox, include_invalid=True)
    assert list(frame.columns) == [
        "unit",
        "unit_type",
        "year",
        "table",
        "row",
        "column",
        "cell",
        "value",
        "errors",
        "warnings",
    ]
    assert len(frame) == 3 * len(FMT.input_cells)
    by_cell = frame.set_index(["unit", "cell"])["value"]
    assert by_cell[("甲镇", "t2.fees.amount")] == pytest.approx(1.2345)
    assert by_cell[("乙镇", "t2.licensing.decisions")] == 42
    errors = frame.groupby("unit")["errors"].first().to_dict()
    assert errors["丙镇"] > 0 and errors["甲镇"] == errors["乙镇"] == 0
    assert set(long_table(inbox)["unit"]) == {"甲镇", "乙镇"}  # as merge: a unit with errors is not adopted


def test_merge_writes_the_long_table_as_parquet(inbox, tmp_path):
    out = tmp_path / "长表.parquet"
    assert main(["merge", str(inbox), "-o", str(tmp_path / "汇总.xlsx"), "--long", str(out)]) == 1  # 丙镇 sent back
    read = pd.read_parquet(out)
    pd.testing.assert_frame_equal(read, long_table(inbox), check_dtype=False)


def test_year_over_year_in_a_few_lines(inbox, tmp_path):
    """The README's example: each unit's new requests this year against last year."""
    last = tmp_path / "上年"
    last.mkdir()
    for name in ("甲镇", "乙镇"):
        write_unit(last, name, {**balanced_inputs(), "t3.r01.c1": 7, "t3.r03.c1": 2}, year=2024)
    both = pd.concat([long_table(inbox), long_table(last)])
    new = both[both["cell"].str.startswith("t3.r01.")].groupby(["unit", "year"])["value"].sum().unstack("year")
    assert (new[2025] - new[2024]).to_dict() == {"甲镇": 3.0, "乙镇": 3.0}


PROBE = """
import sys
from toolkit.cli import main
main(["check", sys.argv[1]])
main(["merge", sys.argv[2], "-o", sys.argv[3]])
print(sorted({m.split(".")[0] for m in sys.modules} & {"pandas", "pyarrow", "numpy"}))
"""


def test_pandas_is_never_imported_by_check_or_merge(inbox, tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(inbox / "甲镇.xlsx"), str(inbox), str(tmp_path / "汇总.xlsx")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout + result.stderr


def test_without_pandas_the_long_table_says_how_to_get_it(inbox, tmp_path):
    code = (
        "import sys; sys.modules['pandas'] = None\n"
        "from toolkit.cli import main\n"
        f"sys.exit(main(['merge', {str(inbox)!r}, '-o', {str(tmp_path / 'h.xlsx')!r}, '--long', {str(tmp_path / 'l.parquet')!r}]))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 2 and 'pip install "xltool[pandas]"' in result.stderr, result.stdout + result.stderr
    assert not (tmp_path / "h.xlsx").exists() and not (tmp_path / "l.parquet").exists()  # all outputs or none
