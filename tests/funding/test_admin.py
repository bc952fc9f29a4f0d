"""Funding in the admin: a year's split is kept only when it adds up, amounts are read as Danish or
English write them, re-phasing goes through the service, and a coordinator sees and changes only what
their authority's initiatives own, whatever ids are forged."""

from decimal import Decimal

import pytest
from django.urls import reverse

from funding.models import FundingShare, FundingYear, Party, Rephasing
from funding.services import ShareInput, funding_year_set
from tests.clients import change_form_data, in_english

D = Decimal
ADD = reverse("admin:funding_fundingyear_add")


def year_form(initiative, year, budget, *shares) -> dict:
    data = {"initiative": initiative.pk, "year": year, "budget": budget,
            "shares-TOTAL_FORMS": len(shares), "shares-INITIAL_FORMS": 0,
            "shares-MIN_NUM_FORMS": 1, "shares-MAX_NUM_FORMS": 1000}
    for n, (party, amount) in enumerate(shares):
        data |= {f"shares-{n}-party": party, f"shares-{n}-budget": amount, f"shares-{n}-actual": ""}
    return data


@pytest.fixture
def kk_initiative(make_initiative, kobenhavn):
    return make_initiative(kobenhavn, code="KK.1")


@pytest.fixture
def aarhus_funding(make_initiative, aarhus):
    initiative = make_initiative(aarhus, code="AA.1")
    return funding_year_set(initiative=initiative, year=2023, budget=D("100.00"),
                            shares=[ShareInput(Party.KL, D("100.00"))])


def test_a_coordinator_enters_a_split_in_danish_and_it_is_kept_exactly(client, kobenhavn_coordinator, kk_initiative):
    client.force_login(kobenhavn_coordinator)
    response = client.post(ADD, year_form(kk_initiative, 2024, "1.500.000,50",
                                          ("state", "1.000.000,25"), ("kl", "500.000,25")))
    assert response.status_code == 302
    year = FundingYear.objects.get(initiative=kk_initiative, year=2024)
    assert year.budget == D("1500000.50")
    assert {s.party: s.budget for s in year.shares.all()} == {"state": D("1000000.25"), "kl": D("500000.25")}
    assert year.history.count() == 1
    page = client.get(reverse("admin:funding_fundingyear_changelist")).content.decode()
    assert "1.500.000,50 kr." in page


def test_a_split_that_does_not_add_up_is_refused_with_both_sums_and_nothing_is_saved(client, analyst, kk_initiative):
    client.force_login(analyst)
    response = client.post(ADD, year_form(kk_initiative, 2024, "1.000,00", ("state", "600,00"), ("kl", "300,00")))
    assert response.status_code == 200
    assert "Parternes andele giver tilsammen 900,00 kr., ikke årets budget på 1.000,00 kr." in response.content.decode()
    assert not FundingYear.objects.exists() and not FundingShare.objects.exists()


def test_a_year_outside_the_strategy_is_refused_and_nothing_is_saved(client, kobenhavn_coordinator, kk_initiative):
    client.force_login(kobenhavn_coordinator)
    response = client.post(ADD, year_form(kk_initiative, 2027, "100,00", ("state", "100,00")))
    assert response.status_code == 200
    assert "2027 ligger uden for strategien 2022-2025 (2022–2025)." in response.content.decode()
    assert not FundingYear.objects.exists()


@pytest.mark.parametrize(("amount", "message"), [
    ("12,345", "Et beløb har højst to decimaler (øre)."),
    ("-100", "Et beløb kan ikke være negativt."),
    ("1500000.50", "Skriv et beløb i kroner"),  # a Danish page reads the point as grouping: refused, not misread
    ("=1+1", "Skriv et beløb i kroner"),
])
def test_a_bad_amount_is_refused_naming_it(client, analyst, kk_initiative, amount, message):
    client.force_login(analyst)
    response = client.post(ADD, year_form(kk_initiative, 2024, amount, ("state", amount)))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not FundingYear.objects.exists()


def test_english_amounts_are_read_the_english_way(client, analyst, kk_initiative):
    client.force_login(in_english(client) and analyst)
    in_english(client)
    response = client.post(ADD, year_form(kk_initiative, 2024, "1,500,000.50", ("state", "1,500,000.50")))
    assert response.status_code == 302
    assert FundingYear.objects.get().budget == D("1500000.50")


def test_a_coordinator_cannot_see_or_change_another_authoritys_funding(client, kobenhavn_coordinator, aarhus_funding):
    client.force_login(kobenhavn_coordinator)
    change = reverse("admin:funding_fundingyear_change", args=[aarhus_funding.pk])
    assert client.get(change).status_code == 404
    assert client.post(change, {"budget": "1"}).status_code == 404
    assert client.get(reverse("admin:funding_fundingyear_history", args=[aarhus_funding.pk])).status_code == 404
    listing = client.get(reverse("admin:funding_fundingyear_changelist")).content.decode()
    assert "AA.1" not in listing
    # Nor add a year to it with a forged initiative id.
    response = client.post(ADD, year_form(aarhus_funding.initiative, 2024, "100", ("kl", "100")))
    assert response.status_code == 200 and FundingYear.objects.count() == 1


def test_a_coordinator_changes_their_own_split_and_the_history_keeps_the_old_amounts(
        client, kobenhavn_coordinator, kk_initiative):
    year = funding_year_set(initiative=kk_initiative, year=2024, budget=D("100.00"),
                            shares=[ShareInput(Party.STATE, D("60.00")), ShareInput(Party.KL, D("40.00"))])
    client.force_login(kobenhavn_coordinator)
    change = reverse("admin:funding_fundingyear_change", args=[year.pk])
    opened = client.get(change)
    # As the browser posts what the form shows (Danish amounts), not the stored "100.00".
    data = change_form_data(opened, **{"budget": "100,00", "shares-0-budget": "50,00", "shares-1-budget": "50,00"})
    assert client.post(change, data).status_code == 302
    shares = {s.party: s for s in year.shares.all()}
    assert (shares["state"].budget, shares["kl"].budget) == (D("50.00"), D("50.00"))
    assert [h.budget for h in shares["state"].history.order_by("history_date")] == [D("60.00"), D("50.00")]


def test_a_rephasing_made_in_the_admin_moves_the_money_and_is_listed(client, kobenhavn_coordinator, kk_initiative):
    funding_year_set(initiative=kk_initiative, year=2023, budget=D("100.00"), shares=[ShareInput(Party.STATE, D("100.00"))])
    client.force_login(kobenhavn_coordinator)
    add = reverse("admin:funding_rephasing_add")
    refused = client.post(add, {"initiative": kk_initiative.pk, "party": "state", "from_year": 2023, "to_year": 2026,
                                "amount": "40,00", "reason": "Forsinket udbud"})
    assert refused.status_code == 200 and "2026 ligger efter strategiens sidste år, 2025." in refused.content.decode()
    assert not Rephasing.objects.exists()
    response = client.post(add, {"initiative": kk_initiative.pk, "party": "state", "from_year": 2023, "to_year": 2024,
                                 "amount": "40,00", "reason": "Forsinket udbud"})
    assert response.status_code == 302
    assert {y.year: y.budget for y in FundingYear.objects.filter(initiative=kk_initiative)} == {
        2023: D("60.00"), 2024: D("40.00")}
    record = Rephasing.objects.get()
    assert record.created_by == kobenhavn_coordinator
    assert client.get(reverse("admin:funding_rephasing_change", args=[record.pk])).status_code == 200  # view only
    assert client.post(reverse("admin:funding_rephasing_delete", args=[record.pk])).status_code == 403


def test_a_coordinator_cannot_rephase_another_authoritys_money(client, kobenhavn_coordinator, aarhus_funding):
    client.force_login(kobenhavn_coordinator)
    response = client.post(reverse("admin:funding_rephasing_add"), {
        "initiative": aarhus_funding.initiative.pk, "party": "kl", "from_year": 2023, "to_year": 2024,
        "amount": "10", "reason": "Snyd"})
    assert response.status_code == 200 and not Rephasing.objects.exists()
    assert FundingYear.objects.get(pk=aarhus_funding.pk).budget == D("100.00")
