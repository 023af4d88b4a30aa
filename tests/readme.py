"""The README's example outputs and its table of finding codes, produced by running the real commands.

    python -m tests.readme          # rewrite the blocks in README.md
    python -m tests.readme --check  # exit 1 when a block is stale (tests/test_readme.py does this too)

A block in README.md sits between ``<!-- example: NAME -->`` and ``<!-- /example -->``. Commands run in a
scratch copy of ``samples/`` (outputs land there, the repository is not touched), at a fixed console width.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from toolkit.cli import main
from toolkit.findings import catalogue

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
WIDTH = "100"
BLOCK = re.compile(r"(<!-- example: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /example -->)", re.S)


@contextlib.contextmanager
def scratch() -> Iterator[Path]:
    """A folder holding a copy of samples/, as the working directory, at a fixed console width."""
    before, width = Path.cwd(), os.environ.get("COLUMNS")
    with tempfile.TemporaryDirectory() as folder:
        shutil.copytree(ROOT / "samples", Path(folder) / "samples")
        os.chdir(folder)
        os.environ["COLUMNS"] = WIDTH
        try:
            yield Path(folder)
        finally:
            os.chdir(before)
            if width is None:
                os.environ.pop("COLUMNS", None)
            else:
                os.environ["COLUMNS"] = width


def run(*commands: str) -> str:
    """Each command as typed, then what it printed (stdout and stderr, as a terminal shows them)."""
    shown = []
    for command in commands:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main(command.split()[1:])
        shown.append(f"$ {command}\n{out.getvalue()}{err.getvalue()}")
    return "```console\n" + "".join(shown).rstrip("\n") + "\n```\n"


def codes_table() -> str:
    rows = (f"| `{c.code}` | {c.severity.word} | {c.rule or '—'} | {c.summary} |" for c in catalogue().values())
    return "\n".join(["| 代码 | 级别 | 规则 | 含义 |", "|---|---|---|---|", *rows]) + "\n"


EXAMPLES: dict[str, Callable[[], str]] = {
    "codes": codes_table,
    "make-template": lambda: run(
        "xltool make-template --unit 白鹤镇人民政府 --year 2025 --level 乡镇",
        "xltool make-template --roster samples/示例县/单位名单.csv -d 模板 --year 2025",
    ),
    "check-faulty": lambda: run(
        "xltool check samples/示例县/收件箱/示例县青山镇.xlsx",
        "xltool check samples/白鹤镇人民政府_2021年度.xlsx",
    ),
    "merge-county": lambda: run(
        "xltool merge samples/示例县/收件箱 --roster samples/示例县/单位名单.csv -o 示例县汇总.xlsx"
    ),
    "check-parent": lambda: run(
        "xltool check samples/示例县/示例县人民政府2025年政府信息公开工作年度报告（示例数据）.html --units samples/示例县/收件箱"
    ),
    "check-report": lambda: run("xltool check samples/reports/04_changchun-dept-2023.txt"),
    "check-audits": lambda: run(
        "xltool check samples/reports/11_hongze-district-2025-示例数据.txt --previous samples/reports/08_hongze-district-2024.txt"
    ),
    "check-pdf": lambda: run("xltool check samples/reports/07_hongze-district-2023.pdf"),
}


def render(name: str) -> str:
    with scratch():
        return EXAMPLES[name]()


def refreshed(text: str) -> str:
    """The README with every example block produced anew."""
    return BLOCK.sub(lambda m: m.group(1) + render(m.group("name")) + m.group(4), text)


def stale(text: str) -> list[str]:
    return [m.group("name") for m in BLOCK.finditer(text) if render(m.group("name")) != m.group("body")]


if __name__ == "__main__":
    current = README.read_text(encoding="utf-8")
    if "--check" in sys.argv:
        names = stale(current)
        print("stale: " + ", ".join(names) if names else "README examples are current")
        sys.exit(1 if names else 0)
    README.write_text(refreshed(current), encoding="utf-8")
    print(f"README examples written: {', '.join(m.group('name') for m in BLOCK.finditer(current))}")
