"""Rebuild the bundled samples: `python samples/build.py` (deterministic; safe to run again).

- 白鹤镇人民政府_2021年度.xlsx: the report this project started from (reports/01_baihe-town-2021.txt, a copy of
  the published page), imported into the standard template by `xltool import`: every table value is 0.
- reports/: real published reports as text (partial pages, with their real defects), for `xltool check`.
- 示例县/: a demo county of invented units (示例数据): 收件箱/ with their workbooks, 单位名单.csv, and the
  county's own published report (a web page) whose 表三 differs from the sum of its adopted units in two cells.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

from toolkit.api import export, merge
from toolkit.api import import_report as import_to_workbook
from toolkit.format.load import load_format
from toolkit.write.workbook import write_workbook

HERE = Path(__file__).resolve().parent
FMT = load_format()
MARK = "示例数据"
TOWNS = [
    "城关镇",
    "青山镇",
    "白沙镇",
    "河口镇",
    "石桥镇",
    "马头镇",
    "新华街道",
    "东城街道",
    "西城街道",
    "桃源乡",
    "龙泉镇",
    "高坪镇",
    "柳树镇",
    "松林乡",
    "清水镇",
    "双河镇",
    "三合镇",
    "平安镇",
    "红星街道",
    "云台乡",
]
DEPARTMENTS = [
    "县发展和改革局",
    "县教育局",
    "县公安局",
    "县民政局",
    "县财政局",
    "县人力资源和社会保障局",
    "县自然资源局",
    "县住房和城乡建设局",
    "县市场监督管理局",
    "县卫生健康委员会",
]
NOT_SENT = "县交通运输局"  # on the roster, no workbook in the inbox
FAULTY = "示例县青山镇"
DUPLICATE = "示例县石桥镇"
MISNAMED = ("示例县桃源乡", "示例县城关镇")  # 桃源乡 sent a copy of 城关镇's workbook under its own name
DAMAGED = "示例县云台乡"  # its file arrived cut in half (a download broken off)


def _spread(rng: random.Random, total: int, slots: list[str]) -> dict[str, int]:
    counts = dict.fromkeys(slots, 0)
    for _ in range(total):
        counts[rng.choice(slots)] += 1
    return counts


def unit_values(rng: random.Random, department: bool) -> dict[str, object]:
    """Plausible, balanced numbers for one unit (every column satisfies R1)."""
    t3 = FMT.table("t3")
    values: dict[str, object] = {c.id: 0 for c in FMT.input_cells}
    results = [r.key for r in t3.rows if not r.total and r.key not in ("r01", "r02", "r25")]
    common = ["r03", "r03", "r03", "r04", "r13", "r13", "r14", "r16", "r17", "r23"]
    for col in [c.key for c in t3.columns if not c.total]:
        weight = 1.0 if col == "c1" else 0.15
        new = int(rng.expovariate(1 / (12 * weight))) if rng.random() < (0.9 if col == "c1" else 0.3) else 0
        carried = rng.randint(0, 2) if new and rng.random() < 0.3 else 0
        forward = rng.randint(0, min(2, new + carried))
        values[t3.cell_id("r01", col)] = new
        values[t3.cell_id("r02", col)] = carried
        values[t3.cell_id("r25", col)] = forward
        handled = new + carried - forward
        for row, n in _spread(rng, handled, [r for r in common if r in results]).items():
            values[t3.cell_id(row, col)] = n
    valid = rng.randint(5, 40)
    values.update(
        {
            "t2.normative.issued": min(rng.randint(0, 5), valid),
            "t2.normative.repealed": rng.randint(0, 3),
            "t2.normative.valid": valid,
            "t2.licensing.decisions": rng.randint(200, 5000) if department else rng.randint(0, 150),
            "t2.penalty.decisions": rng.randint(10, 900) if department else rng.randint(0, 30),
            "t2.enforcement.decisions": rng.randint(0, 40) if department else 0,
            "t2.fees.amount": Decimal(rng.randint(0, 5_000_000)) / 10_000 if department else Decimal(0),
        }
    )
    if rng.random() < 0.2:
        values["t4.cases.rv_upheld"] = 1
    if rng.random() < 0.1:
        values["t4.cases.ld_pending"] = 1
    return values


def build_seed_town(folder: Path) -> Path:
    source = folder / "reports" / "01_baihe-town-2021.txt"
    target, _ = import_to_workbook(source, folder / "白鹤镇人民政府_2021年度.xlsx", force=True)
    return target


def build_demo_county(folder: Path, year: int = 2025) -> None:
    rng = random.Random(2025)
    inbox = folder / "收件箱"
    if folder.exists():
        shutil.rmtree(folder)
    inbox.mkdir(parents=True)
    units = [(f"示例县{t}", "乡镇/街道") for t in TOWNS] + [(f"示例县{d[1:]}", "县级政府部门") for d in DEPARTMENTS]
    for index, (name, unit_type) in enumerate(units):
        values = unit_values(rng, unit_type == "县级政府部门")
        header = {
            "unit_name": name,
            "unit_type": unit_type,
            "year": year,
            "filler": MARK,
            "phone": "0000-0000000",
            "filled_on": dt.date(year + 1, 1, 5 + index % 20),
        }
        if name == FAULTY:
            values["t3.r25.c1"] = int(values["t3.r25.c1"]) + 1  # R1: one too many carried forward
            values["t3.r13.c2"] = "无"  # a word where a number belongs
        if name == DUPLICATE:
            first = {**values, "t3.r01.c1": int(values["t3.r01.c1"]) + 3, "t3.r03.c1": int(values["t3.r03.c1"]) + 3}
            early = {**header, "filled_on": dt.date(year + 1, 1, 3)}
            write_workbook(inbox / f"{name}（初稿）.xlsx", FMT, early, first, force=True)
            header["filled_on"] = dt.date(year + 1, 1, 20)
            write_workbook(inbox / f"{name}（修改后）.xlsx", FMT, header, values, force=True)
            continue
        write_workbook(inbox / f"{name}.xlsx", FMT, header, values, force=True)
    misnamed, source = MISNAMED
    shutil.copyfile(inbox / f"{source}.xlsx", inbox / f"{misnamed}.xlsx")
    damaged = inbox / f"{DAMAGED}.xlsx"
    damaged.write_bytes(damaged.read_bytes()[: damaged.stat().st_size // 2])
    (inbox / "收件说明.txt").write_text("各单位报送的年报工作簿（示例数据）。\n", encoding="utf-8")
    # The roster as an office keeps it: saved by Excel as CSV (GB18030, CRLF), types in everyday words.
    everyday = {"乡镇/街道": "乡镇", "县级政府部门": "部门"}
    roster = ["单位名称,单位类型"] + [f"{n},{everyday[t]}" for n, t in units] + [f"示例县{NOT_SENT[1:]},部门"]
    (folder / "单位名单.csv").write_bytes(("\r\n".join(roster) + "\r\n").encode("gb18030"))


COUNTY = "示例县人民政府"
# The county's published report: its own sums, except that two requests it answered itself were added
# (新收 and 予以公开, 自然人), so its 表三 still balances but differs from its units (R13).
PARENT_CHANGES = {"t3.r01.c1": 2, "t3.r03.c1": 2}


def build_county_report(folder: Path, year: int = 2025) -> Path:
    with tempfile.TemporaryDirectory() as scratch:
        summed = merge(folder / "收件箱", Path(scratch) / "汇总.xlsx").totals
        values = {c.id: summed[c.id] + PARENT_CHANGES.get(c.id, 0) for c in FMT.input_cells}
        header = {"unit_name": COUNTY, "unit_type": "县级政府", "year": year, "filler": MARK}
        workbook = write_workbook(Path(scratch) / "县本级.xlsx", FMT, header, values)
        target = folder / f"{COUNTY}{year}年政府信息公开工作年度报告（{MARK}）.html"
        export(workbook, html=target, force=True)
    return target


if __name__ == "__main__":
    build_seed_town(HERE)
    build_demo_county(HERE / "示例县")
    build_county_report(HERE / "示例县")
    print(f"samples written to {HERE}")
