"""History in the admin: every edit recorded, per-object history scoped, the secretariat's recent changes."""

import datetime

import pytest
from django.urls import reverse

from initiatives.models import Role, Status
from initiatives.services import initiative_update, milestone_add, participation_set
from tests.clients import opened_version


@pytest.fixture
def english(settings):
    """These tests read the English texts; tests/test_language.py checks the Danish default."""
    settings.LANGUAGE_CODE = "en"



@pytest.fixture
def own(kobenhavn, make_initiative):
    return make_initiative(kobenhavn, code="KK.1", title_da="Københavns borgerservice")


@pytest.fixture
def foreign(aarhus, make_initiative):
    return make_initiative(aarhus, code="AA.1", title_da="Aarhus' plan")


def test_an_admin_edit_is_recorded_with_who_and_what_changed(client, kobenhavn_coordinator, own):
    client.force_login(kobenhavn_coordinator)
    milestone = milestone_add(initiative=own, title_da="Pilot", baseline_date=datetime.date(2025, 1, 1))
    response = client.post(
        reverse("admin:initiatives_milestone_change", args=[milestone.pk]),
        {"initiative": own.pk, "title_da": "Pilot i Valby", "title_en": "", "baseline_date": "2025-01-01",
         "forecast_date": "2025-03-01", "done_on": "", **opened_version(milestone)},
    )
    assert response.status_code == 302
    record = milestone.history.first()
    assert record.history_user == kobenhavn_coordinator
    assert set(record.diff_against(record.prev_record).changed_fields) == {"title_da", "forecast_date"}

    page = client.get(reverse("admin:initiatives_milestone_history", args=[milestone.pk]))
    assert page.status_code == 200
    assert "kk-coordinator" in page.content.decode()
    assert "Pilot i Valby" in page.content.decode()


def test_a_coordinator_cannot_open_a_past_version_of_another_authoritys_initiative(client, kobenhavn_coordinator, foreign):
    client.force_login(kobenhavn_coordinator)
    version = foreign.history.first()
    response = client.get(reverse("admin:initiatives_initiative_simple_history", args=[foreign.pk, version.history_id]))
    assert response.status_code == 404


def test_a_coordinator_cannot_open_the_history_of_a_deleted_aarhus_record(client, kobenhavn_coordinator, foreign, kobenhavn):
    client.force_login(kobenhavn_coordinator)
    milestone = milestone_add(initiative=foreign, title_da="Hemmelig", baseline_date=datetime.date(2025, 1, 1))
    milestone_id = milestone.pk
    milestone.delete()
    # simple-history would fall back to the last historical record of a deleted object.
    response = client.get(reverse("admin:initiatives_milestone_history", args=[milestone_id]))
    assert response.status_code == 404


def test_a_coordinator_sees_past_versions_of_their_own_initiative_but_cannot_revert(client, kobenhavn_coordinator, own):
    initiative_update(initiative=own, title_da="Ny titel")
    client.force_login(kobenhavn_coordinator)
    first = own.history.last()
    url = reverse("admin:initiatives_initiative_simple_history", args=[own.pk, first.history_id])
    assert client.get(url).status_code == 200
    assert client.post(url, {"title_da": "Københavns borgerservice"}).status_code == 403
    own.refresh_from_db()
    assert own.title_da == "Ny titel"


@pytest.mark.usefixtures("english")
def test_the_secretariat_sees_recent_changes_across_models_with_field_diffs(client, analyst, own, aarhus):
    initiative_update(initiative=own, forecast_end=datetime.date(2026, 6, 30))
    participation_set(initiative=own, authority=aarhus, role=Role.CONTRIBUTOR)
    client.force_login(analyst)
    response = client.get(reverse("admin:recent_changes"))
    assert response.status_code == 200
    changes = response.context["changes"]
    assert changes[0].model == "participation" and changes[0].action == "Created"
    forecast = next(c for c in changes if c.action == "Changed" and c.model == "initiative")
    fields = {f.field: (f.old, f.new) for f in forecast.changes}
    assert fields["forecast end"] == ("31.12.2024", "30.06.2026")
    assert fields["schedule health"] == ("Green", "Red")
    page = response.content.decode()
    assert "Aarhus Municipality" in page and "30.06.2026" in page


@pytest.mark.usefixtures("english")
def test_the_admin_and_the_initiative_page_describe_a_change_in_the_same_words(client, analyst, own):
    initiative_update(initiative=own, status=Status.PAUSED, description_da="Ny beskrivelse")
    client.force_login(analyst)

    recent = client.get(reverse("admin:recent_changes"), {"model": "initiatives.initiative"}).context["changes"][0]
    in_admin = {f"{change.field.capitalize()}: {change.old} → {change.new}" for change in recent.changes}
    history = client.get(reverse("initiatives:detail", args=[own.pk])).context["history"]
    on_the_page = set(next(entry for entry in history if entry.what == "Initiative changed").details)

    assert {"Status: Planned → Paused", "Description (danish): — → Ny beskrivelse"} <= on_the_page
    assert on_the_page <= in_admin  # the page leaves out only what is not news (updated at, the derived lights)


@pytest.mark.usefixtures("english")
def test_recent_changes_filter_by_record_type(client, analyst, own):
    client.force_login(analyst)
    response = client.get(reverse("admin:recent_changes"), {"model": "initiatives.initiative"})
    assert {c.model for c in response.context["changes"]} == {"initiative"}


def test_recent_changes_run_a_fixed_number_of_queries(client, analyst, kobenhavn, make_initiative, django_assert_max_num_queries):
    for n in range(3):
        initiative_update(initiative=make_initiative(kobenhavn), title_da=f"Først {n}")
    client.force_login(analyst)
    client.get(reverse("admin:recent_changes"))  # warm caches (content types, sessions)
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("admin:recent_changes"))
    for n in range(40):
        initiative = make_initiative(kobenhavn)
        initiative_update(initiative=initiative, title_da=f"Ændret {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("admin:recent_changes"))


def test_recent_changes_are_the_secretariats_only(client, kobenhavn_coordinator):
    client.force_login(kobenhavn_coordinator)
    assert client.get(reverse("admin:recent_changes")).status_code == 403
