"""Every file of an inbox read and checked exactly as `xltool check` does, on all cores when there are many.

Only a small record of each file is kept (its report and its input numbers), so memory stays flat for
thousands of files, and a reader that crashes its process costs only the file it was reading.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from toolkit.check.run import check
from toolkit.errors import NotAReport, UnreadableWorkbook
from toolkit.findings import Report
from toolkit.format.model import HeaderKey
from toolkit.format.totals import Number
from toolkit.read.names import unit_key
from toolkit.read.open import read_file

PARALLEL_FROM = 48  # below this many files, starting worker processes costs more than it saves
MAX_CHUNK = 64
Progress = Callable[[int, int], None]
_DATE = re.compile(r"(\d{4})\D{1,2}(\d{1,2})\D{1,2}(\d{1,2})")


@dataclass
class Examined:
    """What merge keeps of one file: its report, who and when it is from, and its input numbers."""

    path: str
    report: Report
    kind: str = ""  # stamp kind: template, summary, annotated ("" when not a standard workbook)
    unit_type: str = ""
    filled_on: dt.date | None = None
    modified: float = 0.0
    inputs: tuple[Number, ...] = ()
    failure_unit: str = ""  # the unit an unreadable file names inside, when that much could be read
    not_report: str = ""  # why a text beside the workbooks is no report (a covering note): passed over

    @property
    def key(self) -> str:
        return unit_key(self.report.unit)


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and (m := _DATE.search(value)):
        try:
            return dt.date(*map(int, m.groups()))
        except ValueError:
            return None
    return None


def examine(path: Path | str, roster: tuple[str, ...] = ()) -> Examined:
    """Read and check one file exactly as `xltool check` does; keep only what merging needs."""
    path = Path(path)
    modified = path.stat().st_mtime if path.exists() else 0.0
    try:
        checked = check(read_file(path), roster=roster)
    except NotAReport as error:
        return Examined(str(path), Report(file=str(path)), modified=modified, not_report=error.reason)
    except UnreadableWorkbook as error:
        report = Report(file=str(path), failure=error.reason)
        return Examined(str(path), report, modified=modified, failure_unit=error.unit)
    sub = checked.submission
    inputs = tuple(checked.numbers.inputs[c.id] for c in sub.format.input_cells)
    return Examined(
        path=str(path),
        report=checked.report,
        kind=sub.stamp.kind if sub.stamp else "",
        unit_type=sub.unit_type,
        filled_on=_date(sub.header.get(HeaderKey.FILLED_ON)),
        modified=modified,
        inputs=inputs,
    )


ORPHAN_POLL_SECONDS = 1.0


def _leave_with_parent(parent: int) -> None:
    """In each worker: exit once the merge that started it (``parent``, named before the fork: it may be
    gone by the time the worker starts) is gone. A merge killed outright (no chance to stop its pool) would
    otherwise leave its workers waiting forever, since each holds its own end of the task queue open."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(ORPHAN_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()


CRASHED = "读取程序在读这个文件时异常退出（文件可能严重损坏或被蓄意构造）；请用 Excel 或 WPS 打开后另存为 .xlsx"


def examine_alone(path: Path, roster: tuple[str, ...] = ()) -> Examined:
    """One file in a process of its own, so that a reader crash (a native library aborting) costs only it."""
    with ProcessPoolExecutor(max_workers=1, initializer=_leave_with_parent, initargs=(os.getpid(),)) as pool:
        try:
            return pool.submit(examine, path, roster).result()
        except BrokenProcessPool:
            return Examined(str(path), Report(file=str(path), failure=CRASHED))


def _serially(paths: list[Path], roster: tuple[str, ...], progress: Progress | None) -> Iterator[Examined]:
    for done, path in enumerate(paths, start=1):
        if progress:
            progress(done, len(paths))
        yield examine(path, roster)


def examine_all(
    paths: list[Path], progress: Progress | None = None, workers: int | None = None, roster: tuple[str, ...] = ()
) -> Iterator[Examined]:
    """Every file examined, in order; on all cores when there are many.

    Should a worker die (a native reader aborting on a crafted file), the first file it had not finished is
    read again in a process of its own, and a fresh pool goes on with the rest: one bad file costs one restart.
    """
    workers = workers or os.cpu_count() or 1
    total = len(paths)
    if total < PARALLEL_FROM or workers < 2:
        yield from _serially(paths, roster, progress)
        return
    remaining = list(paths)
    chunk = max(1, min(MAX_CHUNK, total // (workers * 8)))
    while remaining:
        finished = 0
        with ProcessPoolExecutor(max_workers=workers, initializer=_leave_with_parent, initargs=(os.getpid(),)) as pool:
            try:
                for item in pool.map(partial(examine, roster=roster), remaining, chunksize=chunk):
                    finished += 1
                    yield item
                    if progress:
                        progress(total - len(remaining) + finished, total)
            except BrokenProcessPool:
                pass
        if finished == len(remaining):
            return
        yield examine_alone(remaining[finished], roster)
        remaining = remaining[finished + 1 :]
        chunk = 1  # after a crash, keep the unit of loss small
