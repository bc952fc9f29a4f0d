"""The accessibility statement in Chromium: reached from the footer of the login page and of the admin,
axe-core finds nothing on it, in Danish and English (issue 17)."""

import pytest

from tests.browser.conftest import switch_language

pytestmark = pytest.mark.browser

FOOTER_LINK_NAMES = {"da": "Tilgængelighedserklæring", "en": "Accessibility statement"}


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_statement_is_reached_from_the_footer_and_axe_finds_nothing(browser_page, transactional_db, axe, language):
    page = browser_page
    page.goto(f"{page.base_url}/accounts/login/")
    if language != "da":
        switch_language(page, language)
    page.locator("footer").get_by_role("link", name=FOOTER_LINK_NAMES[language]).click()
    page.wait_for_url(f"{page.base_url}/was")
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("h1").inner_text() == FOOTER_LINK_NAMES[language]
    axe(page)
    assert page.console_errors == []


def test_the_admin_footer_leads_to_the_statement(coordinator_page, axe):
    page = coordinator_page
    page.locator("#footer").get_by_role("link", name="Tilgængelighedserklæring").click()
    page.wait_for_url(f"{page.base_url}/was")
    axe(page)
