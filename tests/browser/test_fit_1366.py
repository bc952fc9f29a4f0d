"""Nothing scrolls sideways at 1366×900, in Danish and English: the list pages, their tables, and
the admin's change list and change form with its inlines. (The authority matrix on the
interdependencies page scrolls inside its own frame by design.)"""

import pytest

from tests.browser.conftest import log_in, switch_language

pytestmark = pytest.mark.browser

OVERFLOW = """() => {
  const wide = [];
  if (document.documentElement.scrollWidth > window.innerWidth) wide.push('page ' + document.documentElement.scrollWidth);
  document.querySelectorAll('.table-scroll, table').forEach((el) => {
    if (el.scrollWidth > el.clientWidth + 1) wide.push((el.className || el.tagName) + ' ' + el.scrollWidth + '>' + el.clientWidth);
  });
  return wide;
}"""


@pytest.mark.parametrize("language", ["da", "en"])
def test_no_page_scrolls_sideways_at_1366_px(browser_page, browser_portfolio, language):
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page)
    if language != "da":
        switch_language(page, language)
    middle = browser_portfolio["middle"].pk
    found = {}
    for path in ["/initiatives/", "/authorities/", "/", f"/initiatives/{middle}/", "/admin/initiatives/initiative/",
                 f"/admin/initiatives/initiative/{middle}/change/", "/admin/initiatives/initiative/add/"]:
        page.goto(f"{page.base_url}{path}")
        page.wait_for_load_state("networkidle")
        wide = page.evaluate(OVERFLOW)
        if wide:
            found[path] = wide
    assert found == {}
