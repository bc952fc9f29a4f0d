"""A reporting round in the browser, in Danish and English, with axe-core on every page and state:
the secretariat's cycle pages, a coordinator filling in a report (refused without a rationale,
then submitted), the authority's approver approving it and the secretariat accepting it; then a
report returned with a comment the coordinator reads, the cycle frozen, compared with the next and
its report exported as PDF.

On SQLite the live server's flush empties tables in no fixed order, and a snapshot row refuses to
be deleted while its cycle exists: the test that freezes removes its frozen cycle itself first
(`frozen_cycles_removed_after`).
"""

import datetime
import io

import pypdf
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


@pytest.fixture
def frozen_cycles_removed_after(transactional_db):
    """After the test, on SQLite, remove the frozen cycles before the flush does: the cycle first
    (SQLite's triggers guard no deletion of a cycle), then what was its, which the snapshot's trigger
    lets go once the cycle is gone; foreign keys are checked at the commit. PostgreSQL's flush
    truncates, which row triggers do not see."""
    yield
    from django.db import connection, transaction

    if connection.vendor != "sqlite":
        return
    gone = "cycle_id NOT IN (SELECT id FROM reporting_cycle)"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM reporting_cycle WHERE state = 'frozen'")
        for table in ("reporting_cyclesnapshot", "reporting_statusreport", "reporting_cyclereminder",
                      "reporting_cycle_strategies"):
            cursor.execute(f"DELETE FROM {table} WHERE {gone}")


def _open_a_cycle_in_the_admin(page, strategy, language) -> None:
    """The secretariat opens the next cycle in the admin: every open initiative of its strategy owes a report."""
    from initiatives.models import Initiative
    from reporting.models import Cycle

    page.goto(f"{page.base_url}/admin/reporting/cycle/add/")
    dates = ("01.01.2028", "30.06.2028", "15.07.2028") if language == "da" else ("2028-01-01", "2028-06-30", "2028-07-15")
    page.fill("#id_code", "2028-H1")
    for field, value in zip(("period_start", "period_end", "deadline"), dates, strict=True):
        page.fill(f"#id_{field}", value)
    page.select_option("#id_strategies_from", str(strategy.pk))
    page.click("#id_strategies_add")
    assert axe_violations(page) == []
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/reporting/cycle/")
    opened = Cycle.objects.get(code="2028-H1")
    owed = Initiative.objects.open().filter(strategy=strategy).count()
    assert owed > 0 and opened.reports.count() == owed
    page.goto(f"{page.base_url}/reporting/2028-H1/")
    assert axe_violations(page) == []


def _return_the_report(page, report, url) -> None:
    """The secretariat returns it: without a comment refused, naming the field; then with one."""
    from reporting.models import ReportState

    page.goto(f"{page.base_url}{url}")
    page.click("button[value=return]")
    page.wait_for_selector("#return-error")
    assert axe_violations(page) == []
    page.fill("#id_return_comment", "Hovedrisiciene mangler")
    page.click("button[value=return]")
    page.wait_for_selector(".alert-success")
    report.refresh_from_db()
    assert (report.state, report.return_comment) == (ReportState.RETURNED, "Hovedrisiciene mangler")


def _coordinator_reads_why(chromium_browser, live_server, url, language) -> None:
    coordinator_page = chromium_browser.new_context(locale="da-DK").new_page()
    coordinator_page.base_url = live_server.url
    log_in(coordinator_page, "kk-coordinator", KK_PASSWORD)
    if language != "da":
        switch_language(coordinator_page, language)
    coordinator_page.goto(f"{live_server.url}{url}")
    assert "Hovedrisiciene mangler" in coordinator_page.locator(".alert-warning").inner_text()
    assert axe_violations(coordinator_page) == []


def _freeze_and_compare(page) -> None:
    """The secretariat freezes the cycle on its page, then compares it with the next cycle."""
    from reporting.models import Cycle

    page.goto(f"{page.base_url}/reporting/2027-H1/")
    page.click("form.freeze-form button[type=submit]")
    page.wait_for_selector(".alert-success")
    assert Cycle.objects.get(code="2027-H1").is_frozen
    assert axe_violations(page) == []
    page.goto(f"{page.base_url}/reporting/compare/")
    page.select_option("#id_a", "2027-H1")
    page.select_option("#id_b", "2027-H2")
    page.click("form.compare-form button[type=submit]")
    page.wait_for_url("**/reporting/compare/?*")
    assert "2027-H1" in page.locator("#changes-heading").inner_text()
    assert axe_violations(page) == []


def _take_the_pdf(page, report, language) -> None:
    """The steering group's report of the strategy, as PDF."""
    page.goto(f"{page.base_url}/reporting/2027-H1/report/")
    assert axe_violations(page) == []
    with page.expect_download() as download:
        page.click("a[download]")
    content = download.value.path().read_bytes()
    assert content.startswith(b"%PDF-")
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(content)).pages)
    heading = "The steering group's report: 2027-H1" if language == "en" else "Styregruppens rapport: 2027-H1"
    assert heading in text and report.initiative.code_with_strategy in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_cycle_is_opened_a_report_returned_the_cycle_frozen_compared_and_exported_as_pdf_in_the_browser(
    browser_page, chromium_browser, live_server, cycles, frozen_cycles_removed_after, language
):
    from django.contrib.auth.models import User

    from reporting.services import report_submit

    report = cycles["report"]
    report_submit(report=report, user=User.objects.get(username="kk-coordinator"),
                  assessed=report.initiative.health, track="back_to_plan")
    url = f"/reporting/reports/{report.pk}/"
    page = browser_page
    log_in(page)
    if language != "da":
        switch_language(page, language)
    _open_a_cycle_in_the_admin(page, cycles["first"].strategies.get(), language)
    _return_the_report(page, report, url)
    _coordinator_reads_why(chromium_browser, live_server, url, language)
    _freeze_and_compare(page)
    _take_the_pdf(page, report, language)
