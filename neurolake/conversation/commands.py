"""Follow-ups about the answer itself rather than the data: "show the SQL", "more rows",
"sort by revenue instead", "sort ascending", "as a share of the total", "show the query plan".

The parser edits the previous intent's slots (filters, grouping, period, limit); these
requests act on what the conversation showed, so the conversation reads them first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from neurolake.intent.model import Direction

CommandKind = Literal["show_sql", "show_plan", "more_rows", "share_of_total", "sort_by"]

_END = r"\s*(?:please)?\s*[.!?]*\s*$"
_SHOW_SQL = re.compile(
    r"^(?:please\s+)?(?:(?:can|could)\s+you\s+)?(?:show|give|display|print|tell)\s+(?:me\s+)?(?:the\s+|that\s+|your\s+)?"
    r"(?:sql|query|sql\s+query|code)(?:\s+(?:you\s+)?(?:used|ran|run|wrote))?(?:\s+for\s+(?:that|this|it))?"
    + _END
    + r"|^(?:what|which)\s+(?:sql|query)\s+(?:did\s+you\s+(?:use|run)|was\s+(?:used|run))"
    + _END
    + r"|^(?:the\s+)?sql\s*\??$",
    re.IGNORECASE,
)
_SHOW_PLAN = re.compile(
    r"^(?:please\s+)?(?:(?:can|could)\s+you\s+)?(?:show|give|display|print|tell|explain)\s+(?:me\s+)?"
    r"(?:the\s+|that\s+|its\s+|your\s+)?(?:query\s+|execution\s+|sql\s+)?plan(?:\s+(?:of|for)\s+(?:that|this|it|the\s+last\s+answer))?"
    + _END
    + r"|^(?:the\s+)?(?:query\s+|execution\s+)plan\s*\??$"
    + r"|^(?:what|which)\s+(?:is|was)\s+the\s+(?:query\s+|execution\s+)?plan"
    + _END,
    re.IGNORECASE,
)
_MORE_ROWS = re.compile(
    r"^(?:(?:show|give)\s+(?:me\s+)?)?(?:some\s+)?more(?:\s+(?:rows|results|lines|records|of\s+them))?"
    + _END
    + r"|^(?:show\s+)?(?:the\s+)?next\s+(?:page|rows)"
    + _END,
    re.IGNORECASE,
)
_SHARE = re.compile(
    r"\b(?:share|percentage|percent|proportion|fraction|%)\s+of\s+(?:the\s+)?(?:total|all|whole|overall|everything)\b"
    r"|^(?:as\s+)?(?:a\s+)?(?:percentages?|shares?|proportions?)" + _END,
    re.IGNORECASE,
)
_SORT = re.compile(
    r"^(?:and\s+|now\s+|then\s+|please\s+)*(?:sort|order|rank)(?:ed)?\s+(?:it\s+|them\s+|that\s+|this\s+|the\s+\w+\s+)?"
    r"by\s+(?:the\s+)?(?P<what>.+?)"
    r"(?:\s+(?P<dir>asc(?:ending)?|desc(?:ending)?|lowest\s+first|highest\s+first|smallest\s+first|largest\s+first))?"
    r"(?:\s+instead)?" + _END,
    re.IGNORECASE,
)
#: "sort ascending", "reverse the order", "lowest first": the same rows, in the other order.
_RESORT = re.compile(
    r"^(?:and\s+|now\s+|then\s+|please\s+)*(?:(?:sort|order|rank)(?:ed)?\s+(?:it\s+|them\s+|that\s+|this\s+)?"
    r"(?P<dir>asc(?:ending)?|desc(?:ending)?|(?:from\s+)?(?:the\s+)?(?:lowest|smallest|highest|largest)(?:\s+first)?)"
    r"|(?P<dir2>lowest|smallest|highest|largest)\s+first"
    r"|(?P<reverse>reverse|flip)\s+(?:the\s+)?(?:order|sort(?:ing)?))" + _END,
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ConversationCommand:
    """A request about the last answer; ``target`` and ``direction`` for sorting."""

    kind: CommandKind
    target: str | None = None
    direction: Direction | None = None


def read_command(text: str) -> ConversationCommand | None:
    """The command ``text`` asks for, or None when it is a question for the parser."""
    stripped = text.strip()
    if _SHOW_SQL.match(stripped):
        return ConversationCommand("show_sql")
    if _SHOW_PLAN.match(stripped):
        return ConversationCommand("show_plan")
    if _MORE_ROWS.match(stripped):
        return ConversationCommand("more_rows")
    if _SHARE.search(stripped):
        return ConversationCommand("share_of_total")
    sort = _SORT.match(stripped)
    if sort:
        what = re.sub(r"\s+instead$", "", sort.group("what").strip(), flags=re.IGNORECASE).strip(" ,;:")
        return ConversationCommand("sort_by", target=what, direction=_direction(sort.group("dir")))
    resort = _RESORT.match(stripped)
    if resort:
        # No target: the answer's own order key; "reverse" flips its direction (None here).
        return ConversationCommand("sort_by", direction=_direction(resort.group("dir") or resort.group("dir2")))
    return None


def _direction(word: str | None) -> Direction | None:
    if not word:
        return None
    word = re.sub(r"^(?:from\s+)?(?:the\s+)?", "", word.lower())
    return "asc" if word.startswith(("asc", "lowest", "smallest")) else "desc"
