"""The description files of ``templates/``: the formats, the shared header, the finding catalogue.

They ship inside the package as ``toolkit.templates`` (see pyproject.toml), so a plain ``pip install .``
carries them; a source checkout that was not installed reads the top-level ``templates/`` folder.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from toolkit.errors import FormatError


def folder() -> Traversable:
    """Where the description files are: package data when installed, ``templates/`` in a checkout."""
    try:
        return resources.files("toolkit.templates")
    except ModuleNotFoundError:  # imported from a checkout that was not installed in place (e.g. tests)
        return Path(__file__).resolve().parent.parent / "templates"


def names(prefix: str = "") -> tuple[str, ...]:
    """Every description whose name starts with ``prefix``, without ``.toml``, in reverse name order."""
    found = [p.name.removesuffix(".toml") for p in folder().iterdir() if p.name.endswith(".toml")]
    return tuple(sorted((n for n in found if n.startswith(prefix)), reverse=True))


@cache
def load(name: str) -> dict[str, Any]:
    """One description file as data; a missing or malformed file is a FormatError naming it."""
    resource = folder().joinpath(f"{name}.toml")
    if not resource.is_file():
        raise FormatError(f"找不到格式描述文件 {name}.toml")
    try:
        return tomllib.loads(resource.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise FormatError(f"格式描述文件 {name}.toml 有误：{error}") from None
