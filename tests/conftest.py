from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.support import FMT, balanced_inputs, fill
from toolkit.write.workbook import write_workbook

HEADER = {"unit_name": "白鹤镇人民政府", "unit_type": "乡镇/街道", "year": 2025}


@pytest.fixture
def template(tmp_path: Path) -> Path:
    """A blank standard template, prefilled with a town's header as `make-template --unit` would."""
    return write_workbook(tmp_path / "template.xlsx", FMT, HEADER)


@pytest.fixture
def filled(template: Path, tmp_path: Path):
    """Fill the template with balanced values plus the given changes; returns the filled path."""

    def make(changes: dict | None = None, header: dict | None = None, name: str = "filled.xlsx") -> Path:
        values = {**balanced_inputs(), **(changes or {})}
        head = {"filler": "张三", "filled_on": dt.datetime(2026, 1, 10), **(header or {})}
        return fill(template, tmp_path / name, values, head)

    return make
