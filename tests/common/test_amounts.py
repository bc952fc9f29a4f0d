"""Amounts in whole kroner: grouped as the language writes them, read with or without grouping, and
anything ambiguous refused (issue: figures a steering committee can trust)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from common.amounts import AmountField, AmountInput, read_amount


@pytest.mark.parametrize("typed, amount", [
    ("109000000", 109_000_000), ("109.000.000", 109_000_000), ("109,000,000", 109_000_000),
    ("109 000 000", 109_000_000), ("1.500.000 kr.", 1_500_000), ("2500 DKK", 2_500), ("", None),
])
def test_an_amount_is_read_with_or_without_grouping(typed, amount):
    assert AmountField(required=False).clean(typed) == amount


@pytest.mark.parametrize("typed", ["12,5", "1.50", "1.5000", "ti kroner", "-5", "1e9", "1..000"])
def test_an_amount_that_could_be_read_two_ways_is_refused(typed):
    with pytest.raises(ValidationError):
        AmountField(required=False).clean(typed)


def test_an_amount_is_shown_grouped_in_the_active_language():
    with translation.override("da"):
        assert AmountInput().format_value(109_000_000) == "109.000.000"
    with translation.override("en"):
        assert AmountInput().format_value(109_000_000) == "109,000,000"


def test_the_initiative_form_shows_and_reads_amounts_in_danish_style(client, analyst, make_initiative, kobenhavn):
    # The forecast cost: the baseline budget of an existing initiative is read-only (reporting's
    # rebaseline requests change it).
    initiative = make_initiative(kobenhavn, forecast_cost=109_000_000)
    client.force_login(analyst)

    page = client.get(reverse("admin:initiatives_initiative_change", args=[initiative.pk])).content.decode()

    assert 'value="109.000.000"' in page and 'inputmode="numeric"' in page


@pytest.mark.parametrize(("cell", "read"), [
    ("1.500.000,50", Decimal("1500000.50")), ("1,500,000.50", Decimal("1500000.50")),
    ("1500000.50", Decimal("1500000.50")), ("1500000,50", Decimal("1500000.50")), ("1.500", Decimal("1500")),
    ("0,125", Decimal("0.125")), ("1.000,125", Decimal("1000.125")), ("−100 kr.", Decimal("-100")),
    ("DKK 1,000.5", Decimal("1000.5")), (1000.5, Decimal("1000.5")), (12, Decimal("12")), ("", None), (None, None),
])
def test_a_spreadsheet_cell_is_read_exactly_as_written(cell, read):
    assert read_amount(cell) == read


@pytest.mark.parametrize("cell", ["1e3", "1.50.000", "1.234,5.6", "abc", "=1+2", float("inf"), True, "1,"])
def test_what_is_not_an_amount_is_refused(cell):
    with pytest.raises(ValueError):
        read_amount(cell)
