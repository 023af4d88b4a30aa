"""A published report as a PDF -> rows of cells, with pdfplumber.

Tables come from the PDF's ruling lines and word positions (``find_tables``); every other line of text is
kept too (titles, narrative), and both are put back in reading order, page after page, so that a table that
continues on the next page simply continues. A cell's text wrapped inside the cell, or printed one
character per line, is read as one label.

pdfminer inflates a stream in one piece and walks every page it is asked for, so a crafted PDF (a
decompression bomb, ten thousand pages) could take all the memory or all the time: the PDF is read in a
child process with a memory cap and a time limit, and what goes wrong there is one clear line.
A PDF without a text layer is a scan: it is read through OCR when ``tesseract`` with Chinese is installed.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import multiprocessing
import re
import resource
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from toolkit import limits
from toolkit.errors import UnreadableWorkbook
from toolkit.read.cells import BLANK

_NEWLINE_IN_CJK = re.compile(r"(?<=[^\x00-\x7f])\s*\n\s*|\s*\n\s*(?=[^\x00-\x7f])")
# Characters whose tops differ by this much still share a line: a heading's Latin digits sit a few points
# lower than its Chinese characters when the two come from different fonts (pdfplumber's default is 3).
LINE_TOLERANCE = 5
OCR_LANGUAGE = "chi_sim"
OCR_DPI = 300
Row = list[str]


@dataclass
class PdfContent:
    """A PDF's rows in reading order, and whether they were recognised from images."""

    rows: list[Row]
    recognised: bool = False


def _pdfplumber() -> Any:
    """pdfplumber (and pdfminer under it) take a tenth of a second to load: they are loaded in the child
    process that reads a PDF, never on the way of a workbook."""
    return importlib.import_module("pdfplumber")


def _cell_text(text: str | None) -> str:
    """A cell's text as one line: wrapped Chinese joined without a space, other breaks a space. An empty
    cell of a ruled table is a blank at a known place."""
    if text is None:
        return ""
    joined = re.sub(r"\s+", " ", _NEWLINE_IN_CJK.sub("", text.strip()))
    return joined or BLANK


def _page_rows(page: Any) -> list[tuple[float, Row]]:
    """(top, cells) of every table row and every text line outside the tables of one page."""
    tables = page.find_tables()
    placed: list[tuple[float, Row]] = []
    boxes = [table.bbox for table in tables]
    for table in tables:
        for row, cells in zip(table.rows, table.extract(y_tolerance=LINE_TOLERANCE), strict=False):
            kept = [_cell_text(cell) for cell in cells if cell is not None]
            if any(kept):
                placed.append((row.bbox[1], kept))

    def outside(obj: dict[str, Any]) -> bool:
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

    text = page.filter(outside) if boxes else page
    lines = text.extract_text_lines(y_tolerance=LINE_TOLERANCE)
    placed += [(line["top"], [line["text"]]) for line in lines if line["text"].strip()]
    placed.sort(key=lambda item: item[0])
    return placed


def _extract(path: str) -> tuple[list[Row], bool]:
    """Every row of every page, and whether the PDF has any text at all."""
    rows: list[Row] = []
    any_text = False
    with _pdfplumber().open(path) as pdf:
        if len(pdf.pages) > limits.MAX_PDF_PAGES:
            raise OverflowError(len(pdf.pages))
        for page in pdf.pages:
            any_text = any_text or bool(page.chars)
            rows += [cells for _, cells in _page_rows(page)]
            page.close()  # its characters and layout are cached until then: memory would grow with the pages
    return rows, any_text


def _cap_memory() -> None:
    """In the child: what it already has (a fork of the reader), plus the room one PDF may take."""
    with open("/proc/self/status", encoding="ascii") as status:
        size = next((int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:")), 0)
    cap = size + limits.MAX_PDF_MEMORY
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def _cause(error: BaseException) -> BaseException:
    """The error pdfminer raised, from inside pdfplumber's wrapper (which carries it as its argument)."""
    inner = error.args[0] if error.args and isinstance(error.args[0], BaseException) else error.__cause__
    return _cause(inner) if inner is not None else error


def _child(path: str, send: Connection) -> None:
    """Runs in the child process: the memory cap, then pdfplumber; the outcome goes back as a tuple."""
    _cap_memory()
    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # font warnings are pdfminer's, not the user's
    try:
        send.send(("ok", _extract(path)))
    except OverflowError as pages:
        send.send(("pages", str(pages)))
    except MemoryError:
        send.send(("memory", ""))
    except Exception as error:  # pdfminer raises many types for broken files; each means "cannot read"
        cause = _cause(error)
        out_of_memory = isinstance(cause, MemoryError) or "allocate" in str(cause)
        send.send(("memory", "") if out_of_memory else ("broken", f"{type(cause).__name__}: {cause}"[:200]))
    finally:
        send.close()


def _in_child(path: Path, work: Callable[[str, Connection], None]) -> tuple[str, Any]:
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=work, args=(str(path), send), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(limits.PDF_SECONDS):
            return "time", ""
        outcome: tuple[str, Any] = receive.recv()
        return outcome
    except EOFError:
        return "died", ""
    finally:
        child.kill()
        child.join()


REASONS = {
    "pages": "PDF 页数过多（{}页），不像是一份年度报告，已拒绝读取",
    "memory": "PDF 读取所需内存超过上限（文件过大，或其中的数据解压后过大，疑似“压缩炸弹”），已停止读取",
    "time": "PDF 读取超时（文件过大或结构异常），已停止读取",
    "died": "PDF 读取程序异常退出（文件可能严重损坏或被蓄意构造）",
    "broken": "PDF 已损坏或无法解析（{}）；请重新导出或下载 PDF 后再试",
}
ENCRYPTED = ("PDFPasswordIncorrect", "PDFEncryptionError", "PDFTextExtractionNotAllowed")
SCAN = "这是扫描件，没有可读取的文字层；请提供带文字的 PDF、网页或 Word 版本"


def read_pdf_rows(path: Path) -> PdfContent:
    """The rows of a PDF report; a scan goes through OCR when it can, else it is refused in one line."""
    kind, payload = _in_child(path, _child)
    if kind == "broken" and any(mark in payload for mark in ENCRYPTED):
        raise UnreadableWorkbook(path, "PDF 设置了打开密码（已加密），无法读取；请提供未加密的版本")
    if kind != "ok":
        raise UnreadableWorkbook(path, REASONS[kind].format(payload))
    rows, any_text = payload
    if any_text:
        return PdfContent(rows)
    if not ocr_available():
        raise UnreadableWorkbook(path, SCAN)
    return PdfContent(ocr_rows(path), recognised=True)


# --- scans --------------------------------------------------------------------------------------------------
def ocr_available() -> bool:
    """tesseract with simplified Chinese on the PATH, and NumPy (``pip install "xltool[ocr]"``) to take the
    table's ruling lines off the page image first (tesseract reads a ruled table as noise)."""
    tesseract = shutil.which("tesseract")
    if tesseract is None or importlib.util.find_spec("numpy") is None:
        return False
    listed = subprocess.run([tesseract, "--list-langs"], capture_output=True, text=True, timeout=30, check=False)
    return OCR_LANGUAGE in listed.stdout.split()


def _ocr_child(path: str, send: Connection) -> None:
    _cap_memory()
    try:
        lines: list[Row] = []
        with _pdfplumber().open(path) as pdf, tempfile.TemporaryDirectory() as scratch:
            for number, page in enumerate(pdf.pages[: limits.MAX_PDF_PAGES]):
                image = Path(scratch) / f"{number}.png"
                without_rules(page.to_image(resolution=OCR_DPI).original).save(image)
                lines += _recognise(image)
        send.send(("ok", lines))
    except MemoryError:
        send.send(("memory", ""))
    except Exception as error:  # rendering or recognition failed: the scan cannot be read
        send.send(("broken", f"{type(error).__name__}: {error}"[:200]))
    finally:
        send.close()


RULE_FRACTION = 0.04  # a dark run this long (of the page's width or height) is a ruling line, not a letter


def without_rules(image: Any) -> Any:
    """The page image with its ruling lines painted white: long horizontal and vertical runs of dark pixels."""
    import numpy as np  # noqa: PLC0415 (optional: only a scan needs it, and only when OCR is installed)
    from PIL import Image  # noqa: PLC0415 (pdfplumber's own dependency, needed only here)

    pixels = np.array(image.convert("L"))
    dark = pixels < 128

    def long_runs(mask: Any, length: int) -> Any:
        """Where ``mask`` has at least ``length`` consecutive True values along each row."""
        starts = np.lib.stride_tricks.sliding_window_view(mask, length, axis=1).all(axis=2)
        edges = np.zeros((mask.shape[0], mask.shape[1] + 1), dtype=np.int32)
        edges[:, : starts.shape[1]] += starts
        edges[:, length : length + starts.shape[1]] -= starts
        return np.cumsum(edges, axis=1)[:, : mask.shape[1]] > 0

    rules = long_runs(dark, max(int(dark.shape[1] * RULE_FRACTION), 20))
    rules |= long_runs(dark.T, max(int(dark.shape[0] * RULE_FRACTION), 20)).T
    pixels[rules] = 255
    return Image.fromarray(pixels)


def _recognise(image: Path) -> list[Row]:
    """One page image as lines of text (tesseract, simplified Chinese, a uniform block of text)."""
    result = subprocess.run(
        ["tesseract", str(image), "stdout", "-l", OCR_LANGUAGE, "--psm", "6"],
        capture_output=True,
        text=True,
        timeout=limits.PDF_SECONDS,
        check=True,
    )
    return [[line] for line in result.stdout.splitlines() if line.strip()]


def ocr_rows(path: Path) -> list[Row]:
    kind, payload = _in_child(path, _ocr_child)
    if kind != "ok":
        raise UnreadableWorkbook(path, f"{SCAN}（文字识别失败：{REASONS[kind].format(payload)}）")
    rows: list[Row] = payload
    return rows
