"""The benefits register and follow-ups in the admin: saved through the services (the light follows),
scoped to the coordinator's authority whatever ids are forged, bad input refused naming the field."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from benefits.models import Benefit, FollowUp, Kind
from benefits.services import benefit_save
from initiatives.models import Health, Status

ADD = reverse("admin:benefits_benefit_add")


def benefit_form(initiative, **changes) -> dict:
    data = {"initiative": initiative.pk, "kind": "economic", "title_da": "Sparet tid", "title_en": "Time saved",
            "indicator": "", "higher_is_better": "on", "from_year": "2025", "baseline": "1.000.000,00",
            "forecast": "700.000,00", "realised": "", "realised_by": initiative.lead_id}
    data.update(changes)
    return data


@pytest.fixture
def aarhus_benefit(make_initiative, aarhus):
    initiative = make_initiative(aarhus, code="AA.1", status=Status.COMPLETED)
    return benefit_save(benefit=Benefit(initiative=initiative, kind=Kind.ECONOMIC, title_da="Aarhus' gevinst",
                                        from_year=2025, baseline=Decimal(1), forecast=Decimal(1),
                                        realised_by=initiative.lead))


def test_a_coordinator_registers_a_benefit_and_the_light_turns_red(client, kobenhavn_coordinator, make_initiative,
                                                                     kobenhavn):
    initiative = make_initiative(kobenhavn, code="KK.1")
    client.force_login(kobenhavn_coordinator)
    response = client.post(ADD, benefit_form(initiative))
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.benefits_health == Health.RED and initiative.health == Health.RED  # 30 % short
    change = client.get(reverse("admin:initiatives_initiative_change", args=[initiative.pk])).content.decode()
    assert "forventes 30,0 % under sin baseline" in change
    assert 'name="benefits_health"' not in change  # computed now, not set by hand


@pytest.mark.parametrize(("changes", "message"), [
    ({"kind": "non_economic", "from_year": ""}, "En ikke-økonomisk gevinst skal have sin indikator."),
    ({"from_year": ""}, "En økonomisk gevinst skal have det år, den begynder."),
    ({"forecast": "1,234"}, "Et beløb har højst to decimaler (øre)."),
    ({"baseline": "-5"}, "En økonomisk gevinst kan ikke være negativ."),
    ({"title_da": "<script>alert(1)</script>\x00"}, ""),
])
def test_a_bad_benefit_is_refused_and_nothing_saved(client, analyst, make_initiative, kobenhavn, changes, message):
    initiative = make_initiative(kobenhavn)
    client.force_login(analyst)
    response = client.post(ADD, benefit_form(initiative, **changes))
    assert response.status_code in (200, 400)
    assert message in response.content.decode()
    assert not Benefit.objects.exists()


def test_a_coordinator_cannot_see_or_change_another_authoritys_benefits(client, kobenhavn_coordinator, aarhus_benefit):
    client.force_login(kobenhavn_coordinator)
    for name in ("change", "history", "delete"):
        assert client.get(reverse(f"admin:benefits_benefit_{name}", args=[aarhus_benefit.pk])).status_code == 404
    assert "Aarhus' gevinst" not in client.get(reverse("admin:benefits_benefit_changelist")).content.decode()
    response = client.post(ADD, benefit_form(aarhus_benefit.initiative, title_da="Snyd"))  # a forged initiative
    assert response.status_code == 200 and not Benefit.objects.filter(title_da="Snyd").exists()


def test_the_lead_records_the_follow_up_and_others_cannot(client, kobenhavn_coordinator, make_initiative, kobenhavn,
                                                          aarhus_benefit, django_capture_on_commit_callbacks):
    ours = make_initiative(kobenhavn, code="KK.2", status=Status.COMPLETED)
    ours_follow_up = FollowUp.objects.create(initiative=ours, due_on=datetime.date(2026, 1, 1))
    theirs = FollowUp.objects.create(initiative=aarhus_benefit.initiative, due_on=datetime.date(2026, 1, 1))
    client.force_login(kobenhavn_coordinator)
    listing = client.get(reverse("admin:benefits_followup_changelist")).content.decode()
    assert "KK.2 · 2022–25" in listing and "AA.1" not in listing
    assert client.get(reverse("admin:benefits_followup_change", args=[theirs.pk])).status_code == 404
    change = reverse("admin:benefits_followup_change", args=[ours_follow_up.pk])
    opened = client.get(change).context["adminform"].form["opened_version"].value()
    refused = client.post(change, {"summary": "  ", "opened_version": opened})
    assert refused.status_code == 200 and "Skriv med ord, hvad der blev realiseret." in refused.content.decode()
    assert client.post(change, {"summary": "Ventetiden faldt", "opened_version": opened}).status_code == 302
    ours_follow_up.refresh_from_db()
    assert ours_follow_up.recorded_by == kobenhavn_coordinator and ours_follow_up.summary == "Ventetiden faldt"
    assert client.get(reverse("admin:benefits_followup_add")).status_code == 403
