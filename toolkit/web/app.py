"""The local web page's HTTP side (Starlette): a guard in front of everything, then one route per action.

The guard refuses any request whose Host is not this server's own address (DNS rebinding) or that lacks the
random token printed at start (another web page open in the same browser cannot know it: CSRF), and any
body larger than the upload limit. The page itself is one HTML document with its script and style inline,
allowed by a per-response nonce, so that nothing is fetched from anywhere else.
"""

from __future__ import annotations

import importlib.resources
import secrets
import urllib.parse
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from toolkit import api, limits
from toolkit.errors import XltoolError
from toolkit.format.load import load_format
from toolkit.web.uploads import UploadRefused, expand, free_path, leaf_name
from toolkit.web.work import Workplace

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
TOKEN_HEADER = "x-xltool-token"
CHUNK = 1 << 20


class Guard:
    """Host, token and size checked before any route runs."""

    def __init__(self, app: ASGIApp, token: str, hosts: set[str]) -> None:
        self.app, self.token, self.hosts = app, token, hosts

    def _refusal(self, scope: Scope) -> Response | None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if headers.get("host", "") not in self.hosts:
            return PlainTextResponse("地址不对：本页面只能从启动时显示的地址打开", status_code=403)
        query = urllib.parse.parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = headers.get(TOKEN_HEADER) or next(iter(query.get("token", [])), "")
        if not secrets.compare_digest(given.encode(), self.token.encode()):
            return PlainTextResponse("缺少或错误的访问口令：请使用 xltool serve 启动时显示的完整地址", status_code=403)
        length = headers.get("content-length", "0")
        if not length.isdigit() or int(length) > limits.MAX_UPLOAD_BYTES:
            size = limits.MAX_UPLOAD_BYTES // 1024 // 1024
            return PlainTextResponse(f"上传的内容过大：一次最多 {size} MB", status_code=413)
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = self._refusal(scope)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)


# --- the page ---------------------------------------------------------------------------------------------
def _asset(name: str) -> str:
    return importlib.resources.files("toolkit.web").joinpath("static", name).read_text(encoding="utf-8")


SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _page(token: str) -> Response:
    nonce = secrets.token_urlsafe(16)
    html = (
        _asset("index.html")
        .replace("{{STYLE}}", _asset("app.css"))
        .replace("{{SCRIPT}}", _asset("app.js"))
        .replace("{{NONCE}}", nonce)
        .replace("{{TOKEN}}", token)
    )
    policy = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; "
        "img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
    )
    return HTMLResponse(html, headers={**SECURITY_HEADERS, "Content-Security-Policy": policy})


def _json(value: object, status: int = 200) -> JSONResponse:
    return JSONResponse(value, status_code=status, headers=SECURITY_HEADERS)


def _failure(message: str, status: int = 400) -> JSONResponse:
    return _json({"error": message}, status)


# --- uploads ----------------------------------------------------------------------------------------------
async def _save(upload: UploadFile, folder: Path) -> Path:
    """An uploaded file written under ``folder`` by its cleaned name, in steps, within the size limit."""
    target = free_path(folder, leaf_name(upload.filename or "未命名"))
    written = 0
    with target.open("wb") as out:
        while chunk := await upload.read(CHUNK):
            written += len(chunk)
            if written > limits.MAX_UPLOAD_BYTES:
                raise UploadRefused("上传的文件过大")
            out.write(chunk)
    return target


def _uploads(form: Any, field: str) -> list[UploadFile]:
    return [item for item in form.getlist(field) if isinstance(item, UploadFile) and item.filename]


def _year(text: object) -> int | None:
    value = str(text or "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise UploadRefused(f"年度“{value}”不是四位数字")
    return int(value)


# --- routes -----------------------------------------------------------------------------------------------
class Routes:
    def __init__(self, work: Workplace, token: str) -> None:
        self.work, self.token = work, token

    async def page(self, request: Request) -> Response:
        return _page(self.token)

    async def info(self, request: Request) -> Response:
        fmt = load_format()
        roster = self.work.roster.name if self.work.roster else ""
        types = [t.label for t in fmt.unit_types]
        return _json({"year": api.due_year(), "unit_types": types, "roster": roster})

    async def check(self, request: Request) -> Response:
        async with request.form(max_files=1, max_fields=4) as form:
            files = _uploads(form, "file")
            if not files:
                return _failure("请选择一个工作簿或年报文件")
            path = await _save(files[0], self.work.folder())
        name = files[0].filename or path.name
        return _json(await run_in_threadpool(self.work.check_one, path, leaf_name(name)))

    async def merge(self, request: Request) -> Response:
        folder = self.work.folder()
        inbox = folder / "收件箱"
        inbox.mkdir()
        async with request.form(max_files=limits.MAX_UPLOAD_FILES + 2, max_fields=8) as form:
            saved = [await _save(upload, inbox) for upload in _uploads(form, "files")]
            rosters = _uploads(form, "roster")
            if rosters:
                roster = await _save(rosters[0], folder)
                self.work.remember_roster(roster, leaf_name(rosters[0].filename or roster.name))
            parents = _uploads(form, "parent")
            parent = await _save(parents[0], folder) if parents else None
            year = _year(form.get("year"))
        files = await run_in_threadpool(expand, saved, inbox)
        if not files:
            return _failure("请选择各单位的文件、文件夹或压缩包")
        return _json({"job": self.work.start_merge(inbox, year, parent).id})

    async def job(self, request: Request) -> Response:
        job = self.work.jobs.get(request.path_params["job"])
        return _json(job.view()) if job else _failure("没有这项汇总（服务已重新启动？）", 404)

    async def job_file(self, request: Request) -> Response:
        shown = await run_in_threadpool(
            self.work.file_of, request.path_params["job"], int(request.path_params["index"])
        )
        return _json(shown) if shown is not None else _failure("没有这个文件", 404)

    async def templates(self, request: Request) -> Response:
        async with request.form(max_files=1, max_fields=8) as form:
            rosters = _uploads(form, "roster")
            roster = await _save(rosters[0], self.work.folder()) if rosters else None
            if roster is None and form.get("use_roster") and self.work.roster:
                roster = self.work.roster.path
            unit, level = str(form.get("unit") or ""), str(form.get("level") or "")
            year = _year(form.get("year"))
        made = await run_in_threadpool(self.work.templates, unit, level, year, roster)
        return _json({"download": self.work.offer(made.path, made.name), "name": made.name})

    async def download(self, request: Request) -> Response:
        offered = self.work.downloads.get(request.path_params["key"])
        if offered is None or not offered.path.exists():
            return PlainTextResponse("文件已不存在（服务已重新启动？）", status_code=404)
        return FileResponse(offered.path, filename=offered.name, headers=SECURITY_HEADERS)


async def _refused(request: Request, error: Exception) -> Response:
    return _failure(str(error))


async def _bad_request(request: Request, error: Exception) -> Response:
    """Starlette's own refusals (a form with too many files or parts, a broken body), said in Chinese."""
    status = getattr(error, "status_code", 400)
    if status == 400:
        most = limits.MAX_UPLOAD_FILES
        return _failure(f"上传的内容无法处理：一次最多 {most} 个文件，或上传被中断；请分批或打成压缩包上传")
    return _failure(str(getattr(error, "detail", "")) or f"出错了（{status}）", status)


def create_app(work: Workplace, token: str, hosts: set[str]) -> ASGIApp:
    """The application, guarded: every request needs ``token`` and a Host in ``hosts``."""
    routes = Routes(work, token)
    app = Starlette(
        routes=[
            Route("/", routes.page),
            Route("/api/info", routes.info),
            Route("/api/check", routes.check, methods=["POST"]),
            Route("/api/merge", routes.merge, methods=["POST"]),
            Route("/api/jobs/{job}", routes.job),
            Route("/api/jobs/{job}/files/{index:int}", routes.job_file),
            Route("/api/templates", routes.templates, methods=["POST"]),
            Route("/download/{key}", routes.download),
        ],
        exception_handlers={XltoolError: _refused, HTTPException: _bad_request},
    )
    return Guard(app, token, hosts)
