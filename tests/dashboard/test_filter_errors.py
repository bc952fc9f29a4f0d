"""Every list refuses filters it cannot use the same way: 400, an alert naming them, and a link that clears them."""

import pytest
from django.urls import reverse

from tests.clients import in_english


@pytest.mark.parametrize("name, query", [
    ("initiatives:list", "lead_id=x"),
    ("risks:list", "probability=9"),
    ("authorities:list", "region_id=x"),
])
def test_a_list_with_a_bad_filter_says_so_and_offers_to_clear_the_filters(analyst_client, reference_data, name, query):
    response = in_english(analyst_client).get(f"{reverse(name)}?{query}")
    assert response.status_code == 400
    page = response.content.decode()
    alert = page.split('class="alert alert-error filter-errors"')[1].split("</div>\n</div>")[0]
    assert "The filters could not be used" in alert
    assert f'<a href="{reverse(name)}">clear all filters</a>' in alert
