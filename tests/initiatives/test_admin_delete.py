"""The secretariat can delete an initiative in the admin, with the usual confirmation and history
(issue: hardening, 12); the lead rule guards a live initiative's lead, not its cascade."""

import datetime

from django.urls import reverse

from initiatives.models import Dependency, Initiative, Milestone, Participation, Role
from initiatives.services import dependency_add, milestone_add, participation_set


def build(kobenhavn, digst, make_initiative) -> Initiative:
    initiative = make_initiative(kobenhavn, code="KK-D", title_da="Skal slettes")
    participation_set(initiative=initiative, authority=digst, role=Role.CONTRIBUTOR)
    milestone_add(initiative=initiative, title_da="Pilot", baseline_date=datetime.date(2024, 3, 1))
    dependency_add(source=initiative, target=make_initiative(digst, code="D-1"))
    return initiative


def test_the_secretariat_deletes_an_initiative_with_its_lead_and_everything_hanging_off_it(
    client, analyst, kobenhavn, digst, make_initiative
):
    initiative = build(kobenhavn, digst, make_initiative)
    client.force_login(analyst)
    url = reverse("admin:initiatives_initiative_delete", args=[initiative.pk])
    confirmation = client.get(url)
    assert confirmation.status_code == 200
    page = confirmation.content.decode()
    assert "Are you sure" in page or "Er du sikker" in page
    assert "perms_lacking" not in page and not confirmation.context["perms_lacking"]

    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Initiative.objects.filter(pk=initiative.pk).exists()
    assert not Participation.objects.filter(initiative_id=initiative.pk).exists()
    assert not Milestone.objects.filter(initiative_id=initiative.pk).exists()
    assert not Dependency.objects.filter(source_id=initiative.pk).exists()
    deleted = Initiative.history.filter(id=initiative.pk, history_type="-").get()
    assert deleted.history_user == analyst
    assert Participation.history.filter(initiative_id=initiative.pk, role=Role.LEAD, history_type="-").exists()


def test_a_coordinator_cannot_delete_even_their_own_initiative(client, kobenhavn_coordinator, kobenhavn, digst, make_initiative):
    initiative = build(kobenhavn, digst, make_initiative)
    client.force_login(kobenhavn_coordinator)
    url = reverse("admin:initiatives_initiative_delete", args=[initiative.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Initiative.objects.filter(pk=initiative.pk).exists()


def test_the_lead_participation_alone_still_cannot_be_deleted(client, analyst, kobenhavn, digst, make_initiative):
    initiative = build(kobenhavn, digst, make_initiative)
    lead = Participation.objects.get(initiative=initiative, role=Role.LEAD)
    client.force_login(analyst)
    client.post(reverse("admin:initiatives_participation_delete", args=[lead.pk]), {"post": "yes"})
    assert Participation.objects.filter(pk=lead.pk).exists()
