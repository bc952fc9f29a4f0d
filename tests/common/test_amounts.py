"""Amounts in whole kroner: grouped as the language writes them, read with or without grouping, and
anything ambiguous refused (issue: figures a steering committee can trust)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from common.amounts import AmountField, AmountInput


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
