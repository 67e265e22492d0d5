"""The offline question parser on real questions people wrote (Spider train set, CC BY-SA 4.0),
scored by execution against the gold SQL the way bench/spider_eval.py scores it.

Seven small Spider databases live in tests/fixtures/spider (see its README). Each gets one
fresh lakehouse per session, built when a test first asks it a question: every CSV through
``ingest_file`` into the table an upload would make (``app.uploads.table_name_for``), no keys
declared. Questions are asked as ``neurolake ask`` asks them (``IntentParser.from_platform(
platform, semantic=False)`` + ``QuestionAnswerer``); the gold SQL (MySQL) is transpiled to
DuckDB and runs on the same engine.

- ``test_question_is_answered_like_the_gold``: per question class of bench/spider_eval.py, a
  fixed sample of questions the parser answered right when the sample was drawn; the answer
  must match the gold (lenient, and strict where it was strict-right).
- ``test_question_it_refused_is_not_answered_wrong``: questions the parser refused when the
  sample was drawn. It may learn to answer them, but only rightly; a refusal or clarification
  must name a word of the question, so the person sees what was not understood.

How the samples were drawn (a throwaway script, not kept; rerun it when the parser's reach
changes and these lists go stale):
1. For every question of the seven databases in the Spider train set folder (its
   train_queries.csv and databases/<db>), build the lakehouses with ``open_lakehouse`` and
   score the question with ``ask`` below, in three processes with different PYTHONHASHSEED;
   keep only questions whose outcome (right and strict / wrong / refused / clarified / error)
   was the same in all three. Skip questions that appear twice in a database with different
   gold SQL.
2. Right sample: classes from ``question_classes`` of bench/spider_eval.py; visit classes from
   the fewest right questions to the most; for each, take up to 5 right questions not already
   taken, round-robin over the databases, each database's questions in a random.Random(0)
   shuffle. A question is listed under the first class that took it.
3. Refused sample: refused questions (not "the engine could not run", which is not the
   parser's word) whose refusal ``names_a_word`` of the question; 20 of them, round-robin over
   the databases in the same seeded shuffle.
4. Both lists sorted (class, database, question); questions.csv holds the used rows of
   train_queries.csv, unchanged.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlglot

from app.uploads import table_name_for
from neurolake.config import load_settings
from neurolake.intent.answer import Answer, QuestionAnswerer
from neurolake.intent.parser import IntentParser
from neurolake.platform import NeuroLake
from neurolake.storage.ingest import ingest_file

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

from spider_eval import Score, compare_results, gold_ordered  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "spider"


def load_gold(path: Path) -> dict[tuple[str, str], str]:
    """(database, question) -> gold SQL (MySQL), from a file shaped like train_queries.csv."""
    with path.open(newline="", encoding="utf-8") as f:
        return {(row["database"], row["question"]): row["sql"] for row in csv.DictReader(f)}


GOLD = load_gold(FIXTURES / "questions.csv")


@dataclass
class SpiderLakehouse:
    """One Spider database in a fresh lakehouse, with the parser ``neurolake ask`` uses."""

    platform: NeuroLake
    parser: IntentParser
    answerer: QuestionAnswerer

    def close(self) -> None:
        self.parser.close()
        self.platform.close()


def open_lakehouse(folder: Path, home: Path) -> SpiderLakehouse:
    """Ingest ``folder/data/*.csv`` as uploads into a new lakehouse at ``home``."""
    # The offline provider pinned: a session fixture is built before the per-test env cleanup.
    settings = load_settings(home=home, environment="test", llm={"provider": "offline"})
    platform = NeuroLake.from_settings(settings)
    for path in sorted((folder / "data").glob("*.csv")):
        ingest_file(platform.storage, path, table_name_for(path.name, set(platform.storage.list_tables())))
    parser = IntentParser.from_platform(platform, semantic=False)
    return SpiderLakehouse(platform, parser, QuestionAnswerer(parser, platform.engine))


def ask(lake: SpiderLakehouse, question: str, gold_mysql: str) -> tuple[Answer, Score | None]:
    """The answer to ``question`` and, when it has a result, its score against the gold."""
    gold_sql = sqlglot.transpile(gold_mysql, read="mysql", write="duckdb")[0]
    gold = lake.platform.engine.execute_sql(gold_sql, use_cache=False)
    answer = lake.answerer.answer(question)
    if answer.result is None:
        return answer, None
    return answer, compare_results(gold, answer.result, gold_ordered(gold_sql))


_WORD = re.compile(r"[a-z0-9]+")
#: Words of the parser's fixed refusal sentences and of most questions: echoing one names nothing.
_FILLER = frozenset(
    _WORD.findall(
        """and answer any anything are ask can columns connected could different does every find for
        from here how its key many much names needs not part question rather refers rephrasing sql
        stopped tables than that the their there this try use what which who with you your"""
    )
)


def names_a_word(said: str, question: str) -> bool:
    """True when ``said`` repeats a word of ``question`` (three letters or more, not filler)."""
    heard = set(_WORD.findall(said.lower()))
    return any(len(w) >= 3 and w not in _FILLER and w in heard for w in _WORD.findall(question.lower()))


def what_it_said(answer: Answer) -> str | None:
    """The refusal, or the clarification's question and options; None when it answered."""
    if answer.refusal is not None:
        return answer.refusal
    if answer.clarification is not None:
        return " ".join([answer.clarification.question, *answer.clarification.options])
    return None


class SpiderLakehouses:
    """One lakehouse per Spider database of the fixtures, built on first use."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.built: dict[str, SpiderLakehouse] = {}

    def __getitem__(self, db: str) -> SpiderLakehouse:
        if db not in self.built:
            self.built[db] = open_lakehouse(FIXTURES / db, self.home / db)
        return self.built[db]

    def close(self) -> None:
        for lake in self.built.values():
            lake.close()


@pytest.fixture(scope="session")
def spider_lakehouses(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SpiderLakehouses]:
    """The session's Spider lakehouses; a database's is built by the first test that asks it."""
    lakes = SpiderLakehouses(tmp_path_factory.mktemp("spider"))
    yield lakes
    lakes.close()


# (class, database, question, strict-right when drawn)
ANSWERED_RIGHT: list[tuple[str, str, str, bool]] = [
    ("select-star", "candidate_poll", "List all info about all people.", True),
    ("select-star", "candidate_poll", "What is all the information about all people?", True),
    (
        "select-star",
        "manufactory_1",
        "Find all information of all the products with a price between $60 and $120.",
        True,
    ),
    (
        "select-star",
        "manufactory_1",
        "What is all the information of all the products that have a price between 60 and 120?",
        True,
    ),
    ("multi-column", "flight_1", "Show name and salary for all employees sorted by salary.", True),
    ("multi-column", "flight_1", "What is average and maximum salary of all employees.", True),
    ("multi-column", "loan_1", "What city and state is the bank with the name morningside in?", True),
    (
        "multi-column",
        "manufactory_1",
        "Find the name, headquarter and revenue of all manufacturers sorted by their revenue in the descending order.",
        True,
    ),
    ("multi-column", "ship_1", "Find the name, class and rank of all captains.", True),
    ("distinct", "customer_complaints", "Count the number of different complaint type codes.", False),
    ("distinct", "program_share", "Count the number of distinct channel owners.", False),
    ("distinct", "program_share", "find the number of different programs that are broadcast during night time.", True),
    ("distinct", "program_share", "what is the number of different channel owners?", True),
    ("distinct", "ship_1", "Count the number of different ranks of captain.", False),
    ("aggregate", "candidate_poll", "Count the number of candidates.", True),
    ("aggregate", "candidate_poll", "How many candidates are there?", True),
    ("aggregate", "customer_complaints", "Count the number of customers.", True),
    ("aggregate", "flight_1", "How many employees do we have?", True),
    ("aggregate", "program_share", "how many programs are there?", True),
    (
        "group-by",
        "customer_complaints",
        "How many customers are there in the customer type with the most customers?",
        False,
    ),
    ("group-by", "customer_complaints", "What is the average price of the products for each category?", True),
    ("group-by", "flight_1", "Which origin has most number of flights?", False),
    ("group-by", "program_share", "What is the total rating of channel for each channel owner?", True),
    ("group-by", "ship_1", "What are the different ship flags, and how many ships have each?", True),
    ("having", "loan_1", "Find the name of customers who have more than one loan.", False),
    ("having", "ship_1", "Find the name of the ships that have more than one captain.", False),
    ("having", "ship_1", "Give the classes that have more than two captains.", False),
    ("having", "ship_1", "What are the names of ships that have more than one captain?", False),
    ("order-limit", "candidate_poll", "Return the top 3 greatest support rates.", True),
    ("order-limit", "flight_1", "Show the name of employees with three lowest salaries.", True),
    ("order-limit", "flight_1", "What is the id and name of the employee with the highest salary?", True),
    ("order-limit", "ship_1", "Find the name, type, and flag of the ship that is built in the most recent year.", True),
    ("order-limit", "ship_1", "Return the name of the youngest captain.", True),
    ("order-by-other", "candidate_poll", "What are the names of all people, ordered by their date of birth?", True),
    ("order-by-other", "candidate_poll", "which poll source does the highest oppose rate come from?", True),
    ("order-by-other", "ship_1", "List all ship names in the order of built year and class.", True),
    ("order-by-other", "ship_1", "What are the names of captains, sorted by age descending?", True),
    ("order-by-other", "ship_1", "What is the name of the youngest captain?", True),
    ("comparison", "flight_1", "Show ids for all employees with at least 100000 salary.", True),
    ("comparison", "flight_1", "Show origin and destination for flights with price higher than 300.", True),
    ("comparison", "flight_1", "What is the number of employees that have a salary between 100000 and 200000?", True),
    ("comparison", "manufactory_1", "What are the names of products with price at most 200?", True),
    ("comparison", "ship_1", "How many captains with younger than 50 are in each rank?", True),
    ("or-values", "manufactory_1", "Find the number of manufactures that are based in Tokyo or Beijing.", True),
    ("or-values", "program_share", "What are the names of the channels owned by CCTV or HBS?", True),
    ("compare-aggregate", "candidate_poll", "find the name of people whose height is lower than the average.", True),
    ("compare-aggregate", "flight_1", "Show names for all employees with salary more than the average.", True),
    (
        "compare-aggregate",
        "loan_1",
        "Find the name of customers whose credit score is below the average credit scores of all customers.",
        True,
    ),
    (
        "compare-aggregate",
        "loan_1",
        "What are the names of customers with credit score less than the average credit score across customers?",
        True,
    ),
    (
        "compare-aggregate",
        "manufactory_1",
        "What are the names of manufacturers with revenue greater than the average of all revenues?",
        False,
    ),
    ("negation", "customer_complaints", "What are the prices of products that have never gotten a complaint?", True),
    ("negation", "loan_1", "Find the average credit score of the customers who do not have any loan.", True),
    ("negation", "loan_1", "What is the average credit score for customers who have never taken a loan?", True),
    ("negation", "program_share", 'Which programs\' origins are not "Beijing"? Give me the program names.', False),
    (
        "negation",
        "ship_1",
        "What are the names and flags of ships that do not have a captain with the rank of Midshipman?",
        True,
    ),
    ("set-op", "loan_1", "Find the name of customers who do not have a loan with a type of Mortgages.", True),
    ("set-op", "loan_1", "Find the name of customers who do not have an saving account.", True),
    ("set-op", "loan_1", "What are the names of customers who do not have saving accounts?", True),
    ("set-op", "program_share", "Find the names of programs that are never broadcasted in the morning.", True),
    (
        "set-op",
        "program_share",
        "Which programs are never broadcasted in the morning? Give me the names of the programs.",
        True,
    ),
    ("join", "candidate_poll", "What is the name and sex of the candidate with the highest support rate?", True),
    ("join", "candidate_poll", "What is the sex of the candidate who had the highest unsure rate?", True),
    ("join", "customer_complaints", "Find the prices of products which has never received a single complaint.", True),
    ("join", "program_share", "Find the names of the channels that are broadcast in the morning.", True),
    ("join", "ship_1", "Return the names and classes of ships that do not have a captain?", True),
    ("like", "customer_complaints", 'Find the last name of the staff whose email address contains "wrau".', True),
    (
        "like",
        "customer_complaints",
        'What are the last names of staff with email addressed containing the substring "wrau"?',
        True,
    ),
    ("simple", "customer_complaints", 'Return the description of the product called "Chocolate".', True),
    ("simple", "customer_complaints", 'What is the description of the product named "Chocolate"?', True),
    ("simple", "loan_1", "Find the branch names of banks in the New York state.", False),
    ("simple", "loan_1", "What are the names of banks in the state of New York?", True),
    ("simple", "program_share", "List all program origins in the alphabetical order.", True),
]

# (database, question)
REFUSED: list[tuple[str, str]] = [
    ("candidate_poll", "Give the names of people who did not participate in the candidate election."),
    ("candidate_poll", "List all people names in the order of their date of birth from old to young."),
    ("candidate_poll", "What are the names of candidates who have a lower support rate than oppose rate?"),
    (
        "customer_complaints",
        "List the name of all products along with the number of complaints that they have received.",
    ),
    (
        "customer_complaints",
        'Of complaints with the type code "Product Failure", how many had each different status code?',
    ),
    (
        "customer_complaints",
        "Return the phone number of the customer who filed the complaint that was raised most recently.",
    ),
    (
        "customer_complaints",
        "What is the last name of the staff member in charge of the complaint on the product with the lowest price?",
    ),
    ("flight_1", "Show flight number for all flights with more than 2000 distance."),
    ("flight_1", "What are the names of the aircraft that the least people are certified to fly?"),
    ("loan_1", "What are the names and account balances of customers with the letter a in their names?"),
    (
        "loan_1",
        "What is the name of the bank branch that has lended the largest total amount in loans, "
        "specifically to customers with credit scores below 100?",
    ),
    ("loan_1", "What is the name of the bank branch that has lent the greatest amount?"),
    ("loan_1", "What is the total number of customers across banks?"),
    ("manufactory_1", "Find the name of companies whose revenue is between 100 and 150."),
    ("manufactory_1", "Find the total revenue of companies of each founder."),
    ("manufactory_1", "Return the number of companies created by Andy."),
    ("manufactory_1", "What are the names of companies that do not make DVD drives?"),
    (
        "manufactory_1",
        "What are the names of companies with revenue less than the lowest revenue of any manufacturer in Austin?",
    ),
    ("ship_1", "What is the name of the ship that is commanded by the youngest captain?"),
    ("ship_1", "what are the names and classes of the ships that do not have any captain yet?"),
]


@pytest.mark.parametrize(
    ("db", "question", "strict"),
    [pytest.param(db, q, strict, id=f"{cls}: {q}") for cls, db, q, strict in ANSWERED_RIGHT],
)
def test_question_is_answered_like_the_gold(
    spider_lakehouses: SpiderLakehouses, db: str, question: str, strict: bool
) -> None:
    gold = GOLD[(db, question)]
    answer, score = ask(spider_lakehouses[db], question, gold)
    assert score is not None, f"not answered: {what_it_said(answer)}"
    detail = f"{score.why}\n  sql:  {answer.sql}\n  gold: {gold}"
    assert score.lenient, detail
    if strict:
        assert score.strict, detail


@pytest.mark.parametrize(("db", "question"), [pytest.param(db, q, id=f"{db}: {q}") for db, q in REFUSED])
def test_question_it_refused_is_not_answered_wrong(spider_lakehouses: SpiderLakehouses, db: str, question: str) -> None:
    gold = GOLD[(db, question)]
    answer, score = ask(spider_lakehouses[db], question, gold)
    said = what_it_said(answer)
    if said is not None:
        assert names_a_word(said, question), said
    else:
        assert score is not None and score.lenient, f"answered wrong: {score}\n  sql:  {answer.sql}\n  gold: {gold}"
