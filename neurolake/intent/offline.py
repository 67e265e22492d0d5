"""The offline parser: deterministic, no model, any schema.

normalize (tokens, numbers) ─► periods, time travel, schedules, schema and explain cues ─►
link spans to tables/columns/values ─► frame (slots from cue words) ─► resolve (joint
choice, joins, ambiguities, confidence) ─► Intent. Follow-ups are parsed the same way and
edit the previous intent (see ``neurolake.intent.followup``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date

from neurolake.intent import cues as cue_readers
from neurolake.intent.coverage import RULES as COVERAGE_RULES
from neurolake.intent.coverage import Rule as CoverageRule
from neurolake.intent.coverage import Unread, explain, listed_tables, unread_parts
from neurolake.intent.extreme_scope import extreme_as_filter
from neurolake.intent.followup import FollowUp, is_complete, is_follow_up
from neurolake.intent.frame import Frame, build_frame
from neurolake.intent.guard import screen
from neurolake.intent.keys import ForeignKey, JoinGraph, infer_foreign_keys
from neurolake.intent.lexicon import FILLER_WORDS, FUNCTION_WORDS
from neurolake.intent.linker import LexicalLinker, Mention, SchemaLinker
from neurolake.intent.listed_tables import with_listed_tables
from neurolake.intent.model import Filter, GroupBy, Intent, IntentKind, OrderBy
from neurolake.intent.periods import Period, PeriodReader
from neurolake.intent.resolve import Resolver, kind_of
from neurolake.intent.rules import Context as RuleContext
from neurolake.intent.rules import Found, Rule
from neurolake.intent.rules import rules as rewrite_rules
from neurolake.intent.schema import SchemaInfo
from neurolake.intent.semi_joins import as_semi_joins
from neurolake.intent.text import Question, Token, tokenize
from neurolake.intent.values import ValueIndex
from neurolake.intent.vocab import load
from neurolake.intent.words import singular


class OfflineIntentParser:
    """Parses questions against one schema snapshot."""

    def __init__(
        self,
        schema: SchemaInfo,
        values: ValueIndex | None = None,
        *,
        semantic: SchemaLinker | None = None,
        today: date | None = None,
        keys: Iterable[ForeignKey] | None = None,
    ) -> None:
        self.schema = schema
        #: The keys to join by: given (checked against the data), else inferred from names.
        self.graph = JoinGraph(keys if keys is not None else infer_foreign_keys(schema))
        roles: dict[str, set[str]] = {}
        for key in self.graph.keys:
            roles.setdefault(key.ref_table, set()).update(key.role)
        self.linker = LexicalLinker(schema, values or ValueIndex(), semantic, roles)
        self.resolver = Resolver(schema, self.graph)
        self.cue_names = _cue_names(schema)  # once per schema, not per question
        self.today = today

    def parse(self, text: str, context: Intent | None = None) -> Intent:
        """The intent of ``text``; with ``context``, a follow-up edits the previous intent."""
        return self.read_turn(text, context, decide=False)[0]

    def read_turn(self, text: str, context: Intent | None, *, decide: bool = True) -> tuple[Intent, bool]:
        """``text`` read once after ``context``: the reading, and whether it edits ``context``.

        ``decide``: a question complete on its own is read afresh, rewrite rules included (a
        conversation's turn); otherwise whatever reads like a follow-up edits ``context``.
        """
        screened = screen(text)
        if screened is not None:
            return screened, False
        question = text.strip()
        q = tokenize(question)
        frame = Frame()
        periods = PeriodReader(self.today)
        schema_request = cue_readers.read_schema_request(q)
        if schema_request is not None:
            schema_intent = self._schema_intent(q, question, schema_request)
            if schema_intent is not None:
                return schema_intent, False
            q = tokenize(question)
        _claim_answer_nouns(q)
        _claim_pronoun_pairs(q)
        protected = _name_phrases(q, self.cue_names)
        for tok in protected:
            tok.used = True  # "pages per minute", "monthly rental": a name, not a grouping
        frame.explain = cue_readers.read_explain(q)
        frame.time_travel = periods.read_time_travel(q)
        frame.schedule = cue_readers.read_schedule(q)
        frame.grain = periods.read_grain(q)
        period_start = len(q.tokens)
        frame.period = periods.read_range(q)
        if frame.period is not None:
            period_start = min(t.index for t in q.tokens if t.role == "period")
        # Rewrite rules take their words first (a follow-up edits the previous reading instead).
        rules = rewrite_rules() if context is None or decide else ()
        claimed = {rule.name: rule.claim(q) for rule in rules}
        tops = cue_readers.read_top(q)
        for cue in tops:
            frame.top_word = frame.top_word or cue.extra.get("word") in ("top", "bottom")
            frame.ranking = True
            frame.limit = cue.limit or frame.limit
            frame.rank_direction = cue.direction or frame.rank_direction
        frame.alphabetical = any(t.text.startswith(("alphabetic", "lexicographic")) for t in q.tokens)
        frame.sort_direction = cue_readers.read_sort_direction(q)
        cues = tops + cue_readers.read_cues(q)
        frame.distinct = cue_readers.read_distinct(q) or frame.distinct
        for tok in protected:
            tok.used = False
        mentions = self.linker.link(q)
        cues = _without_numbers_in_values(q, cues, mentions)
        by_meaning = self.linker.semantic_mentions(q, mentions)
        mentions += by_meaning
        mentions.sort(key=lambda m: m.start)
        for m in mentions:
            for tok in q.tokens[m.start : m.end]:
                tok.role = tok.role or "mention"
        rule_ctx = RuleContext(q, self.schema, self.graph, mentions)
        before_rules = list(mentions)
        found = [(rule, f) for rule in rules for f in rule.take(claimed[rule.name], rule_ctx, cues)]
        _claim_taken(q, before_rules, rule_ctx)
        touched = any(claimed.values()) or mentions != before_rules
        frame.period_mention = _mention_before(mentions, period_start, q) if frame.period else None
        if frame.period_mention is not None and self._temporal_first(frame.period_mention):
            mentions.remove(frame.period_mention)  # "shipped in 1995": it names the date, nothing else
        build_frame(q, mentions, cues, frame)
        linked = [*mentions, frame.period_mention] if frame.period_mention is not None else mentions
        frame.unlinked = _unlinked(q, linked)
        edit: Intent | None = None
        if context is not None and is_follow_up(q, frame, context):
            follow_up = FollowUp(self.schema, self.graph, self.resolver)
            # A rule that took words changed the frame: the edit is then read without rules, as parse does.
            reread = decide and touched
            edit = self.parse(text, context) if reread else follow_up.apply(context, frame, question, _role_words(q))
            if not decide:
                return edit, True
        fresh = self._fresh(q, frame, question, found, rule_ctx, linked, before_rules, by_meaning)
        if edit is not None and not is_complete(question, fresh):
            return edit, True
        return fresh, False

    def _fresh(
        self,
        q: Question,
        frame: Frame,
        question: str,
        found: list[tuple[Rule, Found]],
        rule_ctx: RuleContext,
        linked: list[Mention],
        before_rules: list[Mention],
        by_meaning: list[Mention],
    ) -> Intent:
        """The question read on its own: resolved, rewritten by the rules, checked."""
        intent = self.resolver.resolve(frame, question, _role_words(q))
        intent.unlinked = frame.unlinked
        if intent.kind is IntentKind.UNKNOWN and frame.time_travel is None:
            return intent
        intent.kind = kind_of(intent, frame) if intent.kind is not IntentKind.UNKNOWN else intent.kind
        if intent.kind is IntentKind.UNKNOWN:
            return intent
        if found:
            intent = _rewritten(intent, found, rule_ctx)
        intent = _with_options(intent, lambda i: self._dated(i, frame))
        missed = [Unread(f.words, "a part I could not apply to this reading") for _, f in found if not f.applied]
        intent.by_meaning = [
            " ".join(m.words) for m in by_meaning if m in linked and m.best.kind in ("table", "column")
        ]
        intent = self._checked(intent, q, linked, missed)
        intent = _with_options(
            intent, lambda i: with_listed_tables(i, q, linked, self.schema, asked_distinct=frame.distinct)
        )
        intent = self._checked(intent, q, linked, [], rules=(listed_tables,))
        intent = _with_options(intent, lambda i: _values_listed(i, [*before_rules, *linked], self.schema))
        return self._existence(intent)

    def _dated(self, intent: Intent, frame: Frame) -> Intent:
        """The question's period and yearly grain placed on a year column when no date takes them."""
        if frame.period is not None and intent.time_range is not None and _apart(frame.period.years):
            intent = intent.model_copy(update={"time_range": None})  # "in 2013 or 2016" is no one stretch of dates
        if frame.period is not None and intent.time_range is not None:
            intent = _without_date_only_join(intent, self.schema)
        if frame.period is not None and intent.time_range is None:
            intent = _on_year_column(intent, frame.period, self.schema)
        if frame.grain == "year" and not any(g.grain for g in intent.group_by):
            intent = _by_year_column(intent, frame, self.schema)
        elif frame.grain == "year":
            intent = _year_over_date(intent, self.schema)
        return intent

    def _existence(self, intent: Intent) -> Intent:
        """A related row picked by its extreme, then conditions on related rows as IN / NOT IN, in
        the reading and in each option offered."""
        return _with_options(intent, lambda i: as_semi_joins(extreme_as_filter(i, self.graph), self.graph))

    def _checked(
        self,
        intent: Intent,
        q: Question,
        mentions: list[Mention],
        missed: list[Unread],
        rules: Sequence[CoverageRule] = COVERAGE_RULES,
    ) -> Intent:
        """The intent, or a refusal naming what it leaves out of the question (never a silent guess)."""
        if intent.kind is IntentKind.UNKNOWN:
            return intent
        references = [(f"{k.table}.{k.column}", k.ref_table) for k in self.graph.keys]
        parts = missed + unread_parts(q, mentions, intent, self.schema, references, rules)
        if not parts:
            return intent
        return Intent(
            kind=IntentKind.UNKNOWN,
            question=intent.question,
            confidence=0.0,
            refusal=explain(parts),
            unlinked=[p.words for p in parts],
        )

    def _temporal_first(self, mention: Mention) -> bool:
        best = mention.best
        if best.kind != "column":
            return False
        col = self.schema.column(best.qualified)
        return col is not None and col.is_temporal

    def _schema_intent(self, q: Question, question: str, request: tuple[str, int | None]) -> Intent | None:
        kind, _ = request
        if kind == "tables":
            return Intent(kind=IntentKind.SCHEMA, question=question, schema_request="tables")
        mentions = self.linker.link(q)
        covered = {i for m in mentions for i in range(m.start, m.end)}
        plain = FUNCTION_WORDS | FILLER_WORDS
        rest = [t for t in q.tokens if not t.used and t.index not in covered and t.text not in plain]
        if rest or len(mentions) > 1:
            return None  # "the structure of the document with the fewest accesses": a question about data
        tables = [t for m in mentions for t in m.candidates if t.kind == "table"]
        if not tables:
            # "describe customer_id": a column's table is the best we can do.
            tables = [t for m in mentions for t in m.candidates if t.kind == "column"]
        if not tables:
            return Intent(
                kind=IntentKind.SCHEMA,
                question=question,
                schema_request="tables",
                confidence=0.5,
                unlinked=[t.text for t in q.free()],
            )
        return Intent(
            kind=IntentKind.SCHEMA,
            question=question,
            schema_request="describe",
            tables=[tables[0].table],
            confidence=min(1.0, tables[0].score + 0.1),
        )


def _mention_before(mentions: list[Mention], index: int, q: Question) -> Mention | None:
    """The mention ending right before the period ("shipped in 1995", "signup date after ...")."""
    for m in reversed(mentions):
        if m.end <= index:
            between = [t for t in q.tokens[m.end : index] if t.kind == "word" and t.text not in FUNCTION_WORDS]
            if len(between) <= 1 and m.end >= index - 3:
                return m
            return None
    return None


def _values_listed(intent: Intent, mentions: list[Mention], schema: SchemaInfo) -> Intent:
    """ "Show all majors", "list the card type codes": a column asked for without its table lists
    the values it takes, each once; "the majors of all students" lists one per student."""
    if len(intent.tables) != 1 or intent.joins or intent.distinct or intent.measures or intent.group_by:
        return intent
    if not intent.columns or any(c.endswith(".*") for c in intent.columns) or intent.limit or intent.order_by:
        return intent
    info = schema.table(intent.tables[0])
    if info is None:
        return intent
    # Named: a mention of the table, or its word in a column's mention ("room names").
    if any(
        m.best.table == info.name and (m.best.kind == "table" or {singular(w) for w in m.words} & set(info.words))
        for m in mentions
    ):
        return intent
    columns = [info.column(c.rsplit(".", 1)[1]) for c in intent.columns]
    if any(c is None or c is info.key or c is info.columns[0] for c in columns):
        return intent  # a row's own key names each row
    return intent.model_copy(update={"distinct": True})


def _without_numbers_in_values(
    q: Question, cues: list[cue_readers.Cue], mentions: list[Mention]
) -> list[cue_readers.Cue]:
    """ "at address 660 Shea Crescent": the number begins a value, it is not "address = 660"."""
    values = [m for m in mentions if m.best.kind == "value"]

    def inside(c: cue_readers.Cue) -> bool:
        return any(
            m.start <= c.index < m.end or (c.index == m.start - 1 and str(m.best.value).startswith(f"{c.value} "))
            for m in values
        )

    kept = []
    for c in cues:
        if c.kind == "compare" and c.start == c.index and inside(c):
            q.tokens[c.index].role = "mention"  # read with the value
        else:
            kept.append(c)
    return kept


def _with_options(intent: Intent, change: Callable[[Intent], Intent]) -> Intent:
    """``change`` made to ``intent`` and to each alternative reading it offers (an option picked
    later must not lose what the reading kept, such as "in 2010")."""
    ambiguities = [
        a.model_copy(update={"options": [o.model_copy(update={"intent": change(o.intent)}) for o in a.options]})
        for a in intent.ambiguities
    ]
    out = change(intent)
    out.ambiguities = ambiguities
    return out


def _rewritten(intent: Intent, found: list[tuple[Rule, Found]], ctx: RuleContext) -> Intent:
    """``intent`` and each of its alternative readings, rewritten by the rules in order."""
    options = []
    for ambiguity in intent.ambiguities:
        rewritten = []
        for option in ambiguity.options:
            copies = [(rule, replace(f, applied=False)) for rule, f in found]
            rewritten.append(option.model_copy(update={"intent": _apply(option.intent, copies, ctx)}))
        options.append(ambiguity.model_copy(update={"options": rewritten}))
    out = _apply(intent, found, ctx)
    out.ambiguities = options
    return out


def _apply(intent: Intent, found: list[tuple[Rule, Found]], ctx: RuleContext) -> Intent:
    for rule, f in found:
        intent = rule.apply(intent, f, ctx)
    return intent


#: Cue words that may also be part of a column's name ("pages_per_minute", "monthly_rental").
_CUE_IN_NAMES = frozenset({"per", "by", "each", "every", "monthly", "daily", "weekly", "yearly", "annual", "quarterly",
                           "hourly", "first", "last", "most", "least", "top", "number"})  # fmt: skip


def _cue_names(schema: SchemaInfo) -> frozenset[tuple[str, ...]]:
    """Column and table names of two words or more that hold a cue word ("pages per minute")."""
    names = [c.words for c in schema.columns] + [t.words for t in schema.tables.values()]
    return frozenset(n for n in names if len(n) >= 2 and set(n) & _CUE_IN_NAMES)


def _name_phrases(q: Question, names: frozenset[tuple[str, ...]]) -> list[Token]:
    """Tokens that spell out one of ``names`` word for word ("number of deaths" spells
    ``number_deaths``: the "of" a count phrase puts in is read too)."""
    words = [singular(t.text) for t in q.tokens]
    out: list[Token] = []
    for name in names:
        spellings = [name, (name[0], "of", *name[1:])] if name[0] == "number" else [name]
        for spelled in spellings:
            wanted, size = tuple(singular(w) for w in spelled), len(spelled)
            for i in range(len(words) - size + 1):
                if tuple(words[i : i + size]) == wanted:
                    out += q.tokens[i : i + size]
    return out


def _apart(years: tuple[int, ...]) -> bool:
    """Years that are not one run ("2013 or 2016"; "1999 or 2000" is one stretch)."""
    return bool(years) and list(years) != list(range(years[0], years[-1] + 1))


def _year_columns(intent: Intent, schema: SchemaInfo) -> list[str]:
    """The number columns named ``year`` of the tables the reading uses."""
    return [
        c.qualified
        for table in intent.tables
        if (info := schema.table(table)) is not None
        for c in info.columns
        if c.is_numeric and "year" in c.words
    ]


def _by_year_column(intent: Intent, frame: Frame, schema: SchemaInfo) -> Intent:
    """ "event names by year" with no date column: by the one number column named ``year``
    (grouped when something is computed, else sorted)."""
    years = _year_columns(intent, schema)
    if len(years) != 1:
        return intent
    if intent.measures:
        return intent.model_copy(update={"group_by": [*intent.group_by, GroupBy(column=years[0])]})
    # "from the most recent": the direction was put on the listed column for want of another
    return intent.model_copy(update={"order_by": [OrderBy(target=years[0], direction=frame.sort_direction or "asc")]})


def _year_over_date(intent: Intent, schema: SchemaInfo) -> Intent:
    """ "for each year" over a table with both a date and a number named ``year``: by the year
    the rows are filed under, not the year of the date."""
    years = _year_columns(intent, schema)
    by_date = [g for g in intent.group_by if g.grain == "year"]
    if len(years) != 1 or len(by_date) != 1 or by_date[0].column.rsplit(".", 1)[0] != years[0].rsplit(".", 1)[0]:
        return intent
    if any(g.column == years[0] and not g.grain for g in intent.group_by):
        groups = [g for g in intent.group_by if g is not by_date[0]]  # "return the year": grouped by it already
    else:
        groups = [GroupBy(column=years[0]) if g is by_date[0] else g for g in intent.group_by]
    return intent.model_copy(update={"group_by": groups})


def _without_date_only_join(intent: Intent, schema: SchemaInfo) -> Intent:
    """ "movies produced after 2000" read on the ratings' dates, a table joined only for its date,
    while the movies have a year column: the period goes on that year (``_on_year_column``)."""
    time_range = intent.time_range
    if time_range is None or time_range.column is None or not intent.joins:
        return intent
    if intent.combine or intent.having or any(f.subquery is not None for f in intent.filters):
        return intent  # "artists with no exhibition in 2004": the period may belong to the subquery
    table = time_range.column.rsplit(".", 1)[0]
    used = {c.rsplit(".", 1)[0] for c in intent.columns} | {g.column.rsplit(".", 1)[0] for g in intent.group_by}
    used |= {m.column.rsplit(".", 1)[0] for m in intent.measures if m.column}
    used |= {f.column.rsplit(".", 1)[0] for f in [*intent.filters, *intent.having] if "." in f.column}
    used |= {o.target.rsplit(".", 1)[0] for o in intent.order_by if "." in o.target}
    leaf = [j for j in intent.joins if j.table == table]
    others = [t for t in intent.tables if t != table]
    if table in used or table == intent.tables[0] or len(leaf) != 1 or not others:
        return intent
    through = {c.rsplit(".", 1)[0] for j in intent.joins if j.table != table for pair in j.on for c in pair}
    if table in through:
        return intent  # another table is joined through it
    trimmed = intent.model_copy(
        update={"tables": others, "joins": [j for j in intent.joins if j.table != table], "time_range": None}
    )
    return trimmed if _year_columns(trimmed, schema) else intent


def _on_year_column(intent: Intent, period: Period, schema: SchemaInfo) -> Intent:
    """ "branches opened before 2010" with no date column: the period on a number column named
    ``year`` (``open_year < 2010``), when the tables read have exactly one."""
    years = _year_columns(intent, schema)
    start, end = period.start, period.end
    whole = (start is None or (start.month, start.day) == (1, 1)) and (end is None or (end.month, end.day) == (1, 1))
    if len(years) != 1 or not whole:
        return intent
    if period.years:
        return intent.model_copy(
            update={"filters": [*intent.filters, Filter(column=years[0], op="in", value=list(period.years))]}
        )
    if start is not None and end is not None:
        flt = (
            Filter(column=years[0], op="=", value=start.year)
            if end.year == start.year + 1
            else Filter(column=years[0], op="between", value=[start.year, end.year - 1])
        )
    elif end is not None:
        flt = Filter(column=years[0], op="<", value=end.year)
    elif start is not None:
        flt = Filter(column=years[0], op=">=", value=start.year)
    else:
        return intent
    return intent.model_copy(update={"filters": [*intent.filters, flt]})


_ORDER_AFTER = frozenset({"in", "according", "ordered", "sorted", "alphabetically", "descending", "ascending"})


_PRONOUNS = frozenset(load("english")["words"]["pronouns"])


def _claim_pronoun_pairs(q: Question) -> None:
    """ "the students he or she advises": one person, not a choice between values."""
    for i in range(len(q.tokens) - 2):
        if q.word(i) in _PRONOUNS and q.word(i + 1) == "or" and q.word(i + 2) in _PRONOUNS:
            q.claim(i, i + 3, "filler")


_PRESENTATION_VERBS = frozenset(load("english")["words"]["presentation_verbs"])
_ANSWER_NOUNS = frozenset(load("english")["words"]["answer_nouns"])


def _claim_answer_nouns(q: Question) -> None:
    """ "sort the result by age": "result" is the answer being sorted, never a column."""
    for tok in q.tokens:
        if tok.text not in _ANSWER_NOUNS or tok.used:
            continue
        before = [t.text for t in q.tokens[max(0, tok.index - 2) : tok.index] if t.text != "the"]
        after = q.at(tok.index + 1)
        # "sort the results in alphabetical order" (not "show the result of the submission": data)
        ends = after is None or after.pause_before or after.text in _ORDER_AFTER
        if before and before[-1] in _PRESENTATION_VERBS and ends:
            tok.claim("filler")


def _claim_taken(q: Question, before: list[Mention], ctx: RuleContext) -> None:
    """The words of mentions a rule took are read (by that rule), not left over."""
    kept = {(m.start, m.end) for m in ctx.mentions}  # a narrowed mention is still the same words
    for m in before:
        if (m.start, m.end) not in kept:
            q.claim(m.start, m.end, "rule")


def _unlinked(q: Question, mentions: list[Mention]) -> list[str]:
    covered = {i for m in mentions for i in range(m.start, m.end)}
    after_column = {m.end for m in mentions if m.best.kind == "column"}
    after_table = {m.end for m in mentions if m.best.kind == "table"}
    out = []
    for tok in q.tokens:
        if tok.used or tok.index in covered or tok.kind not in ("word", "quoted"):
            continue
        if tok.index in after_table and tok.text in _MEMBER_NOUNS:
            continue  # "faculty members", "staff people": the rows of the table just named
        if (tok.text in FUNCTION_WORDS or tok.text in FILLER_WORDS) and not _code_like(tok.raw):
            continue  # "in the US": written in capitals it is a value, not the word "us"
        named = tok.index in after_column  # "the location with code x": a value of that column
        if (
            len(tok.text) <= 2
            and tok.text != "id"
            and not (tok.raw.isupper() and tok.raw not in ("I", "A"))
            and not named
        ):
            continue  # short words carry no data, unless they are a code ("TN", "ED")
        out.append(tok.text)
    return out


_MEMBER_NOUNS = frozenset(load("english")["words"]["member_nouns"])


def _code_like(raw: str) -> bool:
    return len(raw) >= 2 and raw.isalpha() and raw.isupper()


def _role_words(q: Question) -> set[str]:
    """Every word of the question, singular: role words ("start", "end") pick join paths."""
    from neurolake.intent.lexicon import stem

    words = {singular(t.text) for t in q.tokens if t.kind == "word"}
    words |= {stem(w) for w in words}  # "ended" -> "end", "started" -> "start"
    aliases: dict[str, str] = load("english")["role_aliases"]  # "origin" -> start, "arrival" -> end
    return words | {aliases[w] for w in words if w in aliases}
