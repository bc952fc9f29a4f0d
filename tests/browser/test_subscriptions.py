"""The summary-email pages in a real browser: the settings (choosing initiatives among many by
searching, all by keyboard), the one-click unsubscribe without logging in, and the secretariat's
preview; axe-core finds no accessibility violations on any of them, in Danish or in English."""

import pytest

from tests.browser.conftest import axe_violations, switch_language

pytestmark = pytest.mark.browser


def test_initiatives_are_found_ticked_and_saved_by_keyboard_alone(logged_in_page, browser_portfolio):
    page = logged_in_page
    middle = browser_portfolio["middle"]
    switch_language(page, "en")
    page.goto(f"{page.base_url}/subscriptions/")

    page.focus("#id_scope_3")  # "Chosen initiatives" (the secretariat also has "The whole portfolio")
    page.keyboard.press("Space")
    page.focus("#id_initiative_query")
    page.keyboard.type("citizen")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # in the search box, Enter searches

    # The result is announced: focus moves to it, and it says what was found.
    assert page.evaluate("() => document.activeElement.id") == "initiative-matches"
    assert page.locator("#initiative-matches-status").inner_text() == (
        "1 initiative matches “citizen”: tick it to add it, then save."
    )
    assert page.locator("#id_scope_3").is_checked()  # the choices made before the search are kept
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == f"id_initiatives_{middle.pk}"
    page.keyboard.press("Space")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # anywhere else, Enter saves

    assert "Your summary settings are saved." in page.locator(".alert-success").inner_text()
    assert page.locator(f"#id_initiatives_{middle.pk}").is_checked()
    assert "B.2 · 2022–25 Digital citizen service" in page.locator(f"label[for=id_initiatives_{middle.pk}]").inner_text()
    assert page.locator("#id_scope_3").is_checked()
    assert page.console_errors == []


@pytest.mark.parametrize("language", ["da", "en"])
def test_axe_finds_no_violations_on_the_summary_email_pages(logged_in_page, browser_portfolio, language):
    from django.contrib.auth.models import User

    from digests.subscriptions import unsubscribe_url

    page = logged_in_page
    if language != "da":
        switch_language(page, language)
    found = {}

    def check(name):
        violations = axe_violations(page)
        if violations:
            found[name] = violations

    page.goto(f"{page.base_url}/subscriptions/")
    check("settings")
    page.fill("#id_initiative_query", "data")
    with page.expect_navigation():
        page.click("#find-initiatives")
    check("settings with matches")
    page.fill("#id_initiative_query", "")
    page.click("#id_scope_3")
    with page.expect_navigation():
        page.click("button.button-primary[value=save]")
    check("settings with errors")
    assert page.locator(".form-error-message").count() >= 1

    page.goto(f"{page.base_url}/subscriptions/preview/?user=analyst&date=2026-11-27")
    page.wait_for_selector("iframe.summary-preview-frame")
    check("preview")

    # The unsubscribe pages are for anyone holding the link: no login needed.
    analyst = User.objects.get(username="analyst")
    link = unsubscribe_url(analyst).replace("http://127.0.0.1:8000", page.base_url)
    page.context.clear_cookies()
    page.goto(link)
    check("unsubscribe")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator("h1").inner_text() in ("Du er afmeldt", "You are unsubscribed")
    check("unsubscribed")
    assert page.console_errors == []
    page.goto(link[:-3] + "xyz/")  # answered 400: the only console error expected
    assert page.locator("h1").inner_text() in ("Afmeldingslinket er ikke gyldigt", "The unsubscribe link is not valid")
    check("invalid link")

    assert found == {}
