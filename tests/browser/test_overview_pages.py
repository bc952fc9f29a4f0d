"""The overview, interdependencies and impact pages in a real browser (Chromium through Playwright):
they render, their scripts work under the strict CSP, they work by keyboard, and axe-core finds no
accessibility violations in Danish or in English."""

import re

import pytest

from tests.browser.conftest import axe_violations, switch_language

pytestmark = pytest.mark.browser


def test_the_overview_shows_the_strategy_timeline_counts_and_risks(logged_in_page):
    page = logged_in_page
    page.goto(f"{page.base_url}/?strategy=2022-2025")

    assert page.locator(".timeline-bar").count() == 7  # 2001-2004 … 2026-2029
    assert page.locator(".timeline-bar.is-selected").inner_text().startswith("2022–2025")
    page.wait_for_function("() => document.querySelectorAll('canvas.js-count-chart').length === 2")
    # Chart.js has drawn: the canvases have a size.
    assert page.eval_on_selector("canvas.js-count-chart", "c => c.width") > 0
    at_risk = page.locator("table.at-risk-table tbody").inner_text()
    # B.2 depends on B.1, whose health is red; B.1 is led by a central-government agency.
    assert "B.2" in at_risk and "B.1" in at_risk and "Digitaliseringsstyrelsen" in at_risk
    assert page.locator(".level-matrix td.heat-5").count() >= 1
    assert page.console_errors == []


def test_the_timeline_and_risk_filter_work_by_keyboard(logged_in_page):
    page = logged_in_page
    page.goto(f"{page.base_url}/")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skipnav"
    page.keyboard.press("Enter")
    page.focus(".timeline-bar a >> nth=5")  # 2022-2025 is the sixth strategy
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"strategy=2022-2025"))
    assert page.locator(".timeline-bar.is-selected a").get_attribute("aria-current") == "true"

    page.focus(".risk-level-filter a >> nth=1")  # central government
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"risk_level=central"))
    assert "B.2" in page.locator("table.at-risk-table tbody").inner_text()


def test_the_network_renders_and_its_search_finds_nodes(logged_in_page):
    page = logged_in_page
    page.goto(f"{page.base_url}/interdependencies/")

    status = page.locator("#network-status")
    page.wait_for_function("() => document.querySelectorAll('#network-table tbody tr').length === 2")
    assert page.locator("#network canvas").count() >= 1
    assert "3" in status.inner_text()  # three authorities

    page.fill("#network-search", "Aarhus")
    page.wait_for_function("() => document.getElementById('network-status').textContent.includes('Aarhus')")
    assert status.inner_text().startswith("1")

    page.check("#nodes-initiatives")
    page.wait_for_function(
        "() => document.getElementById('network-table').textContent.includes('B.3')"
    )
    assert "B.1" in page.locator("#network-table").text_content()
    # B.2 and B.3 are illustrative demo data, and the table says so (B.1 is not).
    badges = page.locator("#network-table tbody td:has(.badge-illustrative) a").all_text_contents()
    assert sorted(set(label.split(" ")[0] for label in badges)) == ["B.2", "B.3"]
    page.click("[data-zoom=in]")
    page.click("[data-zoom=fit]")
    assert page.console_errors == []


def test_the_map_draws_every_municipality_and_switches_to_regions(logged_in_page):
    page = logged_in_page
    page.goto(f"{page.base_url}/interdependencies/")

    page.wait_for_selector(".dk-map-svg")
    assert page.locator(".map-layer-municipality path").count() == 99
    copenhagen = page.locator(".map-layer-municipality path[data-code='0101']")
    assert copenhagen.get_attribute("class") not in ("map-area map-bin-0", "map-area map-bin-none")
    page.check("#map-area-region")
    assert page.locator(".map-layer-municipality").get_attribute("class").endswith("is-hidden")
    assert page.locator(".map-legend:not([hidden])").get_attribute("data-area") == "region"
    assert "DAGI" in page.locator(".map-attribution").inner_text()


def test_an_impact_analysis_can_be_run_from_the_search_form(logged_in_page):
    page = logged_in_page
    page.goto(f"{page.base_url}/impact/")

    page.fill("#id_q", "B.")
    page.fill("#id_days", "90")
    page.keyboard.press("Enter")
    page.wait_for_selector("#matches-heading")
    page.click(".match-list a:has-text('B.1')")
    page.wait_for_selector("#result-heading")

    assert "B.1" in page.locator("#result-heading").inner_text()
    # B.2 needs B.1's data by 1 June 2024; the delay makes it later still.
    hit = page.locator(".impact-table").inner_text()
    assert "B.2" in hit and "B.1" in hit and "01.06.2024" in hit
    authorities = "\n".join(page.locator("table.authority-hits").all_inner_texts())
    for name in ("Københavns Kommune", "Aarhus Kommune", "Region Midtjylland"):
        assert name in authorities
    assert page.console_errors == []


def test_the_language_switch_remembers_the_choice(logged_in_page):
    page = logged_in_page
    assert page.locator("html").get_attribute("lang") == "da"

    switch_language(page, "en")
    page.goto(f"{page.base_url}/interdependencies/")

    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("header .session-tools button[value=en]").get_attribute("aria-current") == "true"
    switch_language(page, "da")
    assert page.locator("html").get_attribute("lang") == "da"


@pytest.mark.parametrize("language", ["da", "en"])
def test_axe_finds_no_violations_on_the_dashboard_pages(logged_in_page, browser_portfolio, language):
    page = logged_in_page
    if language != "da":
        switch_language(page, language)
    upstream = browser_portfolio["upstream"]
    found = {}
    for path in [
        "/?strategy=2022-2025",
        "/interdependencies/",
        "/impact/",
        f"/impact/?initiative={upstream.pk}&days=90",
        # B.3 starts before B.2 ends: the table of lateness from before the slip is checked too.
        f"/impact/?initiative={browser_portfolio['middle'].pk}&days=90",
        "/impact/?q=zzz&days=oops",
        "/funding/?strategy=2022-2025",
        "/funding/?strategy=2026-2029",  # no funding yet
    ]:
        page.goto(f"{page.base_url}{path}")
        page.wait_for_load_state("networkidle")
        violations = axe_violations(page)
        if violations:
            found[path] = violations
    assert found == {}
    assert page.console_errors == []


def test_axe_finds_no_violations_on_the_login_page(browser_page, transactional_db):
    page = browser_page
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("#id_username", "nobody")
    page.fill("#id_password", "wrong password")
    page.click("main form button[type=submit]")
    page.wait_for_selector(".alert-error")

    assert axe_violations(page) == []
