"""The API's cached lists: the same page for the same scope and data version, never another user's rows,
never rows older than the data."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.services import token_create
from initiatives.services import initiative_update

# Committed, as requests commit: the cache holds only committed data (nothing inside a transaction).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_leads(make_initiative, kobenhavn, aarhus):
    return make_initiative(kobenhavn, code="K.1"), make_initiative(aarhus, code="A.1")


def listed(client, token: str) -> dict[int, str]:
    response = client.get("/api/v1/initiatives/", headers={"Authorization": f"Token {token}"})
    assert response.status_code == 200, response.content
    return {row["id"]: row["title_da"] for row in response.json()["results"]}


def test_a_repeated_read_is_answered_from_the_cache(client, page_cache, two_leads, analyst):
    token = token_create(user=analyst, days=30)[1]
    first = listed(client, token)

    with CaptureQueriesContext(connection) as repeated:
        again = listed(client, token)

    assert again == first and len(first) >= 2
    # The token and its user, then the data version: no rows read.
    assert len(repeated.captured_queries) <= 4


def test_an_edit_shows_at_once(client, page_cache, two_leads, analyst):
    token = token_create(user=analyst, days=30)[1]
    own, _aarhus = two_leads
    listed(client, token)

    initiative_update(initiative=own, title_da="Omdøbt")

    assert listed(client, token)[own.pk] == "Omdøbt"


def test_a_coordinator_never_gets_the_secretariats_cached_rows(client, page_cache, two_leads, analyst,
                                                                kobenhavn_coordinator):
    own, aarhus_only = two_leads
    assert {own.pk, aarhus_only.pk} <= set(listed(client, token_create(user=analyst, days=30)[1]))

    coordinators = set(listed(client, token_create(user=kobenhavn_coordinator, days=30)[1]))
    assert own.pk in coordinators and aarhus_only.pk not in coordinators
