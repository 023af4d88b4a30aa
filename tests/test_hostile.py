"""Hostile and broken inputs: nothing crashes, nothing leaks, nothing is lost (corpus in tests/corpus.py)."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from tests.corpus import write_corpus
from tests.support import FMT, REPORTS, balanced_inputs, browser_copy, check_file
from toolkit.api import check_files
from toolkit.api import merge as build_county_summary
from toolkit.api import read_and_check as check_workbook
from toolkit.cli import main
from toolkit.merge.pool import ORPHAN_POLL_SECONDS
from toolkit.write.export import export_tables as export
from toolkit.write.workbook import write_workbook

NEIGHBOURS = ("甲镇", "乙镇", "丙镇")
PEAK_MB = 200  # what any one command may use on the worst file of the corpus
PER_FILE_SECONDS = 10
REPORT_PDF = REPORTS / "07_hongze-district-2023.pdf"  # a real published report, the base of the PDF cases


def valid_sources(folder: Path) -> tuple[bytes, str, str]:
    """A valid workbook, and the same report as a web page and as text copied from that page."""
    folder.mkdir(parents=True, exist_ok=True)
    source = write_workbook(
        folder / "基准镇.xlsx", FMT, {"unit_name": "基准镇", "year": 2025}, balanced_inputs(), force=True
    )
    page = folder / "基准镇.html"
    page.unlink(missing_ok=True)
    export(check_workbook(source), html_path=page)
    html_text = page.read_text(encoding="utf-8")
    return source.read_bytes(), html_text, browser_copy(html_text)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    valid, page, text = valid_sources(folder / "_valid")
    return write_corpus(folder / "cases", valid, page, text, REPORT_PDF.read_bytes())


def _workbooks(corpus):
    return [p for p in corpus if p.suffix == ".xlsx"]


def test_corpus_is_large_and_reproducible(corpus, tmp_path):
    assert len(corpus) >= 300
    valid, page, text = valid_sources(tmp_path / "v")
    again = write_corpus(tmp_path / "again", valid, page, text, REPORT_PDF.read_bytes())
    assert [p.name for p in again] == [p.name for p in corpus]
    changed = [
        p.name for p, q in zip(corpus, again, strict=True) if p.suffix == ".txt" and p.read_bytes() != q.read_bytes()
    ]
    assert changed == []


def test_check_never_crashes_on_any_case(corpus, capsys):
    slow = []
    for path in corpus:
        started = time.perf_counter()
        code = main(["check", str(path)])
        elapsed = time.perf_counter() - started
        out, err = capsys.readouterr()
        assert code in (0, 1, 2), path.name
        assert "内部错误" not in err and "Traceback" not in out + err, (path.name, err)
        if code == 2:
            lines = [line for line in out.splitlines() if line.strip()]
            assert len(lines) == 1 and path.name in lines[0], (path.name, lines)
        if elapsed > PER_FILE_SECONDS:
            slow.append((path.name, elapsed))
    assert slow == []


def test_whole_corpus_in_one_process_exits_2_without_traceback(corpus):
    result = subprocess.run(
        [sys.executable, "-m", "toolkit", "check", *map(str, corpus)], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr and "内部错误" not in result.stderr


def test_merge_with_broken_files_still_merges_valid_neighbours(corpus, tmp_path):
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    for path in _workbooks(corpus):
        (inbox / path.name).write_bytes(path.read_bytes())
    for name in NEIGHBOURS:
        write_workbook(inbox / f"{name}.xlsx", FMT, {"unit_name": name, "year": 2025}, balanced_inputs())
    result = build_county_summary(inbox, tmp_path / "汇总.xlsx")
    accepted = {f.report.unit for f in result.accepted}
    assert set(NEIGHBOURS) <= accepted
    assert check_file(tmp_path / "汇总.xlsx").valid
    statuses = {f.status.word for f in result.files}
    assert "无法读取" in statuses


def test_import_never_crashes_on_documents(corpus, tmp_path, capsys):
    for path in [p for p in corpus if p.suffix in (".txt", ".html", ".pdf")]:
        out = tmp_path / f"{path.name}.xlsx"  # doc-cut-01.html and doc-cut-01.txt are two reports
        code = main(["import", str(path), "-o", str(out)])
        _, err = capsys.readouterr()
        assert code in (0, 1, 2) and "内部错误" not in err, (path.name, err)
        if code == 2:
            assert not out.exists()  # nothing read: nothing written
        else:
            assert check_workbook(out).submission.standard  # what was read, in a standard workbook


def _peak(args: list[str]) -> tuple[int, float, float, str]:
    # The child's own high-water mark: ru_maxrss would carry the parent's peak across exec.
    code = (
        "import re, sys, time\n"
        "from toolkit.cli import main\n"
        "start = time.perf_counter()\n"
        f"rc = main({args!r})\n"
        "import resource\n"
        "status = open('/proc/self/status').read()\n"
        "own = int(re.search(r'VmHWM:\\s+(\\d+)', status).group(1)) / 1024\n"
        "peak = max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)  # a PDF reader child\n"
        "print('PEAK', rc, peak, time.perf_counter() - start)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    line = next(line for line in result.stdout.splitlines() if line.startswith("PEAK"))
    _, rc, peak, seconds = line.split()
    return int(rc), float(peak), float(seconds), result.stdout


@pytest.mark.parametrize(
    "name",
    [
        "bomb-zip.xlsx",
        "bomb-lying-size.xlsx",
        "bomb-lying-plausible.xlsx",
        "bomb-laughs.xlsx",
        "bomb-xxe.xlsx",
        "size-million-rows.xlsx",
        "size-1mb-string.xlsx",
        "sheets-300.xlsx",
        "doc-nested.html",
        "doc-laughs.html",
        "doc-one-line.txt",
    ],
)
def test_bombs_are_refused_quickly_with_bounded_memory(corpus, name):
    path = next(p for p in corpus if p.name == name)
    rc, peak, seconds, out = _peak(["check", str(path)])
    assert rc in (0, 1, 2), out  # entities stay unexpanded text; a long title is harmless; bounded is the point
    assert peak < PEAK_MB, f"{name}: {peak:.0f} MB"
    assert seconds < PER_FILE_SECONDS, f"{name}: {seconds:.1f} s"
    if name == "bomb-zip.xlsx":
        assert rc == 2 and "压缩炸弹" in out
    if name == "bomb-lying-size.xlsx":
        assert rc == 2 and "压缩炸弹" in out
    if name == "bomb-lying-plausible.xlsx":
        assert rc == 2 and "与声明的大小不符" in out
    if name == "size-million-rows.xlsx":
        assert rc == 2 and "异常大" in out
    if name == "doc-nested.html":
        assert rc == 2 and "嵌套过深" in out


PDF_PEAK_MB = 350  # the reader plus its PDF child, capped at limits.MAX_PDF_MEMORY above the reader
PDF_CASES = {
    "pdf-bomb.pdf": "压缩炸弹",
    "pdf-10000-pages.pdf": "页数过多（10000页）",
    "pdf-encrypted.pdf": "已加密",
    "pdf-cut-1.pdf": "PDF 已损坏",
    "pdf-cut-2.pdf": "PDF 已损坏",
    "pdf-cut-3.pdf": "PDF 已损坏",
    "pdf-header-only.pdf": "PDF 已损坏",
    "pdf-empty.pdf": "文件是空的",
    "pdf-not-a-pdf.pdf": "这不是 PDF，而是网页（HTML）文件",
}


@pytest.mark.parametrize("name", sorted(PDF_CASES))
def test_hostile_pdfs_are_refused_in_one_line_with_bounded_time_and_memory(corpus, name):
    path = next(p for p in corpus if p.name == name)
    rc, peak, seconds, out = _peak(["check", str(path)])
    lines = [line for line in out.splitlines() if line.strip() and not line.startswith("PEAK")]
    assert rc == 2 and len(lines) == 1 and PDF_CASES[name] in lines[0], out
    assert peak < PDF_PEAK_MB, f"{name}: {peak:.0f} MB"
    assert seconds < PER_FILE_SECONDS, f"{name}: {seconds:.1f} s"


def test_external_entities_never_read(corpus, capsys):
    for name in ("bomb-xxe.xlsx", "doc-xxe.html"):
        path = next(p for p in corpus if p.name == name)
        main(["check", str(path), "--json"])
        out = capsys.readouterr().out
        assert "root:" not in out and "/bin/" not in out


INJECTED = [
    '=HYPERLINK("http://x","点我")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "../../etc/passwd",
    "a\\b",
    "CON",
    "白鹤\x00镇",
    "x/y",
]


def test_formula_and_path_injection_is_harmless(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    for i, name in enumerate(INJECTED):
        write_workbook(inbox / f"u{i}.xlsx", FMT, {"unit_name": name, "year": 2025}, balanced_inputs())
    out, long_csv = tmp_path / "s.xlsx", tmp_path / "l.csv"
    result = build_county_summary(inbox, out, long_csv=long_csv)
    assert len(result.accepted) == len(INJECTED)
    detail = openpyxl.load_workbook(out)["明细"]
    names = [detail.cell(row=r, column=1) for r in range(3, 3 + len(INJECTED))]
    assert all(c.data_type == "s" for c in names)
    assert {c.value for c in names} >= {'=HYPERLINK("http://x","点我")', "../../etc/passwd", "CON"}
    units = {row["unit"] for row in csv.DictReader(long_csv.read_text(encoding="utf-8-sig").splitlines())}
    assert not any(u.startswith(("=", "+", "-", "@")) for u in units)
    # annotated copies and imported file names stay inside their folder, with safe names
    reports = check_files(sorted(inbox.glob("*.xlsx")), annotate_dir=tmp_path / "批注")
    assert all(Path(r.annotated).parent == tmp_path / "批注" for r in reports)
    for r in reports:
        assert check_file(r.annotated).unit == check_file(r.file).unit  # a copy is read like the original
    pages = tmp_path / "pages"
    pages.mkdir()
    for i, source in enumerate(sorted(inbox.glob("*.xlsx"))):
        export(check_workbook(source), html_path=pages / f"p{i}.html")
    imported = tmp_path / "imported"
    # exit 1: a name such as "-2+3" cannot be told from the title's year; the workbooks are written all the same
    assert main(["import", *map(str, sorted(pages.glob("*.html"))), "-d", str(imported)]) in (0, 1)
    assert len(list(imported.iterdir())) == len(INJECTED)
    for path in imported.iterdir():
        assert path.parent == imported and path.suffix == ".xlsx"
        assert not path.name.upper().startswith("CON_") or path.name.startswith("_")


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_inputs_are_never_modified_by_any_command(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    for name in NEIGHBOURS:
        write_workbook(inbox / f"{name}.xlsx", FMT, {"unit_name": name, "year": 2025}, balanced_inputs())
    write_workbook(inbox / "错.xlsx", FMT, {"unit_name": "错镇", "year": 2025}, {**balanced_inputs(), "t3.r25.c1": 9})
    roster = inbox / "名单.csv"
    roster.write_text("单位名称\n甲镇\n乙镇\n", encoding="utf-8")
    page = tmp_path / "page.html"
    export(check_workbook(inbox / "甲镇.xlsx"), html_path=page)
    (inbox / "page.html").write_bytes(page.read_bytes())
    before = _hashes(inbox)
    out = tmp_path / "out"
    out.mkdir()
    main(["check", *map(str, sorted(inbox.glob("*.xlsx"))), "--annotate", str(out / "a")])
    main(["check", str(inbox / "page.html"), "--json"])
    main(["merge", str(inbox), "--roster", str(roster), "-o", str(out / "s.xlsx"), "--long", str(out / "l.csv")])
    main(["import", str(inbox / "page.html"), "-o", str(out / "i.xlsx")])
    main(["export", str(inbox / "甲镇.xlsx"), "--html", str(out / "e.html"), "--docx", str(out / "e.docx")])
    main(["make-template", "--roster", str(roster), "-d", str(out / "t"), "--year", "2025"])
    assert _hashes(inbox) == before
    assert main(["merge", str(inbox), "-o", str(inbox / "甲镇.xlsx"), "--force"]) == 2  # never over an input
    assert _hashes(inbox) == before


@pytest.fixture(scope="module")
def big_inbox(tmp_path_factory):
    inbox = tmp_path_factory.mktemp("big")
    for i in range(400):
        write_workbook(inbox / f"u{i:03d}.xlsx", FMT, {"unit_name": f"单位{i:03d}", "year": 2025}, balanced_inputs())
    return inbox


def _running(marker: str) -> list[int]:
    """Processes whose command line holds ``marker`` (arguments separated by NUL, as /proc keeps them)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                found.append(int(entry.name))
        except OSError:
            continue  # gone meanwhile
    return found


def test_killed_merge_leaves_the_old_output_or_a_complete_one(big_inbox, tmp_path):
    target = tmp_path / "汇总.xlsx"
    target.write_bytes(b"old summary")
    outcomes = set()
    for delay in (0.3, 0.6, 0.9, 1.2, 1.6, 2.2, 3.0):
        process = subprocess.Popen(
            [sys.executable, "-m", "toolkit", "merge", str(big_inbox), "-o", str(target), "--force"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        process.kill()
        process.wait()
        data = target.read_bytes()
        if data == b"old summary":
            outcomes.add("old")
        else:
            assert check_file(target).valid, f"half-written summary after {delay}s"
            outcomes.add("new")
            target.write_bytes(b"old summary")
    assert "old" in outcomes
    time.sleep(2 * ORPHAN_POLL_SECONDS + 0.5)
    assert _running(f"merge\0{big_inbox}") == [], "workers of a killed merge are still running"


def test_two_merges_into_one_output_at_once(big_inbox, tmp_path):
    target = tmp_path / "汇总.xlsx"
    command = [sys.executable, "-m", "toolkit", "merge", str(big_inbox), "-o", str(target)]
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    results = [(*p.communicate(timeout=300), p.returncode) for p in (first, second)]
    codes = sorted(code for _, _, code in results)
    assert codes == [0, 2], results  # one writes, the other finds the output already there
    assert any("已存在" in err for _, err, code in results if code == 2)
    assert check_file(target).valid
    forced = [
        subprocess.Popen([*command, "--force"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)
    ]
    assert [p.wait(timeout=300) for p in forced] == [0, 0]
    assert check_file(target).valid
    assert not list(tmp_path.glob(".xltool-*"))


def test_json_of_a_broken_folder_is_valid_json(corpus, tmp_path, capsys):
    inbox = tmp_path / "in"
    inbox.mkdir()
    for path in _workbooks(corpus)[:30]:
        (inbox / path.name).write_bytes(path.read_bytes())
    write_workbook(inbox / "甲镇.xlsx", FMT, {"unit_name": "甲镇", "year": 2025}, balanced_inputs())
    main(["merge", str(inbox), "-o", str(tmp_path / "s.xlsx"), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert any(f["unit"] == "甲镇" and f["status"] == "已采用" for f in data["files"])


ABORTING_READER = """
import os, sys
from pathlib import Path
import toolkit.merge.pool as merge
real = merge.examine
def examine(path, *args, **kwargs):
    if Path(path).name == "poison.xlsx":
        os.abort()  # as a native reader does when a crafted file makes it fail hard
    return real(path, *args, **kwargs)
merge.examine = examine
from toolkit.api import merge as build_county_summary
result = build_county_summary(sys.argv[1], sys.argv[2])
print("POISON", next(f.status.word for f in result.files if Path(f.path).name == "poison.xlsx"), len(result.accepted))
"""


def test_merge_survives_a_reader_that_kills_its_worker(big_inbox, tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    for path in sorted(big_inbox.glob("*.xlsx"))[:80]:
        (inbox / path.name).write_bytes(path.read_bytes())
    (inbox / "poison.xlsx").write_bytes((inbox / "u000.xlsx").read_bytes())
    result = subprocess.run(
        [sys.executable, "-c", ABORTING_READER, str(inbox), str(tmp_path / "s.xlsx")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "POISON 无法读取 80" in result.stdout
    assert check_file(tmp_path / "s.xlsx").valid
