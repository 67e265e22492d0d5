"""A question as tokens: words, numbers (``five``, ``5k``, ``1,200``, ``10%``), quoted strings,
ISO dates and comparison symbols, each remembering where it came from.

Later stages claim tokens (``Token.used``) as they recognise periods, cues and mentions,
so every word is read once and the words left over are what the parser did not understand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

TokenKind = Literal["word", "number", "quoted", "date", "op"]

_TOKEN = re.compile(
    r"""
    (?P<quoted>"[^"]+"|“[^”]+”|(?<![\w])'[^']+'(?![\w]))
  | (?P<date>\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?)
  | (?P<number>(?:(?<![\w-])-)?[$€£]?\d[\d,]*(?:\.\d+)?(?:\s?(?:k|m|bn|b)\b)?%?(?:st|nd|rd|th)?)
  | (?P<op>>=|<=|!=|<>|=>|=<|>|<|=)
  | (?P<word>[^\W\d_]+\d*(?:'s)?)
    """,
    re.VERBOSE | re.IGNORECASE,
)
_NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
    "thousand": 1000, "million": 1_000_000, "dozen": 12,
}  # fmt: skip
_ORDINAL_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "tenth": 10}
_SCALE = {"k": 1_000, "m": 1_000_000, "b": 1_000_000_000, "bn": 1_000_000_000}
_OPS = {"=>": ">=", "=<": "<=", "<>": "!="}
_PAUSES = frozenset(",;:()")


@dataclass
class Token:
    """One piece of the question."""

    text: str
    raw: str
    kind: TokenKind
    index: int
    value: Any = None
    percent: bool = False
    used: bool = False
    #: What claimed the token ("period", "cue", "mention"...), for debugging and tests.
    role: str = ""
    #: A comma, semicolon or bracket stands between this token and the one before: names
    #: never span it ("ids, customer ids" is two things).
    pause_before: bool = False

    @property
    def is_number(self) -> bool:
        return self.kind == "number"

    def claim(self, role: str) -> None:
        self.used = True
        self.role = role


@dataclass
class Question:
    """The tokens of one question and the original text."""

    text: str
    tokens: list[Token] = field(default_factory=list)

    def words(self, start: int = 0, end: int | None = None) -> list[str]:
        return [t.text for t in self.tokens[start:end]]

    def free(self) -> list[Token]:
        """Tokens nothing has claimed yet."""
        return [t for t in self.tokens if not t.used]

    def claim(self, start: int, end: int, role: str) -> None:
        for token in self.tokens[start:end]:
            token.claim(role)

    def at(self, index: int) -> Token | None:
        return self.tokens[index] if 0 <= index < len(self.tokens) else None

    def word(self, index: int) -> str:
        token = self.at(index)
        return token.text if token is not None and not token.used else ""


def tokenize(text: str) -> Question:
    """Split ``text`` into tokens; numbers and number words get their value."""
    question = Question(text)
    last_end = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        raw = match.group(0)
        index = len(question.tokens)
        pause = index > 0 and any(c in _PAUSES for c in text[last_end : match.start()])
        last_end = match.end()
        if kind == "quoted":
            question.tokens.append(Token(raw[1:-1], raw, "quoted", index, value=raw[1:-1]))
        elif kind == "date":
            question.tokens.append(Token(raw, raw, "date", index, value=_parse_date(raw)))
        elif kind == "number":
            value, percent = _parse_number(raw)
            question.tokens.append(Token(raw.lower(), raw, "number", index, value=value, percent=percent))
        elif kind == "op":
            op = _OPS.get(raw, raw)
            question.tokens.append(Token(op, raw, "op", index, value=op))
        else:
            word = raw.lower()
            if word.endswith("'s"):
                word = word[:-2]
            if word in _NUMBER_WORDS:
                question.tokens.append(Token(word, raw, "number", index, value=_NUMBER_WORDS[word]))
            else:
                question.tokens.append(Token(word, raw, "word", index))
        question.tokens[-1].pause_before = pause
    _merge_number_words(question)
    return question


def _parse_date(raw: str) -> date | datetime:
    try:
        return datetime.fromisoformat(raw) if len(raw) > 10 else date.fromisoformat(raw)
    except ValueError:
        return date.fromisoformat(raw[:10])


def _parse_number(raw: str) -> tuple[int | float, bool]:
    text = raw.lower().lstrip("$€£").replace(",", "").replace(" ", "")
    percent = text.endswith("%")
    text = text.rstrip("%")
    text = re.sub(r"(st|nd|rd|th)$", "", text)
    scale = 1
    for suffix in ("bn", "k", "m", "b"):
        if text.endswith(suffix):
            scale, text = _SCALE[suffix], text[: -len(suffix)]
            break
    number = float(text) * scale
    if percent:
        return number / 100, True
    return (int(number) if number.is_integer() else number), False


def _merge_number_words(question: Question) -> None:
    """``two hundred`` -> 200, ``a dozen`` -> 12 (kept as one token, the rest claimed)."""
    tokens = question.tokens
    for i in range(len(tokens) - 1):
        a, b = tokens[i], tokens[i + 1]
        if a.kind == "number" and b.kind == "number" and b.text in ("hundred", "thousand", "million"):
            b.value = a.value * b.value
            a.claim("number")


def ordinal(word: str) -> int | None:
    """``first`` -> 1, ``third`` -> 3."""
    return _ORDINAL_WORDS.get(word)
