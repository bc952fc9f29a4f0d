"""The arithmetic of funding, with exact amounts: a year's split adds up to its budget, a re-phasing
keeps every total, and what cannot be moved is refused naming the field, with nothing saved."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from funding.models import FundingShare, FundingYear, Party, Rephasing
from funding.services import ShareInput, funding_year_set, rephase

D = Decimal


@pytest.fixture
def funded(make_initiative, kobenhavn):
    """An initiative of 2022–2025 paid by the state and KL in 2023 and 2024."""
    initiative = make_initiative(kobenhavn)
    funding_year_set(initiative=initiative, year=2023, budget=D("1000000.50"), shares=[
        ShareInput(Party.STATE, D("600000.25")), ShareInput(Party.KL, D("400000.25"), actual=D("100000.00"))])
    funding_year_set(initiative=initiative, year=2024, budget=D("500000.00"), shares=[
        ShareInput(Party.STATE, D("500000.00"))])
    return initiative


def totals(initiative) -> dict:
    rows = FundingShare.objects.filter(funding_year__initiative=initiative)
    by_party = {}
    for share in rows:
        by_party[share.party] = by_party.get(share.party, D(0)) + share.budget
    years = {row.year: row.budget for row in FundingYear.objects.filter(initiative=initiative)}
    return {"years": years, "parties": by_party, "all": sum(years.values(), D(0))}


def test_a_split_that_adds_up_is_kept_to_the_øre(funded):
    assert totals(funded) == {
        "years": {2023: D("1000000.50"), 2024: D("500000.00")},
        "parties": {"state": D("1100000.25"), "kl": D("400000.25")},
        "all": D("1500000.50"),
    }


def test_a_split_that_does_not_add_up_is_refused_and_nothing_changes(funded):
    with pytest.raises(ValidationError) as refused:
        funding_year_set(initiative=funded, year=2023, budget=D("1000000.50"), shares=[
            ShareInput(Party.STATE, D("600000.25")), ShareInput(Party.KL, D("400000.00"))])
    assert "budget" in refused.value.message_dict
    assert "1.000.000,25" in refused.value.message_dict["budget"][0]  # what the shares add up to
    assert totals(funded)["years"][2023] == D("1000000.50")


def test_a_negative_share_is_refused(funded):
    with pytest.raises(ValidationError) as refused:
        funding_year_set(initiative=funded, year=2025, budget=D("0"), shares=[
            ShareInput(Party.STATE, D("100")), ShareInput(Party.KL, D("-100"))])
    assert refused.value.messages == ["Et beløb kan ikke være negativt."]
    assert not FundingYear.objects.filter(initiative=funded, year=2025).exists()


def test_a_rephasing_moves_the_amount_and_keeps_every_total(funded, analyst):
    before = totals(funded)
    rephase(initiative=funded, party=Party.STATE, from_year=2023, to_year=2025, amount=D("200000.10"),
            reason="Udbuddet er forsinket", user=analyst)
    after = totals(funded)
    assert after["all"] == before["all"] == D("1500000.50")
    assert after["parties"] == before["parties"]
    assert after["years"] == {2023: D("800000.40"), 2024: D("500000.00"), 2025: D("200000.10")}
    state_2023 = FundingShare.objects.get(funding_year__initiative=funded, funding_year__year=2023, party="state")
    assert state_2023.budget == D("400000.15")
    record = Rephasing.objects.get()
    assert (record.from_year, record.to_year, record.amount, record.created_by) == (2023, 2025, D("200000.10"), analyst)
    assert state_2023.history.count() == 2  # the amount before the move is kept


@pytest.mark.parametrize(("change", "field"), [
    ({"to_year": 2022}, "to_year"),  # earlier
    ({"to_year": 2023}, "to_year"),  # the same year
    ({"to_year": 2026}, "to_year"),  # beyond the strategy's end (2025)
    ({"amount": D("600000.26")}, "amount"),  # more than the state's 2023 budget
    ({"amount": D("0")}, "amount"),
    ({"amount": D("-5")}, "amount"),
    ({"reason": "  "}, "reason"),
    ({"from_year": 2021}, "from_year"),  # no budget then
    ({"party": Party.REGIONS}, "from_year"),  # the regions pay nothing in 2023
])
def test_a_rephasing_that_breaks_a_rule_is_refused_naming_the_field_and_saves_nothing(funded, analyst, change, field):
    before = totals(funded)
    given = {"party": Party.STATE, "from_year": 2023, "to_year": 2025, "amount": D("100"), "reason": "Forsinket"}
    given.update(change)
    with pytest.raises(ValidationError) as refused:
        rephase(initiative=funded, user=analyst, **given)
    assert field in refused.value.message_dict
    assert totals(funded) == before and not Rephasing.objects.exists()


def test_money_already_spent_cannot_be_moved(funded, analyst):
    # KL's 2023 share is 400.000,25 of which 100.000,00 is spent: 300.000,25 can move, not a øre more.
    with pytest.raises(ValidationError) as refused:
        rephase(initiative=funded, party=Party.KL, from_year=2023, to_year=2024, amount=D("300000.26"),
                reason="Forsinket", user=analyst)
    assert "300.000,25" in refused.value.message_dict["amount"][0]
    rephase(initiative=funded, party=Party.KL, from_year=2023, to_year=2024, amount=D("300000.25"),
            reason="Forsinket", user=analyst)
    assert totals(funded)["parties"]["kl"] == D("400000.25")
