"""Funding and benefits as people use them: København's coordinator moves money to a later year and
records a realised benefit in the admin; the secretariat reads the totals per party in both
languages; axe finds nothing on the way."""

from decimal import Decimal

import pytest

from tests.browser.conftest import switch_language

pytestmark = pytest.mark.browser


def test_a_coordinator_rephases_and_records_a_realised_benefit(coordinator_page, browser_portfolio, axe):
    from benefits.models import Benefit, Kind
    from benefits.services import benefit_save
    from funding.models import FundingYear, Rephasing

    page = coordinator_page
    middle = browser_portfolio["middle"]
    benefit = benefit_save(benefit=Benefit(
        initiative=middle, kind=Kind.ECONOMIC, title_da="Sparet tid", title_en="Time saved", from_year=2026,
        baseline=Decimal("1000000"), forecast=Decimal("1000000"), realised_by=middle.lead))

    page.goto(f"{page.base_url}/admin/funding/rephasing/add/")
    axe(page)
    # The initiative is chosen with the autocomplete, by keyboard.
    page.click(".field-initiative .select2-selection")
    page.keyboard.type("B.2")
    page.wait_for_selector(".select2-results__option:has-text(\"B.2\")")
    page.wait_for_selector(".select2-results__option--highlighted")
    page.keyboard.press("Enter")
    page.select_option("#id_party", "kl")
    page.fill("#id_from_year", "2025")
    page.fill("#id_to_year", "2026")  # after the strategy's last year: refused, naming the field
    page.fill("#id_amount", "250.000,00")
    page.fill("#id_reason", "Udrulningen er udskudt")
    page.click("input[name=_save]")
    page.wait_for_selector(".errornote")
    assert "2026 ligger efter strategiens sidste år, 2025." in page.locator(".errorlist").first.inner_text()
    page.fill("#id_from_year", "2024")
    page.fill("#id_to_year", "2025")
    page.click("input[name=_save]")  # KL spent 1.800.000 of its 2.000.000 in 2024: 200.000 can move
    page.wait_for_selector(".errornote")
    assert "KL (kommunerne) har 200.000,00 kr. tilbage at flytte i 2024" in page.locator(".errorlist").first.inner_text()
    page.fill("#id_amount", "150.000,00")
    axe(page)
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")
    record = Rephasing.objects.get()
    assert (record.amount, record.from_year, record.to_year) == (Decimal("150000.00"), 2024, 2025)
    years = {row.year: row.budget for row in FundingYear.objects.filter(initiative=middle)}
    assert years == {2024: Decimal("5850000.00"), 2025: Decimal("4150000.00")}  # the total is still 10.000.000

    page.goto(f"{page.base_url}/admin/benefits/benefit/{benefit.pk}/change/")
    axe(page)
    page.fill("#id_realised", "900.000,00")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")
    benefit.refresh_from_db()
    assert benefit.realised == Decimal("900000.00")


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_secretariat_reads_the_totals_per_party(logged_in_page, browser_portfolio, axe, language):
    page = logged_in_page
    if language != "da":
        switch_language(page, language)
    page.goto(f"{page.base_url}/funding/?strategy=2022-2025")
    page.wait_for_load_state("networkidle")
    table = page.locator("table.funding-table")
    state = table.locator("tbody tr").filter(has_text="Staten" if language == "da" else "The state")
    assert ("4.000.000,00" if language == "da" else "4,000,000.00") in state.inner_text()
    assert ("+250.000,00" if language == "da" else "+250,000.00") in state.inner_text()  # overspent in 2024
    assert ("10.000.000,00" if language == "da" else "10,000,000.00") in table.locator("tfoot").inner_text()
    assert page.locator("canvas.js-funding-chart").is_visible()
    axe(page)
    assert page.console_errors == []
