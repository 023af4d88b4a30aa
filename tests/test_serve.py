"""`xltool serve` end to end: the real server on 127.0.0.1, driven in Debian's Chromium through Playwright
(the system browser: nothing is downloaded). What the page shows and lets one download is compared with
what the library and `xltool merge` give for the same files."""

from __future__ import annotations

import http.client
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.corpus import write_corpus
from tests.support import REPORTS, ROOT, chromium
from tests.test_hostile import REPORT_PDF, valid_sources
from toolkit import limits
from toolkit.api import make_templates, read_and_check
from toolkit.cli import main
from toolkit.errors import UnreadableWorkbook
from toolkit.web.server import LocalServer, prepare
from toolkit.web.uploads import UploadRefused, leaf_name, unpack
from toolkit.web.work import KEPT_JOBS, Workplace
from toolkit.write.annotate import marks

COUNTY = ROOT / "samples" / "示例县"
INBOX = COUNTY / "收件箱"
ROSTER = COUNTY / "单位名单.csv"
FAULTY = INBOX / "示例县青山镇.xlsx"
SCREEN = {"width": 1366, "height": 768}  # the common office laptop
# Where the README's screenshots come from: XLTOOL_SCREENSHOTS=docs/screenshots pytest tests/test_serve.py
SHOTS = os.environ.get("XLTOOL_SCREENSHOTS")


@pytest.fixture(scope="module")
def server():
    running = prepare(0)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield running
    running.stop()
    thread.join(10)
    assert not running.work.root.exists()  # its temporary files go with it


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport=SCREEN, accept_downloads=True, locale="zh-CN")
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.goto(server.url)
    yield opened
    context.close()
    assert errors == []


def screenshot(page: Page, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / f"{name}.png"))
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def parts(server: LocalServer) -> tuple[int, str]:
    url = urllib.parse.urlparse(server.url)
    return url.port or 80, urllib.parse.parse_qs(url.query)["token"][0]


def request(
    server: LocalServer, path: str, headers: dict[str, str], method: str = "GET", body: bytes = b""
) -> tuple[int, bytes]:
    port, _ = parts(server)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def upload(server: LocalServer, path: str, name: str, content: bytes, field: str = "file") -> tuple[int, dict]:
    """A multipart POST as a browser sends it, with the token."""
    port, token = parts(server)
    boundary = "xltoolboundary7MA4YWxk"
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n\r\n'
    body = head.encode() + content + f"\r\n--{boundary}--\r\n".encode()
    headers = {
        "Host": f"127.0.0.1:{port}",
        "X-Xltool-Token": token,
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    status, answer = request(server, path, headers, "POST", body)
    return status, json.loads(answer)


# --- safety ----------------------------------------------------------------------------------------------
def test_token_and_host_are_required(server):
    port, token = parts(server)
    own = f"127.0.0.1:{port}"
    assert request(server, f"/?token={token}", {"Host": own})[0] == 200
    assert request(server, f"/?token={token}", {"Host": f"localhost:{port}"})[0] == 200
    assert request(server, "/", {"Host": own})[0] == 403  # no token
    assert request(server, "/?token=guess", {"Host": own})[0] == 403
    assert request(server, "/api/info", {"Host": own, "X-Xltool-Token": token[:-1]})[0] == 403
    # DNS rebinding: a foreign name that resolves to 127.0.0.1 still carries its own Host
    status, body = request(server, f"/?token={token}", {"Host": f"evil.example:{port}"})
    assert status == 403 and "地址不对" in body.decode()
    status, _ = request(
        server, "/api/check", {"Host": own, "X-Xltool-Token": token, "Content-Length": str(10**10)}, "POST", b"x"
    )
    assert status == 413


def test_page_is_served_with_a_strict_policy_and_no_outside_assets(server):
    port, token = parts(server)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", f"/?token={token}")
        response = connection.getresponse()
        page = response.read().decode()
        policy = response.getheader("Content-Security-Policy") or ""
    finally:
        connection.close()
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "http://" not in page.replace(server.url, "") and "https://" not in page  # nothing from elsewhere


def test_hostile_corpus_through_the_page_gets_the_same_messages(server, tmp_path):
    valid, page, text = valid_sources(tmp_path / "_valid")
    corpus = write_corpus(tmp_path / "cases", valid, page, text, REPORT_PDF.read_bytes())
    for index, path in enumerate(corpus):
        status, shown = upload(server, "/api/check", path.name, path.read_bytes())
        assert status == 200, path.name
        verdict = shown["verdict"]
        assert "内部错误" not in verdict["failure"] and "\n" not in verdict["failure"], path.name
        if index % 10 == 0:  # the same words as the command line
            try:
                report = read_and_check(path).report
            except UnreadableWorkbook as error:
                assert verdict["failure"] == error.reason, path.name
            else:
                assert (verdict["text"], verdict["failure"]) == (report.verdict(), ""), path.name
    status, shown = upload(server, "/api/check", FAULTY.name, FAULTY.read_bytes())  # still serving
    assert status == 200 and shown["verdict"]["errors"] == 3


def test_too_many_files_in_one_upload_is_refused_in_words(server):
    port, token = parts(server)
    boundary = "xltoolboundary7MA4YWxk"
    one = f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="a.xlsx"\r\n\r\nx\r\n'
    body = (one * (limits.MAX_UPLOAD_FILES + 3) + f"--{boundary}--\r\n").encode()
    headers = {"Host": f"127.0.0.1:{port}", "X-Xltool-Token": token}
    headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    status, answer = request(server, "/api/merge", headers, "POST", body)
    assert status == 400 and "一次最多 2000 个文件" in json.loads(answer)["error"]


def test_upload_names_and_zips_are_made_safe(tmp_path):
    assert leaf_name("../../逃逸.xlsx") == "逃逸.xlsx"
    assert leaf_name("C:\\Users\\a\\白鹤镇.XLSX") == "白鹤镇.xlsx"
    assert leaf_name("收件箱/二组/CON.xlsx") == "_CON.xlsx"
    assert leaf_name("a\x00b.xlsx") == "a_b.xlsx"
    assert leaf_name("") == "未命名"
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.xlsx", b"\0" * (limits.MAX_PART_BYTES + 1))
    with pytest.raises(UploadRefused, match="压缩包过大或可疑"):
        unpack(bomb, tmp_path)
    nested = tmp_path / "nested.zip"
    with zipfile.ZipFile(nested, "w") as archive:
        archive.writestr("甲/乙/白鹤镇.xlsx", b"a")
        archive.writestr("丙/白鹤镇.xlsx", b"b")
        archive.writestr("__MACOSX/._白鹤镇.xlsx", b"c")
    out = tmp_path / "out"
    out.mkdir()
    assert sorted(p.name for p in unpack(nested, out)) == ["白鹤镇 (2).xlsx", "白鹤镇.xlsx"]


class WindowsZipName(zipfile.ZipInfo):
    """A member named as Windows' built-in zip tool names it: GBK bytes, no UTF-8 flag."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("gb18030"), self.flag_bits


def test_zip_made_on_chinese_windows_keeps_its_names(tmp_path):
    packed = tmp_path / "收件箱.zip"
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr(WindowsZipName("收件箱/示例县城关镇.xlsx"), (INBOX / "示例县城关镇.xlsx").read_bytes())
    assert not zipfile.ZipFile(packed).infolist()[0].flag_bits & 0x800
    out = tmp_path / "out"
    out.mkdir()
    assert [p.name for p in unpack(packed, out)] == ["示例县城关镇.xlsx"]


def test_every_real_report_through_the_page_as_check_reads_it(server):
    for path in sorted(REPORTS.glob("[0-9]*")):
        status, shown = upload(server, "/api/check", path.name, path.read_bytes())
        report = read_and_check(path).report
        assert status == 200, path.name
        assert (shown["verdict"]["text"], len(shown["findings"])) == (report.verdict(), len(report.findings)), path.name
        assert "download" in shown, path.name  # an annotated copy for every format, the 2019 one included


# --- 检查一份 -----------------------------------------------------------------------------------------------
def test_check_view_marks_the_faulty_cells_and_offers_the_annotated_copy(page, tmp_path):
    page.set_input_files("#check-file", str(FAULTY))
    expect(page.locator("#verdict")).to_have_text("示例县青山镇.xlsx　示例县青山镇 2025 年度　3 个错误，0 个警告")
    checked = read_and_check(FAULTY)
    expected = {cell for cell, (severity, _) in marks(checked).items() if cell in checked.submission.format.cells}
    marked = set(page.locator(".paper td.error").evaluate_all("cells => cells.map(c => c.dataset.cell)"))
    assert marked == expected and marked
    findings = page.locator(".findings li")
    expect(findings).to_have_count(len(checked.report.findings))
    assert [t.split()[0] for t in findings.all_inner_texts()] == [f.severity.word for f in checked.report.findings]
    screenshot(page, tmp_path, "check")
    page.locator(".findings li.link").first.click()
    flashing = page.locator(".paper td.flash")
    expect(flashing).to_have_count(1)
    assert flashing.evaluate("n => n.classList.contains('error')")
    expect(flashing).to_be_in_viewport()
    with page.expect_download() as download:
        page.click("#annotated")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "示例县青山镇_校验批注.xlsx"
    again = read_and_check(saved).report
    assert [f.code for f in again.findings] == [f.code for f in checked.report.findings]


def test_unreadable_and_then_a_good_file(page):
    broken = FAULTY.read_bytes()[:3000]
    page.set_input_files(
        "#check-file", files=[{"name": "坏文件.xlsx", "mimeType": "application/octet-stream", "buffer": broken}]
    )
    expect(page.locator("#verdict")).to_contain_text("无法读取")
    expect(page.locator("#verdict")).to_contain_text("文件已损坏")
    page.set_input_files("#check-file", str(INBOX / "示例县城关镇.xlsx"))
    expect(page.locator("#verdict")).to_contain_text("示例县城关镇 2025 年度　通过")


# --- 汇总 -------------------------------------------------------------------------------------------------
def _values(path: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path, data_only=False)
    return {sheet.title: [tuple(r) for r in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


def test_merge_view_gives_the_summary_merge_writes(page, tmp_path):
    inbox_files = sorted(str(p) for p in INBOX.iterdir())
    page.click("nav button[data-view=merge]")
    page.set_input_files("#merge-files", inbox_files)
    page.set_input_files("#merge-roster", str(ROSTER))
    page.click("#merge-start")
    counts = page.locator("#merge-counts")
    expect(counts).to_have_text(
        "2025 年度：共 32 个文件（已采用 27，退回修改 2，无法读取 1，重复 1，已跳过 1）", timeout=60_000
    )
    expect(page.locator("#merge-progress")).to_contain_text("完成")
    rows = page.locator("table.status").first.locator("tr")
    expect(rows).to_have_count(1 + 31)
    statuses = rows.evaluate_all("rows => rows.slice(1).map(r => r.children[1].textContent)")
    assert sorted(set(statuses)) == sorted({"通过", "退回修改", "无法读取", "未报送"})
    screenshot(page, tmp_path, "merge")
    with page.expect_download() as download:
        page.click("#download-summary")
    from_page = tmp_path / "page.xlsx"
    download.value.save_as(from_page)
    from_cli = tmp_path / "cli.xlsx"
    assert main(["merge", str(INBOX), "--roster", str(ROSTER), "-o", str(from_cli)]) == 1
    page_sheets, cli_sheets = _values(from_page), _values(from_cli)
    assert list(page_sheets) == list(cli_sheets)
    for sheet in cli_sheets:
        assert page_sheets[sheet] == cli_sheets[sheet], sheet
    # a unit opens its findings as in 检查一份
    page.locator("table.status tr.open", has_text="示例县青山镇").first.click()
    expect(page.locator("#merge-detail #verdict")).to_contain_text("3 个错误")
    expect(page.locator("#merge-detail .paper td.error").first).to_be_visible()
    with page.expect_download() as download:
        page.click("#download-annotated")
    copies = tmp_path / "copies.zip"
    download.value.save_as(copies)
    names = set(zipfile.ZipFile(copies).namelist())
    assert {"示例县青山镇_校验批注.xlsx", "示例县桃源乡_校验批注.xlsx"} <= names
    with page.expect_download() as download:
        page.click("#download-long")
    assert download.value.suggested_filename == "长表_2025.csv"
    page.click("nav button[data-view=templates]")  # the roster is remembered for the session
    expect(page.locator("#t-roster-name")).to_have_text("本次已记住的名单：单位名单.csv")


def test_merge_view_checks_the_county_report_against_its_units(page):
    parent = next(COUNTY.glob("示例县人民政府*.html"))
    page.click("nav button[data-view=merge]")
    page.set_input_files("#merge-folder", str(INBOX))
    page.set_input_files("#merge-parent", str(parent))
    page.click("#merge-start")
    county = page.locator("#merge-result .county.error")
    expect(county).to_have_count(2, timeout=60_000)
    expect(county.first).to_contain_text("本报告填 339，27 个单位合计 337")
    expect(page.locator("#merge-result .county.warning")).to_contain_text("有 3 个单位文件未计入各单位合计")


def test_zip_upload_and_path_traversal(page, tmp_path):
    page.click("nav button[data-view=merge]")
    crafted = io.BytesIO()
    with zipfile.ZipFile(crafted, "w") as archive:
        archive.writestr("../../逃逸.xlsx", FAULTY.read_bytes())
    page.set_input_files(
        "#merge-zip", files=[{"name": "恶意.zip", "mimeType": "application/zip", "buffer": crafted.getvalue()}]
    )
    page.click("#merge-start")
    expect(page.locator("#merge-result .error-line")).to_contain_text("指向压缩包以外的路径")
    page.click("#merge-clear")
    packed = tmp_path / "收件箱.zip"
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(INBOX.iterdir()):
            archive.write(path, f"收件箱/{path.name}")
    page.set_input_files("#merge-zip", str(packed))
    page.click("#merge-start")
    expect(page.locator("#merge-counts")).to_contain_text("共 32 个文件（已采用 27", timeout=60_000)


def test_folder_upload(page):
    page.click("nav button[data-view=merge]")
    page.set_input_files("#merge-folder", str(INBOX))  # the browser's folder picker
    expect(page.locator("#merge-chosen")).to_have_text("已选 32 个文件")
    page.click("#merge-start")
    expect(page.locator("#merge-counts")).to_contain_text("共 32 个文件（已采用 27", timeout=60_000)


# --- 模板 -------------------------------------------------------------------------------------------------
def test_templates_view(page, tmp_path):
    page.click("nav button[data-view=templates]")
    page.fill("#t-unit", "白鹤镇人民政府")
    page.select_option("#t-level", "乡镇/街道")
    page.fill("#t-year", "2025")
    screenshot(page, tmp_path, "templates")
    with page.expect_download() as download:
        page.click("#t-one")
    one = tmp_path / download.value.suggested_filename
    download.value.save_as(one)
    report = read_and_check(one).report
    assert (report.unit, report.year) == ("白鹤镇人民政府", 2025)
    page.set_input_files("#t-roster", str(ROSTER))
    with page.expect_download() as download:
        page.click("#t-all")
    bundle = tmp_path / "all.zip"
    download.value.save_as(bundle)
    names = zipfile.ZipFile(bundle).namelist()
    by_cli = make_templates(roster=ROSTER, folder=tmp_path / "cli", year=2025)
    assert sorted(names) == sorted(p.name for p in by_cli) and len(names) == 31


# --- the command ------------------------------------------------------------------------------------------
def test_serve_command_prints_the_address_and_stops_cleanly_on_ctrl_c(tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "toolkit", "serve", "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        lines = [process.stdout.readline() for _ in range(2)]
        url = lines[1].strip()
        assert url.startswith("http://127.0.0.1:") and "?token=" in url
        assert [p.name[:13] for p in tmp_path.iterdir()] == ["xltool-serve-"]
        with urllib.request.urlopen(url, timeout=30) as answer:
            assert answer.status == 200
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "已停止" in out and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # its temporary folder is gone


def test_a_long_running_server_keeps_only_its_latest_merges(tmp_path):
    work = Workplace(tmp_path / "server")
    jobs = []
    for _ in range(KEPT_JOBS + 2):
        inbox = work.folder() / "收件箱"
        inbox.mkdir()
        shutil.copy(INBOX / "示例县城关镇.xlsx", inbox)
        job = work.start_merge(inbox, None)
        deadline = time.monotonic() + 30
        while job.state == "running" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert job.state == "done", job.error
        jobs.append(job)
    assert len(work.jobs) == KEPT_JOBS
    assert not jobs[0].folder.exists() and jobs[-1].folder.exists()
    assert all(d.path.exists() for d in work.downloads.values())  # nothing offered that is gone
    work.close()
    assert not work.root.exists()


def test_a_port_in_use_is_one_line(capsys):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    try:
        assert main(["serve", "--no-browser", "--port", str(taken.getsockname()[1])]) == 2
    finally:
        taken.close()
    err = capsys.readouterr().err
    assert "无法使用" in err and "Traceback" not in err
