"""Everyday wordings the parser reads, and the ones it must refuse rather than guess.

- "most recently" after a verb ranks by the date that verb names ("opened most recently"), or by
  the date of the table named just before it ("made a transaction most recently");
- "the staff who handled the complaint on the product with the lowest price" orders by that
  product's price (it does not average prices per staff member);
- "the ids and names of accounts with 2 or more transactions" shows both per account;
- "at least twice", "more than once" count the rows that refer to the thing;
- "visited most recently" joins the visits the verb names; "before the year of 2024";
- "employees of each gender whose age is below 40" filters rows (an age does not add up);
- "products which cost between 3 and 10": "which" after a name relates, it does not ask;
- "customers who are not in any club": no row of the table linking the two refers to them;
- "customers who registered for the Chess club" go through the registrations, not the attendances;
- "the largest number of transactions" ranks by how many, like "the most transactions";
- "the name and code of the color": the color table that has a name (two tables named alike);
- "cities that have hosted a competition": the verb names the key the reading joins by;
- "the names and ids of the accounts, and how many transactions are on each": both listed per account;
- "customer 2": the customer whose key is 2; "at venue 12 High Street": the number begins the value;
- "opened in 2021 or later", "in 2021 or before", "in or after 2022": open-ended periods;
- "in 2013 or 2016" on a year column is either year; on a date column it is refused, never the
  stretch from 2013 to 2016;
- "the accounts he or she has": one person, not a choice between values;
- "organisation" finds `organization_*`, "enrollment" finds `enr` and `date_of_enrolment`,
  "directed by" a `director` column (the one who does it);
  "available", "in the database", "offered" carry nothing to find;
- refused: "the number of X per Y" read as the distinct Y values per Y (always 1);
- "cookies" is the plural of "cookie"; "in total" after a count, "staff members", "gender" for a column named ``sex``,
  "in alphabetic order", "sorted in descending order of X";
- refused: a comparison the reading cannot apply ("names used more than twice"), two tables
  listed together read as one limiting the other ("phones of all customers and all staff").

Real Delta tables through the platform's storage; questions go through the path
``neurolake ask`` takes. The tables are small and made up.
"""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from neurolake.intent.answer import QuestionAnswerer
from neurolake.platform import NeuroLake
from tests.intent.checks import answerer_for, rows_of


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory) -> QuestionAnswerer:
    from neurolake.config import load_settings

    home = tmp_path_factory.mktemp("wordings")
    platform = NeuroLake.from_settings(load_settings(home=home, environment="test"))
    write = platform.storage.write_table
    write(
        pa.table(
            {
                "customer_id": [1, 2, 3],
                "customer_name": ["Ann", "Bo", "Cy"],
                "sex": ["F", "M", "F"],
                "phone_number": ["555-1", "555-2", "555-3"],
                "age": [30, 45, 28],
            }
        ),
        "customers",
    )
    write(
        pa.table(
            {
                "account_id": [10, 11, 12],
                "account_name": ["Savings", "Travel", "House"],
                "account_type": ["S", "C", "C"],
                "customer_id": [1, 2, 3],
                "date_opened": [date(2020, 1, 5), date(2022, 3, 1), date(2021, 7, 9)],
            }
        ),
        "accounts",
    )
    write(
        pa.table(
            {
                "transaction_id": [100, 101, 102, 103, 104, 105],
                "account_id": [10, 10, 11, 12, 12, 12],
                "amount": [5.0, 7.5, 3.0, 9.0, 1.0, 4.0],
                "transaction_date": [date(2023, m, d) for m, d in ((1, 1), (2, 1), (3, 1), (1, 15), (2, 15), (5, 1))],
            }
        ),
        "transactions",
    )
    write(
        pa.table({"staff_id": [7, 8], "first_name": ["Zoe", "Max"], "phone_number": ["555-7", "555-8"]}),
        "staff",
    )
    write(
        pa.table({"product_id": [1, 2, 3], "product_name": ["Pen", "Ink", "Pad"], "price": [2.5, 9.0, 4.0]}),
        "products",
    )
    write(
        pa.table(
            {
                "complaint_id": [1, 2, 3],
                "customer_id": [1, 2, 3],
                "staff_id": [7, 8, 8],
                "product_id": [2, 1, 3],
            }
        ),
        "complaints",
    )
    write(
        pa.table(
            {
                "visit_id": [1, 2, 3],
                "customer_id": [3, 1, 2],
                "visit_date": [date(2024, 1, 2), date(2024, 3, 4), date(2023, 5, 6)],
            }
        ),
        "visits",
    )
    write(pa.table({"cookie_id": [1, 2], "cookie_name": ["Oat", "Nut"]}), "cookies")
    write(
        pa.table({"club_id": [1, 2], "club_name": ["Chess", "Choir"], "venue": ["12 High Street", "4 Low Road"]}),
        "clubs",
    )
    write(pa.table({"color_code": ["R", "B"], "color_name": ["Red", "Blue"]}), "ref_colors")
    write(pa.table({"city_id": [1, 2, 3], "official_name": ["Oslo", "Rome", "Lima"]}), "cities")
    write(
        pa.table(
            {
                "competition_id": [1, 2, 3],
                "host_city_id": [1, 1, 2],
                "theme": ["a", "b", "c"],
                "year": [2013, 2014, 2016],
            }
        ),
        "competitions",
    )
    write(pa.table({"product_id": [1, 2, 3], "color_code": ["R", "R", "B"]}), "product_colors")
    write(pa.table({"customer_id": [1, 2], "club_id": [1, 2]}), "club_registrations")
    write(pa.table({"customer_id": [3, 2], "club_id": [1, 1]}), "club_attendances")
    answerer = answerer_for(platform)
    yield answerer
    platform.close()


def _refusal(answerer: QuestionAnswerer, question: str) -> str:
    answer = answerer.answer(question)
    assert answer.refusal is not None, answer.sql
    return answer.refusal


def test_most_recently_after_a_verb_ranks_by_the_date_it_names(answerer: QuestionAnswerer) -> None:
    rows = rows_of(answerer, "What is the name of the account that was opened most recently?")
    assert rows == [("Travel",)]


def test_most_recently_ranks_by_the_date_of_the_table_named_before_it(answerer: QuestionAnswerer) -> None:
    # House had the latest transaction (May 1st); Travel was opened last, which must not matter here.
    rows = rows_of(answerer, "Find the name of the account that made a transaction most recently.")
    assert [r[0] for r in rows] == ["House"]


def test_the_lowest_price_of_the_product_just_named_is_an_order_not_an_average(answerer: QuestionAnswerer) -> None:
    answer = answerer.answer(
        "What is the first name of the staff member in charge of the complaint on the product with the lowest price?"
    )
    assert answer.result is not None, answer.refusal or answer.clarification
    assert answer.result.rows[0][0] == "Max"  # the Pen (2.5) complaint went to Max
    assert "AVG" not in (answer.sql or "").upper()


def test_ids_and_names_listed_beside_a_count_are_shown_per_row(answerer: QuestionAnswerer) -> None:
    answer = answerer.answer("What are the ids and names of accounts with 2 or more transactions?")
    assert answer.result is not None, answer.refusal
    columns = list(answer.result.columns)
    assert columns[:2] == ["account_id", "account_name"]
    assert sorted(tuple(r[:2]) for r in answer.result.rows) == [(10, "Savings"), (12, "House")]


def test_a_kind_column_listed_beside_a_count_is_not_guessed(answerer: QuestionAnswerer) -> None:
    refusal = _refusal(answerer, "What are the account types of accounts with 2 or more transactions?")
    assert "types" in refusal


def test_twice_and_once_count_the_related_rows(answerer: QuestionAnswerer) -> None:
    twice = rows_of(answerer, "Which accounts had transactions at least twice? Give their names.")
    assert sorted(r[-2] if len(r) > 2 else r[0] for r in twice) == ["House", "Savings"]
    assert sorted(r[1] for r in rows_of(answerer, "List the names of accounts with transactions more than once.")) == [
        "House",
        "Savings",
    ]


def test_in_total_after_a_count_is_the_count(answerer: QuestionAnswerer) -> None:
    assert rows_of(answerer, "How many transactions are there in total?") == [(6,)]


def test_staff_members_are_the_staff_rows(answerer: QuestionAnswerer) -> None:
    assert rows_of(answerer, "How many staff members are there?") == [(2,)]


def test_gender_finds_a_column_named_sex(answerer: QuestionAnswerer) -> None:
    rows = rows_of(answerer, "How many customers are there of each gender?")
    assert sorted(rows) == [("F", 2), ("M", 1)]


def test_alphabetic_and_sorted_in_order_of(answerer: QuestionAnswerer) -> None:
    assert rows_of(answerer, "List the first names of staff in alphabetic order.") == [("Max",), ("Zoe",)]
    rows = rows_of(answerer, "What are the names of products sorted in descending order of price?")
    assert rows == [("Ink",), ("Pad",), ("Pen",)]


def test_a_comparison_the_reading_drops_is_reported(answerer: QuestionAnswerer) -> None:
    refusal = _refusal(answerer, "Which product names were used more than twice for complaints?")
    # Whichever reading comes closest, the words it cannot use are named, never dropped silently.
    assert "more than twice" in refusal or "'product names' (not used in the answer)" in refusal


def test_two_tables_listed_together_are_not_read_as_a_condition(answerer: QuestionAnswerer) -> None:
    refusal = _refusal(answerer, "What are the phone numbers of all customers and all staff?")
    assert "customers and staff" in refusal


def test_a_verb_names_the_table_it_joins(answerer: QuestionAnswerer) -> None:
    assert rows_of(answerer, "What is the name of the customer who visited most recently?") == [("Ann",)]


def test_before_the_year_of(answerer: QuestionAnswerer) -> None:
    assert rows_of(answerer, "How many transactions were made before the year of 2023?") == [(0,)]


def test_a_comparison_on_a_number_that_does_not_add_up_filters_rows(answerer: QuestionAnswerer) -> None:
    rows = rows_of(answerer, "Find the number of customers of each gender whose age is lower than 40.")
    assert rows == [("F", 2)]


def test_which_after_a_name_relates(answerer: QuestionAnswerer) -> None:
    answer = answerer.answer("What are the distinct names of products which cost between 3 and 10?")
    assert answer.result is not None, answer.refusal
    assert list(answer.result.columns) == ["product_name"]
    assert sorted(answer.result.rows) == [("Ink",), ("Pad",)]


def test_plural_in_ies_of_a_word_ending_in_ie(answerer: QuestionAnswerer) -> None:
    assert sorted(rows_of(answerer, "List the names of all cookies.")) == [("Nut",), ("Oat",)]


def test_absence_through_the_table_that_links_the_two(answerer: QuestionAnswerer) -> None:
    rows = rows_of(answerer, "What are the names of customers who have not registered for any club?")
    assert rows == [("Cy",)]


def test_the_verb_picks_the_linking_table(answerer: QuestionAnswerer) -> None:
    registered = rows_of(answerer, "What are the names of customers who registered for the club Chess?")
    attended = rows_of(answerer, "What are the names of customers who attended the club Chess?")
    assert sorted(registered) == [("Ann",)]
    assert sorted(attended) == [("Bo",), ("Cy",)]


def test_the_largest_number_of_is_a_count(answerer: QuestionAnswerer) -> None:
    rows = rows_of(answerer, "What is the name of the account with the largest number of transactions?")
    assert [r for r in rows[0] if isinstance(r, str)] == ["House"]


def test_of_a_table_named_like_another_picks_the_one_with_that_column(answerer: QuestionAnswerer) -> None:
    answer = answerer.answer("What are the name and code of the color?")
    assert answer.result is not None, answer.refusal or answer.clarification
    assert list(answer.result.columns) == ["color_name", "color_code"]
    assert sorted(answer.result.rows) == [("Blue", "B"), ("Red", "R")]


def test_a_verb_naming_the_joining_key_is_read(answerer: QuestionAnswerer) -> None:
    answer = answerer.answer("What are the official names of cities that have hosted more than one competition?")
    assert answer.result is not None, answer.refusal or answer.clarification
    assert [r[list(answer.result.columns).index("official_name")] for r in answer.result.rows] == ["Oslo"]


def test_columns_listed_together_beside_a_count_are_each_shown(answerer: QuestionAnswerer) -> None:
    answer = answerer.answer("What are the names and ids of the accounts, and how many transactions are on each?")
    assert answer.result is not None, answer.refusal or answer.clarification
    assert list(answer.result.columns)[:2] == ["account_name", "account_id"]
    assert sorted(tuple(r) for r in answer.result.rows) == [("House", 12, 3), ("Savings", 10, 2), ("Travel", 11, 1)]


def test_a_number_right_after_a_table_is_its_key(answerer: QuestionAnswerer) -> None:
    assert rows_of(answerer, "What is the phone number of customer 2?") == [("555-2",)]


def test_a_number_that_begins_a_value_is_not_a_key(answerer: QuestionAnswerer) -> None:
    answer = answerer.answer("What is the name of the club at venue 12 High Street?")
    assert answer.result is not None, answer.refusal or answer.clarification
    assert answer.result.rows == [("Chess",)]
    assert "= 12" not in (answer.sql or "")


def test_a_year_or_later_or_before(answerer: QuestionAnswerer) -> None:
    assert rows_of(answerer, "How many accounts were opened in 2021 or later?") == [(2,)]
    assert rows_of(answerer, "How many accounts were opened in 2021 or before?") == [(2,)]
    assert rows_of(answerer, "How many accounts were opened in or after 2022?") == [(1,)]


def test_he_or_she_is_one_person(answerer: QuestionAnswerer) -> None:
    answer = answerer.answer("Show the name of each customer and the number of accounts he or she has.")
    assert answer.result is not None, answer.refusal or answer.clarification
    names = list(answer.result.columns).index("customer_name")
    assert sorted((r[names], r[-1]) for r in answer.result.rows) == [("Ann", 1), ("Bo", 1), ("Cy", 1)]


def test_either_year_on_a_year_column(platform: NeuroLake) -> None:
    write = platform.storage.write_table
    write(pa.table({"race_id": [1, 2, 3], "race_name": ["a", "b", "c"], "year": [2013, 2014, 2016]}), "races")
    answerer = answerer_for(platform)
    assert rows_of(answerer, "How many races are there in 2013 or 2016?") == [(2,)]
    assert rows_of(answerer, "How many races are there in the year 2013 or 2014?") == [(2,)]


def test_years_apart_on_a_date_column_are_refused(platform: NeuroLake) -> None:
    dates = [date(2020, 5, 1), date(2021, 5, 1), date(2022, 5, 1)]
    platform.storage.write_table(pa.table({"shop_id": [1, 2, 3], "opened_on": dates}), "shops")
    refusal = _refusal(answerer_for(platform), "How many shops were opened in 2020 or 2022?")
    assert "2020" in refusal


def test_spellings_agents_and_empty_words(platform: NeuroLake) -> None:
    write = platform.storage.write_table
    write(pa.table({"organization_id": [1, 2], "organization_name": ["Acme", "Bolt"]}), "organizations")
    write(pa.table({"film_id": [1, 2, 3], "title": ["A", "B", "C"], "director": ["Ray", "Ray", "Ozu"]}), "films")
    answerer = answerer_for(platform)
    assert sorted(rows_of(answerer, "List the names of all organisations.")) == [("Acme",), ("Bolt",)]
    assert sorted(rows_of(answerer, "Find the titles of films directed by Ray.")) == [("A",), ("B",)]
    assert rows_of(answerer, "How many films are available in the database?") == [(3,)]
    write(
        pa.table({"college_name": ["A", "B"], "enr": [100, 250], "date_of_enrolment": [date(2020, 1, 1)] * 2}),
        "colleges",
    )
    assert rows_of(answerer, "What is the total enrollment of all colleges?") == [(350,)]
    assert rows_of(answerer, "List the distinct dates of enrollment of colleges.") == [(date(2020, 1, 1),)]


def test_a_count_of_the_grouped_value_itself_is_refused(platform: NeuroLake) -> None:
    platform.storage.write_table(
        pa.table({"founder_id": [1, 2, 3], "founder": ["Ann", "Bo", "Cy"], "investor": ["X", "X", "Y"]}), "founders"
    )
    refusal = _refusal(answerer_for(platform), "What is the number of distinct investors for each investor?")
    assert "count distinct investor" in refusal


def test_every_reading_offered_keeps_the_period() -> None:
    """A reading picked among rivals (because they give the same rows) must not lose "in 2010":
    the period placed on a year column goes into each option too."""
    from neurolake.intent.model import Ambiguity, AmbiguityOption, Filter, Intent
    from neurolake.intent.offline import _with_options

    def with_year(intent: Intent) -> Intent:
        return intent.model_copy(update={"filters": [*intent.filters, Filter(column="t.year", value=2010)]})

    option = Intent(question="q", tables=["t"])
    intent = Intent(
        question="q",
        tables=["t"],
        ambiguities=[
            Ambiguity(slot="s", question="which?", options=[AmbiguityOption(label=x, intent=option) for x in "ab"])
        ],
    )
    changed = _with_options(intent, with_year)
    assert changed.filters == [Filter(column="t.year", value=2010)]
    assert [o.intent.filters for o in changed.ambiguities[0].options] == [[Filter(column="t.year", value=2010)]] * 2
