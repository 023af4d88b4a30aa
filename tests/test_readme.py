"""The README shows real output: every example block is what the commands print today."""

from __future__ import annotations

from tests.readme import BLOCK, EXAMPLES, README, stale


def test_readme_examples_are_current():
    text = README.read_text(encoding="utf-8")
    assert {m.group("name") for m in BLOCK.finditer(text)} == set(EXAMPLES)
    assert stale(text) == [], "run `python -m tests.readme` to refresh the README"
