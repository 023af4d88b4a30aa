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
from dataclasses import dataclass

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


@dataclass(frozen=True)
class PartCopied:
    """How much of one part of the text repeats last year's: the share of its characters, and sentences."""

    part: str  # "一、总体情况"
    share: float
    copied: int
    total: int


def compare_parts(now: Submission, before: Submission) -> list[PartCopied]:
    """Each compared part of ``now`` against ``before``'s (both must have text; a part too short is left out)."""
    spec = now.format.copied
    this_year, last_year = section_contents(now), section_contents(before)
    compared = []
    for section in (s for s in now.format.sections.parts if s.ordinal in spec.parts):
        current = sentences(this_year.get(section.ordinal, ""), spec)
        earlier = last_year.get(section.ordinal, "")
        if sum(len(s) for s in current) < spec.min_part or not earlier:
            continue
        share, count = copied_share(current, sentences(earlier, spec), spec)
        compared.append(PartCopied(f"{section.ordinal}、{section.title}", share, count, len(current)))
    return compared


def check_copied(compared: list[PartCopied], spec: Copied, last_year: int | None) -> Iterator[Finding]:
    """A warning for each compared part whose copied share reaches the threshold."""
    for part in compared:
        if part.share * 100 >= spec.warn_percent:
            yield finding(
                "copied-from-last-year",
                expected=f"低于 {spec.warn_percent}%",
                actual=f"{part.share:.0%}",
                stage=Stage.WARNING,
                section=part.part,
                share=f"{part.share:.0%}",
                copied=part.copied,
                total=part.total,
                year=last_year or "上一",
            )
