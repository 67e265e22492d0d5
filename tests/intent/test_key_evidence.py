"""References the data proves: a name hints, every value is found in another table's row key.

Real Delta tables through the platform's storage; the parser the CLI uses reads them.
"""

from __future__ import annotations

import pyarrow as pa

from neurolake.intent.answer import QuestionAnswerer
from neurolake.intent.key_evidence import KeyEvidence
from neurolake.intent.keys import infer_foreign_keys
from neurolake.intent.parser import IntentParser
from neurolake.platform import NeuroLake


def _write(platform: NeuroLake, table: str, **columns: list[object]) -> None:
    platform.storage.write_table(pa.table(columns), table)


def _proven(platform: NeuroLake) -> set[tuple[str, str, str, str, tuple[str, ...]]]:
    schema = IntentParser.from_platform(platform, semantic=False).schema()
    keys = KeyEvidence(platform.storage).keys(schema, infer_foreign_keys(schema))
    return {(k.table, k.column, k.ref_table, k.ref_column, k.role) for k in keys}


def test_a_column_named_after_a_table_references_its_row_key(platform: NeuroLake) -> None:
    _write(platform, "physicians", staffno=[11, 12, 13], name=["Ann", "Bob", "Cy"])
    _write(platform, "visits", visit_ref=[1, 2, 3, 4], physician=[11, 11, 13, 12], fee=[50.0, 60.0, 70.0, 80.0])
    assert _proven(platform) == {("visits", "physician", "physicians", "staffno", ())}


def test_a_column_ending_with_a_key_name_keeps_its_role(platform: NeuroLake) -> None:
    _write(platform, "airports", apcode=["AMS", "CDG", "JFK"], city=["Amsterdam", "Paris", "New York"])
    _write(platform, "routes", route_no=[1, 2], src_apcode=["AMS", "CDG"], dst_apcode=["JFK", "AMS"])
    assert _proven(platform) == {
        ("routes", "src_apcode", "airports", "apcode", ("src",)),
        ("routes", "dst_apcode", "airports", "apcode", ("dst",)),
    }


def test_no_reference_without_every_value_a_unique_key_or_one_target(platform: NeuroLake) -> None:
    # A value that is not a physician's: not a reference.
    _write(platform, "physicians", staffno=[11, 12], name=["Ann", "Bob"])
    _write(platform, "visits", visit_ref=[1, 2], physician=[11, 99])
    # The same name on both sides, but the target repeats its values: not a row key.
    _write(platform, "wards", wardcode=["A", "B"], floor=[1, 1])
    _write(platform, "beds", bed_no=[1, 2, 3], floor=[1, 1, 1])
    # A table's own first column, unique, is its key, not a reference to a look-alike.
    _write(platform, "drugs", code=[1, 2, 3], label=["x", "y", "z"])
    _write(platform, "procedures", code=[1, 2, 3, 4], label=["p", "q", "r", "s"])
    assert _proven(platform) == set()


def test_a_proven_key_lets_a_question_join_the_tables(platform: NeuroLake) -> None:
    _write(platform, "physicians", staffno=[11, 12, 13], name=["Ann", "Bob", "Cy"])
    _write(platform, "visits", visit_ref=[1, 2, 3, 4], physician=[11, 11, 13, 12], fee=[50.0, 60.0, 70.0, 80.0])
    parser = IntentParser.from_platform(platform, semantic=False)
    answerer = QuestionAnswerer(parser, platform.engine)
    answer = answerer.answer("What is the total fee of visits for each physician name?")
    assert answer.refusal is None and answer.clarification is None and answer.result is not None
    assert "visits.physician = physicians.staffno" in (answer.sql or "")
    rows = {tuple(r) for r in answer.result.rows}
    assert rows == {("Ann", 110.0), ("Bob", 80.0), ("Cy", 70.0)}


def test_a_key_names_suggest_but_the_data_shows_many_to_many_is_dropped(platform: NeuroLake) -> None:
    # Two tables of per-student rows share "stuid" as their first column: names alone join them,
    # but neither column identifies a row, so joining them multiplies rows.
    _write(platform, "plays", stuid=[1, 1, 2], game=["chess", "go", "chess"])
    _write(platform, "sports", stuid=[1, 2, 2], sport=["golf", "golf", "polo"])
    parser = IntentParser.from_platform(platform, semantic=False)
    schema = parser.schema()
    named = {(k.table, k.ref_table) for k in infer_foreign_keys(schema)}
    assert ("plays", "sports") in named
    checked = KeyEvidence(platform.storage).checked(schema)
    assert not any({k.table, k.ref_table} == {"plays", "sports"} for k in checked)


def test_a_first_column_named_after_another_table_refers_to_it(platform: NeuroLake) -> None:
    # Each physician is on call once: unique, first, yet named after the physicians it refers to.
    _write(platform, "physicians", staffno=[11, 12, 13], name=["Ann", "Bob", "Cy"])
    _write(platform, "on_call", physician=[12, 13], ward=["A", "B"])
    assert _proven(platform) == {("on_call", "physician", "physicians", "staffno", ())}


def test_a_column_named_like_its_table_is_a_row_key_others_refer_to(platform: NeuroLake) -> None:
    _write(platform, "grapes", grape_no=[1, 2, 3], grape=["Merlot", "Syrah", "Zinfandel"], color=["Red"] * 3)
    _write(platform, "wines", wine_no=[10, 11, 12], grape=["Syrah", "Syrah", "Merlot"], price=[9.0, 12.0, 30.0])
    assert _proven(platform) == {("wines", "grape", "grapes", "grape", ())}


def _staff_tables(platform: NeuroLake) -> None:
    # Professors are some of the employees (each once); departments name a head employee.
    _write(
        platform,
        "employee",
        emp_num=[1, 2, 3, 4],
        emp_fname=["Ann", "Bo", "Cy", "Di"],
        emp_lname=["Avery", "Brook", "Cole", "Dunn"],
    )
    _write(platform, "professor", emp_num=[2, 3], dept_code=["HIS", "ART"], prof_office=["H-1", "A-7"])
    _write(platform, "department", dept_code=["HIS", "ART"], dept_name=["History", "Art"], emp_num=[2, 4])
    _write(platform, "student", stu_num=[7, 8], stu_fname=["Ed", "Flo"], dept_code=["HIS", "ART"])


def test_rows_that_are_some_of_another_tables_rows_refer_to_it(platform: NeuroLake) -> None:
    _staff_tables(platform)
    schema = IntentParser.from_platform(platform, semantic=False).schema()
    keys = {(k.table, k.column, k.ref_table, k.same_rows) for k in KeyEvidence(platform.storage).checked(schema)}
    # "professor" rows are employees: the smaller set refers to the larger, whatever the names' order.
    assert ("professor", "emp_num", "employee", True) in keys
    # The head of a department is an employee; not also a second path through "professor".
    assert ("department", "emp_num", "employee", False) in keys
    assert not any(t == "department" and r == "professor" for t, _, r, _ in keys)


def _staff_answer(platform: NeuroLake, question: str) -> list[tuple[object, ...]]:
    """The rows of a question over the staff tables, which must join a professor to their own employee row."""
    _staff_tables(platform)
    answer = QuestionAnswerer(IntentParser.from_platform(platform, semantic=False), platform.engine).answer(question)
    assert answer.refusal is None and answer.clarification is None and answer.result is not None
    assert "professor.emp_num = employee.emp_num" in (answer.sql or "")
    return [tuple(r) for r in answer.result.rows]


def test_a_subtype_reads_its_own_details_from_the_rows_it_extends(platform: NeuroLake) -> None:
    # The professor's own employee row (Bo), not the department head's, nor a student's first name.
    question = "What are the first name and office of the professor in the History department?"
    assert _staff_answer(platform, question) == [("Bo", "H-1")]


def test_joins_take_the_order_that_keeps_each_row_its_own(platform: NeuroLake) -> None:
    # Cy Cole teaches in Art; through the department head's employee row (Di Dunn) no row would match.
    question = "What is the name of the department and office for the professor with the last name of Cole?"
    assert _staff_answer(platform, question) == [("Art", "A-7")]
