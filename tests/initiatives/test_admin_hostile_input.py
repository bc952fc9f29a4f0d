"""Hostile addresses and forms in the admin answer with a 4xx or the admin's own "bad filter"
redirect, the same on SQLite and PostgreSQL, never a 500 (issue: hardening, 7, 9 and 10)."""

import pytest
from django.urls import reverse

from initiatives.models import Initiative

HUGE = "9" * 30


@pytest.fixture
def secretariat_client(client, analyst, strategy_2022):
    client.force_login(analyst)
    client.raise_request_exception = True  # a server error fails the test with its traceback
    return client


@pytest.mark.parametrize(
    "query",
    [
        "baseline_date__year=99999999999999999999",
        "baseline_date__year=9999",
        "baseline_date__year=2024&baseline_date__month=99999999999",
        "baseline_date__year=2024&baseline_date__month=2&baseline_date__day=31",
        "baseline_date__year=-5",
    ],
)
def test_an_impossible_date_drill_down_is_a_bad_filter_not_an_error(secretariat_client, query):
    response = secretariat_client.get(f"{reverse('admin:initiatives_milestone_changelist')}?{query}")
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


@pytest.mark.parametrize(
    "url",
    [
        "/admin/initiatives/initiative/?lead__level__exact=%00",
        "/admin/initiatives/initiative/?q=ab%00c",
        "/admin/autocomplete/?app_label=initiatives&model_name=dependency&field_name=target&term=%00",
        "/admin/initiatives/milestone/?initiative__id__exact=%00",
        "/initiatives/?q=%00",
    ],
)
def test_a_nul_byte_anywhere_in_the_address_is_refused_with_400_and_a_page_saying_why(secretariat_client, url):
    response = secretariat_client.get(url)
    assert response.status_code == 400
    # In Danish, the product's own page (or the list's own filter message), never a bare "Bad Request".
    assert "Filtrene kunne ikke bruges" in response.content.decode()


def test_a_nul_byte_in_a_form_is_refused_with_400_and_nothing_saved(secretariat_client):
    response = secretariat_client.post(reverse("admin:initiatives_initiative_add"), {"code": "N\x00UL", "title_da": "x"})
    assert response.status_code == 400
    assert "Formularen kunne ikke bruges" in response.content.decode()
    assert "NUL" in response.content.decode()
    assert not Initiative.objects.filter(title_da="x").exists()


@pytest.mark.parametrize(
    "url",
    [
        f"/admin/initiatives/initiative/?strategy__id__exact={HUGE}",
        f"/admin/initiatives/initiative/?lead__id__exact=-{HUGE}",
        "/admin/recent-changes/?user=9223372036854775808",
        f"/admin/initiatives/initiative/{HUGE}/change/",
    ],
)
def test_huge_ids_in_the_address_find_nothing_instead_of_failing(secretariat_client, url):
    assert secretariat_client.get(url).status_code in (200, 302, 404)


def test_a_huge_id_in_an_add_form_is_a_form_error_and_nothing_is_saved(secretariat_client):
    response = secretariat_client.post(
        reverse("admin:initiatives_initiative_add"), {"strategy": HUGE, "lead": HUGE, "code": "H-1", "title_da": "Stor"}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not Initiative.objects.filter(code="H-1").exists()
