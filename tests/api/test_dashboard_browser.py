"""The dashboard in Debian's Chromium: sign in with an admin key, see the charts and the figures.

A real ``neurolake serve`` on the demo lakehouse answers some queries (repeated ones from the
cache, two failing) over HTTP first; the page must then draw all four plotly charts.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from neurolake.catalog.repositories import users as users_repo
from tests.api.conftest import serving
from tests.browser import chromium
from tests.conftest import demo_platform_at

pytestmark = pytest.mark.slow

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
#: Set to refresh the docs' screenshot (docs/images/dashboard.png).
DOCS_SCREENSHOT_ENV = "NEUROLAKE_TEST_DOCS_SCREENSHOT"
DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "images" / "dashboard.png"
QUERIES = [
    "SELECT country, count(*) AS customers FROM customers GROUP BY country ORDER BY customers DESC",
    "SELECT status, sum(total_amount) AS revenue FROM orders GROUP BY status",
    "SELECT date_trunc('month', order_date) AS month, count(*) AS n FROM orders GROUP BY 1 ORDER BY 1",
    "SELECT p.category, sum(i.quantity) AS units FROM order_items i JOIN products p USING (product_id) GROUP BY 1",
]
FAILING = ["SELECT revenue FROM orders", "SELECT * FROM sales"]
#: Answered, clarified (whose customers: the question could mean either country), failed.
QUESTIONS = ["revenue by country", "how many are from Germany", "SELECT * FROM nowhere"]


@pytest.fixture(scope="module")
def dashboard_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, admin key) of a server on the demo lakehouse that has answered some queries."""
    home = tmp_path_factory.mktemp("dashboard") / "home"
    platform = demo_platform_at(home)
    with platform.catalog.session() as session:
        key = users_repo.create_user(session, "ops", role="admin")[1]
    platform.close()
    with serving(home) as base, httpx.Client(base_url=base, timeout=60) as client:
        headers = {"Authorization": f"Bearer {key}"}
        for sql in QUERIES * 3 + FAILING:
            client.post("/api/v1/queries", json={"sql": sql}, headers=headers)
        for question in QUESTIONS:
            client.post("/api/v1/ask", json={"question": question}, headers=headers)
        yield base, key


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def test_an_admin_signs_in_and_sees_every_chart_and_the_figures(
    browser: Any, dashboard_server: tuple[str, str]
) -> None:
    base, key = dashboard_server
    page = browser.new_page(viewport={"width": 1400, "height": 1800})
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{base}/dashboard")
        page.get_by_label("Admin API key").fill(key)
        page.get_by_role("button", name="Sign in").click()

        for chart in ("queries", "latency", "cache", "tables"):
            page.locator(f"#chart-{chart} .main-svg").first.wait_for()
        page.get_by_role("link", name="1 hour").click()
        page.wait_for_url("**/dashboard?hours=1")
        page.wait_for_function(  # this hour's bar is drawn, with a height
            "() => [...document.querySelectorAll('#chart-queries .bars .point path')].some(p => p.getBBox().height > 1)"
        )
        assert page.locator(".js-plotly-plot").count() == 4
        for chart in ("queries", "latency", "cache", "tables"):  # each chart fits its box
            box, plot = (
                page.locator(f'[data-chart="{chart}"]').bounding_box(),
                page.locator(f"#chart-{chart} .main-svg").first.bounding_box(),
            )
            assert plot["x"] + plot["width"] <= box["x"] + box["width"] + 1
        # Of the questions, the answered one ran its query and the clarified one its two readings (run to
        # compare them before asking); the failed one was stopped before the engine.
        ran = len(QUERIES) * 3 + len(FAILING) + 1 + 2
        assert page.locator('[data-figure="queries"] b').inner_text() == str(ran)
        assert page.locator('[data-figure="failed"] b').inner_text() == str(len(FAILING))
        for outcome in ("answered", "clarified", "failed"):
            assert page.locator(f'[data-figure="questions {outcome}"] b').inner_text() == "1"
        failures = page.locator('[data-section="failures"]').inner_text()
        assert all(sql in failures for sql in FAILING)
        assert QUESTIONS[-1] in page.locator('[data-section="failed-questions"]').inner_text()
        bars = page.locator("#chart-tables .bars .point")
        assert bars.count() == len(page.locator('[data-section="tables"] tr').all()) - 1
    finally:
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
        if os.environ.get(DOCS_SCREENSHOT_ENV):
            page.screenshot(path=str(DOCS_SCREENSHOT), full_page=True)
        page.close()


def test_a_wrong_key_stays_on_the_sign_in_page_with_the_reason(browser: Any, dashboard_server: tuple[str, str]) -> None:
    base, _key = dashboard_server
    page = browser.new_page()
    try:
        page.goto(f"{base}/dashboard")
        page.get_by_label("Admin API key").fill("nlk_wrong_key")
        page.get_by_role("button", name="Sign in").click()

        assert "not valid" in page.get_by_role("alert").inner_text()
        assert page.locator(".js-plotly-plot").count() == 0
    finally:
        page.close()
