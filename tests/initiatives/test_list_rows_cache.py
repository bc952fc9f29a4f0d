"""The initiative list's rows, rendered once per address, language and data version: never older than the data."""

import pytest
from django.urls import reverse

from initiatives.services import initiative_update
from tests.clients import in_english

# Committed, as requests commit: the cache holds only committed data (nothing inside a transaction).
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_renamed_initiative_shows_its_new_title_at_once(analyst_client, page_cache, make_initiative, kobenhavn):
    initiative = make_initiative(kobenhavn, title_en="Before")
    client = in_english(analyst_client)
    assert "Before" in client.get(reverse("initiatives:list")).content.decode()
    assert client.get(reverse("initiatives:list")).context["rows_cache_key"]

    initiative_update(initiative=initiative, title_en="After")

    page = client.get(reverse("initiatives:list")).content.decode()
    assert "After" in page and "Before" not in page


def test_each_language_gets_its_own_rows(analyst_client, page_cache, make_initiative, kobenhavn):
    make_initiative(kobenhavn, title_da="Dansk titel", title_en="English title")

    danish = analyst_client.get(reverse("initiatives:list")).content.decode()
    english = in_english(analyst_client).get(reverse("initiatives:list")).content.decode()

    assert "Dansk titel" in danish and "English title" in english
