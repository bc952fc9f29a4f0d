"""The agreement pages: each side's lists, answering from the product, the secretariat's filters,
refusals, forged ids, and a fixed number of queries."""

import datetime

import pytest
from django.urls import reverse

from agreements import services
from agreements.models import Agreement, AgreementState
from initiatives.services import dependency_add

D = datetime.date


@pytest.fixture
def requested(cross_dependency, kobenhavn_coordinator, today):
    return services.agreement_request(
        dependency=cross_dependency, user=kobenhavn_coordinator, needed_by=D(2024, 6, 1), what_needed="The API"
    )


def test_each_side_sees_it_in_its_own_list(client, requested, kobenhavn_coordinator, digst_coordinator, today):
    url = reverse("agreements:list")
    client.force_login(digst_coordinator)
    asked_of = client.get(url).content.decode()  # the list asked of them comes first
    assert 'id="asked-of-heading"' in asked_of and "Spurgt af andre (1)" in asked_of
    assert "D.1 · 2022–25" in asked_of and "Københavns Kommune" in asked_of
    assert "143" in asked_of  # days to answer: 10.01 → 01.06.2024
    assert "01.06.2024" in asked_of
    assert "D.1 · 2022–25" not in client.get(url, {"list": "by"}).content.decode()
    client.force_login(kobenhavn_coordinator)
    asked_by = client.get(url, {"list": "by"}).content.decode()
    assert "D.1 · 2022–25" in asked_by and "Digitaliseringsstyrelsen" in asked_by
    assert "D.1 · 2022–25" not in client.get(url, {"list": "garbage\x00", "page": "-1"}).content.decode()


def test_the_provider_answers_from_the_page(client, requested, digst_coordinator, today):
    client.force_login(digst_coordinator)
    url = reverse("agreements:detail", args=[requested.pk])
    assert "Giv tilsagn om en dato" in client.get(url).content.decode()
    response = client.post(url, {"action": "commit", "commit-committed_date": "15.05.2024"})
    assert response.status_code == 302
    requested.refresh_from_db()
    assert (requested.state, requested.committed_date) == (AgreementState.COMMITTED, D(2024, 5, 15))
    page = client.get(url).content.decode()
    assert "15.05.2024" in page and "digst-coordinator (Digitaliseringsstyrelsen)" in page


def test_a_decline_without_a_reason_is_refused_on_the_page_and_nothing_is_saved(
    client, requested, digst_coordinator, today, english
):
    client.force_login(digst_coordinator)
    response = client.post(reverse("agreements:detail", args=[requested.pk]), {"action": "decline", "decline-reason": " "})
    assert response.status_code == 400
    assert "Give a reason." in response.content.decode()
    requested.refresh_from_db()
    assert requested.state == AgreementState.REQUESTED


def test_a_party_cannot_act_for_the_other_side_and_others_do_not_find_it(
    client, requested, kobenhavn_coordinator, aarhus_coordinator, today
):
    url = reverse("agreements:detail", args=[requested.pk])
    client.force_login(kobenhavn_coordinator)
    assert client.post(url, {"action": "commit", "commit-committed_date": "15.05.2024"}).status_code == 403
    assert client.post(url, {"action": "nonsense"}).status_code == 400
    client.force_login(aarhus_coordinator)  # a forged id: not found
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "decline", "decline-reason": "x"}).status_code == 404
    assert "D.1" not in client.get(reverse("agreements:list")).content.decode()
    requested.refresh_from_db()
    assert requested.state == AgreementState.REQUESTED


def test_the_requester_asks_from_the_page(client, make_initiative, kobenhavn, digst, kobenhavn_coordinator,
                                         aarhus_coordinator, today):
    dependency = dependency_add(source=make_initiative(kobenhavn, code="D.2"), target=make_initiative(digst))
    client.force_login(kobenhavn_coordinator)
    listed = client.get(reverse("agreements:list"), {"list": "by"}).content.decode()
    assert reverse("agreements:ask", args=[dependency.pk]) in listed
    url = reverse("agreements:ask", args=[dependency.pk])
    response = client.post(url, {"needed_by": "01.13.2024", "what_needed": "Data"})
    assert response.status_code == 400 and not Agreement.objects.exists()
    response = client.post(url, {"needed_by": "01.03.2024", "what_needed": "Data"})
    assert response.status_code == 302
    assert Agreement.objects.get().needed_by == D(2024, 3, 1)
    assert client.get(url).status_code == 404  # asked already
    client.force_login(aarhus_coordinator)
    assert client.get(url).status_code == 404


def test_the_secretariat_filters_unanswered_and_committed_late(
    client, analyst, requested, make_initiative, kobenhavn, digst, kobenhavn_coordinator, digst_coordinator, today
):
    other = services.agreement_request(
        dependency=dependency_add(source=make_initiative(kobenhavn, code="D.3"), target=make_initiative(digst)),
        user=kobenhavn_coordinator, needed_by=D(2024, 6, 1), what_needed="More",
    )
    services.agreement_commit(agreement=other, user=digst_coordinator, committed_date=D(2024, 7, 1))
    client.force_login(analyst)
    url = reverse("agreements:list")
    page = client.get(url).content.decode()
    assert "D.1 · 2022–25" in page and "D.3 · 2022–25" in page
    page = client.get(url, {"committed_late": "on"}).content.decode()
    assert "D.3 · 2022–25" in page and "D.1 · 2022–25" not in page
    page = client.get(url, {"unanswered_days": "0"}).content.decode()
    assert "D.1 · 2022–25" in page and "D.3 · 2022–25" not in page
    assert "D.1 · 2022–25" not in client.get(url, {"unanswered_days": "5"}).content.decode()
    response = client.get(url, {"unanswered_days": "many"})
    assert response.status_code == 400


def test_the_lists_run_a_fixed_number_of_queries(
    client, requested, make_initiative, kobenhavn, digst, kobenhavn_coordinator, analyst, today,
    django_assert_max_num_queries,
):
    client.force_login(kobenhavn_coordinator)
    url = reverse("agreements:list") + "?list=by"
    with django_assert_max_num_queries(14) as few:
        client.get(url)
    for n in range(5):
        services.agreement_request(
            dependency=dependency_add(source=make_initiative(kobenhavn), target=make_initiative(digst)),
            user=kobenhavn_coordinator, needed_by=D(2024, 6, 1), what_needed=f"Thing {n}",
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
    client.force_login(analyst)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


FORGED_POSTS = {
    "commit": {"commit-committed_date": "15.05.2024"},
    "propose": {"propose-proposed_date": "15.07.2024", "propose-reason": "Later"},
    "decline": {"decline-reason": "No"},
    "accept": {},
    "reopen": {"reopen-needed_by": "01.03.2024", "reopen-what_needed": "Else"},
}


def test_every_step_with_a_forged_id_or_for_the_wrong_side_changes_nothing(
    client, requested, kobenhavn_coordinator, digst_coordinator, aarhus_coordinator, today
):
    url = reverse("agreements:detail", args=[requested.pk])
    client.force_login(aarhus_coordinator)
    for action, fields in FORGED_POSTS.items():
        assert client.post(url, {"action": action, **fields}).status_code == 404, action
    client.force_login(kobenhavn_coordinator)  # the requester cannot answer for the provider
    for action in ("commit", "propose"):
        assert client.post(url, {"action": action, **FORGED_POSTS[action]}).status_code == 403, action
    client.force_login(digst_coordinator)  # the provider cannot accept, nor change what was asked
    assert client.post(url, {"action": "accept"}).status_code == 403
    client.post(url, {"action": "decline", "decline-reason": "No"})
    response = client.post(url, {"action": "reopen", **FORGED_POSTS["reopen"]})
    assert response.status_code == 400 and "Kun den myndighed, der spurgte" in response.content.decode()
    requested.refresh_from_db()
    assert (requested.state, requested.needed_by, requested.what_needed) == (
        AgreementState.DECLINED, D(2024, 6, 1), "The API"
    )
    assert requested.transitions.count() == 2
