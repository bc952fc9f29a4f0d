"""axe-core on every admin page a coordinator or the secretariat uses, in Danish and English: lists,
change and add forms with their inlines and autocompletes, import, export and history; and, at 1366×900,
nothing on them scrolls sideways (the page, or a box inside it that would hide columns)."""

import pytest

from tests.browser.conftest import axe_violations, log_in, sideways, switch_language

pytestmark = pytest.mark.browser

LANGUAGES = ["da", "en"]


def admin_pages(portfolio) -> list[str]:
    middle = portfolio["middle"].pk
    pages = ["/admin/"]
    for model in ("initiative", "participation", "dependency", "milestone"):
        pages += [f"/admin/initiatives/{model}/", f"/admin/initiatives/{model}/add/",
                  f"/admin/initiatives/{model}/import/", f"/admin/initiatives/{model}/export/"]
    pages += [f"/admin/initiatives/initiative/{middle}/change/", f"/admin/initiatives/initiative/{middle}/history/"]
    funding_year = portfolio["middle"].funding_years.order_by("year").first().pk
    pages += ["/admin/funding/fundingyear/", "/admin/funding/fundingyear/add/",
              f"/admin/funding/fundingyear/{funding_year}/change/", f"/admin/funding/fundingyear/{funding_year}/history/",
              "/admin/funding/rephasing/", "/admin/funding/rephasing/add/",
              "/admin/benefits/benefit/", "/admin/benefits/benefit/add/", "/admin/benefits/followup/"]
    return pages


def violations_on(page, paths: list[str]) -> dict[str, list[str]]:
    """axe's violations and what scrolls sideways, per page (the admin's scripts run by "load")."""
    page.set_viewport_size({"width": 1366, "height": 900})
    found = {}
    for path in paths:
        page.goto(f"{page.base_url}{path}", wait_until="load")
        problems = axe_violations(page) + [f"scrolls sideways: {box}" for box in sideways(page)]
        if problems:
            found[path] = problems
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_axe_finds_no_violations_in_the_admin_as_kobenhavns_coordinator(coordinator_page, browser_portfolio, language):
    page = coordinator_page
    page.context.add_cookies([{"name": "django_language", "value": language, "url": page.base_url}])
    assert violations_on(page, admin_pages(browser_portfolio)) == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_axe_finds_no_violations_in_the_admin_as_the_secretariat(browser_page, browser_portfolio, language):
    page = browser_page
    log_in(page)
    if language != "da":
        switch_language(page, language)
    paths = admin_pages(browser_portfolio) + [
        "/admin/authorities/authority/", "/admin/authorities/authority/add/", "/admin/strategies/strategy/",
        "/admin/digests/subscription/add/", "/admin/recent-changes/",
        f"/admin/authorities/authority/{browser_portfolio['middle'].lead_id}/change/",
    ]
    assert violations_on(page, paths) == {}
