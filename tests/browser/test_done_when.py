"""The issue's "done when", as the secretariat analyst does it in a real browser, in Danish and in
English: which initiatives of the 2022–2025 strategy are at risk because of a central-government
dependency, and which municipalities would a 90-day slip of one of them hit?"""

import re

import pytest

from tests.browser.conftest import switch_language

pytestmark = pytest.mark.browser

NAMES = {
    "da": {"digst": "Digitaliseringsstyrelsen", "aarhus": "Aarhus Kommune", "kobenhavn": "Københavns Kommune"},
    "en": {"digst": "Agency for Digital Government", "aarhus": "Aarhus Municipality", "kobenhavn": "City of Copenhagen"},
}


def first_cells(page, selector: str) -> list[str]:
    return [text.split(" ", 1)[0].strip() for text in page.locator(f"{selector} tbody tr td:first-child").all_inner_texts()]


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_analyst_finds_what_central_government_puts_at_risk_and_what_a_90_day_slip_hits(
    logged_in_page, browser_portfolio, language
):
    page = logged_in_page
    names = NAMES[language]
    if language != "da":
        switch_language(page, language)

    # The overview: choose 2022–2025 on the timeline, then the risks coming from central government.
    page.click(".timeline-bar a[href*='strategy=2022-2025']")
    page.wait_for_url(re.compile(r"strategy=2022-2025"))
    page.click(".risk-level-filter a[href*='risk_level=central']")
    page.wait_for_url(re.compile(r"risk_level=central"))
    at_risk = page.locator("table.at-risk-table tbody tr")
    assert first_cells(page, "table.at-risk-table") == ["B.2"]
    assert names["digst"] in at_risk.first.inner_text()  # the authority behind the risk
    assert "B.1" in at_risk.first.inner_text()  # and its initiative

    # The initiative list shows the same, with the filters set, and could export them.
    page.click("a[href*='/initiatives/?'][href*='risk_level=central']")
    page.wait_for_url(re.compile(r"/initiatives/\?.*risk_level=central"))
    assert first_cells(page, "table.initiative-table") == ["B.2"]
    assert page.locator("#id_risk_level").input_value() == "central"
    assert page.locator("#id_at_risk").input_value() == "true"

    # A 90-day slip of B.2, from its page.
    page.click("table.initiative-table tbody tr:has-text('B.2') a[href*='/initiatives/']")
    page.wait_for_url(re.compile(rf"/initiatives/{browser_portfolio['middle'].pk}/$"))
    page.click(f"a[href$='initiative={browser_portfolio['middle'].pk}&days=90']")
    page.wait_for_selector("#result-heading")
    heading = page.locator("#result-heading").inner_text()
    assert "90" in heading and "B.2" in heading
    assert page.locator("#id_days").input_value() == "90"
    # B.3, led by Aarhus, depends on B.2: Aarhus is the municipality hit.
    municipalities = page.locator("table.authority-hits[data-level=municipal]")
    assert municipalities.count() == 1
    assert municipalities.locator("tbody th").all_inner_texts() == [names["aarhus"]]
    assert "B.3" in page.locator(".impact-table").inner_text()
    assert page.locator("html").get_attribute("lang") == language
    assert page.console_errors == []
