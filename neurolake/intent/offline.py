"""The offline parser: deterministic, no model, any schema.

normalize (tokens, numbers) ─► periods, time travel, schedules, schema and explain cues ─►
link spans to tables/columns/values ─► frame (slots from cue words) ─► resolve (joint
choice, joins, ambiguities, confidence) ─► Intent. Follow-ups are parsed the same way and
edit the previous intent (see ``neurolake.intent.followup``).
"""

from __future__ import annotations

from datetime import date

from neurolake.intent import cues as cue_readers
from neurolake.intent.followup import FollowUp, is_follow_up
from neurolake.intent.frame import Frame, build_frame
from neurolake.intent.guard import screen
from neurolake.intent.keys import JoinGraph
from neurolake.intent.lexicon import FILLER_WORDS, FUNCTION_WORDS
from neurolake.intent.linker import LexicalLinker, Mention, SchemaLinker
from neurolake.intent.model import Intent, IntentKind
from neurolake.intent.periods import PeriodReader
from neurolake.intent.resolve import Resolver, kind_of
from neurolake.intent.schema import SchemaInfo
from neurolake.intent.text import Question, tokenize
from neurolake.intent.values import ValueIndex


class OfflineIntentParser:
    """Parses questions against one schema snapshot."""

    def __init__(
        self,
        schema: SchemaInfo,
        values: ValueIndex | None = None,
        *,
        semantic: SchemaLinker | None = None,
        today: date | None = None,
    ) -> None:
        self.schema = schema
        self.graph = JoinGraph.of(schema)
        roles: dict[str, set[str]] = {}
        for key in self.graph.keys:
            roles.setdefault(key.ref_table, set()).update(key.role)
        self.linker = LexicalLinker(schema, values or ValueIndex(), semantic, roles)
        self.resolver = Resolver(schema, self.graph)
        self.today = today

    def parse(self, text: str, context: Intent | None = None) -> Intent:
        """The intent of ``text``; with ``context``, a follow-up edits the previous intent."""
        screened = screen(text)
        if screened is not None:
            return screened
        question = text.strip()
        q = tokenize(question)
        frame = Frame()
        periods = PeriodReader(self.today)
        schema_request = cue_readers.read_schema_request(q)
        if schema_request is not None:
            return self._schema_intent(q, question, schema_request)
        frame.explain = cue_readers.read_explain(q)
        frame.time_travel = periods.read_time_travel(q)
        frame.schedule = cue_readers.read_schedule(q)
        frame.grain = periods.read_grain(q)
        period_start = len(q.tokens)
        frame.period = periods.read_range(q)
        if frame.period is not None:
            period_start = min(t.index for t in q.tokens if t.role == "period")
        tops = cue_readers.read_top(q)
        for cue in tops:
            frame.ranking = True
            frame.limit = cue.limit or frame.limit
            frame.rank_direction = cue.direction or frame.rank_direction
        frame.sort_direction = cue_readers.read_sort_direction(q)
        cues = tops + cue_readers.read_cues(q)
        mentions = self.linker.link(q)
        mentions += self.linker.semantic_mentions(q, mentions)
        mentions.sort(key=lambda m: m.start)
        for m in mentions:
            for tok in q.tokens[m.start : m.end]:
                tok.role = tok.role or "mention"
        frame.period_mention = _mention_before(mentions, period_start, q) if frame.period else None
        if frame.period_mention is not None and self._temporal_first(frame.period_mention):
            mentions.remove(frame.period_mention)  # "shipped in 1995": it names the date, nothing else
        build_frame(q, mentions, cues, frame)
        linked = [*mentions, frame.period_mention] if frame.period_mention is not None else mentions
        frame.unlinked = _unlinked(q, linked)
        if context is not None and is_follow_up(q, frame, context):
            return FollowUp(self.schema, self.graph, self.resolver).apply(context, frame, question, _role_words(q))
        intent = self.resolver.resolve(frame, question, _role_words(q))
        intent.unlinked = frame.unlinked
        if intent.kind is IntentKind.UNKNOWN and frame.time_travel is None:
            return intent
        intent.kind = kind_of(intent, frame) if intent.kind is not IntentKind.UNKNOWN else intent.kind
        return intent

    def _temporal_first(self, mention: Mention) -> bool:
        best = mention.best
        if best.kind != "column":
            return False
        col = self.schema.column(best.qualified)
        return col is not None and col.is_temporal

    def _schema_intent(self, q: Question, question: str, request: tuple[str, int | None]) -> Intent:
        kind, _ = request
        if kind == "tables":
            return Intent(kind=IntentKind.SCHEMA, question=question, schema_request="tables")
        mentions = self.linker.link(q)
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


def _unlinked(q: Question, mentions: list[Mention]) -> list[str]:
    covered = {i for m in mentions for i in range(m.start, m.end)}
    out = []
    for tok in q.tokens:
        if tok.used or tok.index in covered or tok.kind not in ("word", "quoted"):
            continue
        if tok.text in FUNCTION_WORDS or tok.text in FILLER_WORDS or len(tok.text) <= 2:
            continue
        out.append(tok.text)
    return out


def _role_words(q: Question) -> set[str]:
    """Every word of the question, singular: role words ("start", "end") pick join paths."""
    from neurolake.intent.lexicon import stem
    from neurolake.intent.words import singular

    words = {singular(t.text) for t in q.tokens if t.kind == "word"}
    words |= {stem(w) for w in words}  # "ended" -> "end", "started" -> "start"
    # Common ways of naming a trip's ends.
    aliases = {"from": "start", "origin": "start", "departure": "start", "pickup": "start", "destination": "end",
               "arrival": "end", "dropoff": "end", "begin": "start", "finish": "end"}  # fmt: skip
    return words | {aliases[w] for w in words if w in aliases}
