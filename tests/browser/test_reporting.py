"""A reporting round in the browser, in Danish and English, with axe-core on every page and state:
the secretariat's cycle pages, a coordinator filling in a report (refused without a rationale,
then submitted), the authority's approver approving it and the secretariat accepting it.

Freezing is left to the database tests (tests/reporting): on SQLite the live server's flush
empties tables in no fixed order, and a snapshot row refuses to be deleted while its cycle exists.
"""

import datetime

import pytest

from tests.browser.conftest import axe_violations, log_in, switch_language

pytestmark = pytest.mark.browser

LANGUAGES = ["da", "en"]
KK_PASSWORD = "Rådhuspladsen-report-2025!"
APPROVER_PASSWORD = "Ledelsen-godkender-2025!"


@pytest.fixture
def cycles(browser_portfolio, strategy_2022, kobenhavn):
    from django.contrib.auth.models import User

    from authorities.models import Coordinator
    from reporting.models import Approver
    from reporting.services import cycle_open

    analyst = browser_portfolio["user"]
    coordinator = User.objects.create_user(username="kk-coordinator", password=KK_PASSWORD)
    Coordinator.objects.create(user=coordinator, authority=kobenhavn)
    approver = User.objects.create_user(username="kk-approver", password=APPROVER_PASSWORD)
    Approver.objects.create(user=approver, authority=kobenhavn)
    first = cycle_open(user=analyst, code="2027-H1", period_start=datetime.date(2027, 1, 1),
                       period_end=datetime.date(2027, 6, 30), deadline=datetime.date(2027, 7, 15),
                       strategies=[strategy_2022], reminders=[datetime.date(2027, 7, 1)])
    cycle_open(user=analyst, code="2027-H2", period_start=datetime.date(2027, 7, 1),
               period_end=datetime.date(2027, 12, 31), deadline=datetime.date(2028, 1, 15), strategies=[strategy_2022])
    return {"first": first, "report": first.reports.get(initiative=browser_portfolio["middle"])}


def check_pages(page, paths: list[str], language: str) -> dict:
    found = {}
    for path in paths:
        page.goto(f"{page.base_url}{path}")
        assert page.locator("html").get_attribute("lang") == language
        violations = axe_violations(page)
        if violations:
            found[path] = violations
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_axe_finds_nothing_on_the_secretariats_reporting_pages(logged_in_page, cycles, language):
    page = logged_in_page
    if language != "da":
        switch_language(page, language)
    report = cycles["report"]
    paths = ["/reporting/", "/reporting/2027-H1/", "/reporting/2027-H1/report/",
             "/reporting/compare/?a=2027-H1&b=2027-H2", "/reporting/compare/?a=2027-H1&b=2027-H1",
             f"/reporting/reports/{report.pk}/"]
    assert check_pages(page, paths, language) == {}
    # The comparison of a cycle with itself answers 400, as a refused form does; nothing else may err.
    assert [error for error in page.console_errors if "400 (Bad Request)" not in error] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_report_is_filled_in_submitted_approved_and_accepted_in_the_browser(
    browser_page, chromium_browser, live_server, cycles, language
):
    from reporting.models import ReportState

    report = cycles["report"]
    url = f"/reporting/reports/{report.pk}/"
    page = browser_page
    log_in(page, "kk-coordinator", KK_PASSWORD)
    if language != "da":
        switch_language(page, language)
    page.goto(f"{page.base_url}/reporting/2027-H1/")
    page.click(f"a[href='{url}']")
    page.wait_for_url(f"**{url}")
    # Green over a computed yellow, without a rationale: refused, naming the field, nothing saved.
    page.check("input[name=assessed][value=green]")
    page.fill("#id_progress", "Piloten kører i to bydele")
    page.click("button[value=submit]")
    page.wait_for_selector(".alert-error")
    error = page.locator("#rationale-error").inner_text()
    assert ("differs from the computed" in error) if language == "en" else ("adskiller sig fra den beregnede" in error)
    assert axe_violations(page) == []
    report.refresh_from_db()
    assert (report.state, report.progress) == (ReportState.DRAFT, "")
    page.fill("#id_rationale", "Gevinsterne hentes i anden fase")
    page.click("button[value=submit]")
    page.wait_for_selector(".alert-success")
    report.refresh_from_db()
    assert (report.state, report.assessed, report.computed_overall) == (ReportState.SUBMITTED, "green", "yellow")
    assert axe_violations(page) == []

    approver_page = chromium_browser.new_context(locale="da-DK").new_page()
    approver_page.base_url = live_server.url
    log_in(approver_page, "kk-approver", APPROVER_PASSWORD)
    approver_page.goto(f"{live_server.url}/reporting/2027-H1/")
    approver_page.click(f"a[href='{url}']")
    approver_page.wait_for_url(f"**{url}")
    assert axe_violations(approver_page) == []
    approver_page.click("button[value=approve]")
    approver_page.wait_for_selector(".alert-success")
    report.refresh_from_db()
    assert report.state == ReportState.APPROVED

    analyst_page = chromium_browser.new_context(locale="da-DK").new_page()
    analyst_page.base_url = live_server.url
    log_in(analyst_page)
    analyst_page.goto(f"{live_server.url}{url}")
    assert axe_violations(analyst_page) == []
    analyst_page.click("button[value=accept]")
    analyst_page.wait_for_selector(".alert-success")
    report.refresh_from_db()
    assert report.state == ReportState.ACCEPTED
    analyst_page.goto(f"{live_server.url}/reporting/2027-H1/report/")
    assert "Gevinsterne hentes i anden fase" in analyst_page.content()
    # The overview names the divergence, with its rationale.
    analyst_page.goto(f"{live_server.url}/")
    divergences = analyst_page.locator("section[aria-labelledby=divergence-heading]").inner_text()
    assert "Gevinsterne hentes i anden fase" in divergences
    assert axe_violations(analyst_page) == []
