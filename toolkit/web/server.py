"""`xltool serve`: the local server made ready (a socket on 127.0.0.1, a token, a temporary folder), then run
until Ctrl+C, then its folder removed. Nothing here prints: the CLI shows the address and opens the browser."""

from __future__ import annotations

import logging
import secrets
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from toolkit.errors import UsageError
from toolkit.web.app import create_app
from toolkit.web.work import Workplace

LOOPBACK = "127.0.0.1"


@dataclass
class LocalServer:
    url: str
    socket: socket.socket
    server: uvicorn.Server
    work: Workplace

    def run(self) -> None:
        """Serve until stopped (Ctrl+C, or ``stop()`` from another thread); the temporary files go after."""
        try:
            self.server.run(sockets=[self.socket])
        except KeyboardInterrupt:
            pass  # uvicorn shuts down on Ctrl+C, then raises it again: stopping is what was asked
        finally:
            self.socket.close()
            self.work.close()

    def stop(self) -> None:
        self.server.should_exit = True


def _bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((LOOPBACK, port))
    except OSError as error:
        sock.close()
        raise UsageError(f"端口 {port} 无法使用（{error.strerror}）；换一个端口，或不指定 --port 自动选择") from None
    sock.listen(64)
    return sock


def prepare(port: int = 0) -> LocalServer:
    """A server bound to 127.0.0.1 (``port``, or a free one), with a fresh token and temporary folder."""
    sock = _bind(port)
    bound = sock.getsockname()[1]
    token = secrets.token_urlsafe(24)
    hosts = {f"{LOOPBACK}:{bound}", f"localhost:{bound}"}
    work = Workplace(Path(tempfile.mkdtemp(prefix="xltool-serve-")))
    config = uvicorn.Config(
        create_app(work, token, hosts),
        log_level=logging.WARNING,
        access_log=False,
        server_header=False,
        lifespan="off",
    )
    url = f"http://{LOOPBACK}:{bound}/?token={token}"
    return LocalServer(url, sock, uvicorn.Server(config), work)
