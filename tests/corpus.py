"""Broken and hostile inputs derived from valid ones, reproducibly (one seed).

    python -m tests.corpus OUT_DIR      # write the corpus and print how many cases of each kind

Every case is a file a county office could receive: a workbook damaged in transit or by an odd program, or
one built to attack the reader (bombs, entities, absurd sizes). The tests run each through check, merge and
import; none may crash, hang or leak.
"""

from __future__ import annotations

import io
import random
import re
import sys
import warnings
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import xlsxwriter
from pypdf import PdfWriter

SEED = 20251125
WORKBOOK_CASES = ("truncated", "flipped", "entry", "xml", "strings", "refs", "styles", "size", "names", "sheets")


def _members(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info, archive.read(info)) for info in archive.infolist()]


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        warnings.simplefilter("ignore")  # duplicated entries are the point of some cases
        for name, content in members:
            archive.writestr(zipfile.ZipInfo(name), content)
    return out.getvalue()


def _rewrite(data: bytes, change: Callable[[str, bytes], bytes | None]) -> bytes:
    """The workbook with each member passed through ``change`` (None drops it)."""
    kept = []
    for info, content in _members(data):
        new = change(info.filename, content)
        if new is not None:
            kept.append((info.filename, new))
    return _zip(kept)


def _sheet_parts(data: bytes) -> list[str]:
    return [info.filename for info, _ in _members(data) if info.filename.startswith("xl/worksheets/sheet")]


def workbook_cases(valid: bytes, rng: random.Random) -> dict[str, bytes]:
    cases: dict[str, bytes] = {}
    size = len(valid)
    for i, offset in enumerate([*sorted(rng.sample(range(1, size), 60)), 22, 30, size - 22, size - 1]):
        cases[f"truncated-{i:02d}.xlsx"] = valid[:offset]
    for i in range(80):
        damaged = bytearray(valid)
        for _ in range(rng.choice((1, 2, 5, 20))):
            position = rng.randrange(size)
            damaged[position] ^= 1 << rng.randrange(8)
        cases[f"flipped-{i:02d}.xlsx"] = bytes(damaged)
    names = [info.filename for info, _ in _members(valid)]
    for i, name in enumerate(names):
        cases[f"entry-removed-{i:02d}.xlsx"] = _rewrite(valid, lambda n, c, name=name: None if n == name else c)
        renamed = [(n + "x" if n == name else n, c) for n, c in ((info.filename, c) for info, c in _members(valid))]
        cases[f"entry-renamed-{i:02d}.xlsx"] = _zip(renamed)
        doubled = [(info.filename, c) for info, c in _members(valid)]
        doubled.append((name, b"<broken/>" if i % 2 else dict(doubled)[name]))
        cases[f"entry-duplicated-{i:02d}.xlsx"] = _zip(doubled)
    for i, part in enumerate(_sheet_parts(valid)):

        def garbage(n, c, part=part):
            return c[: len(c) // 2] if n == part else c

        def unclosed(n, c, part=part):
            return c.replace(b"</sheetData>", b"<row><c r='A1'>") if n == part else c

        def noise(n, c, part=part):
            return c.replace(b"<row ", b"<row <<<&&& ", 1) if n == part else c

        cases[f"xml-cut-{i}.xlsx"] = _rewrite(valid, garbage)
        cases[f"xml-unclosed-{i}.xlsx"] = _rewrite(valid, unclosed)
        cases[f"xml-noise-{i}.xlsx"] = _rewrite(valid, noise)
    cases["strings-out-of-range.xlsx"] = _rewrite(
        valid, lambda n, c: re.sub(rb'(t="s"[^>]*><v>)\d+', rb"\g<1>999999", c) if "worksheets" in n else c
    )
    cases["strings-missing.xlsx"] = _rewrite(valid, lambda n, c: None if n == "xl/sharedStrings.xml" else c)
    cases["strings-negative.xlsx"] = _rewrite(
        valid, lambda n, c: re.sub(rb'(t="s"[^>]*><v>)\d+', rb"\g<1>-5", c) if "worksheets" in n else c
    )
    cases["refs-absurd.xlsx"] = _rewrite(
        valid, lambda n, c: c.replace(b'r="D6"', b'r="XFD1048576"') if "worksheets" in n else c
    )
    cases["refs-duplicated.xlsx"] = _rewrite(
        valid, lambda n, c: c.replace(b'r="E6"', b'r="D6"') if "worksheets" in n else c
    )
    cases["refs-garbage.xlsx"] = _rewrite(
        valid, lambda n, c: re.sub(rb'r="[A-Z]+(\d+)"', rb'r="??\1"', c) if "sheet3" in n else c
    )
    cases["refs-reversed.xlsx"] = _rewrite(
        valid,
        lambda n, c: (
            re.sub(
                rb"(<row[^>]*>)(.*?)(</row>)",
                lambda m: (
                    m.group(1) + b"".join(reversed(re.findall(rb"<c .*?</c>|<c [^>]*/>", m.group(2)))) + m.group(3)
                ),
                c,
                flags=re.S,
            )
            if "worksheets" in n
            else c
        ),
    )
    cases["styles-missing.xlsx"] = _rewrite(valid, lambda n, c: None if n == "xl/styles.xml" else c)
    cases["styles-absurd-index.xlsx"] = _rewrite(
        valid, lambda n, c: re.sub(rb' s="\d+"', b' s="99999"', c) if "worksheets" in n else c
    )
    cases["size-million-rows.xlsx"] = _rewrite(
        valid,
        lambda n, c: (
            c.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>').replace(
                b'<dimension ref="', b'<dimension ref="A1:XFD1048576" x="'
            )
            if "worksheets" in n
            else c
        ),
    )
    long_text = ("长" * 1_000_000).encode()
    cases["size-1mb-string.xlsx"] = _rewrite(
        valid, lambda n, c: c.replace(b"<t>", b"<t>" + long_text, 1) if n == "xl/sharedStrings.xml" else c
    )
    cases["names-control-chars.xlsx"] = _rewrite(
        valid, lambda n, c: c.replace(b'name="', b'name="\x01\x02', 1) if n == "xl/workbook.xml" else c
    )
    cases["names-invalid-utf8.xlsx"] = _rewrite(
        valid, lambda n, c: c.replace(b"<t>", b"<t>\xff\xfe\xc3", 1) if n == "xl/sharedStrings.xml" else c
    )
    cases["names-nul-in-strings.xlsx"] = _rewrite(
        valid, lambda n, c: c.replace(b"<t>", b"<t>&#0;\x00", 1) if n == "xl/sharedStrings.xml" else c
    )
    return cases


def many_sheets(count: int = 300) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    for i in range(count):
        book.add_worksheet(f"表{i}").write("A1", i)
    book.close()
    return out.getvalue()


def zip_bomb(inflated_mb: int = 300) -> bytes:
    """A small .xlsx whose sheet XML inflates to hundreds of megabytes (written in chunks, little memory)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", '<workbook><sheets><sheet name="a" r:id="rId1"/></sheets></workbook>')
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = b" " * (1024 * 1024)
            for _ in range(inflated_mb):
                sheet.write(chunk)
    return out.getvalue()


def lying_size_workbook(valid: bytes, declared: int | None = 100, inflated_mb: int = 300) -> bytes:
    """A sheet whose zip headers declare ``declared`` bytes (None: twice its compressed size, which looks
    plausible) while it inflates to hundreds of megabytes."""
    out = io.BytesIO()
    target = "xl/worksheets/sheet3.xml"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, content in _members(valid):
            if info.filename != target:
                archive.writestr(info.filename, content)
                continue
            with archive.open(target, "w", force_zip64=True) as sheet:
                sheet.write(content.replace(b"</worksheet>", b""))
                for _ in range(inflated_mb):
                    sheet.write(b" " * (1024 * 1024))
                sheet.write(b"</worksheet>")
    raw = bytearray(out.getvalue())
    if declared is None:
        with zipfile.ZipFile(io.BytesIO(bytes(raw))) as archive:
            declared = archive.getinfo(target).compress_size * 2
    name = target.encode()
    position = raw.find(name)
    while position >= 0:
        if raw[position - 30 : position - 26] == b"PK\x03\x04":  # local header: uncompressed size at +22
            raw[position - 30 + 22 : position - 30 + 26] = declared.to_bytes(4, "little")
        if raw[position - 46 : position - 42] == b"PK\x01\x02":  # central directory: uncompressed size at +24
            raw[position - 46 + 24 : position - 46 + 28] = declared.to_bytes(4, "little")
        position = raw.find(name, position + 1)
    return bytes(raw)


def entity_workbook(valid: bytes, kind: str) -> bytes:
    """A workbook part with a billion-laughs entity tree, or an external entity pointing at a local file."""
    if kind == "laughs":
        doctype = (
            b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
            + b"".join(b'<!ENTITY %s "%s">' % (bytes([98 + i]), (b"&" + bytes([97 + i]) + b";") * 10) for i in range(9))
            + b"]>"
        )
        value = b"&j;"
    else:
        doctype = b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        value = b"&xxe;"

    def change(name, content):
        if name == "xl/sharedStrings.xml":
            content = content.replace(b"?>", b"?>" + doctype, 1).replace(b"<t>", b"<t>" + value, 1)
        return content

    return _rewrite(valid, change)


def document_cases(html: str, text: str, rng: random.Random) -> dict[str, bytes]:
    """Broken published reports: cut, scrambled, badly encoded, nested without end, entity tricks."""
    cases: dict[str, bytes] = {}
    html_bytes, text_bytes = html.encode(), text.encode("gb18030")
    for i, offset in enumerate(sorted(rng.sample(range(1, len(html_bytes)), 35))):
        cases[f"doc-cut-{i:02d}.html"] = html_bytes[:offset]
    for i, offset in enumerate(sorted(rng.sample(range(1, len(text_bytes)), 35))):
        cases[f"doc-cut-{i:02d}.txt"] = text_bytes[:offset]
    for i in range(30):
        damaged = bytearray(text_bytes)
        for _ in range(10):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        cases[f"doc-flipped-{i:02d}.txt"] = bytes(damaged)
    lines = text.splitlines()
    for i in range(10):
        shuffled = lines[:]
        rng.shuffle(shuffled)
        cases[f"doc-shuffled-{i:02d}.txt"] = "\n".join(shuffled).encode()
    cases["doc-nested.html"] = b"<table><tr><td>" * 100_000
    cases["doc-laughs.html"] = (
        b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        + html_bytes.replace(b"<h2>", b"<h2>&b;&b;&b;", 1)
    )
    cases["doc-xxe.html"] = b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + html_bytes.replace(
        b"<h2>", b"<h2>&xxe;", 1
    )
    cases["doc-nul.txt"] = text_bytes.replace(b"\n", b"\x00\n")
    cases["doc-utf16.txt"] = text.encode("utf-16")
    cases["doc-one-line.txt"] = b"\t".join([b"0"] * 200_000)
    cases["doc-control.txt"] = text.replace("规章", "规\x07章\x1b").encode()
    return cases


# --- PDFs ------------------------------------------------------------------------------------------------
def _pdf(objects: list[bytes]) -> bytes:
    """A PDF of the given object bodies (numbered from 1, the first is the catalog), with a correct xref."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def pdf_bomb(inflated_mb: int = 1024) -> bytes:
    """One page whose content stream is a megabyte of compressed spaces that inflates to a gigabyte."""
    packer = zlib.compressobj(9)
    chunk = b" " * (1024 * 1024)
    stream = b"".join(packer.compress(chunk) for _ in range(inflated_mb)) + packer.flush()
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        ]
    )


def pdf_many_pages(count: int = 10_000) -> bytes:
    """Ten thousand empty pages."""
    kids = b" ".join(b"%d 0 R" % (3 + i) for i in range(count))
    pages = [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] * count
    return _pdf(
        [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count), *pages]
    )


def pdf_encrypted(report: bytes) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(report))
    writer.encrypt("secret", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_cases(report: bytes) -> dict[str, bytes]:
    """A real published report as a PDF, spoilt the ways a PDF can be, and PDFs built to attack the reader."""
    cases = {f"pdf-cut-{i}.pdf": report[: len(report) * i // 4] for i in (1, 2, 3)}
    cases["pdf-encrypted.pdf"] = pdf_encrypted(report)
    cases["pdf-bomb.pdf"] = pdf_bomb()
    cases["pdf-10000-pages.pdf"] = pdf_many_pages()
    cases["pdf-not-a-pdf.pdf"] = b"<html><body>\xe8\xbf\x99\xe4\xb8\x8d\xe6\x98\xaf PDF</body></html>"
    cases["pdf-empty.pdf"] = b""
    cases["pdf-header-only.pdf"] = b"%PDF-1.7\n%%EOF\n"
    return cases


def write_corpus(folder: Path, valid: bytes, html: str, text: str, pdf: bytes) -> list[Path]:
    rng = random.Random(SEED)
    cases = workbook_cases(valid, rng)
    cases["sheets-300.xlsx"] = many_sheets()
    cases["bomb-zip.xlsx"] = zip_bomb()
    cases["bomb-lying-size.xlsx"] = lying_size_workbook(valid)
    cases["bomb-lying-plausible.xlsx"] = lying_size_workbook(valid, declared=None)
    cases["bomb-laughs.xlsx"] = entity_workbook(valid, "laughs")
    cases["bomb-xxe.xlsx"] = entity_workbook(valid, "xxe")
    cases.update(document_cases(html, text, rng))
    cases.update(pdf_cases(pdf))
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, content in cases.items():
        path = folder / name
        path.write_bytes(content)
        paths.append(path)
    return paths


if __name__ == "__main__":
    from tests.test_hostile import REPORT_PDF, valid_sources

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "corpus")
    valid, html, text = valid_sources(target / "_valid")
    written = write_corpus(target, valid, html, text, REPORT_PDF.read_bytes())
    print(f"{len(written)} cases in {target}")
