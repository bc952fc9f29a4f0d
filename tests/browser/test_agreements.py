"""The agreement pages in the browser, axe-clean in Danish and English: København asks
Digitaliseringsstyrelsen (a refusal on the form first), Digitaliseringsstyrelsen's coordinator sees it
asked of them and is refused a decline without a reason, then declines; the secretariat filters."""

import pytest

from tests.browser.conftest import axe_violations, log_in, switch_language

pytestmark = pytest.mark.browser

DIGST_PASSWORD = "Landgreven-browser-2026!"


def _violations(page, found: dict, where: str) -> None:
    for language in ("da", "en"):
        if page.locator("html").get_attribute("lang") != language:
            switch_language(page, language)
        violations = axe_violations(page)
        if violations:
            found[f"{where} ({language})"] = violations
    switch_language(page, "da")


def test_an_agreement_is_asked_and_declined_from_the_pages_axe_clean_in_both_languages(
    coordinator_page, browser_portfolio, digst
):
    from agreements.models import Agreement, AgreementState
    from tests.conftest import make_coordinator

    digst_user = make_coordinator("digst-coordinator", digst)
    digst_user.set_password(DIGST_PASSWORD)
    digst_user.save()
    page, found = coordinator_page, {}

    page.goto(f"{page.base_url}/agreements/")
    page.click("a[href^='/agreements/ask/']")
    page.wait_for_url("**/agreements/ask/*/")
    page.click("main form button[type=submit]")  # nothing filled in
    page.wait_for_selector(".alert-error")
    assert page.locator(".form-error-message").count() == 1
    _violations(page, found, "ask, refused")
    page.fill("#id_needed_by", "01.06.2099")
    page.fill("#id_what_needed", "Adgang til grunddata-API'et")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/agreements/*/")
    assert "Anmodet" in page.inner_text("main")
    page.goto(f"{page.base_url}/agreements/")
    assert "B.2 · 2022–25" in page.inner_text("#asked-by-heading + table, section:has(#asked-by-heading)")
    _violations(page, found, "lists, requester")

    page.context.clear_cookies()
    log_in(page, "digst-coordinator", DIGST_PASSWORD)
    page.goto(f"{page.base_url}/agreements/")
    page.click("section:has(#asked-of-heading) a[href^='/agreements/']")
    page.wait_for_url("**/agreements/*/")
    page.click("button[value=decline]")
    page.wait_for_selector(".form-error-message")
    _violations(page, found, "answer, refused")
    page.fill("#id_decline-reason", "Ingen kapacitet i 2099")
    page.click("button[value=decline]")
    page.wait_for_selector("text=Ingen kapacitet i 2099")
    assert Agreement.objects.get().state == AgreementState.DECLINED
    _violations(page, found, "answered")

    page.context.clear_cookies()
    log_in(page)
    page.goto(f"{page.base_url}/agreements/?state=declined")
    assert "B.2 · 2022–25" in page.inner_text("main")
    _violations(page, found, "secretariat")
    assert found == {}
    # The two refused forms answer 400, as refused input does; nothing else may complain (CSP, scripts).
    assert [error for error in page.console_errors if "status of 400" not in error] == []
