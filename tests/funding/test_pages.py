"""The funding page: totals per party, year and focus area that are the sums of the exported rows,
in both languages, a fixed number of queries, and bad filters answered on the page."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest

from funding.models import Party
from funding.services import ShareInput, funding_year_set, rephase
from tests.clients import in_english

D = Decimal
PAGE = "/funding/?strategy=2022-2025"


@pytest.fixture
def funded(make_initiative, kobenhavn, aarhus, analyst):
    first = make_initiative(kobenhavn, code="KK.1")
    second = make_initiative(aarhus, code="AA.1")
    funding_year_set(initiative=first, year=2023, budget=D("1000000.50"), shares=[
        ShareInput(Party.STATE, D("600000.25"), actual=D("650000.00")), ShareInput(Party.KL, D("400000.25"))])
    funding_year_set(initiative=first, year=2024, budget=D("300000.00"), shares=[ShareInput(Party.KL, D("300000.00"))])
    funding_year_set(initiative=second, year=2024, budget=D("200000.00"), shares=[
        ShareInput(Party.REGIONS, D("200000.00"), actual=D("150000.00"))])
    rephase(initiative=first, party=Party.KL, from_year=2024, to_year=2025, amount=D("100000.00"),
            reason="Udbud forsinket", user=analyst)
    return first, second


def csv_rows(client, query="?strategy=2022-2025") -> list[list[str]]:
    response = client.get(f"/funding/export.csv{query}")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_the_page_shows_each_partys_budget_per_year_and_the_totals(analyst_client, funded):
    page = analyst_client.get(PAGE).content.decode()
    assert "<strong>1.000.000,50</strong>" in page  # all parties in 2023
    assert "<strong>400.000,00</strong>" in page  # 2024: KL's 300.000 less the 100.000 moved, the regions' 200.000
    assert "600.000,25" in page and "forbrugt 650.000,00" in page and "+49.999,75" in page  # the state, 2023
    assert "200.000,00" in page and "−50.000,00" in page  # the regions underspent
    assert "1.500.000,50" in page  # all parties, all years
    assert "2024 → 2025" in page and "Udbud forsinket" in page and "KK.1 · 2022–25" in page
    assert "1,5 mio. kr." in page  # the key figure


def test_the_page_totals_equal_the_sums_of_the_exported_rows(analyst_client, funded):
    header, *rows = csv_rows(analyst_client)
    assert header[:2] == ["Strategi", "Kode"] and "Budget (kr.)" in header
    budget = header.index("Budget (kr.)")
    total = sum(D(row[budget].replace(",", ".")) for row in rows)
    assert total == D("1500000.50")
    state = sum(D(row[budget].replace(",", ".")) for row in rows if row[header.index("Part")] == "Staten")
    assert state == D("600000.25")
    page = analyst_client.get(PAGE).content.decode()
    assert "1.500.000,50" in page and "600.000,25" in page


def test_the_xlsx_has_amounts_as_numbers_and_the_same_total(analyst_client, funded):
    response = analyst_client.get("/funding/export.xlsx?strategy=2022-2025")
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    sheet = workbook.active
    header, *rows = list(sheet.values)
    budget = header.index("Budget (kr.)")
    assert sum(D(str(row[budget])) for row in rows) == D("1500000.50")
    workbook.close()


def test_the_page_in_english(client, analyst, funded):
    client.force_login(analyst)
    page = in_english(client).get(PAGE).content.decode()
    assert "Budget per party and year" in page and "KL (the municipalities)" in page
    assert "600,000.25" in page and "DKK 1.5 million" in page


def test_a_strategy_without_funding_says_so(analyst_client, reference_data):
    page = analyst_client.get(PAGE).content.decode()
    assert "Der er endnu ikke registreret finansiering" in page


def test_a_bad_strategy_is_a_message_and_the_current_strategy(analyst_client, funded):
    response = analyst_client.get("/funding/?strategy=nonsense")
    assert response.status_code == 200
    assert "Nogle af filtrene kunne ikke bruges" in response.content.decode()


def test_the_page_runs_a_fixed_number_of_queries(analyst_client, funded, make_initiative, kobenhavn,
                                                 django_assert_num_queries):
    analyst_client.get(PAGE)
    # Pinned, whatever the number of rows: the session, the user and role, the strategies, then one query per figure.
    with django_assert_num_queries(10):
        analyst_client.get(PAGE)
    for n in range(10):
        initiative = make_initiative(kobenhavn, code=f"M.{n}")
        funding_year_set(initiative=initiative, year=2024, budget=D("10"), shares=[ShareInput(Party.STATE, D("10"))])
    with django_assert_num_queries(10):
        analyst_client.get(PAGE)


def test_the_page_and_exports_need_a_login(client, reference_data):
    for path in (PAGE, "/funding/export.csv", "/funding/export.xlsx"):
        assert client.get(path).status_code == 302
