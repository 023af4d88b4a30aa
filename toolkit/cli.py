"""Command line: parse arguments, call one library function, render, choose the exit code.

Exit codes: 0 fine (warnings allowed), 1 data errors found, 2 could not run. Every word the command line
prints is Chinese, argparse's own included (usage, headings, its error messages).
"""

from __future__ import annotations

import argparse
import glob
import importlib
import os
import re
import sys
import webbrowser
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from rich.console import Console
from rich.text import Text

from toolkit import __version__, api, render
from toolkit.errors import UsageError, XltoolError
from toolkit.format.load import load_format
from toolkit.format.model import HeaderKey

OK, DATA_ERRORS, CANNOT_RUN = 0, 1, 2

EXAMPLES = {
    "make-template": "例：xltool make-template --unit 白鹤镇人民政府 --year 2025 --level 乡镇\n"
    "    xltool make-template --roster 单位名单.csv -d 模板/",
    "check": "例：xltool check 白鹤镇.xlsx\n    xltool check 收件箱/*.xlsx --json\n    xltool check 年报.pdf",
    "merge": "例：xltool merge 收件箱/ --roster 单位名单.csv -o 汇总.xlsx",
    "import": "例：xltool import 白鹤镇2021年报.html -o 白鹤镇2021.xlsx\n    xltool import 年报/*.txt -d 导入/",
    "export": "例：xltool export 汇总.xlsx --html 表格.html --docx 表格.docx",
    "serve": "例：xltool serve\n    xltool serve --port 8765 --no-browser",
}

# argparse's own messages, in Chinese (it has no translation of its own here).
_ARGPARSE_MESSAGES = (
    (r"the following arguments are required: (.*)", r"缺少必需的参数：\1"),
    (r"unrecognized arguments: (.*)", r"无法识别的参数：\1"),
    (r"argument (.*?): expected one argument", r"参数 \1 后面需要一个值"),
    (r"argument (.*?): expected at least one argument", r"参数 \1 后面至少需要一个值"),
    (r"argument (.*?): invalid choice: (.*?) \(choose from (.*)\)", r"参数 \1 的值 \2 无效（可选：\3）"),
    (r"argument (.*?): invalid .*? value: (.*)", r"参数 \1 的值 \2 无效"),
    (r"argument (.*?): not allowed with argument (.*)", r"参数 \1 不能与 \2 同时使用"),
    (r"argument (.*?): ignored explicit argument (.*)", r"参数 \1 不接受值 \2"),
    (r"ambiguous option: (.*?) could match (.*)", r"选项 \1 不明确，可能是：\2"),
    (r"argument (.*?): (.*)", r"参数 \1：\2"),
)


def chinese(message: str) -> str:
    for pattern, replacement in _ARGPARSE_MESSAGES:
        if re.fullmatch(pattern, message):
            return re.sub(pattern, replacement, message)
    return message


class Formatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage: str | None, actions: object, groups: object, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "用法：")  # type: ignore[arg-type]


class Parser(argparse.ArgumentParser):
    """argparse in Chinese: usage, headings and error messages; errors exit 2 like every other failure."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        sys.stderr.write(f"xltool：参数有误：{chinese(message)}\n")
        raise SystemExit(CANNOT_RUN)


def _year(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"年度应为四位数字，收到“{text}”") from None


def _command(commands: argparse._SubParsersAction[Parser], name: str, what: str) -> Parser:
    return commands.add_parser(name, help=what, description=what, epilog=EXAMPLES[name])


def _make_template_parser(commands: argparse._SubParsersAction[Parser]) -> None:
    header = load_format().header
    make = _command(commands, "make-template", "生成标准填报模板")
    make.add_argument(
        "-o", "--output", type=Path, metavar="文件", help="输出文件（默认：当前文件夹下按单位和年度命名）"
    )
    make.add_argument("--unit", default="", metavar="名称", help=f"{header.label(HeaderKey.UNIT)}（预填）")
    make.add_argument("--year", type=_year, metavar=header.label(HeaderKey.YEAR), help="报告年度（默认：当前应报年度）")
    level = header.label(HeaderKey.UNIT_TYPE)
    make.add_argument("--level", default="", metavar="类型", help=f"{level}：如 乡镇、街道、部门、县政府、其他")
    make.add_argument("--password", metavar="密码", help="工作表保护密码（默认不设密码）")
    make.add_argument("--roster", type=Path, metavar="名单", help="单位名单（CSV 或 .xlsx），为每个单位生成一份模板")
    make.add_argument("-d", "--dir", type=Path, metavar="文件夹", help="与 --roster 一起使用：模板输出文件夹")
    make.add_argument("--force", action="store_true", help="覆盖已存在的文件")


def _check_parser(commands: argparse._SubParsersAction[Parser]) -> None:
    check = _command(commands, "check", "校验填好的工作簿或已发布的年报")
    check.add_argument("files", nargs="+", metavar="文件", help="要校验的工作簿或年报（可多个，可用通配符）")
    check.add_argument("--previous", type=Path, metavar="文件", help="同一单位上一年度的工作簿或年报（跨年度核对）")
    check.add_argument(
        "--units",
        type=Path,
        metavar="文件夹",
        help="下属各单位的工作簿或年报所在文件夹：逐格核对本报告是否等于各单位之和",
    )
    check.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    check.add_argument("--annotate", type=Path, metavar="文件夹", help="在此文件夹中为每个文件生成标注问题的副本")
    check.add_argument("--force", action="store_true", help="覆盖已存在的标注副本")


def _merge_parser(commands: argparse._SubParsersAction[Parser]) -> None:
    header = load_format().header
    merge = _command(commands, "merge", "校验文件夹中各单位的工作簿并汇总")
    merge.add_argument("folder", type=Path, metavar="文件夹", help="存放各单位工作簿的文件夹（含子文件夹）")
    merge.add_argument(
        "-o", "--output", type=Path, metavar="文件", help="汇总工作簿（默认：当前文件夹下“汇总_年度_日期.xlsx”）"
    )
    merge.add_argument("--roster", type=Path, metavar="名单", help="单位名单（CSV 或 .xlsx），用于列出未报送的单位")
    merge.add_argument(
        "--year",
        type=_year,
        metavar=header.label(HeaderKey.YEAR),
        help="只汇总这一年度（文件夹中混有多个年度时必须指定）",
    )
    merge.add_argument("--include-invalid", action="store_true", help="有错误的工作簿也计入汇总（不建议）")
    merge.add_argument(
        "--long",
        type=Path,
        metavar="文件",
        help="另存一份长表（单位、年度、表、行、列、值）：.csv，装有 pandas 时也可 .parquet",
    )
    merge.add_argument("--previous", type=Path, metavar="文件", help="上一年度的汇总工作簿（县级跨年度核对）")
    merge.add_argument(
        "--parent", type=Path, metavar="文件", help="县本级或已公开的县汇总年报：逐格核对是否等于本次汇总"
    )
    merge.add_argument(
        "--unit", default="", metavar="名称", help=f"汇总表上的{header.label(HeaderKey.UNIT)}，例如“某某县人民政府”"
    )
    merge.add_argument("--level", default="", metavar="类型", help=f"汇总表上的{header.label(HeaderKey.UNIT_TYPE)}")
    merge.add_argument("--json", action="store_true", help="以 JSON 输出合并结果")
    merge.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")


def _import_parser(commands: argparse._SubParsersAction[Parser]) -> None:
    imp = _command(commands, "import", "把已发布的年报（网页、文本、Word）导入为标准工作簿")
    imp.add_argument("reports", nargs="+", metavar="年报", help="年报文件：.txt、.html/.htm、.docx")
    imp.add_argument("-o", "--output", type=Path, metavar="文件", help="输出工作簿（只导入一份时）")
    imp.add_argument("-d", "--dir", type=Path, metavar="文件夹", help="输出文件夹（导入多份时）")
    imp.add_argument("--force", action="store_true", help="覆盖已存在的文件")


def _export_parser(commands: argparse._SubParsersAction[Parser]) -> None:
    exp = _command(commands, "export", "把工作簿的三张表导出为网页或 Word，便于发布")
    exp.add_argument("workbook", type=Path, metavar="工作簿", help="单位工作簿、汇总表或已发布的年报")
    exp.add_argument("--html", type=Path, metavar="文件", help="输出网页文件（.html）")
    exp.add_argument("--docx", type=Path, metavar="文件", help="输出 Word 文件（.docx）")
    exp.add_argument("--force", action="store_true", help="覆盖已存在的文件")


def build_parser() -> Parser:
    title = load_format().report_title
    parser = Parser(prog="xltool", description=f"{title}：标准模板、校验、汇总")
    parser.add_argument("--version", action="version", version=f"xltool {__version__}", help="显示版本并退出")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser, metavar="命令", title="命令")
    for add in (_make_template_parser, _check_parser, _merge_parser, _import_parser, _export_parser, _serve_parser):
        add(commands)
    return parser


def expand(patterns: Sequence[str]) -> list[Path]:
    """Arguments as paths; patterns the shell did not expand (Windows) are expanded here, without the lock
    files (~$…) and hidden files a folder holds."""
    paths: list[Path] = []
    for pattern in patterns:
        if not any(ch in pattern for ch in "*?["):
            paths.append(Path(pattern))
            continue
        matches = [Path(m) for m in sorted(glob.glob(pattern)) if not Path(m).name.startswith(("~$", "."))]
        paths.extend(matches or [Path(pattern)])
    return paths


def _suffix(path: Path | None, wanted: str, option: str, *also: str) -> None:
    """An output named with the wrong extension is refused before anything is done."""
    if path is not None and path.suffix.lower() not in (wanted, *also):
        raise UsageError(f"{option} 的输出文件应以 {wanted} 结尾：{path}")


def run_make_template(args: argparse.Namespace, console: Console) -> int:
    if args.dir and not args.roster:
        raise UsageError("-d 只与 --roster 一起使用；生成一份模板请用 -o 指定文件")
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
        console.print(render.shown_path(written[0]))
    return OK


def run_check(args: argparse.Namespace, console: Console) -> int:
    if args.force and not args.annotate:
        raise UsageError("--force 只与 --annotate 一起使用")
    reports = api.check_files(expand(args.files), args.previous, args.annotate, args.force, args.units)
    if args.json:
        print(render.reports_json(reports))
    else:
        render.print_reports(console, reports)
    if any(r.failure for r in reports):
        return CANNOT_RUN
    return DATA_ERRORS if any(not r.valid for r in reports) else OK


def run_merge(args: argparse.Namespace, console: Console) -> int:
    _suffix(args.output, ".xlsx", "-o")
    _suffix(args.long, ".csv", "--long", ".parquet")
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
            parent=args.parent,
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
    _suffix(args.output, ".xlsx", "-o")
    outcomes = api.import_reports(expand(args.reports), args.output, args.dir, args.force)
    for outcome in outcomes:
        if outcome.report is None:
            console.print(Text("无法导入：", style="bold red") + Text(outcome.failure))
            continue
        verdict = Text(outcome.report.verdict(), style="green" if outcome.report.valid else "red")
        console.print(Text(f"{outcome.source} → {outcome.target}  ") + verdict)
    if any(o.failure for o in outcomes):
        return CANNOT_RUN
    return DATA_ERRORS if any(o.report is not None and not o.report.valid for o in outcomes) else OK


def _serve_parser(commands: argparse._SubParsersAction[Parser]) -> None:
    serve = _command(commands, "serve", "在本机打开网页版（检查、汇总、模板），不用命令行")
    serve.add_argument("--port", type=int, default=0, metavar="端口", help="端口（默认自动选一个空闲端口）")
    serve.add_argument("--no-browser", action="store_true", help="不自动打开浏览器")


def run_serve(args: argparse.Namespace, console: Console) -> int:
    # The web stack is loaded only here: every other command starts without it.
    server = importlib.import_module("toolkit.web.server").prepare(args.port)
    console.print(Text("xltool 网页版已在本机启动，请在浏览器中打开：", style="bold"))
    console.print(server.url, soft_wrap=True)
    console.print("只有本机能访问；地址中的口令是本次启动随机生成的。按 Ctrl+C 停止。")
    if not args.no_browser:
        webbrowser.open(server.url)
    server.run()
    console.print("已停止，临时文件已删除")
    return OK


def run_export(args: argparse.Namespace, console: Console) -> int:
    _suffix(args.html, ".html", "--html", ".htm")
    _suffix(args.docx, ".docx", "--docx")
    for path in api.export(args.workbook, html=args.html, docx=args.docx, force=args.force):
        console.print(str(path))
    return OK


COMMANDS: dict[str, Callable[[argparse.Namespace, Console], int]] = {
    "make-template": run_make_template,
    "check": run_check,
    "merge": run_merge,
    "import": run_import,
    "export": run_export,
    "serve": run_serve,
}


def _width(stream: TextIO) -> int | None:
    """Piped output is not cut to 80 columns (Chinese messages are long and wrap badly) unless COLUMNS says so."""
    if stream.isatty() or os.environ.get("COLUMNS"):
        return None
    return 200


def _run(args: argparse.Namespace, console: Console, errors: Console) -> int:
    try:
        return COMMANDS[args.command](args, console)
    except XltoolError as error:
        errors.print(Text("错误：", style="bold red") + Text(str(error)), soft_wrap=True)
        return CANNOT_RUN
    except KeyboardInterrupt:
        errors.print("已中断")
        return CANNOT_RUN
    except BrokenPipeError:
        raise
    except Exception as error:  # a bug must still end in one readable line, never a traceback
        if os.environ.get("XLTOOL_DEBUG"):
            raise
        message = Text("内部错误：", style="bold red") + Text(
            f"{type(error).__name__}: {error}（设置 XLTOOL_DEBUG=1 可查看详情）"
        )
        errors.print(message, soft_wrap=True)
        return CANNOT_RUN


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console(highlight=False, width=_width(sys.stdout), soft_wrap=True)
    errors = Console(stderr=True, highlight=False, width=_width(sys.stderr), soft_wrap=True)
    return _run(args, console, errors)


def entrypoint() -> None:
    try:
        code = main(sys.argv[1:])
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader of a pipe went away (`xltool check … | head`): end quietly, as other tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = OK
    sys.exit(code)
