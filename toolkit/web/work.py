"""The server's work, apart from HTTP: what it keeps (its folder, the remembered roster, files to download,
merges running in the background) and the three jobs of the page, each a call into `api`."""

from __future__ import annotations

import secrets
import shutil
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit import api
from toolkit.errors import UnreadableWorkbook, XltoolError
from toolkit.merge.decide import FileStatus, MergeResult
from toolkit.web import payload
from toolkit.write.annotate import annotate

Json = dict[str, Any]
SUMMARY_NAME = "汇总表_{year}.xlsx"
LONG_NAME = "长表_{year}.csv"
ANNOTATED_ZIP = "退回修改_批注副本_{year}.zip"
TEMPLATES_ZIP = "模板_{year}.zip"
KEPT_JOBS = 10
SEND_BACK = (FileStatus.REJECTED, FileStatus.ACCEPTED, FileStatus.ACCEPTED_INVALID, FileStatus.SUPERSEDED)


def new_id() -> str:
    return secrets.token_urlsafe(12)


@dataclass
class Download:
    path: Path
    name: str  # what the browser saves it as


@dataclass
class MergeJob:
    """One merge running in a thread: its progress, then its result and files, or why it failed."""

    id: str
    folder: Path
    done: int = 0
    total: int = 0
    state: str = "running"  # running, done, failed
    error: str = ""
    result: Json | None = None
    files: list[Path] = field(default_factory=list)  # the result's files, in order (to open one)
    downloads: dict[str, str] = field(default_factory=dict)  # kind -> download id

    def view(self) -> Json:
        return {
            "state": self.state,
            "done": self.done,
            "total": self.total,
            "error": self.error,
            "result": self.result,
            "downloads": self.downloads,
        }


class Workplace:
    """Everything the server holds, all under one temporary folder that goes when the server stops."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.lock = threading.Lock()
        self.downloads: dict[str, Download] = {}
        self.jobs: dict[str, MergeJob] = {}
        self.roster: Download | None = None  # remembered for the session

    def folder(self) -> Path:
        path = self.root / new_id()
        path.mkdir(parents=True)
        return path

    def offer(self, path: Path, name: str) -> str:
        """A file the page may download, by an id that says nothing of where it is."""
        key = new_id()
        with self.lock:
            self.downloads[key] = Download(path, name)
        return key

    def remember_roster(self, path: Path, name: str) -> None:
        with self.lock:
            self.roster = Download(path, name)

    # --- one file -------------------------------------------------------------------------------------
    def check_one(self, path: Path, name: str) -> Json:
        """One file checked as `xltool check` does, with its annotated copy offered for download."""
        try:
            checked = api.read_and_check(path)
        except UnreadableWorkbook as error:
            return payload.unreadable_file(name, error.reason)
        shown = payload.checked_file(checked, name)
        copy = annotate(checked, self.folder())
        shown["download"] = self.offer(copy, f"{Path(name).stem}_校验批注.xlsx")
        return shown

    # --- the county -----------------------------------------------------------------------------------
    def start_merge(self, inbox: Path, year: int | None, parent: Path | None = None) -> MergeJob:
        job = MergeJob(new_id(), inbox.parent)
        with self.lock:
            self._forget_old_jobs()
            self.jobs[job.id] = job
        roster = self.roster.path if self.roster else None
        threading.Thread(target=self._merge, args=(job, inbox, roster, year, parent), daemon=True).start()
        return job

    def _forget_old_jobs(self) -> None:
        """Only the latest merges are kept (with their files): a server left open for weeks stays small."""
        finished = [j for j in self.jobs.values() if j.state != "running"]
        for job in finished[: max(0, len(self.jobs) - KEPT_JOBS + 1)]:
            del self.jobs[job.id]
            self.downloads = {k: d for k, d in self.downloads.items() if job.folder not in d.path.parents}
            shutil.rmtree(job.folder, ignore_errors=True)

    def _merge(self, job: MergeJob, inbox: Path, roster: Path | None, year: int | None, parent: Path | None) -> None:
        out = job.folder / "out"
        out.mkdir()

        def progress(done: int, total: int) -> None:
            job.done, job.total = done, total

        try:
            result = api.merge(
                inbox,
                out / "汇总.xlsx",
                roster=roster,
                year=year,
                long_csv=out / "长表.csv",
                progress=progress,
                parent=parent,
            )
            self._merged(job, result, out)
        except XltoolError as error:
            job.error, job.state = str(error), "failed"
        except Exception as error:  # a bug must end the job with a line, not leave the page waiting
            job.error, job.state = f"内部错误：{type(error).__name__}: {error}", "failed"

    def _merged(self, job: MergeJob, result: MergeResult, out: Path) -> None:
        year = result.year or ""
        job.files = [Path(f.path) for f in result.files]
        job.downloads = {
            "summary": self.offer(Path(result.output), SUMMARY_NAME.format(year=year)),
            "long": self.offer(Path(result.long_output), LONG_NAME.format(year=year)),
        }
        copies = self._annotated_zip(result, out)
        if copies is not None:
            job.downloads["annotated"] = self.offer(copies, ANNOTATED_ZIP.format(year=year))
        job.result = payload.merged(result)
        job.state = "done"

    def _annotated_zip(self, result: MergeResult, out: Path) -> Path | None:
        """One zip of annotated copies: every readable file with something to correct or look at."""
        folder = out / "批注"
        sent = [f for f in result.files if f.status in SEND_BACK and (f.report.errors or f.report.warnings)]
        copies = []
        for item in sent:
            try:
                copies.append(annotate(api.read_and_check(item.path), folder))
            except XltoolError:
                continue  # read once already; a file that changed since is left out, not fatal
        if not copies:
            return None
        target = out / "批注副本.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for copy in copies:
                archive.write(copy, copy.name)
        return target

    def file_of(self, job_id: str, index: int) -> Json | None:
        job = self.jobs.get(job_id)
        if job is None or not 0 <= index < len(job.files):
            return None
        path = job.files[index]
        return self.check_one(path, path.name)

    # --- templates ------------------------------------------------------------------------------------
    def templates(self, unit: str, level: str, year: int | None, roster: Path | None) -> Download:
        """One template, or with a roster a zip of one per unit."""
        folder = self.folder()
        if roster is None:
            written = api.make_templates(folder, unit=unit, year=year, level=level)[0]
            return Download(written, written.name)
        written_all = api.make_templates(roster=roster, folder=folder / "模板", year=year)
        target = folder / TEMPLATES_ZIP.format(year=year or api.due_year())
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in written_all:
                archive.write(path, path.name)
        return Download(target, target.name)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
