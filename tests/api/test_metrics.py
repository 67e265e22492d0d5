"""``/metrics``, ``/api/v1/metrics/summary`` and ``/dashboard`` after real queries over HTTP."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.api.conftest import Api

SUMMED = "SELECT region, sum(amount) AS total FROM orders GROUP BY region ORDER BY region"


def scrape(api: Api) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """Each sample of ``/metrics`` by name and sorted labels."""
    response = api.client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get(name, {}).get(tuple(sorted(labels.items())), 0.0)


def run(api: Api, role: str, sql: str) -> int:
    return api.client.post("/api/v1/queries", json={"sql": sql}, headers=api.headers(role)).status_code


def test_metrics_count_queries_by_status_and_cache_and_show_cache_and_tables(api: Api) -> None:
    before = scrape(api)

    assert [run(api, "analyst", SUMMED) for _ in range(3)] == [200, 200, 200]
    assert run(api, "analyst", "SELECT * FROM missing_table") == 404
    after = scrape(api)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    ok = {"backend": "duckdb", "status": "succeeded"}
    assert grew("neurolake_queries_total", **ok, cache="miss") == 1
    assert grew("neurolake_queries_total", **ok, cache="hit") == 2
    assert grew("neurolake_queries_total", backend="duckdb", status="invalid", cache="miss") == 1
    assert grew("neurolake_query_duration_seconds_count", backend="duckdb") == 4
    assert grew("neurolake_query_rows_total", backend="duckdb") == 9  # three answers of three regions
    assert value(after, "neurolake_cache_hits_total", backend="memory", scope="process") >= 2
    assert value(after, "neurolake_table_rows", table="orders") == 4
    assert value(after, "neurolake_table_version", table="orders") == 0


def test_the_summary_is_yours_unless_you_are_an_admin(api: Api) -> None:
    run(api, "analyst", SUMMED)
    run(api, "analyst", SUMMED)
    run(api, "analyst", "SELECT amount / 0 AS boom FROM orders WHERE nonexistent > 1")
    run(api, "admin", "SELECT count(*) AS n FROM orders")

    mine = api.client.get("/api/v1/metrics/summary", headers=api.headers("analyst")).json()
    everyone = api.client.get("/api/v1/metrics/summary", headers=api.headers("admin")).json()
    one = api.client.get("/api/v1/metrics/summary?user=analyst&hours=1", headers=api.headers("admin")).json()

    assert mine["scope"] == "analyst" and mine["live"] is None
    assert (mine["totals"]["queries"], mine["totals"]["failed"], mine["totals"]["cache_hits"]) == (3, 1, 1)
    assert "nonexistent" in mine["failures"][0]["error"] and "nonexistent" in mine["failures"][0]["sql"]
    assert everyone["scope"] == "everyone" and everyone["totals"]["queries"] == 4
    assert everyone["live"]["cache"]["backend"] == "memory"
    assert one["totals"] == mine["totals"] and one["bucket_seconds"] == 300


def test_summary_refuses_other_peoples_figures_and_bad_windows(api: Api) -> None:
    def get(query: str, role: str) -> int:
        return api.client.get(f"/api/v1/metrics/summary{query}", headers=api.headers(role)).status_code

    assert get("?user=admin", "viewer") == 403
    assert get("?user=nobody", "admin") == 404
    assert get("?hours=0", "analyst") == 422
    assert get("?hours=100000", "analyst") == 422
    assert api.client.get("/api/v1/metrics/summary").status_code == 401


def test_the_dashboard_signs_in_admins_only_and_escapes_what_it_shows(api: Api) -> None:
    run(api, "admin", "SELECT '<script>alert(1)</script>' AS trap FROM orders")
    run(api, "admin", "SELECT * FROM orders WHERE '<b>' = no_column")

    assert "Admin API key" in api.client.get("/dashboard").text
    refused = api.client.post("/dashboard/login", data={"api_key": api.keys["analyst"]}, follow_redirects=False)
    assert refused.status_code == 401 and "needs the admin role" in refused.text
    wrong = api.client.post("/dashboard/login", data={"api_key": "nlk_nope_nope"}, follow_redirects=False)
    assert wrong.status_code == 401 and "not valid" in wrong.text

    signed_in = api.client.post("/dashboard/login", data={"api_key": api.keys["admin"]}, follow_redirects=False)
    assert signed_in.status_code == 303 and "httponly" in signed_in.headers["set-cookie"].lower()
    page = api.client.get("/dashboard?hours=1")

    assert page.status_code == 200
    assert page.text.count('class="chart"') == 4
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "<script>alert(1)" not in page.text
    assert "&lt;b&gt;" in page.text  # the failure's SQL and error, escaped
    js = api.client.get("/dashboard/plotly.js")
    assert js.status_code == 200 and "plotly" in js.text[:2000].lower()

    api.client.post("/dashboard/logout")
    assert api.client.get("/dashboard").status_code == 401


def test_a_key_in_a_header_opens_the_dashboard_for_scripts(api: Api) -> None:
    assert api.client.get("/dashboard", headers=api.headers("admin")).status_code == 200
    assert api.client.get("/dashboard", headers=api.headers("viewer")).status_code == 401
