"""The skeleton of a question: which mention fills which slot.

Cues and mentions are read left to right. A cue waits for the mention that follows it
("average" + "order value" is a measure, "by" + "country" a grouping, "not" + "cancelled"
a negated filter); mentions no cue claimed get a default role from what they link to
(values are filters, tables are the entity, columns are listed or measured). Decisions
that depend on the schema (is the ranked column in the entity's table?) are left to the
resolver, which sees every candidate.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from neurolake.intent.cues import Cue
from neurolake.intent.linker import Mention
from neurolake.intent.periods import Period
from neurolake.intent.text import Question

_CONNECTORS = frozenset({"and", "or", ",", "&", "then", "plus", "as", "well"})


@dataclass
class Slot:
    """One thing the query needs, with the mention that names it (if any)."""

    role: str  # measure, group, filter, compare, order, entity, column, rank, which, context
    mention: Mention | None = None
    function: str | None = None
    op: str | None = None
    value: Any = None
    direction: str | None = None
    hints: tuple[str, ...] = ()
    #: Filters joined by "or" / "and" on one column become IN.
    joined_with: Slot | None = None
    #: "most popular": rank by how many rows refer to the entity.
    popularity: bool = False
    #: The cue word that opened the slot ("each", "by").
    source: str = ""
    #: A comparison's: the slot of the mention it took over ("countries" in "countries with more
    #: than 5 customers"), put back when the number turns out to count something else.
    displaced: Slot | None = None
    #: What a superlative ranks: the table named right after it ("the most recent order") or,
    #: with nothing after it, right before it ("made an order most recently").
    about: Mention | None = None
    #: The verb right before an adverbial superlative ("released most recently"): the date it names.
    verb: str = ""

    def __repr__(self) -> str:
        what = self.mention.text if self.mention else "-"
        return f"<{self.role} {what} {self.function or self.op or self.direction or ''}>"


@dataclass
class Frame:
    """Everything read from one question, before candidates are chosen."""

    slots: list[Slot] = field(default_factory=list)
    limit: int | None = None
    ranking: bool = False
    rank_direction: str | None = None
    grain: str | None = None
    period: Period | None = None
    #: Mention right before the period ("shipped in 1995"): hints at the date column.
    period_mention: Mention | None = None
    time_travel: tuple[int | None, str | None] | None = None
    schedule: tuple[str, str] | None = None
    explain: bool = False
    sort_direction: str | None = None
    distinct: bool = False
    #: "top products" (a list), unlike "the most expensive products" (the first one).
    top_word: bool = False
    #: "in alphabetical order": sorted by a name, whatever else is computed.
    alphabetical: bool = False
    unlinked: list[str] = field(default_factory=list)
    #: The question's words, in order (slots point into them by index).
    words: tuple[str, ...] = ()


def build_frame(q: Question, mentions: list[Mention], cues: list[Cue], frame: Frame) -> Frame:
    """Fill ``frame`` with slots from the cues and mentions of ``q``."""
    frame.words = tuple(t.text for t in q.tokens)
    cues = _counted_superlatives(cues)
    items: list[Cue | Mention] = sorted([*cues, *mentions], key=_start)
    pending: Cue | None = None
    previous: Mention | None = None
    previous_slot: Slot | None = None
    compare: tuple[Slot, int] | None = None
    negate_value = False
    bare: list[tuple[Slot, int]] = []  # measures no mention followed yet ("maximum" in "maximum number of")
    for item in items:
        if isinstance(item, Cue):
            if item.kind == "compare":
                compare = (_compare(frame, item, previous, previous_slot, q), item.index + 1)
                pending = item if item.extra.get("number_first") else None
                continue
            if item.kind == "top":
                frame.ranking = True
                frame.limit = item.limit or frame.limit
                frame.rank_direction = item.direction or frame.rank_direction
            if item.kind in ("direction", "popular"):
                frame.ranking = True
                frame.rank_direction = item.direction
                if item.kind == "popular":
                    frame.slots.append(Slot("rank", None, direction=item.direction, popularity=True))
                elif item.hints and not _next_is_mention(item, items):
                    verb = verb_before(q, item.start)
                    frame.slots.append(
                        Slot("rank", None, direction=item.direction, hints=item.hints, about=previous, verb=verb)
                    )
            if item.kind == "aggregate" and not _next_is_mention(item, items, q):
                frame.slots.append(Slot("measure", None, function=item.function))
                bare.append((frame.slots[-1], item.index))
                pending = None
                continue
            pending = item
            continue
        if compare is not None and item.start == compare[1] and (_numeric_column(item) or item.best.kind == "table"):
            # "over 1000 dollars", "at least 3 units": the unit names the compared column.
            target, _ = compare
            counts = item.best.kind == "table"
            if target.popularity:
                pass
            elif target.mention is None or target.mention.best.kind == "table" or (counts and target.displaced):
                if counts and target.displaced is not None and target in frame.slots:
                    # "categories with more than 10 products": the categories are listed after all.
                    frame.slots.insert(frame.slots.index(target), target.displaced)
                    target.displaced = None
                target.mention = item
                if counts:
                    target.function = "count"  # "more than 5 orders": how many orders
                compare = None
                continue
        compare = None
        outer = _outer_functions(frame, bare, pending, item, q)
        if outer:
            # "the maximum number of points", "the minimum and maximum number of bathrooms": of the number itself
            for function in outer:
                frame.slots.append(Slot("measure", item, function=function))
            pending, previous, previous_slot = None, item, frame.slots[-1]
            continue
        if pending is not None and pending.kind == "negate" and _value_named_next(item, items, q):
            negate_value, pending = True, None  # "not in country 'Russia'", "not owned by CCTV": the value is negated
        elif negate_value and item.best.kind == "value":
            negate_value, pending = False, Cue("negate", item.start, item.start)
        slot = _slot_for(item, pending, previous, previous_slot, q, frame)
        if slot is not None:
            frame.slots.append(slot)
        pending = None
        previous, previous_slot = item, slot
    if pending is not None and pending.kind == "direction" and not any(s.role == "rank" for s in frame.slots):
        verb = verb_before(q, pending.start)
        frame.slots.append(
            Slot("rank", None, direction=pending.direction, hints=pending.hints, about=previous, verb=verb)
        )
    _drop_value_columns(frame, q)
    return frame


def verb_before(q: Question, index: int) -> str:
    """ "the song released most recently": 'released', the verb the superlative qualifies."""
    for tok in reversed(q.tokens[max(0, index - 5) : index]):  # "stayed in room 111 most recently"
        if tok.text in ("who", "which", "that", "whose") or tok.pause_before:
            break
        if tok.kind == "word" and tok.text.endswith("ed") and len(tok.text) >= 5:
            return tok.text
    return ""


def _counted_superlatives(cues: list[Cue]) -> list[Cue]:
    """ "the largest number of orders", "the smallest count of documents": ranked by how many, as
    "the most orders" (the size words' hints do not apply to a count)."""
    out: list[Cue] = []
    for cue in cues:
        last = out[-1] if out else None
        if (
            last is not None
            and last.kind == "direction"
            and last.hints  # ("the most number of", with no size word, is read as it was)
            and cue.kind == "aggregate"
            and cue.function in ("count", "count_distinct")
            and cue.start == last.index + 1
        ):
            out[-1] = replace(last, hints=(), index=cue.index)
            continue
        out.append(cue)
    return out


def _drop_value_columns(frame: Frame, q: Question) -> None:
    """ "market segment is BUILDING": the column named next to its value is not listed too."""
    filters = [s for s in frame.slots if s.role == "filter" and s.mention is not None]
    for slot in [s for s in frame.slots if s.role in ("column", "hint") and s.mention is not None]:
        assert slot.mention is not None
        columns = {c.qualified for c in slot.mention.candidates if c.kind == "column"}
        for f in filters:
            assert f.mention is not None
            near = abs(f.mention.start - slot.mention.end) <= 2 or abs(slot.mention.start - f.mention.end) <= 2
            if near and any(c.kind == "value" and c.qualified in columns for c in f.mention.candidates):
                frame.slots.remove(slot)
                break


def _start(item: Cue | Mention) -> int:
    return item.start


def _next_is_mention(cue: Cue, items: list[Cue | Mention], q: Question | None = None) -> bool:
    later = [i for i in items if i.start > cue.index]
    if not later or not isinstance(later[0], Mention):
        return False
    if q is not None:
        between = [t for t in q.tokens[cue.index + 1 : later[0].start] if not t.used]
        if any(t.text in ("by", "per", "for", "in", "from", "with") for t in between):
            return False
    return True


def _value_named_next(mention: Mention, items: list[Cue | Mention], q: Question) -> bool:
    """A column or a verb, then within a few words a value ("in country 'Russia'", "owned by CCTV")."""
    if mention.best.kind == "value":
        return False
    later = [i for i in items if isinstance(i, Mention) and i.start >= mention.end]
    if not later or later[0].best.kind != "value":
        return False
    between = [t.text for t in q.tokens[mention.end : later[0].start]]
    return len(between) <= 2 and set(between) <= {"by", "in", "of", "is", "as", "the", "to", "=", "from", "with"}


def _outer_functions(
    frame: Frame, bare: list[tuple[Slot, int]], pending: Cue | None, mention: Mention, q: Question
) -> list[str]:
    """The functions said right before "number of" a column ("maximum and minimum number of
    points"): taken out of the frame and returned; none when the number counts rows of a table."""
    if pending is None or pending.kind != "aggregate" or pending.function != "count" or mention.best.kind != "column":
        return []
    taken: list[Slot] = []
    end = pending.start
    for slot, index in reversed(bare):
        between = {t.text for t in q.tokens[index + 1 : end]}
        if slot.function not in ("max", "min", "avg", "sum") or not between <= {"the", "and", ","}:
            break
        if not frame.slots or frame.slots[-1] is not slot:
            break
        taken.append(frame.slots.pop())
        end = index
        while end > 0 and q.tokens[end].role == "aggregate" and q.tokens[end - 1].role == "aggregate":
            end -= 1
    return [s.function for s in reversed(taken) if s.function is not None]


def _same_function(previous: Slot, mention: Mention) -> bool:
    """A number named right after an average, a maximum or a total of another ("max price and score")."""
    return (
        previous.role == "measure"
        and previous.function in ("avg", "max", "min", "sum")
        and previous.mention is not None
        and mention.best.kind == "column"
        and previous.mention.best.kind == "column"
    )


def _joined(q: Question, previous: Mention | None, current: Mention) -> bool:
    """True when only connectors ("and", "or", ",") stand between two mentions."""
    if previous is None:
        return False
    between = q.tokens[previous.end : current.start]
    if not between and q.tokens[current.start].pause_before:
        return True  # "by country, segment": a comma between the two
    return (
        bool(between)
        and any(t.text in _CONNECTORS for t in between)
        and all(t.text in _CONNECTORS or t.text in ("the", "a", "an", "by", "per") for t in between)
    )


def _slot_for(
    mention: Mention,
    pending: Cue | None,
    previous: Mention | None,
    previous_slot: Slot | None,
    q: Question,
    frame: Frame,
) -> Slot | None:
    repeated = previous_slot is not None and (
        previous_slot.role in ("group", "order", "column")
        or (previous_slot.role == "filter" and mention.best.kind == "value")
    )
    if (
        pending is None
        and previous_slot is not None
        and _joined(q, previous, mention)
        and _same_function(previous_slot, mention)
    ):
        # "the maximum price and score": the maximum of each
        return Slot("measure", mention, function=previous_slot.function)
    if pending is None and previous_slot is not None and repeated and _joined(q, previous, mention):
        # "by country and segment", "from Germany or France": the same role again.
        return Slot(
            previous_slot.role,
            mention,
            direction=previous_slot.direction,
            joined_with=previous_slot if previous_slot.role == "filter" else None,
            value="not" if previous_slot.value == "not" else None,
        )
    if pending is not None:
        kind = pending.kind
        if kind == "aggregate":
            if pending.function in ("count_distinct",):
                frame.distinct = True
            return Slot("measure", mention, function=pending.function)
        if kind == "group":
            if mention.best.kind == "value":
                return Slot("filter", mention)  # "shipped by air", "orders by mail": a value
            return Slot("group", mention, source=str(pending.extra.get("word", "")))
        if kind == "order":
            return Slot("order", mention, direction=pending.direction)
        if kind == "negate":
            return Slot("filter", mention, value="not")
        if kind == "direction":
            if mention.best.kind == "column" and not pending.hints and not _numeric_word(mention):
                return Slot("which", mention)  # "best category by sales": the category is ranked
            if mention.best.kind == "table" and not pending.hints:
                # "which customer has the most orders": a count; "the best products by revenue": the entity.
                if any(s.role in ("entity", "which", "group") for s in frame.slots):
                    return Slot("rank", mention, direction=pending.direction)
                return Slot("entity", mention)
            if mention.best.kind == "table" and pending.hints:
                # "the most expensive products": rank the products by a column the hints name.
                frame.slots.append(Slot("rank", None, direction=pending.direction, hints=pending.hints, about=mention))
                return Slot("entity", mention)
            # "the product with the lowest price": the price of the product just named
            about = previous if previous is not None and previous.best.kind == "table" else None
            return Slot("rank", mention, direction=pending.direction, hints=pending.hints, about=about)
        if kind == "popular":
            return Slot("entity", mention)
        if kind == "top":
            return Slot("entity", mention)
        if kind == "which" and not (previous is not None and previous.end == pending.index):
            return Slot("which", mention)  # (right after a name, "wineries which produce" relates, it does not ask)
        if kind == "compare" and pending.extra.get("number_first"):
            # "5 or more items": the mention names what is compared.
            for slot in reversed(frame.slots):
                if slot.role == "compare" and slot.mention is None:
                    slot.mention = mention
                    if mention.best.kind == "table":
                        slot.function = "count"  # "5 or more orders": how many orders
                    return None
    best = mention.best
    if best.kind == "value":
        return Slot("filter", mention)
    if best.kind == "table":
        return Slot("entity", mention)
    if len(mention.words) == 1 and mention.words[0].endswith(("ed", "ing")) and not mention.plural:
        return Slot("hint", mention)  # "shipped", "ordered": a verb hints, it does not select a column
    return Slot("column", mention)


def _numeric_word(mention: Mention) -> bool:
    """Words that name amounts: ranked by, not ranked ("highest price", "most revenue")."""
    from neurolake.intent.lexicon import MONEY_WORDS

    return any(w in MONEY_WORDS or w in ("quantity", "count", "number", "balance", "cost") for w in mention.words)


def _numeric_column(mention: Mention) -> bool:
    return any(c.kind == "column" for c in mention.candidates)


def _compare(frame: Frame, cue: Cue, previous: Mention | None, previous_slot: Slot | None, q: Question) -> Slot:
    """Attach a comparison to the mention right before it ("price over 100") when there is one."""
    mention = None
    function = None
    displaced = None
    roles = ("column", "entity", "which", "measure")
    times = bool(cue.extra.get("times"))
    if previous is not None and previous_slot is not None and previous_slot.role in roles and not times:
        between = [t for t in q.tokens[previous.end : cue.start] if not t.used]
        if len(between) <= 2 and any(c.kind == "column" for c in previous.candidates):
            mention = previous
            if previous_slot.role in ("column", "measure") and previous_slot in frame.slots:
                # "with a total amount over 1000": "total" named the column, nothing is summed,
                # unless the resolver finds it is computed per group ("average price below 50").
                frame.slots.remove(previous_slot)
                displaced = previous_slot
                if previous_slot.role == "measure":
                    function = previous_slot.function
    slot = Slot("compare", mention, function=function, op=cue.op, value=cue.value, hints=cue.hints)
    slot.displaced = displaced
    slot.popularity = times
    frame.slots.append(slot)
    return slot
