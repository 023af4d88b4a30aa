"""Time `check` and `merge` on N generated unit workbooks, against baselines run in the same process.

    python benchmarks/bench.py                   # N = 100 and 1,000
    python benchmarks/bench.py --n 100 1000 10000

Baselines, on the same files in the same run:
- openpyxl: a plain ``openpyxl.load_workbook(path)`` per file (measured on a sample of the files when N is
  large, since it is the slow one; the sample size is printed);
- calamine: a bare python-calamine read of every sheet's values per file.
Reported: milliseconds per workbook and ratios. ``check`` is one process, file after file, as
``xltool check`` runs; "read + check + decide" is merge's reading of every workbook on all cores with every
rule, duplicates and sums; "merge, whole" adds writing the summary workbook (its 明细 sheet has a row of 166
numbers per unit, streamed as sheet XML). Peak memory is the largest resident set of a ``xltool merge``
subprocess and its workers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from pathlib import Path

import openpyxl
import python_calamine as calamine

from toolkit.api import merge as build_county_summary
from toolkit.api import read_and_check as check_workbook
from toolkit.format.load import load_format
from toolkit.merge.decide import MergeResult, decide
from toolkit.merge.inbox import collect
from toolkit.merge.pool import examine_all
from toolkit.write.workbook import write_workbook

FMT = load_format()
YEAR = 2025


def unit_values(rng: random.Random) -> dict[str, object]:
    values: dict[str, object] = {c.id: 0 for c in FMT.input_cells}
    for col in ("c1", "c2", "c6"):
        new = rng.randint(0, 40)
        values[f"t3.r01.{col}"] = new
        forward = rng.randint(0, min(new, 3))
        values[f"t3.r25.{col}"] = forward
        values[f"t3.r03.{col}"] = new - forward
    values["t2.licensing.decisions"] = rng.randint(0, 5000)
    values["t2.normative.valid"] = rng.randint(0, 40)
    values["t2.fees.amount"] = Decimal(rng.randint(0, 10**8)) / 10_000
    return values


def _write(args: tuple[Path, int]) -> None:
    folder, index = args
    rng = random.Random(index)
    header = {
        "unit_name": f"基准单位{index:05d}",
        "unit_type": "乡镇/街道",
        "year": YEAR,
        "filled_on": dt.date(YEAR + 1, 1, 10),
    }
    write_workbook(folder / f"u{index:05d}.xlsx", FMT, header, unit_values(rng))


def generate(folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor() as pool:
        list(pool.map(_write, [(folder, i) for i in range(n)], chunksize=32))
    return sorted(folder.glob("*.xlsx"))


def merge_folder(folder: Path) -> MergeResult:
    """Merge's reading, checking and deciding on every workbook, without writing the summary."""
    paths, passed = collect(folder)
    return decide(list(examine_all(paths)), passed, folder=folder)


def per_file_ms(work, files: list[Path]) -> float:
    start = time.perf_counter()
    for path in files:
        work(path)
    return (time.perf_counter() - start) * 1000 / len(files)


def calamine_read(path: Path) -> None:
    book = calamine.CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python()


def merge_peak_rss_mb(folder: Path, out: Path) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(
        [sys.executable, "-m", "toolkit", "merge", str(folder), "-o", str(out), "--force", "--json"],
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(peak, before) / 1024


def run(n: int, openpyxl_sample: int, check_sample: int, work: Path) -> dict:
    folder = work / f"n{n}"
    files = generate(folder, n)
    sample = files[:: max(1, len(files) // openpyxl_sample)][:openpyxl_sample]
    calamine_ms = statistics.median(per_file_ms(calamine_read, files) for _ in range(3 if n <= 1000 else 1))
    openpyxl_ms = per_file_ms(openpyxl.load_workbook, sample)
    checked = files[: min(n, check_sample)]
    check_ms = per_file_ms(check_workbook, checked)
    start = time.perf_counter()
    decided = merge_folder(folder)
    read_ms = (time.perf_counter() - start) * 1000 / n
    assert len(decided.accepted) == n, "every generated workbook should be accepted"
    out = work / f"summary{n}.xlsx"
    start = time.perf_counter()
    build_county_summary(folder, out, force=True)
    merge_ms = (time.perf_counter() - start) * 1000 / n
    rss = merge_peak_rss_mb(folder, work / f"summary{n}b.xlsx")
    return {
        "n": n,
        "openpyxl_ms": openpyxl_ms,
        "openpyxl_sample": len(sample),
        "calamine_ms": calamine_ms,
        "check_ms": check_ms,
        "read_ms": read_ms,
        "merge_ms": merge_ms,
        "merge_total_s": merge_ms * n / 1000,
        "peak_mb": rss,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--openpyxl-sample", type=int, default=200)
    parser.add_argument("--check-sample", type=int, default=1000)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    print(
        "| N | openpyxl load | calamine read | check, 1 core | merge: read + check + decide | merge, whole "
        "| merge vs openpyxl | merge vs calamine | check vs openpyxl | merge total | peak memory |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch:
        for n in args.n:
            r = run(n, args.openpyxl_sample, args.check_sample, Path(scratch))
            print(
                f"| {n:,} | {r['openpyxl_ms']:.1f} ms | {r['calamine_ms']:.2f} ms | {r['check_ms']:.2f} ms "
                f"| {r['read_ms']:.2f} ms | {r['merge_ms']:.2f} ms | {r['openpyxl_ms'] / r['merge_ms']:.0f}× faster "
                f"| {r['merge_ms'] / r['calamine_ms']:.1f}× | {r['openpyxl_ms'] / r['check_ms']:.0f}× faster "
                f"| {r['merge_total_s']:.1f} s | {r['peak_mb']:.0f} MB |",
                flush=True,
            )


if __name__ == "__main__":
    main()
