"""Every size limit xltool applies to what it reads, in one place (see the README's SECURITY section)."""

import zipfile
import zlib

# Everything reading a damaged zip member can raise: a broken archive, a corrupt deflate stream, a member
# compressed or encrypted in a way Python does not support.
ZIP_FAILURES = (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError, RuntimeError)

MAX_FILE_BYTES = 50 * 1024 * 1024  # a unit's workbook is ~20 KB; anything this large is not one
MAX_ZIP_ENTRIES = 2_000
MAX_PART_BYTES = 64 * 1024 * 1024  # uncompressed size of one zip member (a sheet XML, shared strings)
MAX_TOTAL_UNCOMPRESSED = 256 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200  # for members above 1 MiB: a ratio above this is a zip bomb, not a workbook
RATIO_CHECK_FLOOR = 1024 * 1024
VERIFY_FROM_BYTES = 256 * 1024  # compressed members this large are inflated (within limits) before calamine reads them
MAX_SHEETS = 255
MAX_GRID_CELLS = 2_000_000  # cells of one sheet grid xltool will hold when looking for the tables
MAX_DOCUMENT_CELLS = 200_000  # cells (table cells and lines) of a published report
MAX_PDF_PAGES = 200  # an annual report is a few pages; a long one with annexes a few dozen
# What reading one PDF may add to the process: 200 pages need about 180 MB (pdfminer keeps every object it
# parsed); a bomb stream stops here.
MAX_PDF_MEMORY = 256 * 1024 * 1024
PDF_SECONDS = 120  # reading one PDF (and recognising a scanned one) may take this long

# The local web page (`xltool serve`): what one request may send.
MAX_UPLOAD_BYTES = 512 * 1024 * 1024  # a county's inbox as a zip is a few MB; a prefecture's PDFs some hundreds
MAX_UPLOAD_FILES = 2_000
