"""The parts of a published report's text: all there, numbered right, and saying something.

An evaluator reads a report for more than its tables: the six parts (``templates/narrative.toml``) in
order, each under its own ordinal; section 五 naming real problems; section 六 reporting the information
processing fee. A heading is a line that starts with a part's title (after its ordinal and at most a few
stray characters), or a short line holding little else: a sentence that mentions a title is not a heading.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from toolkit.check.cells import Numbers
from toolkit.findings import Finding, Stage, finding
from toolkit.format.model import Section, Sections
from toolkit.read.values import Submission
from toolkit.text import clip

STRAY = 3  # characters before an ordinal that are junk, not text ("l六、")
SHORT_HEADING = 6  # characters a heading without an ordinal may carry besides its title
QUOTE_LIMIT = 20
_ORDINAL = re.compile(rf"^(?P<junk>.{{0,{STRAY}}}?)(?P<ordinal>[一二三四五六七八九十]{{1,3}})[、.．,，:：]")
_SPACE = re.compile(r"\s+")
TABLE_WORD = "表"
_NOT_WORDS = re.compile(r"[\W_]+")


@dataclass
class Heading:
    index: int  # the line it is on
    section: Section
    ordinal: str  # as written ("" when none)
    junk: str  # what stands before the ordinal
    rest: str  # the text after the title on the same line
    line: str


def _normal(line: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", line))


def _heading(index: int, line: str, sections: Sections) -> Heading | None:
    text = _normal(line)
    numbered = _ORDINAL.match(text)
    if numbered and numbered.group("junk").endswith(TABLE_WORD):
        return None  # a table's caption ("表二：…"), not a part of the text
    start = numbered.end() if numbered else 0
    for section in sections.parts:
        for title in section.titles:
            wanted = _normal(title)
            if not text.startswith(wanted, start):
                continue
            rest = text[start + len(wanted) :]
            if numbered is None and len(rest) > SHORT_HEADING:
                continue  # a sentence that begins with the words of a title
            ordinal, junk = (numbered.group("ordinal"), numbered.group("junk")) if numbered else ("", "")
            return Heading(index, section, ordinal, junk, rest, line)
    return None


def _split_at_headings(lines: tuple[str, ...], sections: Sections) -> tuple[str, ...]:
    """The lines, each cut before a numbered title inside it: a crawled page runs a whole report into one
    line ("…问责。二、<title>第二十条…")."""
    titles = "|".join(re.escape(_normal(t)) for section in sections.parts for t in section.titles)
    # after the end of a sentence or a number: "l六、" at a line's start stays one (soiled) heading
    inside = re.compile(rf"(?<=[。；;！!？?”）)\d\s])(?=[一二三四五六七八九十]{{1,3}}[、.．](?:{titles}))")
    pieces = (piece for line in lines for piece in inside.split(line))
    return tuple(text for piece in pieces if (text := _normal(piece)))


def headings(lines: tuple[str, ...], sections: Sections) -> list[Heading]:
    return [h for index, line in enumerate(lines) if (h := _heading(index, line, sections)) is not None]


def _content(lines: tuple[str, ...], found: list[Heading], position: int) -> str:
    """The text of a part: the rest of its heading line and the lines up to the next heading."""
    heading = found[position]
    end = found[position + 1].index if position + 1 < len(found) else len(lines)
    return heading.rest + "".join(lines[heading.index + 1 : end])


def _says_nothing(content: str, section: Section, sections: Sections) -> bool:
    words = _NOT_WORDS.sub("", unicodedata.normalize("NFKC", content))
    empty = {_NOT_WORDS.sub("", w) for w in sections.empty_words}
    return words in empty or len(words) < section.min_content


def _numbering(found: list[Heading]) -> Iterator[Finding]:
    seen: set[str] = set()
    for heading in found:
        section = heading.section
        expected = f"{section.ordinal}、{section.title}"
        quote = clip(heading.line.strip(), QUOTE_LIMIT * 2)
        if section.ordinal in seen:
            yield finding(
                "section-numbering",
                expected=expected,
                actual=quote,
                stage=Stage.WARNING,
                variant="repeated",
                quote=quote,
                expected_heading=expected,
            )
        elif heading.junk or heading.ordinal != section.ordinal:
            yield finding(
                "section-numbering",
                expected=expected,
                actual=quote,
                stage=Stage.WARNING,
                quote=quote,
                expected_heading=expected,
            )
        seen.add(section.ordinal)


def _contents(lines: tuple[str, ...], found: list[Heading], sections: Sections) -> Iterator[Finding]:
    for position, heading in enumerate(found):
        section = heading.section
        if not (section.min_content or section.must_mention):
            continue
        content = _content(lines, found, position)
        name = f"{section.ordinal}、{section.title}"
        if section.min_content and _says_nothing(content, section, sections):
            shown = clip(content.strip(), QUOTE_LIMIT) or "空"
            yield finding("section-empty", actual=shown, stage=Stage.WARNING, section=name, content=shown)
        elif section.must_mention and not any(word in content for word in section.must_mention):
            yield finding(
                "section-topic-missing",
                stage=Stage.WARNING,
                section=name,
                topic=section.topic,
                words="、".join(section.must_mention),
            )


def check_sections(sub: Submission, numbers: Numbers) -> Iterator[Finding]:
    """The parts of a published report's text; nothing for a workbook (it has no text), nor for a page that
    holds none of the parts that are text (一, 五, 六), only tables."""
    sections = sub.format.sections
    if not sub.is_document or not sub.lines or not sections.parts:
        return
    lines = _split_at_headings(sub.lines, sections)
    found = headings(lines, sections)
    tables = {_normal(table.title) for table in sub.format.tables}
    text_parts = {s.ordinal for s in sections.parts if _normal(f"{s.ordinal}、{s.title}") not in tables}
    if not any(h.section.ordinal in text_parts for h in found):
        return  # the tables alone (an export, an excerpt of the tables): no text to audit
    present = {h.section.ordinal for h in found}
    for section in sections.parts:
        if section.ordinal not in present:
            name = f"{section.ordinal}、{section.title}"
            yield finding("section-missing", expected=name, actual="缺失", stage=Stage.WARNING, section=name)
    yield from _numbering(found)
    yield from _contents(lines, found, sections)


def section_contents(sub: Submission) -> dict[str, str]:
    """The text of each part of a report's text, by ordinal (the first part of each, when one repeats)."""
    sections = sub.format.sections
    if not sub.is_document or not sub.lines or not sections.parts:
        return {}
    lines = _split_at_headings(sub.lines, sections)
    found = headings(lines, sections)
    contents: dict[str, str] = {}
    for position, heading in enumerate(found):
        contents.setdefault(heading.section.ordinal, _content(lines, found, position))
    return contents
