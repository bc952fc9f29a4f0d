"""Nothing scrolls sideways at 1366×900, in Danish and English: every dashboard page, its tables, and
the admin pages a coordinator or the secretariat uses (lists, change and add forms with their
inlines, import, export, history). (The authority matrix on the
interdependencies page scrolls inside its own frame by design.)"""

import pytest

from tests.browser.conftest import log_in, switch_language

pytestmark = pytest.mark.browser

OVERFLOW = """() => {
  const wide = [];
  if (document.documentElement.scrollWidth > window.innerWidth) wide.push('page ' + document.documentElement.scrollWidth);
  // A box that scrolls sideways hides columns too (the admin's change list scrolls inside its own
  // box). Only the authority matrix scrolls in its frame, by design. (Names cut short with an
  // ellipsis clip, and do not scroll.)
  document.querySelectorAll('body *').forEach((el) => {
    if (el.closest('.matrix-frame') || el.closest('.sr-only')) return;
    const overflow = getComputedStyle(el).overflowX;
    if (!['auto', 'scroll'].includes(overflow) || el.scrollWidth <= el.clientWidth + 1) return;
    if (el.tagName === 'SELECT' || el.tagName === 'INPUT' || el.tagName === 'TEXTAREA') return;
    const name = el.id ? '#' + el.id : (el.className && el.className.baseVal === undefined ? '.' + el.className : el.tagName);
    wide.push(name + ' ' + el.scrollWidth + '>' + el.clientWidth);
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
    middle = browser_portfolio["middle"]
    paths = ["/", "/?strategy=2022-2025", "/initiatives/", "/initiatives/?strategy=2022-2025&at_risk=true",
             f"/initiatives/{middle.pk}/", "/authorities/", f"/authorities/{middle.lead_id}/", "/interdependencies/",
             "/interdependencies/?strategy=2022-2025", "/impact/", f"/impact/?initiative={middle.pk}&days=90",
             "/funding/?strategy=2022-2025", "/subscriptions/", "/subscriptions/preview/", "/admin/",
             "/admin/recent-changes/", "/admin/funding/fundingyear/", "/admin/funding/fundingyear/add/",
             "/admin/funding/rephasing/", "/admin/funding/rephasing/add/"]
    for model in ("initiative", "participation", "dependency", "milestone"):
        paths += [f"/admin/initiatives/{model}/", f"/admin/initiatives/{model}/add/",
                  f"/admin/initiatives/{model}/import/", f"/admin/initiatives/{model}/export/"]
    paths += [f"/admin/initiatives/initiative/{middle.pk}/change/", f"/admin/initiatives/initiative/{middle.pk}/history/",
              "/admin/authorities/authority/", f"/admin/authorities/authority/{middle.lead_id}/change/"]
    found = {}
    for path in paths:
        page.goto(f"{page.base_url}{path}")
        page.wait_for_load_state("networkidle")
        wide = page.evaluate(OVERFLOW)
        if wide:
            found[path] = wide
    assert found == {}
