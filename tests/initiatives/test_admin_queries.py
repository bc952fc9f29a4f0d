"""Change lists run the same number of queries with 3 rows and with 30+."""

import datetime

import pytest
from django.urls import reverse

from initiatives.models import Role
from initiatives.services import dependency_add, milestone_add, participation_set

CHANGELISTS = [
    "admin:initiatives_initiative_changelist",
    "admin:initiatives_participation_changelist",
    "admin:initiatives_milestone_changelist",
    "admin:initiatives_dependency_changelist",
    "admin:authorities_authority_changelist",
]


def add_rows(kobenhavn, aarhus, make_initiative, count):
    previous = None
    for n in range(count):
        initiative = make_initiative(kobenhavn if n % 2 == 0 else aarhus)
        participation_set(initiative=initiative, authority=aarhus if n % 2 == 0 else kobenhavn, role=Role.CONTRIBUTOR)
        milestone_add(initiative=initiative, title_da=f"Milepæl {n}", baseline_date=datetime.date(2025, 1, 1))
        if previous is not None:
            dependency_add(source=initiative, target=previous)
        previous = initiative


def measure(client, url, django_assert_max_num_queries, budget):
    with django_assert_max_num_queries(budget) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize("name", CHANGELISTS)
@pytest.mark.parametrize("persona", ["analyst", "kobenhavn_coordinator"])
def test_a_change_list_runs_the_same_queries_with_3_rows_and_with_36(
    client, request, persona, name, kobenhavn, aarhus, make_initiative, django_assert_max_num_queries
):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    url = reverse(name)
    add_rows(kobenhavn, aarhus, make_initiative, 3)
    client.get(url)  # warm the content-type and permission caches
    few = measure(client, url, django_assert_max_num_queries, 20)
    add_rows(kobenhavn, aarhus, make_initiative, 33)
    many = measure(client, url, django_assert_max_num_queries, few)
    assert many == few
