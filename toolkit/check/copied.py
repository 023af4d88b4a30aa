"""Text carried over from the same unit's report of the year before (``--previous``).

Parts 一 and 五 are compared sentence by sentence rather than by printed line or paragraph: a PDF breaks its
lines wherever the page ends, and a crawled page runs a whole part into one line, so sentences are what two
years of the same text share. Numbers are masked first, so a sentence that only changed its figures still
counts as copied.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterator

from toolkit.check.sections import section_contents
from toolkit.findings import Finding, Stage, finding
from toolkit.format.model import Copied
from toolkit.read.values import Submission

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")
_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
NUMBER_MARK = "#"


def sentences(text: str, spec: Copied) -> list[str]:
    """The sentences of a part, width and spaces normalised, numbers masked, the too-short left out."""
    flat = _SPACE.sub("", unicodedata.normalize("NFKC", text))
    masked = (_NUMBER.sub(NUMBER_MARK, piece) for piece in _SENTENCE_END.split(flat))
    return [s for s in masked if len(s) >= spec.min_sentence]


def _is_copied(sentence: str, before: list[str], exact: set[str], near: float) -> bool:
    if sentence in exact:
        return True
    for earlier in before:
        matcher = difflib.SequenceMatcher(None, sentence, earlier, autojunk=False)
        if matcher.real_quick_ratio() >= near and matcher.quick_ratio() >= near and matcher.ratio() >= near:
            return True
    return False


def copied_share(now: list[str], before: list[str], spec: Copied) -> tuple[float, int]:
    """The share of ``now``'s characters in sentences copied from ``before``, and how many sentences."""
    exact, near = set(before), spec.near_percent / 100
    copied = [s for s in now if _is_copied(s, before, exact, near)]
    total = sum(len(s) for s in now)
    return (sum(len(s) for s in copied) / total if total else 0.0), len(copied)


def check_copied(now: Submission, before: Submission) -> Iterator[Finding]:
    """A warning for each compared part of ``now`` that mostly repeats ``before``'s (both must have text)."""
    spec = now.format.copied
    this_year, last_year = section_contents(now), section_contents(before)
    for ordinal in spec.parts:
        text, earlier = this_year.get(ordinal, ""), last_year.get(ordinal, "")
        current = sentences(text, spec)
        if sum(len(s) for s in current) < spec.min_part or not earlier:
            continue
        share, count = copied_share(current, sentences(earlier, spec), spec)
        if share * 100 >= spec.warn_percent:
            section = next(s for s in now.format.sections.parts if s.ordinal == ordinal)
            name = f"{section.ordinal}、{section.title}"
            yield finding(
                "copied-from-last-year",
                expected=f"低于 {spec.warn_percent}%",
                actual=f"{share:.0%}",
                stage=Stage.WARNING,
                section=name,
                share=f"{share:.0%}",
                copied=count,
                total=len(current),
                year=before.year or "上一",
            )
