"""axe-core on the pages and states the other browser tests do not reach, in Danish and English:
the summary-email settings and preview, the unsubscribe pages, the risk register, the login page, the
interdependencies page with its table equivalents open, the regions map and initiatives as nodes,
and both graphs with a node focused by keyboard."""

import pytest

from tests.browser.conftest import axe_violations, switch_language

pytestmark = pytest.mark.browser

LANGUAGES = ["da", "en"]


def open_all_details(page) -> None:
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")


@pytest.mark.parametrize("language", LANGUAGES)
def test_axe_finds_no_violations_on_the_subscription_api_token_and_open_data_pages(logged_in_page, browser_portfolio,
                                                                                   language):
    from digests.subscriptions import unsubscribe_url

    page = logged_in_page
    if language != "da":
        switch_language(page, language)
    token_path = unsubscribe_url(browser_portfolio["user"]).split("/unsubscribe/", 1)[1]
    found = {}
    for path in ["/subscriptions/", "/subscriptions/preview/", f"/unsubscribe/{token_path}", "/unsubscribe/not-a-token/",
                 "/api/tokens/", "/open-data/", "/risks/"]:
        page.goto(f"{page.base_url}{path}")
        assert page.locator("html").get_attribute("lang") == language
        open_all_details(page)
        violations = axe_violations(page)
        if violations:
            found[path] = violations
    assert found == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_axe_finds_no_violations_on_the_login_page(browser_page, transactional_db, language):
    page = browser_page
    page.goto(f"{page.base_url}/accounts/login/")
    if language != "da":
        switch_language(page, language)
    assert axe_violations(page) == []
    page.fill("#id_username", "nobody")
    page.fill("#id_password", "wrong password")
    page.click("main form button[type=submit]")
    page.wait_for_selector(".alert-error")
    assert page.locator("html").get_attribute("lang") == language
    assert axe_violations(page) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_axe_finds_no_violations_in_the_interdependencies_pages_other_states(logged_in_page, language):
    page = logged_in_page
    if language != "da":
        switch_language(page, language)
    page.goto(f"{page.base_url}/interdependencies/?strategy=2022-2025&criticality=high")
    page.wait_for_function("() => document.querySelectorAll('#network-table tbody tr').length === 1")
    page.wait_for_selector(".dk-map-svg")
    open_all_details(page)
    page.check("#map-area-region")
    page.check("#map-measure-exposure")
    page.check("#nodes-initiatives")
    page.wait_for_function("() => document.getElementById('network-table').textContent.includes('B.2')")
    page.focus("#network")
    page.keyboard.press("ArrowRight")
    assert page.locator("#network-focus").inner_text() != ""
    assert axe_violations(page) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_axe_finds_no_violations_on_the_initiative_page_with_a_node_focused(logged_in_page, browser_portfolio,
                                                                           language):
    page = logged_in_page
    if language != "da":
        switch_language(page, language)
    page.goto(f"{page.base_url}/initiatives/{browser_portfolio['middle'].pk}/")
    page.wait_for_selector("#initiative-graph.is-drawn")
    open_all_details(page)
    page.focus("#initiative-graph")
    page.keyboard.press("ArrowRight")
    assert page.locator("#graph-focus").inner_text() != ""
    assert axe_violations(page) == []
