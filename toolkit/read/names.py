"""Unit names as people write them: the same unit under several spellings, and the unit a file's name names.

城关镇, 城关镇人民政府 and 示例县城关镇 are one unit; a file called 桃源乡（修改后）.xlsx names 桃源乡. The words
used here come from ``templates/header.toml`` (section ``names``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence

from toolkit.format.model import NameWords
from toolkit.text import norm_label

_BRACKETED = re.compile(r"[（(【\[［][^）)】\]］]*[）)】\]］]")
_NOT_CJK = re.compile(r"[^\u3400-\u9fff]+")
NEAREST_CUTOFF = 0.6  # how alike two names must be before "是否为…？" is asked


def unit_key(name: str) -> str:
    """A unit name reduced for matching: full-width forms, spaces and punctuation do not count."""
    return norm_label(name)


def core(name: str, words: NameWords) -> str:
    """The part of a name that tells units apart: without 人民政府 / 办事处 and the like at the end."""
    key = unit_key(name)
    for ending in words.same_unit_endings:
        if key.endswith(ending) and len(key) > len(ending) + 1:
            return key[: -len(ending)]
    return key


def same_unit(a: str, b: str, words: NameWords) -> bool:
    """Whether two names mean one unit: equal once reduced, or one the other with a prefix (示例县城关镇)."""
    ca, cb = core(a, words), core(b, words)
    if not ca or not cb:
        return False
    return ca == cb or ca.endswith(cb) or cb.endswith(ca)


def file_unit(stem: str, words: NameWords) -> str:
    """The unit a file's name names ("示例县桃源乡（修改后）" -> "示例县桃源乡"), or "" when it names none."""
    text = _BRACKETED.sub(" ", stem)
    for word in sorted(words.file_words, key=len, reverse=True):
        text = text.replace(word, " ")
    runs = [run for run in _NOT_CJK.split(text) if len(run) >= 2]
    named = [run for run in runs if run.endswith(tuple(words.unit_endings))]
    return max(named, key=len) if named else ""


def roster_match(name: str, roster: Sequence[str], words: NameWords) -> str | None:
    """The roster's name for a unit: an exact match, else the one unit the name can only mean."""
    key = unit_key(name)
    exact = [r for r in roster if unit_key(r) == key]
    if exact:
        return exact[0]
    alike = [r for r in roster if same_unit(name, r, words)]
    return alike[0] if len(alike) == 1 else None


def named_in(text: str, roster: Sequence[str], words: NameWords) -> str | None:
    """The roster unit whose name a text (a file name) holds; the longest when several do."""
    key = unit_key(text)
    held = [r for r in roster if core(r, words) and core(r, words) in key]
    return max(held, key=lambda r: len(core(r, words))) if held else None


def nearest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate most like ``name`` (for "是否为…？"), if any is alike enough."""
    keys = {unit_key(c): c for c in candidates}
    found = difflib.get_close_matches(unit_key(name), list(keys), n=1, cutoff=NEAREST_CUTOFF)
    return keys[found[0]] if found else None
