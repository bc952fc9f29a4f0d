"""The initiative and authority pages in a real browser (Debian's Chromium through Playwright):
filtering and exporting, the initiative's graph, the language switch, the keyboard, and axe-core
finding no accessibility violations in Danish or English."""

import csv
import io
import re

import pytest

from tests.browser.conftest import switch_language

pytestmark = pytest.mark.browser


def table_codes(page) -> list[str]:
    return [text.strip() for text in page.locator("table.initiative-table tbody tr td:first-child").all_inner_texts()]


def test_filtering_the_initiatives_and_exporting_exactly_those_rows(logged_in_page, browser_portfolio):
    page = logged_in_page
    page.goto(f"{page.base_url}/initiatives/")
    page.select_option("#id_strategy", "2022-2025")
    page.select_option("#id_authority_id", label="Region Midtjylland")
    page.click("form.initiative-filters button[type=submit]")
    page.wait_for_url(re.compile(r"authority_id=\d+"))

    assert table_codes(page) == ["B.2"]
    assert page.locator("table.initiative-table tbody tr .badge-illustrative").count() == 1

    with page.expect_download() as download_info:
        page.click("a.export-csv")
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig") as handle:
        content = handle.read()
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert len(rows) == 2
    assert rows[1][0] == "B.2"
    assert rows[1][1] == "Digital borgerservice"

    # Clearing the filters brings every 2022–2025 initiative back.
    page.goto(f"{page.base_url}/initiatives/?strategy=2022-2025&sort=code")
    assert table_codes(page) == ["B.1", "B.2", "B.3", "B.4"]
    assert page.console_errors == []


def test_a_bad_date_in_the_filters_gives_a_message_on_the_page(logged_in_page, browser_portfolio):
    page = logged_in_page
    response = page.goto(f"{page.base_url}/initiatives/?forecast_end_after=2024-02-30")

    assert response.status == 400
    assert page.locator(".filter-errors").is_visible()
    assert page.locator("table.initiative-table").count() == 0


def test_sorting_works_by_keyboard(logged_in_page, browser_portfolio):
    page = logged_in_page
    page.goto(f"{page.base_url}/initiatives/?strategy=2022-2025&sort=code")
    code_header = page.locator("th a.sort-link").first
    code_header.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"sort=-code"))

    assert table_codes(page) == ["B.4", "B.3", "B.2", "B.1"]
    assert page.locator("th[aria-sort=descending]").count() == 1


def test_opening_an_initiative_draws_its_neighbourhood_and_lists_the_same(logged_in_page, browser_portfolio):
    page = logged_in_page
    page.goto(f"{page.base_url}/initiatives/?strategy=2022-2025&sort=code")
    page.click("table.initiative-table a:text('Digital borgerservice')")
    page.wait_for_selector("#initiative-graph.is-drawn")

    assert page.locator("h1").inner_text().startswith("B.2")
    assert page.locator("#initiative-graph canvas").count() >= 1
    graph = page.evaluate(
        "() => ({nodes: window.initiativeGraph.nodes().map(n => n.data('label')).sort(),"
        " edges: window.initiativeGraph.edges().length})"
    )
    assert graph == {"nodes": ["B.1 · 2022–25", "B.2 · 2022–25", "B.3 · 2022–25"], "edges": 2}  # codes with their strategy
    # The text equivalent lists the same neighbours.
    assert "B.1" in page.locator("table.dependency-table-target").inner_text()
    assert "B.3" in page.locator("table.dependency-table-source").inner_text()
    assert page.locator("table.milestone-table tbody tr").count() == 2
    assert page.locator("svg.timeline-svg .tl-milestone").count() == 2
    assert page.locator(".participant-list li").count() == 3
    assert page.console_errors == []

    # A node is a shortcut to its initiative.
    page.locator("#initiative-graph").scroll_into_view_if_needed()
    # Cytoscape maps a click through its container's position, which it refreshes on the scroll
    # event (delivered with the next frame): clicking before then sometimes missed the node.
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    position = page.evaluate(
        "() => { const n = window.initiativeGraph.nodes().filter(n => n.data('label') === 'B.1 · 2022–25')[0];"
        " return n.renderedPosition(); }"
    )
    box = page.locator("#initiative-graph").bounding_box()
    page.mouse.click(box["x"] + position["x"], box["y"] + position["y"])
    page.wait_for_url(re.compile(rf"/initiatives/{browser_portfolio['upstream'].pk}/$"))


def test_the_language_switch_changes_the_text_and_remembers_the_choice(logged_in_page, browser_portfolio):
    page = logged_in_page
    page.goto(f"{page.base_url}/initiatives/{browser_portfolio['middle'].pk}/")
    assert page.locator("html").get_attribute("lang") == "da"
    danish_title = page.locator("h1").inner_text()

    switch_language(page, "en")

    assert "Digital citizen service" in page.locator("h1").inner_text()
    assert page.locator("h1").inner_text() != danish_title
    assert page.locator("#health-heading").inner_text() == "Health"
    page.click("nav.breadcrumbs a")
    page.wait_for_url(re.compile(r"/initiatives/$"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Initiatives"
    page.goto(f"{page.base_url}/authorities/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Authorities"


@pytest.mark.parametrize("language", ["da", "en"])
def test_axe_finds_no_violations_on_the_initiative_and_authority_pages(logged_in_page, browser_portfolio, axe,
                                                                      kobenhavn, language):
    page = logged_in_page
    if language != "da":
        switch_language(page, language)
    middle = browser_portfolio["middle"]
    paths = [
        "/initiatives/",
        "/initiatives/?strategy=2022-2025&at_risk=true&sort=-health",
        "/initiatives/?q=nothing-matches-this",
        "/initiatives/?forecast_end_after=not-a-date",
        f"/initiatives/{middle.pk}/",
        f"/initiatives/{browser_portfolio['upstream'].pk}/",
        "/authorities/",
        "/authorities/?level=municipal&sort=-name&page=2",
        f"/authorities/{kobenhavn.pk}/",
        f"/authorities/{browser_portfolio['upstream'].lead_id}/",
    ]
    for path in paths:
        page.goto(f"{page.base_url}{path}")
        if path == f"/initiatives/{middle.pk}/":
            page.wait_for_selector("#initiative-graph.is-drawn")
        assert page.locator("html").get_attribute("lang") == language
        axe(page)
    assert page.console_errors == [] or all("400" in error for error in page.console_errors)
