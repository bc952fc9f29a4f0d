"""Nothing scrolls sideways at 1366×900, in Danish and English: every dashboard page and its tables
(the admin's pages: tests/browser/test_axe_admin.py). (The authority matrix on the
interdependencies page scrolls inside its own frame by design.)"""

import pytest

from tests.browser.conftest import log_in, sideways, switch_language

pytestmark = pytest.mark.browser




@pytest.mark.parametrize("language", ["da", "en"])
def test_no_page_scrolls_sideways_at_1366_px(browser_page, browser_portfolio, language):
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page)
    if language != "da":
        switch_language(page, language)
    middle = browser_portfolio["middle"]
    # The admin's pages are checked at 1366 px by tests/browser/test_axe_admin.py, page by page with axe.
    paths = ["/", "/?strategy=2022-2025", "/initiatives/", "/initiatives/?strategy=2022-2025&at_risk=true",
             f"/initiatives/{middle.pk}/", "/authorities/", f"/authorities/{middle.lead_id}/", "/interdependencies/",
             "/interdependencies/?strategy=2022-2025", "/impact/", f"/impact/?initiative={middle.pk}&days=90",
             "/funding/?strategy=2022-2025", "/benefits/?strategy=2022-2025", "/reporting/", "/subscriptions/",
             "/subscriptions/preview/", "/api/tokens/", "/open-data/"]
    found = {}
    for path in paths:
        page.goto(f"{page.base_url}{path}")
        page.wait_for_load_state("networkidle")  # the graphs and the network draw after the page has loaded
        wide = sideways(page)
        if wide:
            found[path] = wide
    assert found == {}
