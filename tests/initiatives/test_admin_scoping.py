"""The coordinator for Københavns Kommune against Aarhus Kommune's records, path by path.

Each path is tried twice: on an Aarhus record (refused: 403/404, or simply absent) and on a
København record (allowed).
"""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from initiatives.models import Dependency, Initiative, Milestone, Participation, Role
from initiatives.services import dependency_add, milestone_add, participation_set
from tests.clients import opened_version


@pytest.fixture
def english(settings):
    """These tests read the English texts; tests/test_language.py checks the Danish default."""
    settings.LANGUAGE_CODE = "en"


REFUSED = {403, 404}


@pytest.fixture
def records(kobenhavn, aarhus, make_initiative):
    """København leads one initiative, Aarhus leads two; København takes part in one of Aarhus's."""
    own = make_initiative(kobenhavn, code="KK.1", title_da="Københavns borgerservice")
    foreign = make_initiative(aarhus, code="AA.1", title_da="Aarhus' hemmelige plan")
    shared = make_initiative(aarhus, code="AA.2", title_da="Aarhus' fælles løsning")
    participation_set(initiative=shared, authority=kobenhavn, role=Role.CONTRIBUTOR)
    return {
        "own": own,
        "foreign": foreign,
        "shared": shared,
        "own_milestone": milestone_add(initiative=own, title_da="KK milepæl", baseline_date=datetime.date(2025, 1, 1)),
        "foreign_milestone": milestone_add(initiative=foreign, title_da="Aarhus milepæl", baseline_date=datetime.date(2025, 1, 1)),
        "shared_milestone": milestone_add(initiative=shared, title_da="Fælles milepæl", baseline_date=datetime.date(2025, 1, 1)),
        "foreign_dependency": dependency_add(source=foreign, target=shared),
        "own_dependency": dependency_add(source=own, target=foreign),
        "foreign_participation": Participation.objects.get(initiative=foreign, role=Role.LEAD),
        "own_participation_in_shared": Participation.objects.get(initiative=shared, authority=kobenhavn),
    }


@pytest.fixture
def kk(client, kobenhavn_coordinator):
    client.force_login(kobenhavn_coordinator)
    return client


def url(name, *args):
    return reverse(f"admin:{name}", args=args)


# --- Change lists -------------------------------------------------------------------------------


def test_the_initiative_list_shows_only_initiatives_kobenhavn_leads_or_takes_part_in(kk, records):
    response = kk.get(url("initiatives_initiative_changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Københavns borgerservice" in page
    assert "Aarhus&#x27; fælles løsning" in page
    assert "hemmelige plan" not in page


def test_the_milestone_participation_and_dependency_lists_leave_out_aarhus_own_records(kk, records):
    milestones = kk.get(url("initiatives_milestone_changelist")).content.decode()
    assert "KK milepæl" in milestones and "Aarhus milepæl" not in milestones
    participations = kk.get(url("initiatives_participation_changelist"))
    assert records["foreign_participation"] not in participations.context["cl"].result_list
    assert records["own_participation_in_shared"] in participations.context["cl"].result_list
    dependencies = kk.get(url("initiatives_dependency_changelist"))
    assert list(dependencies.context["cl"].result_list) == [records["own_dependency"]]


def test_the_authority_list_shows_a_coordinator_only_their_own_authority(kk, records, kobenhavn):
    response = kk.get(url("authorities_authority_changelist"))
    assert list(response.context["cl"].result_list) == [kobenhavn]


def test_a_list_filter_offers_no_lead_outside_the_coordinators_rows(kk, records, region_midtjylland, make_initiative):
    make_initiative(region_midtjylland, code="RM.1")
    response = kk.get(url("initiatives_initiative_changelist"))
    page = response.content.decode()
    assert "Region Midtjylland" not in page
    lead_filter = next(spec for spec in response.context["cl"].filter_specs if getattr(spec, "field_path", "") == "lead")
    offered = {label for _pk, label in lead_filter.lookup_choices}
    assert offered == {"Københavns Kommune", "Aarhus Kommune"}


def test_a_hand_typed_filter_on_another_authority_still_returns_only_the_coordinators_rows(kk, records, aarhus):
    response = kk.get(url("initiatives_initiative_changelist") + f"?lead__id__exact={aarhus.pk}")
    assert list(response.context["cl"].result_list) == [records["shared"]]


def test_the_secretariat_sees_every_initiative(client, analyst, records):
    client.force_login(analyst)
    response = client.get(url("initiatives_initiative_changelist"))
    assert {i.code for i in response.context["cl"].result_list} >= {"KK.1", "AA.1", "AA.2"}


# --- Change, delete and history URLs typed by hand ------------------------------------------------


@pytest.mark.parametrize(
    "name,key",
    [
        ("initiatives_initiative", "foreign"),
        ("initiatives_milestone", "foreign_milestone"),
        ("initiatives_participation", "foreign_participation"),
        ("initiatives_dependency", "foreign_dependency"),
    ],
)
@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_an_aarhus_record_url_typed_by_hand_is_refused(kk, records, name, key, view):
    response = kk.get(url(f"{name}_{view}", records[key].pk))
    assert response.status_code in REFUSED
    assert records[key].__class__.objects.filter(pk=records[key].pk).exists()


@pytest.mark.parametrize(
    "name,key,views",
    [
        ("initiatives_initiative", "own", ["change", "history"]),
        ("initiatives_milestone", "own_milestone", ["change", "delete", "history"]),
        ("initiatives_participation", "own_participation_in_shared", ["change", "delete", "history"]),
        ("initiatives_dependency", "own_dependency", ["change", "delete", "history"]),
    ],
)
def test_the_same_urls_for_a_kobenhavn_record_open(kk, records, name, key, views):
    for view in views:
        response = kk.get(url(f"{name}_{view}", records[key].pk))
        assert response.status_code == 200, view
        assert escape(str(records[key])) in response.content.decode(), view


def test_another_authoritys_profile_is_refused_and_the_own_is_editable(kk, records, kobenhavn, aarhus):
    assert kk.get(url("authorities_authority_change", aarhus.pk)).status_code == 404
    assert kk.get(url("authorities_authority_history", aarhus.pk)).status_code == 404
    response = kk.post(
        url("authorities_authority_change", kobenhavn.pk),
        {"name_en": "City of Copenhagen", "website": "https://www.kk.dk/", "sectors": [], **opened_version(kobenhavn)},
    )
    assert response.status_code == 302
    kobenhavn.refresh_from_db()
    assert kobenhavn.name_en == "City of Copenhagen"
    assert kobenhavn.code == "0101"  # not the coordinator's to change


def test_posting_a_change_to_an_aarhus_initiative_is_refused_and_changes_nothing(kk, records):
    foreign = records["foreign"]
    response = kk.post(url("initiatives_initiative_change", foreign.pk), {"title_da": "Overtaget"})
    assert response.status_code in REFUSED
    foreign.refresh_from_db()
    assert foreign.title_da == "Aarhus' hemmelige plan"


def test_an_initiative_kobenhavn_takes_part_in_opens_read_only(kk, records):
    shared = records["shared"]
    response = kk.get(url("initiatives_initiative_change", shared.pk))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert 'name="_save"' not in response.content.decode()
    assert kk.post(url("initiatives_initiative_change", shared.pk), {"title_da": "X"}).status_code == 403


def initiative_form_data(initiative, **changes):
    data = {
        "strategy": initiative.strategy_id or "",
        "focus_area": "",
        "code": initiative.code,
        "title_da": initiative.title_da,
        "title_en": initiative.title_en,
        "lead": initiative.lead_id,
        "status": initiative.status,
        "description_da": "",
        "description_en": "",
        "expected_benefits": "",
        "baseline_start": initiative.baseline_start or "",
        "baseline_end": initiative.baseline_end or "",
        "forecast_start": initiative.forecast_start or "",
        "forecast_end": initiative.forecast_end or "",
        "baseline_budget": initiative.baseline_budget or "",
        "forecast_cost": initiative.forecast_cost or "",
        "benefits_health": initiative.benefits_health,
        "source_url": "",
        **opened_version(initiative),
    }
    participations = list(initiative.participations.exclude(role=Role.LEAD))
    milestones = list(initiative.milestones.all())
    dependencies = list(initiative.dependencies.all())
    for prefix, rows in (("participations", participations), ("milestones", milestones), ("dependencies", dependencies)):
        data[f"{prefix}-TOTAL_FORMS"] = len(rows)
        data[f"{prefix}-INITIAL_FORMS"] = len(rows)
        data[f"{prefix}-MIN_NUM_FORMS"] = 0
        data[f"{prefix}-MAX_NUM_FORMS"] = 1000
    for i, row in enumerate(participations):
        data.update({f"participations-{i}-id": row.pk, f"participations-{i}-initiative": initiative.pk,
                     f"participations-{i}-authority": row.authority_id, f"participations-{i}-role": row.role})
    for i, row in enumerate(milestones):
        data.update({f"milestones-{i}-id": row.pk, f"milestones-{i}-initiative": initiative.pk,
                     f"milestones-{i}-title_da": row.title_da, f"milestones-{i}-title_en": row.title_en,
                     f"milestones-{i}-baseline_date": row.baseline_date, f"milestones-{i}-forecast_date": row.forecast_date or "",
                     f"milestones-{i}-done_on": row.done_on or ""})
    for i, row in enumerate(dependencies):
        data.update({f"dependencies-{i}-id": row.pk, f"dependencies-{i}-source": initiative.pk,
                     f"dependencies-{i}-target": row.target_id, f"dependencies-{i}-kind": row.kind,
                     f"dependencies-{i}-criticality": row.criticality, f"dependencies-{i}-needed_by": row.needed_by or "",
                     f"dependencies-{i}-note": row.note})
    data.update(changes)
    return data


def test_kobenhavn_edits_its_own_initiative_and_the_health_lights_follow(kk, records):
    own = records["own"]
    data = initiative_form_data(own, forecast_end="2025-12-31", title_da="Københavns nye borgerservice")
    response = kk.post(url("initiatives_initiative_change", own.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    own.refresh_from_db()
    assert own.title_da == "Københavns nye borgerservice"
    assert own.schedule_health == "red"  # a year late
    assert own.history.first().history_user.username == "kk-coordinator"


# --- Inlines -------------------------------------------------------------------------------------------


def test_an_inline_row_cannot_be_smuggled_in_from_another_initiative(kk, records):
    own, foreign_milestone = records["own"], records["foreign_milestone"]
    data = initiative_form_data(own)
    data.update({
        "milestones-TOTAL_FORMS": 2,
        "milestones-INITIAL_FORMS": 2,
        "milestones-1-id": foreign_milestone.pk,
        "milestones-1-initiative": own.pk,
        "milestones-1-title_da": "Stjålet",
        "milestones-1-baseline_date": "2025-01-01",
    })
    kk.post(url("initiatives_initiative_change", own.pk), data)
    foreign_milestone.refresh_from_db()
    assert foreign_milestone.title_da == "Aarhus milepæl"
    assert foreign_milestone.initiative == records["foreign"]


@pytest.mark.usefixtures("english")
def test_a_dependency_inline_that_closes_a_cycle_is_refused_naming_the_cycle(kk, records, aarhus, make_initiative):
    own = records["own"]
    # Aarhus's AA.3 depends on KK.1; KK.1 depending on AA.3 would close the loop.
    other = make_initiative(aarhus, code="AA.3")
    dependency_add(source=other, target=own)
    data = initiative_form_data(own)
    data.update({
        "dependencies-TOTAL_FORMS": 2,
        "dependencies-1-target": other.pk,
        "dependencies-1-kind": "prerequisite",
        "dependencies-1-criticality": "medium",
    })
    response = kk.post(url("initiatives_initiative_change", own.pk), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "cycle" in page.lower() or "kreds" in page.lower()
    assert "KK.1 → AA.3 → KK.1" in page
    assert not Dependency.objects.filter(source=own, target=other).exists()


@pytest.mark.usefixtures("english")
def test_an_inline_dependency_whose_target_is_changed_to_close_a_cycle_is_refused(kk, records, aarhus, make_initiative):
    own = records["own"]
    other = make_initiative(aarhus, code="AA.3")
    dependency_add(source=other, target=own)
    # The stored row KK.1 → AA.1, its target changed to AA.3: KK.1 → AA.3 → KK.1.
    data = initiative_form_data(own, **{"dependencies-0-target": other.pk})
    response = kk.post(url("initiatives_initiative_change", own.pk), data)
    assert response.status_code == 200
    assert "KK.1 → AA.3 → KK.1" in response.content.decode()
    assert Dependency.objects.get(pk=records["own_dependency"].pk).target == records["foreign"]


def test_saving_an_initiative_walks_the_dependency_graph_only_for_a_changed_edge(kk, records, aarhus, make_initiative):
    """A stored dependency left as it was passed the acyclicity check when it was saved: a save that only
    moves a date does not walk the graph again for each of the initiative's dependencies."""
    own = records["own"]
    for code in ("AA.4", "AA.5", "AA.6"):
        dependency_add(source=own, target=make_initiative(aarhus, code=code))
    data = initiative_form_data(own, forecast_end="2027-12-31")
    with CaptureQueriesContext(connection) as queries:
        response = kk.post(url("initiatives_initiative_change", own.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    own.refresh_from_db()
    assert own.forecast_end == datetime.date(2027, 12, 31)
    walks = [q["sql"] for q in queries.captured_queries
             if 'FROM "initiatives_dependency"' in q["sql"] and '"initiatives_dependency"."source_id" IN' in q["sql"]
             and q["sql"].startswith('SELECT "initiatives_dependency"."source_id" AS')]
    assert walks == []


def test_changing_the_lead_to_a_listed_participant_promotes_its_row(client, analyst, records, kobenhavn, aarhus):
    client.force_login(analyst)
    shared = records["shared"]
    data = initiative_form_data(shared, lead=kobenhavn.pk)
    response = client.post(url("initiatives_initiative_change", shared.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    roles = dict(Participation.objects.filter(initiative=shared).values_list("authority__name_da", "role"))
    assert roles == {"Københavns Kommune": Role.LEAD, "Aarhus Kommune": Role.CO_OWNER}


# --- Bulk actions ----------------------------------------------------------------------------------------


def test_bulk_delete_of_milestones_touches_no_aarhus_milestone(kk, records):
    foreign, own = records["foreign_milestone"], records["own_milestone"]
    response = kk.post(
        url("initiatives_milestone_changelist"),
        {"action": "delete_selected", "_selected_action": [foreign.pk, own.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert Milestone.objects.filter(pk=foreign.pk).exists()
    assert not Milestone.objects.filter(pk=own.pk).exists()


def test_bulk_delete_of_a_milestone_kobenhavn_only_sees_is_refused(kk, records):
    shared_milestone = records["shared_milestone"]
    response = kk.post(
        url("initiatives_milestone_changelist"),
        {"action": "delete_selected", "_selected_action": [shared_milestone.pk], "post": "yes"},
    )
    assert response.status_code in REFUSED | {200}
    assert Milestone.objects.filter(pk=shared_milestone.pk).exists()


# --- Participations ----------------------------------------------------------------------------------------


def test_kobenhavn_changes_its_own_role_in_an_aarhus_initiative_but_nothing_else(kk, records, kobenhavn):
    own_row = records["own_participation_in_shared"]
    response = kk.post(url("initiatives_participation_change", own_row.pk), {"role": Role.IMPLEMENTER, **opened_version(own_row)})
    assert response.status_code == 302
    own_row.refresh_from_db()
    assert own_row.role == Role.IMPLEMENTER and own_row.authority == kobenhavn
    aarhus_lead_row = Participation.objects.get(initiative=records["shared"], role=Role.LEAD)
    assert kk.post(url("initiatives_participation_change", aarhus_lead_row.pk), {"role": "contributor"}).status_code == 403


def test_adding_a_milestone_to_an_aarhus_initiative_by_a_forged_form_is_refused(kk, records):
    response = kk.post(
        url("initiatives_milestone_add"),
        {"initiative": records["shared"].pk, "title_da": "Snydt ind", "baseline_date": "2025-03-01"},
    )
    assert response.status_code == 200
    assert "initiative" in response.context["adminform"].form.errors
    assert not Milestone.objects.filter(title_da="Snydt ind").exists()


def test_kobenhavn_adds_a_dependency_from_its_own_initiative_onto_an_aarhus_one(kk, records):
    response = kk.post(
        url("initiatives_dependency_add"),
        {"source": records["own"].pk, "target": records["shared"].pk, "kind": "data_exchange", "criticality": "high"},
    )
    assert response.status_code == 302
    assert Dependency.objects.filter(source=records["own"], target=records["shared"]).exists()
    forged = kk.post(
        url("initiatives_dependency_add"),
        {"source": records["foreign"].pk, "target": records["own"].pk, "kind": "prerequisite", "criticality": "low"},
    )
    assert forged.status_code == 200
    assert not Dependency.objects.filter(source=records["foreign"], target=records["own"]).exists()


# --- Autocomplete endpoints --------------------------------------------------------------------------------


def autocomplete(client, app_label, model_name, field_name, term=""):
    response = client.get(
        url("autocomplete"),
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term},
    )
    return response


def test_the_dependency_target_autocomplete_offers_any_initiative_with_code_title_and_lead(kk, records):
    response = autocomplete(kk, "initiatives", "dependency", "target", "AA.1")
    assert response.status_code == 200
    texts = [result["text"] for result in response.json()["results"]]
    assert texts == ["AA.1 · 2022–25 Aarhus' hemmelige plan — Aarhus Kommune"]


def test_the_dependency_target_autocomplete_offers_open_initiatives_of_the_newest_strategy_first(
    kk, make_initiative, aarhus, strategy_2022, strategy_2026
):
    make_initiative(aarhus, strategy=strategy_2022, code="R.1", title_da="Rangeret færdig", status="completed")
    make_initiative(aarhus, strategy=strategy_2022, code="R.2", title_da="Rangeret gammel")
    make_initiative(aarhus, strategy=strategy_2026, code="R.3", title_da="Rangeret ny")

    response = autocomplete(kk, "initiatives", "dependency", "target", "Rangeret")

    texts = [result["text"].split(" — ")[0] for result in response.json()["results"]]
    assert texts == ["R.3 · 2026–29 Rangeret ny", "R.2 · 2022–25 Rangeret gammel", "R.1 · 2022–25 Rangeret færdig"]


@pytest.mark.parametrize("model_name", ["milestone", "participation"])
def test_the_initiative_autocomplete_for_milestones_and_participations_offers_only_led_initiatives(kk, records, model_name):
    response = autocomplete(kk, "initiatives", model_name, "initiative")
    ids = {int(result["id"]) for result in response.json()["results"]}
    assert ids == {records["own"].pk}


def test_the_lead_autocomplete_offers_only_the_coordinators_authority(kk, records, kobenhavn):
    response = autocomplete(kk, "initiatives", "initiative", "lead", "Kommune")
    assert [int(result["id"]) for result in response.json()["results"]] == [kobenhavn.pk]


def test_the_participant_autocomplete_offers_the_whole_register(kk, records, aarhus):
    response = autocomplete(kk, "initiatives", "participation", "authority", "Aarhus")
    assert aarhus.pk in {int(result["id"]) for result in response.json()["results"]}


def test_the_secretariats_only_autocompletes_are_refused_to_a_coordinator(kk, records):
    assert autocomplete(kk, "authorities", "coordinator", "user").status_code == 403


# --- Related-object pop-ups, view on site, exports, other admins -------------------------------------------


def test_a_related_object_popup_of_an_aarhus_initiative_is_refused(kk, records):
    response = kk.get(url("initiatives_initiative_change", records["foreign"].pk) + "?_popup=1&_to_field=id")
    assert response.status_code == 404


def test_view_on_site_for_an_aarhus_initiative_is_refused(kk, records):
    content_type = ContentType.objects.get_for_model(Initiative)
    response = kk.get(url("view_on_site", content_type.pk, records["foreign"].pk))
    assert response.status_code == 404


def test_view_on_site_for_an_own_initiative_leads_to_its_dashboard_page(kk, records):
    own = records["own"]
    change_page = kk.get(url("initiatives_initiative_change", own.pk)).content.decode()
    content_type = ContentType.objects.get_for_model(Initiative)
    link = url("view_on_site", content_type.pk, own.pk)
    assert f'href="{link}"' in change_page
    response = kk.get(link)
    assert response.status_code == 302
    assert response["Location"].endswith(reverse("initiatives:detail", args=[own.pk]))


def test_view_on_site_for_authorities_leads_to_the_own_page_and_refuses_aarhus(kk, records, kobenhavn, aarhus):
    from authorities.models import Authority

    content_type = ContentType.objects.get_for_model(Authority)
    own = kk.get(url("view_on_site", content_type.pk, kobenhavn.pk))
    assert own.status_code == 302 and own["Location"].endswith(reverse("authorities:detail", args=[kobenhavn.pk]))
    assert kk.get(url("view_on_site", content_type.pk, aarhus.pk)).status_code == 404


def export_form_data(name: str) -> dict:
    """Format 0 (CSV), every field of the admin's one resource ticked."""
    from django.contrib import admin

    app_label, model_name = name.split("_", 1)
    model_admin = next(a for m, a in admin.site._registry.items() if m._meta.label_lower == f"{app_label}.{model_name}")
    resource = model_admin.resource_classes[0]
    data = {"format": "0", "resource": "0"}
    for field_name in resource().fields:
        data[f"{resource.__name__.lower()}_{field_name}"] = "on"
    return data


@pytest.mark.parametrize(
    "name,expected,absent",
    [
        ("initiatives_initiative", "KK.1", "AA.1,"),
        ("initiatives_milestone", "KK milepæl", "Aarhus milepæl"),
        ("initiatives_dependency", "KK.1", "AA.1,2022-2025,AA.2"),
    ],
)
def test_an_export_contains_only_the_coordinators_rows(kk, records, name, expected, absent):
    response = kk.post(url(f"{name}_export"), export_form_data(name))
    assert response.status_code == 200
    body = response.content.decode("utf-8-sig")
    assert expected in body
    assert absent not in body


def test_an_export_of_selected_rows_leaves_out_a_forged_aarhus_id(kk, records):
    response = kk.post(
        url("initiatives_initiative_export"),
        {**export_form_data("initiatives_initiative"), "export_items": [records["foreign"].pk, records["own"].pk]},
    )
    body = response.content.decode("utf-8-sig")
    assert "hemmelige" not in body


@pytest.mark.parametrize(
    "name,query",
    [
        ("initiatives_initiative", "?lead__id__exact={aarhus}"),
        ("initiatives_participation", "?authority__id__exact={aarhus}"),
        ("initiatives_initiative", "?q=Aarhus"),
    ],
)
def test_an_export_with_a_hand_typed_filter_on_aarhus_holds_no_aarhus_record(kk, records, aarhus, name, query):
    response = kk.post(url(f"{name}_export") + query.format(aarhus=aarhus.pk), export_form_data(name))
    assert response.status_code == 200
    body = response.content.decode("utf-8-sig")
    assert "hemmelige" not in body and "AA.1," not in body


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(
    "name,query",
    [
        ("initiatives_initiative", "?initiative__lead__id__exact=1"),
        ("initiatives_dependency", "?lead__id__exact=1"),
        ("initiatives_milestone", "?no_such_field=1"),
    ],
)
def test_an_export_with_a_filter_the_list_does_not_know_says_so_instead_of_failing(kk, records, name, query):
    response = kk.post(url(f"{name}_export") + query, export_form_data(name), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == url(f"{name}_changelist")
    assert "The filters in the address are not valid; nothing was exported." in response.content.decode()


@pytest.mark.parametrize("name", ["authorities_coordinator_changelist", "auth_user_changelist", "auth_group_changelist", "summaries_summaryrun_changelist"])
def test_the_secretariats_admin_pages_are_refused_to_a_coordinator(kk, records, name):
    assert kk.get(url(name)).status_code == 403


def test_a_viewer_without_staff_rights_gets_no_admin(client, outsider, records):
    client.force_login(outsider)
    response = client.get(url("initiatives_initiative_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_kobenhavn_adds_an_initiative_which_it_leads_with_the_lead_participation(kk, records, kobenhavn, strategy_2022):
    page = kk.get(url("initiatives_initiative_add"))
    assert page.context["adminform"].form.initial["lead"] == kobenhavn.pk
    data = initiative_form_data(records["own"], code="KK.2", title_da="Ny løsning", baseline_end="2025-01-01")
    for prefix in ("participations", "milestones", "dependencies"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = kk.post(url("initiatives_initiative_add"), data)
    assert response.status_code == 302
    created = Initiative.objects.get(code="KK.2")
    assert created.participations.get().authority == kobenhavn
    assert created.participations.get().role == Role.LEAD


def test_kobenhavn_cannot_create_an_initiative_led_by_aarhus(kk, records, aarhus):
    data = initiative_form_data(records["own"], code="KK.3", lead=aarhus.pk)
    for prefix in ("participations", "milestones", "dependencies"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = kk.post(url("initiatives_initiative_add"), data)
    assert response.status_code == 200
    assert "lead" in response.context["adminform"].form.errors
    assert not Initiative.objects.filter(code="KK.3").exists()


def test_the_secretariat_reverts_a_change_of_lead_and_the_participations_follow(client, analyst, records, kobenhavn, aarhus):
    from initiatives.services import initiative_update

    own = records["own"]
    original = own.history.first()
    initiative_update(initiative=own, lead=aarhus)
    client.force_login(analyst)
    revert_url = url("initiatives_initiative_simple_history", own.pk, original.history_id)
    form = client.get(revert_url).context["adminform"].form
    data = {name: ("" if value is None else value) for name, value in form.initial.items() if name in form.fields}
    response = client.post(revert_url, data)
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.lead == kobenhavn
    assert Participation.objects.get(initiative=own, role=Role.LEAD).authority == kobenhavn


def test_a_coordinator_picks_a_strategy_and_focus_area_through_their_autocompletes(kk, records):
    strategies = autocomplete(kk, "initiatives", "initiative", "strategy", "2022")
    assert strategies.status_code == 200
    assert any("2022" in result["text"] for result in strategies.json()["results"])
    assert autocomplete(kk, "initiatives", "initiative", "focus_area").status_code == 200


# --- A coordinator for two authorities ---------------------------------------------------------------------


@pytest.fixture
def two(client, kobenhavn, region_midtjylland):
    """A coordinator for both Københavns Kommune and Region Midtjylland."""
    from common.roles import ensure_roles
    from tests.conftest import make_coordinator

    ensure_roles()
    client.force_login(make_coordinator("two-coordinator", kobenhavn, region_midtjylland))
    return client


def test_a_coordinator_for_two_authorities_sees_and_edits_both_and_still_not_aarhus(
    two, records, kobenhavn, aarhus, region_midtjylland, make_initiative
):
    region = make_initiative(region_midtjylland, code="RM.1", title_da="Regionens sundhedsløsning")
    listed = set(two.get(url("initiatives_initiative_changelist")).context["cl"].result_list)
    assert {records["own"], records["shared"], region} <= listed
    assert records["foreign"] not in listed
    authorities = two.get(url("authorities_authority_changelist")).context["cl"].result_list
    assert set(authorities) == {kobenhavn, region_midtjylland}
    for initiative in (records["own"], region):
        page = two.get(url("initiatives_initiative_change", initiative.pk))
        assert page.status_code == 200 and page.context["has_change_permission"] is True
    assert two.get(url("initiatives_initiative_change", records["foreign"].pk)).status_code == 404
    leads = autocomplete(two, "initiatives", "initiative", "lead", "")
    assert {int(result["id"]) for result in leads.json()["results"]} == {kobenhavn.pk, region_midtjylland.pk}
    milestone_initiatives = autocomplete(two, "initiatives", "milestone", "initiative", "")
    assert {int(result["id"]) for result in milestone_initiatives.json()["results"]} == {records["own"].pk, region.pk}


def test_a_coordinator_for_two_authorities_chooses_the_lead_of_a_new_initiative(two, records, region_midtjylland):
    page = two.get(url("initiatives_initiative_add"))
    assert "lead" not in page.context["adminform"].form.initial  # no guess between the two
    data = initiative_form_data(records["own"], code="RM.2", title_da="Regionens nye løsning", lead=region_midtjylland.pk)
    for prefix in ("participations", "milestones", "dependencies"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    assert two.post(url("initiatives_initiative_add"), data).status_code == 302
    assert Initiative.objects.get(code="RM.2").lead == region_midtjylland


# --- Validation errors in the dependency form ----------------------------------------------------------------


@pytest.mark.usefixtures("english")
def test_the_dependency_form_names_the_cycle_it_refuses(kk, records, aarhus, make_initiative):
    other = make_initiative(aarhus, code="AA.3")
    dependency_add(source=other, target=records["own"])
    response = kk.post(
        url("initiatives_dependency_add"),
        {"source": records["own"].pk, "target": other.pk, "kind": "prerequisite", "criticality": "medium"},
    )
    assert response.status_code == 200
    assert "KK.1 → AA.3 → KK.1" in response.content.decode()
    assert not Dependency.objects.filter(source=records["own"], target=other).exists()
