"""Command line: parse arguments, call one library function, render, choose the exit code.

Exit codes: 0 fine (warnings allowed), 1 data errors found, 2 could not run.
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from rich.console import Console
from rich.text import Text

from toolkit import __version__, api, render
from toolkit.errors import XltoolError

OK, DATA_ERRORS, CANNOT_RUN = 0, 1, 2

EXAMPLES = {
    "make-template": "例：xltool make-template --unit 白鹤镇人民政府 --year 2025 --level town\n"
    "    xltool make-template --roster 单位名单.csv -d 模板/",
    "check": "例：xltool check 白鹤镇.xlsx\n    xltool check 收件箱/*.xlsx --json",
    "merge": "例：xltool merge 收件箱/ --roster 单位名单.csv -o 汇总.xlsx",
    "import": "例：xltool import 白鹤镇2021年报.html -o 白鹤镇2021.xlsx\n    xltool import 年报/*.txt -d 导入/",
    "export": "例：xltool export 汇总.xlsx --html 表格.html --docx 表格.docx",
}


class Parser(argparse.ArgumentParser):
    def error(
        self, message: str
    ) -> NoReturn:  # argparse prints usage and exits 2; keep the exit code, say it in Chinese
        self.print_usage(sys.stderr)
        sys.stderr.write(f"xltool：参数有误：{message}\n")
        raise SystemExit(CANNOT_RUN)


def _year(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"年度应为四位数字，收到“{text}”") from None


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="xltool", description="政府信息公开工作年度报告：标准模板、校验、汇总")
    parser.add_argument("--version", action="version", version=f"xltool {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser, metavar="命令")

    make = commands.add_parser(
        "make-template",
        help="生成标准填报模板",
        epilog=EXAMPLES["make-template"],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    make.add_argument("-o", "--output", type=Path, help="输出文件（默认：当前文件夹下按单位和年度命名）")
    make.add_argument("--unit", default="", help="单位名称（预填）")
    make.add_argument("--year", type=_year, help="报告年度（默认：当前应报年度）")
    make.add_argument("--level", default="", help="单位类型：town/department/county/other 或中文名称")
    make.add_argument("--password", help="工作表保护密码（默认不设密码）")
    make.add_argument("--roster", type=Path, help="单位名单（CSV 或 .xlsx），为每个单位生成一份模板")
    make.add_argument("-d", "--dir", type=Path, help="与 --roster 一起使用：模板输出文件夹")
    make.add_argument("--force", action="store_true", help="覆盖已存在的文件")

    check = commands.add_parser(
        "check", help="校验填好的工作簿", epilog=EXAMPLES["check"], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    check.add_argument("files", nargs="+", help="要校验的工作簿（可多个，可用通配符）")
    check.add_argument("--previous", type=Path, help="同一单位上一年度的工作簿（跨年度核对）")
    check.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    check.add_argument("--annotate", type=Path, metavar="DIR", help="在 DIR 中为每个文件生成标注问题的副本")
    check.add_argument("--force", action="store_true", help="覆盖已存在的标注副本")
    merge = commands.add_parser(
        "merge",
        help="校验文件夹中各单位的工作簿并汇总",
        epilog=EXAMPLES["merge"],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    merge.add_argument("folder", type=Path, help="存放各单位工作簿的文件夹（含子文件夹）")
    merge.add_argument("-o", "--output", type=Path, help="汇总工作簿（默认：当前文件夹下“汇总_年度_日期.xlsx”）")
    merge.add_argument("--roster", type=Path, help="单位名单（CSV 或 .xlsx），用于列出未报送的单位")
    merge.add_argument("--year", type=_year, help="只汇总这一年度（文件夹中混有多个年度时必须指定）")
    merge.add_argument("--include-invalid", action="store_true", help="有错误的工作簿也计入汇总（不建议）")
    merge.add_argument("--long", type=Path, metavar="CSV", help="另存一份长表 CSV（单位、年度、表、行、列、值）")
    merge.add_argument("--previous", type=Path, help="上一年度的汇总工作簿（县级跨年度核对）")
    merge.add_argument("--unit", default="", help="汇总表上的单位名称，例如“某某县人民政府”")
    merge.add_argument("--level", default="", help="汇总表上的单位类型")
    merge.add_argument("--json", action="store_true", help="以 JSON 输出合并结果")
    merge.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    imp = commands.add_parser(
        "import",
        help="把已发布的年报（网页、文本、Word）导入为标准工作簿",
        epilog=EXAMPLES["import"],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    imp.add_argument("reports", nargs="+", help="年报文件：.txt、.html/.htm、.docx")
    imp.add_argument("-o", "--output", type=Path, help="输出工作簿（只导入一份时）")
    imp.add_argument("-d", "--dir", type=Path, help="输出文件夹（导入多份时）")
    imp.add_argument("--force", action="store_true", help="覆盖已存在的文件")

    exp = commands.add_parser(
        "export",
        help="把工作簿的三张表导出为网页或 Word，便于发布",
        epilog=EXAMPLES["export"],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    exp.add_argument("workbook", type=Path, help="单位工作簿或汇总表")
    exp.add_argument("--html", type=Path, help="输出网页文件（.html）")
    exp.add_argument("--docx", type=Path, help="输出 Word 文件（.docx）")
    exp.add_argument("--force", action="store_true", help="覆盖已存在的文件")
    return parser


def expand(patterns: Sequence[str]) -> list[Path]:
    """Arguments as paths; patterns the shell did not expand (Windows) are expanded here."""
    paths: list[Path] = []
    for pattern in patterns:
        matches = sorted(glob.glob(pattern)) if any(ch in pattern for ch in "*?[") else []
        paths.extend(Path(m) for m in matches) if matches else paths.append(Path(pattern))
    return paths


def run_make_template(args: argparse.Namespace, console: Console) -> int:
    written = api.make_templates(
        args.output,
        unit=args.unit,
        year=args.year,
        level=args.level,
        password=args.password,
        force=args.force,
        roster=args.roster,
        folder=args.dir,
    )
    if args.roster:
        console.print(f"已生成 {len(written)} 份模板，保存在 {args.dir}")
    else:
        console.print(str(written[0]))
    return OK


def run_check(args: argparse.Namespace, console: Console) -> int:
    reports = api.check_files(expand(args.files), args.previous, args.annotate, args.force)
    if args.json:
        print(render.reports_json(reports))
    else:
        render.print_reports(console, reports)
    if any(r.failure for r in reports):
        return CANNOT_RUN
    return DATA_ERRORS if any(not r.valid for r in reports) else OK


def run_merge(args: argparse.Namespace, console: Console) -> int:
    with render.merge_progress(console, enabled=not args.json) as progress:
        result = api.merge(
            args.folder,
            args.output,
            roster=args.roster,
            year=args.year,
            include_invalid=args.include_invalid,
            force=args.force,
            long_csv=args.long,
            previous=args.previous,
            unit=args.unit,
            level=args.level,
            progress=progress,
        )
    if args.json:
        print(render.merge_json(result))
    else:
        render.print_merge(console, result)
    return OK if result.complete else DATA_ERRORS


def run_import(args: argparse.Namespace, console: Console) -> int:
    outcomes = api.import_reports(expand(args.reports), args.output, args.dir, args.force)
    for outcome in outcomes:
        if outcome.report is None:
            console.print(Text("无法导入：", style="bold red") + Text(outcome.failure))
            continue
        verdict = Text(outcome.report.verdict(), style="green" if outcome.report.valid else "red")
        console.print(Text(f"{outcome.source} → {outcome.target}  ") + verdict)
    return CANNOT_RUN if any(o.failure for o in outcomes) else OK


def run_export(args: argparse.Namespace, console: Console) -> int:
    for path in api.export(args.workbook, html=args.html, docx=args.docx, force=args.force):
        console.print(str(path))
    return OK


COMMANDS: dict[str, Callable[[argparse.Namespace, Console], int]] = {
    "make-template": run_make_template,
    "check": run_check,
    "merge": run_merge,
    "import": run_import,
    "export": run_export,
}


def _width(stream: TextIO) -> int | None:
    """Piped output is not cut to 80 columns (Chinese messages are long and wrap badly) unless COLUMNS says so."""
    if stream.isatty() or os.environ.get("COLUMNS"):
        return None
    return 200


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console(highlight=False, width=_width(sys.stdout), soft_wrap=True)
    errors = Console(stderr=True, highlight=False, width=_width(sys.stderr), soft_wrap=True)
    try:
        return COMMANDS[args.command](args, console)
    except XltoolError as error:
        errors.print(Text("错误：", style="bold red") + Text(str(error)), soft_wrap=True)
        return CANNOT_RUN
    except KeyboardInterrupt:
        errors.print("已中断")
        return CANNOT_RUN
    except Exception as error:  # a bug must still end in one readable line, never a traceback
        if os.environ.get("XLTOOL_DEBUG"):
            raise
        errors.print(
            Text("内部错误：", style="bold red")
            + Text(f"{type(error).__name__}: {error}（设置 XLTOOL_DEBUG=1 可查看详情）"),
            soft_wrap=True,
        )
        return CANNOT_RUN


def entrypoint() -> None:
    sys.exit(main(sys.argv[1:]))
