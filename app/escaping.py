"""Text from data or people, made safe to put in Markdown: it shows as typed, never as markup."""

from __future__ import annotations

import re

# Every character CommonMark lets a backslash escape; escaping them all keeps text literal.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&:$])")


def escape_markdown(text: object) -> str:
    """``text`` as one line of Markdown that renders to exactly ``text``.

    Every punctuation mark gets a backslash, so ``<script>`` shows as typed, ``*`` is not
    emphasis and ``http:`` is not a link.
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def escape_lines(text: str) -> str:
    """Several lines of text as Markdown that shows them as typed, line breaks kept."""
    return "  \n".join(escape_markdown(line) for line in text.strip().splitlines())


def code_block(text: str, language: str = "") -> str:
    """A fenced code block that the text cannot close early (the fence outgrows any backtick run)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def inline_code(text: str) -> str:
    """Inline code that survives backticks inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"
