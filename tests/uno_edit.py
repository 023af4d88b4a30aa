"""Edit a workbook in LibreOffice as a person would, through its UNO bridge, and save it as .xlsx.

Run with the system Python that has LibreOffice's bridge (Debian's python3-uno), not the project's:

    /usr/bin/python3 tests/uno_edit.py IN.xlsx OUT.xlsx delete-row SHEET ROW [...]

Operations (rows and columns 1-based, as a person counts them):
    delete-row SHEET ROW      delete-column SHEET COLUMN      insert-row SHEET ROW
    rename-sheet SHEET NEW    delete-sheet SHEET              set SHEET CELL VALUE
LibreOffice adjusts every formula as it does when a person deletes or inserts in the sheet.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]
from com.sun.star.connection import NoConnectException  # type: ignore[import-not-found]


def prop(name, value):
    item = PropertyValue()
    item.Name, item.Value = name, value
    return item


def connect(pipe):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(200):
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except NoConnectException:
            time.sleep(0.1)
    raise SystemExit("LibreOffice did not start")


def apply(doc, operations):
    sheets = doc.Sheets
    for index in range(sheets.Count):  # as a person must: switch the sheet protection off first
        sheet = sheets.getByIndex(index)
        if sheet.isProtected():
            sheet.unprotect("")
    while operations:
        op, args = operations[0], operations[1:]
        if op == "delete-row":
            sheets.getByName(args[0]).Rows.removeByIndex(int(args[1]) - 1, 1)
            used = 3
        elif op == "insert-row":
            sheets.getByName(args[0]).Rows.insertByIndex(int(args[1]) - 1, 1)
            used = 3
        elif op == "delete-column":
            sheets.getByName(args[0]).Columns.removeByIndex(int(args[1]) - 1, 1)
            used = 3
        elif op == "rename-sheet":
            sheets.getByName(args[0]).Name = args[1]
            used = 3
        elif op == "delete-sheet":
            sheets.removeByName(args[0])
            used = 2
        elif op == "set":
            cell = sheets.getByName(args[0]).getCellRangeByName(args[1])
            cell.setString(args[2]) if not args[2].lstrip("-").isdigit() else cell.setValue(int(args[2]))
            used = 4
        else:
            raise SystemExit(f"unknown operation {op}")
        operations = operations[used:]


def main(source, target, operations):
    with tempfile.TemporaryDirectory() as profile:
        pipe = f"xltool{os.getpid()}"
        office = subprocess.Popen(
            [
                "soffice",
                f"-env:UserInstallation={Path(profile).as_uri()}",
                "--headless",
                "--norestore",
                "--nologo",
                f"--accept=pipe,name={pipe};urp;",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        desktop = None
        try:
            context = connect(pipe)
            desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
            doc = desktop.loadComponentFromURL(Path(source).resolve().as_uri(), "_blank", 0, (prop("Hidden", True),))
            apply(doc, operations)
            doc.storeToURL(Path(target).resolve().as_uri(), (prop("FilterName", "Calc MS Excel 2007 XML"),))
            doc.close(True)
        finally:
            try:
                if desktop is not None:
                    desktop.terminate()
            except Exception:  # the bridge goes away as LibreOffice ends
                pass
            try:
                office.wait(timeout=30)
            except subprocess.TimeoutExpired:
                office.kill()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
