"""What a file really is, from its bytes: a workbook (.xlsx, .xls, .ods), a published report (text, web page,
Word file), or something xltool cannot read, said in one line with the remedy."""

from __future__ import annotations

import zipfile
from pathlib import Path

from toolkit import limits
from toolkit.errors import UnreadableWorkbook
from toolkit.read.safezip import read_member
from toolkit.read.values import FileType

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")
WORKBOOK_SUFFIXES = (".xlsx", ".xls", ".ods", ".et")
TEXT_SUFFIXES = (".txt", ".htm", ".html", ".csv")
REPORT_SUFFIXES = (".txt", ".md", ".htm", ".html", ".docx", ".pdf")  # what a published report is saved as


def _html_or_text(head: bytes) -> FileType | None:
    sample = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if sample.startswith(b"<"):
        return FileType.HTML
    if b"\x00" not in head[:4096]:
        for encoding in ("utf-8", "gb18030"):
            try:
                head[:4000].decode(encoding)
            except UnicodeDecodeError as error:
                if error.start >= len(head[:4000]) - 4:  # a character cut at the end of the sample
                    return FileType.TXT
                continue
            return FileType.TXT
    return None


def document_kind_note(path: Path, kind: FileType) -> str:
    """How to describe a report file whose extension says it is something else (a workbook, a PDF)."""
    if kind not in (FileType.TXT, FileType.HTML):
        return ""
    what = "网页（HTML）" if kind == FileType.HTML else "文本"
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        return f"这是{what}文件，只是扩展名像 Excel"
    if path.suffix.lower() == ".pdf":
        return f"这不是 PDF，而是{what}文件，只是扩展名是 .pdf"
    return ""


def _check_path(path: Path) -> None:
    if not path.exists():
        raise UnreadableWorkbook(path, "文件不存在")
    if path.is_dir():
        raise UnreadableWorkbook(
            path, "这是文件夹，不是工作簿文件；汇总整个文件夹请用 xltool merge，逐个校验可用 文件夹/*.xlsx"
        )
    size = path.stat().st_size
    if size == 0:
        raise UnreadableWorkbook(path, "文件是空的（0 字节），请重新保存或重新发送")
    if size > limits.MAX_FILE_BYTES:
        raise UnreadableWorkbook(path, f"文件过大（{size // 1024 // 1024} MB），不像是一份年报工作簿")
    if path.suffix.lower() == ".et":
        raise UnreadableWorkbook(path, "这是 WPS 表格专用格式（.et），无法读取；请在 WPS 中“另存为” .xlsx")


def sniff(path: Path) -> tuple[FileType, zipfile.ZipFile | None]:
    """The real type of a file, with its zip left open for an .xlsx (the caller closes it); else raises."""
    _check_path(path)
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(path)
    if head.lstrip()[:5] == b"%PDF-":
        return FileType.PDF, None
    if head.startswith(_OLE):
        if _ENCRYPTED_MARK in path.read_bytes():
            raise UnreadableWorkbook(path, "工作簿设置了打开密码（已加密），无法读取；请取消密码后另存为 .xlsx 再发送")
        return FileType.XLS, None
    kind = _html_or_text(head)
    if kind is None and path.suffix.lower() in TEXT_SUFFIXES:
        raise UnreadableWorkbook(path, "文本的编码无法识别（支持 UTF-8 和 GB18030/GBK），请另存为 UTF-8 后再试")
    if kind is None:
        raise UnreadableWorkbook(path, "不是 Excel 工作簿（无法识别的文件内容），可能已损坏；请重新保存为 .xlsx")
    return kind, None


def _zip_type(path: Path) -> tuple[FileType, zipfile.ZipFile | None]:
    """xlsx (with its zip left open), ods or docx (closed); anything else raises."""
    try:
        archive = zipfile.ZipFile(path)
    except limits.ZIP_FAILURES:
        raise UnreadableWorkbook(path, "文件已损坏（压缩结构不完整，可能是下载或复制中断）；请重新保存后发送") from None
    names = set(archive.namelist())
    if "xl/workbook.xml" in names:
        return FileType.XLSX, archive
    try:
        if "mimetype" in names and b"spreadsheet" in read_member(archive, "mimetype")[:100]:
            return FileType.ODS, None
    except limits.ZIP_FAILURES:
        pass
    finally:
        archive.close()
    if "word/document.xml" in names:
        return FileType.DOCX, None
    raise UnreadableWorkbook(path, "压缩包里没有 Excel 工作簿的内容，可能已损坏")
