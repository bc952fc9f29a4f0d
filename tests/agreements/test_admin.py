"""The agreements in the admin: scoped to the parties, read-only (a change is a step of the round)."""

import datetime

import pytest
from django.urls import reverse

from agreements import services

D = datetime.date


@pytest.fixture
def requested(cross_dependency, kobenhavn_coordinator, today):
    return services.agreement_request(
        dependency=cross_dependency, user=kobenhavn_coordinator, needed_by=D(2024, 6, 1), what_needed="The API"
    )


def test_the_parties_see_it_and_a_third_authority_does_not_even_with_a_forged_id(
    client, requested, kobenhavn_coordinator, digst_coordinator, aarhus_coordinator, analyst
):
    change = reverse("admin:agreements_agreement_change", args=[requested.pk])
    history = reverse("admin:agreements_agreement_history", args=[requested.pk])
    for user in (kobenhavn_coordinator, digst_coordinator, analyst):
        client.force_login(user)
        assert "D.1 · 2022–25" in client.get(reverse("admin:agreements_agreement_changelist")).content.decode()
        page = client.get(change)
        assert page.status_code == 200 and "The API" in page.content.decode()
        assert "kk-coordinator" in page.content.decode()  # the request step, with who took it
    client.force_login(aarhus_coordinator)
    assert "D.1" not in client.get(reverse("admin:agreements_agreement_changelist")).content.decode()
    assert client.get(change).status_code == 404
    assert client.get(history).status_code == 404


def test_nobody_changes_an_agreement_in_the_admin(client, requested, digst_coordinator, analyst):
    for user in (digst_coordinator, analyst):
        client.force_login(user)
        assert client.get(reverse("admin:agreements_agreement_add")).status_code == 403
        client.post(reverse("admin:agreements_agreement_change", args=[requested.pk]), {"state": "committed"})
        assert client.post(reverse("admin:agreements_agreement_delete", args=[requested.pk])).status_code == 403
        requested.refresh_from_db()
        assert requested.state == "requested"
