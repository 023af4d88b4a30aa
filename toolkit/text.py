"""Lenient reading of labels and numbers as people type them (full-width forms, spaces, quotes, units), and
numbers written back as people write them."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

# Traditional forms of the characters the official labels use (reports from some sites arrive in 繁体).
_TRADITIONAL = str.maketrans(
    "萬業為舉於會關內決況減辦務動區單發後國處復複審對屬廢開強當總執護報據數無機權條構沒現確穩類係糾納組織經結繼續維繳罰範獲補規計認議許訟訪訴詢請購費轉過這採項額製",
    "万业为举于会关内决况减办务动区单发后国处复复审对属废开强当总执护报据数无机权条构没现确稳类系纠纳组织经结继续维缴罚范获补规计认议许讼访诉询请购费转过这采项额制",
)
_DROP = re.compile(r"[\s\u3000\"'“”‘’「」『』、，,.．。:：;；]")
_NUMERAL = re.compile(r"^(?P<sign>[+\-−]|增|减)?(?P<digits>\d{1,3}(?:,\d{3})+|\d+)(?P<fraction>\.\d+)?$")
_UNIT_SUFFIX = re.compile(r"(件|个|项|条|次|宗|万元|元)$")
_CN_ORDINAL = re.compile(r"^([一二三四五六七八九十]+)、")
_CN_GROUP = re.compile(r"^[（(]([一二三四五六七八九十]+)[)）]")
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def decode_chinese(data: bytes) -> str | None:
    """Text as Chinese offices save it: UTF-8 (with or without BOM) or GB18030 (Excel's and Notepad's ANSI)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def simplified(text: str) -> str:
    """Traditional forms of the label characters in their simplified form (other text unchanged)."""
    return text.translate(_TRADITIONAL)


def norm_label(text: object) -> str:
    """A label reduced for comparison: NFKC (（一）→(一), １→1), no spaces, quotes or list punctuation."""
    return _DROP.sub("", unicodedata.normalize("NFKC", str(text)).translate(_TRADITIONAL))


def label_matches(cell_text: str, label: str) -> bool:
    """Whether a normalized cell text stands for a normalized label (exact, shortened, or prefixed)."""
    if not cell_text:
        return False
    if cell_text == label:
        return True
    if len(cell_text) >= 4 and (label.startswith(cell_text) or cell_text.startswith(label)):
        return True
    if len(label) >= 4 and cell_text.endswith(label):
        return True
    if len(cell_text) >= 4 and label.endswith(cell_text) and len(cell_text) >= 0.6 * len(label):
        return True  # the label without its first words (a converter dropping a leading word of a row label)
    return _abridged(cell_text, label)


def _abridged(cell_text: str, label: str) -> bool:
    """A label with a few characters dropped, as web pages print them ("2.其他法律法规禁止公开")."""
    if len(cell_text) < 5 or len(cell_text) < 0.75 * len(label) or cell_text[0] != label[0]:
        return False
    remaining = iter(label)
    return all(ch in remaining for ch in cell_text)


def parse_number(text: str, *, units: bool = False, delta_words: bool = False) -> Decimal | None:
    """The number a text writes, else None.

    Accepted: full-width digits, spaces, thousands separators, a sign (``+1``, ``-2``, ``−2``); with
    ``units`` a trailing unit as people type it (``12件``, ``3万元``); with ``delta_words`` the words of a
    signed change (``增1``, ``减4``: the 2019 format's yearly change).
    """
    cleaned = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    if units:
        cleaned = _UNIT_SUFFIX.sub("", cleaned)
    match = _NUMERAL.match(cleaned)
    if not match:
        return None
    sign = match.group("sign") or ""
    if sign in ("增", "减") and not delta_words:
        return None
    try:
        number = Decimal(match.group("digits").replace(",", "") + (match.group("fraction") or ""))
    except InvalidOperation:
        return None
    return -number if sign in ("-", "−", "减") else number


def show(value: object) -> str:
    """A number as a person writes it: 12, 12.5, 59237.2449 (no exponent, no trailing zeros)."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def short_label(label: str) -> str:
    """The short name a row goes by in the rules: its ordinal (一、… → 一, （七）… → （七）)."""
    if m := _CN_ORDINAL.match(label):
        return m.group(1)
    if m := _CN_GROUP.match(label):
        return f"（{m.group(1)}）"
    return label


def cell_text(value: object, limit: int = 32_000) -> str:
    """Text as a workbook cell can hold it: no characters XML forbids, within Excel's 32,767-character cap."""
    text = "" if value is None else str(value)
    return _XML_ILLEGAL.sub("\ufffd", text)[:limit]


def clip(text: object, limit: int = 60) -> str:
    value = str(text)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def display_width(text: str) -> float:
    """Width in Latin character cells: a CJK (wide) character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


# Runs that must stay on one line: numbers, cell references, codes, file names.
_UNBREAKABLE = re.compile(r"[A-Za-z0-9_.:+\-=!%#$/@~<>≠]+|\s+|.", re.S)
_NO_LINE_START = frozenset("，。；：、）》」』”’！？,.;:)!?")


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` cells: Chinese may break between any two characters, a number or a
    reference never (unless it alone is wider than a line), and no line starts with closing punctuation."""
    lines: list[str] = []
    line, used = "", 0
    for token in _UNBREAKABLE.findall(text.replace("\n", " ")):
        size = int(display_width(token))
        if token.isspace():
            if line:
                line, used = line + " ", used + 1
            continue
        if used + size > width and line:
            carried = ""
            if token in _NO_LINE_START and len(line) > 1 and display_width(line[-1]) == 2:
                # closing punctuation takes the Chinese character before it along (never part of a number)
                line, carried = line[:-1], line[-1]
            lines.append(line.rstrip())
            line, used = carried, int(display_width(carried))
        while size > width:  # a run wider than a whole line: cut it, as nothing else fits
            cut = max(1, width - used)
            lines.append(line + token[:cut])
            token, line, used = token[cut:], "", 0
            size = int(display_width(token))
        line, used = line + token, used + size
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


# What stands in a number cell when there is no number: words and marks kept as found (never read as 0).
BLANK_WORDS = frozenset(
    {"无", "暂无", "/", "／", "\\", "—", "——", "-", "－", "–", "--", "·", "•", "空", "不适用", "未发生"}
)
_NUMBER_WITH_NOTE = re.compile(r"^[+\-−]?[\d０-９,，.．]+\s*[（(].*[)）]?$")


def value_like(text: str) -> bool:
    """Whether a cell holds a value: empty, a number (with a unit, a sign, a note in brackets), or a word
    that stands for none ("无", "/", "—"). Chinese text that is none of these is a label or a sentence."""
    stripped = text.strip()
    if not stripped or stripped in BLANK_WORDS:
        return True
    if parse_number(stripped, units=True, delta_words=True) is not None:
        return True
    return bool(_NUMBER_WITH_NOTE.match(stripped))
