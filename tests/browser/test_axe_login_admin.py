"""axe-core on the secretariat's new admin pages of issue 17 (privilege mappings, NemLog-in logins, the
access log's export for a data subject), in Danish and English."""

import pytest

from tests.browser.conftest import switch_language

pytestmark = pytest.mark.browser

PAGES = [
    "/admin/nemlogin/privilegemapping/",
    "/admin/nemlogin/privilegemapping/add/",
    "/admin/nemlogin/loginevent/",
    "/admin/accesslog/personaldataaccess/",
    "/admin/accesslog/personaldataaccess/?username=nobody-by-this-name",
]

LISTS = {"/admin/nemlogin/privilegemapping/", "/admin/nemlogin/loginevent/"}


@pytest.mark.parametrize("language", ["da", "en"])
def test_axe_finds_nothing_on_the_login_and_access_log_admin_pages(logged_in_page, axe, language):
    page = logged_in_page
    if language != "da":
        switch_language(page, language)
    for path in PAGES:
        response = page.goto(f"{page.base_url}{path}")
        assert response.status == 200, path
        assert page.locator("html").get_attribute("lang") == language
        axe(page)
        # Admin pages with a form's fields log a blocked inline style today, ours as the others
        # (/admin/authorities/sector/add/ too): a known issue of its own; the lists log nothing.
        if path in LISTS:
            assert page.console_errors == [], path
        page.console_errors.clear()
