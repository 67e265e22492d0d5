"""/api/v1/ask against the real ConversationService (agents), without the embedding model."""

from __future__ import annotations

from datetime import date, timedelta

import pyarrow as pa
import pytest

from tests.api.conftest import Api

pytestmark = pytest.mark.usefixtures("conversations")


#: The first days of this month, last month and the month before (the API reads "last month" from today).
THIS_MONTH = date.today().replace(day=1)
LAST_MONTH = (THIS_MONTH - timedelta(days=1)).replace(day=1)
MONTH_BEFORE = (LAST_MONTH - timedelta(days=1)).replace(day=1)


@pytest.fixture
def deliveries(api: Api) -> None:
    """Two date columns: a period in a question is ambiguous until the user picks one. The two
    readings of "last month" find different deliveries (readings that agree are not asked about)."""
    api.platform.storage.write_table(
        pa.table(
            {
                "id": [1, 2],
                "region": ["EU", "US"],
                "ordered_on": [LAST_MONTH, MONTH_BEFORE],
                "shipped_on": [THIS_MONTH, LAST_MONTH],
            }
        ),
        "deliveries",
    )


def test_a_question_is_answered_with_sql_and_rows(api: Api) -> None:
    response = api.client.post(
        "/api/v1/ask", json={"question": "total amount by region"}, headers=api.headers("analyst")
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["conversation_id"] and "sum" in body["sql"].lower()
    # SUM of BIGINT is HUGEINT, sent as exact digits in a string.
    assert sorted((region, int(total)) for region, total in body["result"]["rows"]) == [
        ("APAC", 40),
        ("EU", 40),
        ("US", 20),
    ]
    assert body["clarification"] is None


@pytest.mark.usefixtures("deliveries")
def test_a_clarification_is_structured_and_answered_in_the_next_call(api: Api) -> None:
    asked = api.client.post(
        "/api/v1/ask", json={"question": "deliveries last month"}, headers=api.headers("analyst")
    ).json()

    clarification = asked["clarification"]
    assert asked["sql"] is None and clarification["question"].startswith("Which date")
    option = clarification["options"][1]
    answered = api.client.post(
        f"/api/v1/ask/{asked['conversation_id']}/answer", json={"choice": option["id"]}, headers=api.headers("analyst")
    )

    assert answered.status_code == 200, answered.text
    assert "shipped_on" in answered.json()["sql"]
    assert answered.json()["result"]["rows"] == [[2, "US", MONTH_BEFORE.isoformat(), LAST_MONTH.isoformat()]]


@pytest.mark.usefixtures("deliveries")
def test_each_option_of_a_clarification_previews_the_rows_it_gives(api: Api) -> None:
    asked = api.client.post(
        "/api/v1/ask", json={"question": "deliveries last month"}, headers=api.headers("analyst")
    ).json()

    options = {o["label"]: o for o in asked["clarification"]["options"]}
    assert set(options) == {"delivery ordered on", "delivery shipped on"}
    columns = ["id", "region", "ordered_on", "shipped_on"]
    assert options["delivery ordered on"]["preview"] == {
        "columns": columns,
        "rows": [[1, "EU", LAST_MONTH.isoformat(), THIS_MONTH.isoformat()]],
        "row_count": 1,
        "truncated": False,
    }
    assert options["delivery shipped on"]["preview"]["rows"] == [
        [2, "US", MONTH_BEFORE.isoformat(), LAST_MONTH.isoformat()]
    ]
    assert asked["turn"]["clarification"] == asked["clarification"]  # the service's turn carries them too


@pytest.mark.usefixtures("deliveries")
def test_nobody_answers_someone_elses_conversation(api: Api) -> None:
    asked = api.client.post(
        "/api/v1/ask", json={"question": "deliveries last month"}, headers=api.headers("analyst")
    ).json()

    hijack = api.client.post(
        f"/api/v1/ask/{asked['conversation_id']}/answer", json={"choice": "1"}, headers=api.headers("admin")
    )

    assert hijack.status_code == 409  # the admin's own thread of that id has no open question
    assert (
        api.client.post(
            f"/api/v1/ask/{asked['conversation_id']}/answer", json={"choice": "1"}, headers=api.headers("analyst")
        ).status_code
        == 200
    )


def test_a_scheduling_question_from_an_admin_saves_a_pipeline_that_patch_activates(api: Api) -> None:
    response = api.client.post(
        "/api/v1/ask",
        json={"question": "create a daily job that computes total amount by region"},
        headers=api.headers("admin"),
    )

    assert response.status_code == 200, response.text
    assert response.json()["schedule"]["cron"] == "0 6 * * *"
    [draft] = api.client.get("/api/v1/pipelines", headers=api.headers("admin")).json()
    assert draft["status"] != "active" and draft["next_run_at"] is None  # saved, not yet scheduled
    activated = api.client.patch(
        f"/api/v1/pipelines/{draft['name']}", json={"status": "active"}, headers=api.headers("admin")
    ).json()
    assert activated["next_run_at"].endswith("06:00:00Z")
    run = api.client.post(f"/api/v1/pipelines/{draft['name']}/run", headers=api.headers("admin")).json()
    assert run["status"] == "succeeded" and run["rows"] == 3


def test_an_analyst_scheduling_question_only_describes_the_pipeline(api: Api) -> None:
    response = api.client.post(
        "/api/v1/ask",
        json={"question": "create a daily job that computes total amount by region"},
        headers=api.headers("analyst"),
    ).json()

    assert response["schedule"]["cron"] == "0 6 * * *" and "admin" in response["message"]
    assert api.client.get("/api/v1/pipelines", headers=api.headers("analyst")).json() == []
