"""Time `check` on published PDF reports against pdfplumber's own reading of the same file, in one process.

    python benchmarks/bench_pdf.py                 # the PDFs in samples/reports, 5 rounds each
    python benchmarks/bench_pdf.py some.pdf --rounds 3

Baseline: ``pdfplumber.open(path)`` and ``page.extract_tables()`` on every page, the least any reader of
the tables does. Measured: ``read_and_check(path)``, the whole of ``xltool check`` on the file (a child
process with its memory cap, the table grid and the text around it, the rules). Reported: the median of
the rounds in milliseconds, and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pdfplumber

from toolkit.api import read_and_check

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "reports"


def pdfplumber_tables(path: Path) -> None:
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_tables()


def median_ms(work: Callable[[Path], object], path: Path, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work(path)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pdfs", nargs="*", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    pdfs = args.pdfs or sorted(SAMPLES.glob("*.pdf"))
    print(f"python {sys.version.split()[0]}, pdfplumber {pdfplumber.__version__}")
    print("| report | pages | pdfplumber open + extract_tables | xltool check | ratio |")
    print("|---|---|---|---|---|")
    for path in pdfs:
        with pdfplumber.open(path) as pdf:
            pages = len(pdf.pages)
        read_and_check(path)  # warm: imports and caches, as in a session that checks many files
        baseline = median_ms(pdfplumber_tables, path, args.rounds)
        ours = median_ms(read_and_check, path, args.rounds)
        print(f"| {path.name} | {pages} | {baseline:.0f} ms | {ours:.0f} ms | {ours / baseline:.2f}× |", flush=True)


if __name__ == "__main__":
    main()
