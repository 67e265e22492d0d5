"""The parser's vocabulary: synonyms of data words and the cue words of analytic questions.

Nothing here names a table: synonyms relate everyday words to words found in column and
table names ("revenue" to "amount", "client" to "customer"), and cues recognise what a
question asks ("how many", "top", "per"). Extend it with ``Lexicon.with_synonyms``, or,
usually better, describe the column in the catalog: descriptions are matched too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from neurolake.intent.words import singular, word_set

# Groups of words that stand for one another, with how sure the substitution is.
_GROUPS: list[tuple[float, tuple[str, ...]]] = [
    (0.8, ("revenue", "sale", "turnover", "income", "earning", "gmv", "amount", "spend", "spent", "spending")),
    (0.7, ("revenue", "sale", "spend", "spent", "total", "value", "paid", "payment", "money")),
    (0.6, ("revenue", "sale", "spend", "spent", "value", "price", "cost", "charge", "fee")),
    (0.85, ("price", "cost", "fee", "charge", "fare", "rate")),
    (0.8, ("amount", "total", "sum", "value")),
    (0.9, ("customer", "client", "buyer", "purchaser", "shopper")),
    (0.85, ("product", "item", "article", "good", "merchandise", "sku", "part")),
    (0.85, ("order", "purchase", "transaction", "booking")),
    (0.9, ("supplier", "vendor", "seller", "provider")),
    (0.9, ("employee", "staff", "worker", "personnel", "clerk")),
    (0.9, ("country", "nation", "land")),
    (0.8, ("region", "area", "zone", "continent", "territory")),
    (0.85, ("city", "town", "municipality", "place", "location")),
    (0.85, ("quantity", "unit", "piece", "volume", "count", "number")),
    (0.85, ("category", "type", "kind", "class", "group", "genre")),
    (0.8, ("segment", "tier", "group", "class")),
    (0.85, ("status", "state", "stage")),
    (0.8, ("channel", "source", "medium", "platform")),
    (0.85, ("make", "manufacturer", "maker", "producer")),
    (0.7, ("brand", "label", "make", "manufacturer")),
    (0.85, ("date", "day", "time", "timestamp", "when", "datetime")),
    (0.85, ("duration", "length", "time", "long", "minutes", "seconds")),
    (0.85, ("distance", "length", "far", "kilometer", "mile")),
    (0.9, ("age", "old", "year")),
    (0.9, ("email", "mail", "e-mail")),
    (0.8, ("name", "title", "label", "called")),
    (0.85, ("phone", "telephone", "mobile", "tel")),
    (0.85, ("address", "street", "location")),
    (0.85, ("discount", "rebate", "markdown", "reduction")),
    (0.85, ("tax", "vat")),
    (0.85, ("balance", "credit", "fund")),
    (0.85, ("station", "stop", "dock", "terminal")),
    (0.85, ("trip", "ride", "journey", "travel")),
    (0.8, ("rider", "user", "member", "subscriber")),
    (0.85, ("comment", "note", "remark")),
    (0.85, ("ship", "shipping", "shipment", "delivery", "dispatch", "send", "sent")),
    (0.85, ("signup", "register", "registration", "join", "joined", "created", "creation", "sign")),
    (0.8, ("available", "stock", "inventory", "supply")),
    (0.85, ("size", "dimension")),
    (0.85, ("score", "rating", "grade", "mark")),
    (0.85, ("weight", "heavy", "mass")),
    (0.85, ("salary", "pay", "wage", "income", "compensation")),
]

#: Comparative and superlative words: sort direction, and words the sorted column may hold.
DIRECTION_WORDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "expensive": ("desc", ("price", "cost", "amount", "total")),
    "priciest": ("desc", ("price", "cost", "amount", "total")),
    "costliest": ("desc", ("price", "cost", "amount", "total")),
    "cheap": ("asc", ("price", "cost", "amount", "total")),
    "cheapest": ("asc", ("price", "cost", "amount", "total")),
    "cheaper": ("asc", ("price", "cost", "amount", "total")),
    "long": ("desc", ("duration", "length", "distance", "time")),
    "longest": ("desc", ("duration", "length", "distance", "time")),
    "longer": ("desc", ("duration", "length", "distance", "time")),
    "short": ("asc", ("duration", "length", "distance", "time")),
    "shortest": ("asc", ("duration", "length", "distance", "time")),
    "shorter": ("asc", ("duration", "length", "distance", "time")),
    "old": ("desc", ("age",)),
    "oldest": ("asc", ("date", "time", "year")),
    "older": ("desc", ("age",)),
    "young": ("asc", ("age",)),
    "youngest": ("asc", ("age",)),
    "younger": ("asc", ("age",)),
    "newest": ("desc", ("date", "time", "year")),
    "recent": ("desc", ("date", "time")),
    "latest": ("desc", ("date", "time")),
    "earliest": ("asc", ("date", "time")),
    "first": ("asc", ("date", "time")),
    "last": ("desc", ("date", "time")),
    "big": ("desc", ("amount", "total", "size", "quantity", "value", "capacity")),
    "biggest": ("desc", ("amount", "total", "size", "quantity", "value", "capacity")),
    "bigger": ("desc", ("amount", "total", "size", "quantity", "value", "capacity")),
    "large": ("desc", ("amount", "total", "size", "quantity", "value", "capacity")),
    "largest": ("desc", ("amount", "total", "size", "quantity", "value", "capacity")),
    "larger": ("desc", ("amount", "total", "size", "quantity", "value", "capacity")),
    "small": ("asc", ("amount", "total", "size", "quantity", "value", "capacity")),
    "smallest": ("asc", ("amount", "total", "size", "quantity", "value", "capacity")),
    "smaller": ("asc", ("amount", "total", "size", "quantity", "value", "capacity")),
    "heaviest": ("desc", ("weight",)),
    "lightest": ("asc", ("weight",)),
    "far": ("desc", ("distance",)),
    "farthest": ("desc", ("distance",)),
    "furthest": ("desc", ("distance",)),
    "high": ("desc", ()),
    "highest": ("desc", ()),
    "higher": ("desc", ()),
    "max": ("desc", ()),
    "maximum": ("desc", ()),
    "most": ("desc", ()),
    "more": ("desc", ()),
    "best": ("desc", ()),
    "top": ("desc", ()),
    "greatest": ("desc", ()),
    "low": ("asc", ()),
    "lowest": ("asc", ()),
    "lower": ("asc", ()),
    "min": ("asc", ()),
    "minimum": ("asc", ()),
    "least": ("asc", ()),
    "fewest": ("asc", ()),
    "worst": ("asc", ()),
    "bottom": ("asc", ()),
}

#: Words that mean "rank by how many rows" ("most popular product").
POPULARITY_WORDS = frozenset({"popular", "frequent", "common", "busiest", "busy", "active", "often"})

#: Words a question is made of that never name data.
FUNCTION_WORDS = word_set(
    """a an the of for in on at to from with without by per and or but not no nor is are was were be been
    being do does did done have has had what which who whom whose where when why how many much me my
    our us we you your i it its this that these those there their them they all any each every some
    please show list give tell display find get see let lets let's can could would should will shall
    may might must want need know like about as than then so into onto over under up down out
    one ones just only also too very really please thanks thank hi hello hey
    fetch retrieve report look lookup view whats whos heres theres across among return returns listed
    compute computes computed calculate calculates determine worth through
    between during within since until till before after ever has been being versus vs via"""
)

#: Filler verbs that carry no meaning for the query once cues are read ("placed", "made").
FILLER_VERBS = word_set(
    """placed place make made makes happen happened occur occurred recorded exist exists existed live lives
    living located based come came comes belong belongs belonging have having contain contains containing
    include includes including got get gets getting buy buys bought purchased sold sell sells selling
    bring brings brought generate generates generated earn earns earned produce produced do does did
    handled handle"""
)
#: Words that may name data but are not missed when nothing links them ("number", "data").
FILLER_WORDS = FILLER_VERBS | word_set(
    """total overall number amount value data row rows record records entry entries table tables column
    columns field fields information info detail details everything anything something thing things"""
)


@dataclass(frozen=True)
class Lexicon:
    """Synonym lookup built once from groups of related words."""

    synonyms: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    _cache: dict[tuple[str, str], float] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def default(cls) -> Lexicon:
        """The built-in vocabulary."""
        return cls().with_groups(_GROUPS)

    def with_groups(self, groups: Iterable[tuple[float, Iterable[str]]]) -> Lexicon:
        """A copy where every word of each group stands for the others with that weight."""
        table: dict[str, dict[str, float]] = {k: dict(v) for k, v in self.synonyms.items()}
        for weight, words in groups:
            stems = [singular(w) for w in words]
            for a in stems:
                for b in stems:
                    if a != b:
                        row = table.setdefault(a, {})
                        row[b] = max(row.get(b, 0.0), weight)
        return Lexicon(table)

    def with_synonyms(self, synonyms: Mapping[str, Iterable[str]], weight: float = 0.9) -> Lexicon:
        """A copy with more synonyms: ``{"revenue": ["gmv", "bookings"]}``."""
        return self.with_groups((weight, [word, *others]) for word, others in synonyms.items())

    def similarity(self, a: str, b: str) -> float:
        """How well question word ``a`` stands for name word ``b`` (both singular), 0 to 1."""
        if a == b:
            return 1.0
        key = (a, b)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._similarity(a, b)
            self._cache[key] = cached
        return cached

    def _similarity(self, a: str, b: str) -> float:
        weight = self.synonyms.get(a, {}).get(b, 0.0)
        if weight:
            return weight
        if len(a) < 4 or len(b) < 4:
            return 0.0
        stem_a, stem_b = stem(a), stem(b)
        if stem_a == stem_b:
            return 0.85
        # "shipped" -> "ship" ~ "delivery": synonyms of the stem, a little less sure.
        row = self.synonyms.get(stem_a) or self.synonyms.get(stem_a + "e") or {}
        weight = max(row.get(b, 0.0), row.get(stem_b, 0.0))
        if stem_a in (b, stem_b) or (stem_a + "e") == b:
            weight = max(weight, 0.85)
        return 0.9 * weight if weight < 0.85 else weight

    def vocabulary(self) -> set[str]:
        """Every word the lexicon knows (used to split glued identifiers)."""
        out = set(self.synonyms)
        for row in self.synonyms.values():
            out.update(row)
        out.update(DIRECTION_WORDS)
        return out


_SUFFIXES = ("ations", "ation", "ings", "ing", "ers", "er", "ies", "ied", "ed", "es", "ly", "y", "s", "e")


def stem(word: str) -> str:
    """A crude stem so ``delivered``, ``delivery`` and ``deliver`` (and ``shipped``, ``ship``) meet."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            if (
                suffix in ("ed", "ing", "er", "ers")
                and len(base) >= 4
                and base[-1] == base[-2]
                and base[-1] not in "aeiousl"
            ):
                base = base[:-1]  # shipped -> ship, planned -> plan
            return base
    return word
