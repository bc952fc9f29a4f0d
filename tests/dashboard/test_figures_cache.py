"""The dashboard's cached figures: fewer queries on a repeated visit, and never figures older than the data."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from initiatives.models import Status
from initiatives.services import initiative_update

# Committed, as requests commit: the cache holds only committed data (nothing inside a transaction).
pytestmark = pytest.mark.django_db(transaction=True)


def overview(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"), {"strategy": "2022-2025"})
    assert response.status_code == 200
    return response, len(queries.captured_queries)


def test_a_repeated_overview_reads_its_figures_from_the_cache(logged_in, page_cache, portfolio):
    first, first_queries = overview(logged_in)
    again, again_queries = overview(logged_in)

    assert again.context["total"] == first.context["total"]
    assert again_queries < first_queries


def test_the_overview_counts_an_edit_at_once(logged_in, page_cache, portfolio):
    first, _ = overview(logged_in)
    paused_before = next(bar.count for bar in first.context["by_status"] if bar.value == Status.PAUSED)
    initiative = portfolio["dependants"][0]

    initiative_update(initiative=initiative, status=Status.PAUSED)

    after, _ = overview(logged_in)
    assert next(bar.count for bar in after.context["by_status"] if bar.value == Status.PAUSED) == paused_before + 1


def test_the_matrix_is_cached_per_filter(logged_in, page_cache, portfolio):
    everything = logged_in.get(reverse("interdependencies"))
    high_only = logged_in.get(reverse("interdependencies"), {"strategy": "2022-2025", "criticality": "high"})

    assert everything.status_code == high_only.status_code == 200
    assert everything.context["criticality"] == "" and high_only.context["criticality"] == "high"
    assert high_only.context["authority_matrix"].source == "dependencies"
    assert everything.context["authority_matrix"].source == "summaries"
