"""The reporting admin, path by path, as the secretariat, København's coordinator and an outsider to
each record: forged ids answer 403/404 and change nothing; bad input is refused naming the field."""

import datetime

import pytest
from django.urls import reverse

from initiatives.models import Health
from reporting.models import BaselineVersion, RebaselineRequest, ReportState, RequestState, StatusReport
from reporting.services import cycle_freeze
from tests.clients import change_form_data
from tests.initiatives.test_admin_scoping import initiative_form_data

pytestmark = pytest.mark.django_db
REFUSED = {403, 404}


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def kk(client, kobenhavn_coordinator):
    client.force_login(kobenhavn_coordinator)
    return client


def url(name, *args):
    return reverse(f"admin:{name}", args=args)


def report_form(kk, report, **changes):
    response = kk.get(url("reporting_statusreport_change", report.pk))
    assert response.status_code == 200
    return change_form_data(response, **changes)


def test_a_coordinator_lists_only_the_reports_of_initiatives_their_authority_leads(kk, cycle):
    response = kk.get(url("reporting_statusreport_changelist"))
    assert response.status_code == 200
    assert {r.initiative.code for r in response.context["cl"].result_list} == {"KK.1", "KK.2"}


def test_the_secretariat_lists_every_report(client, analyst, cycle):
    client.force_login(analyst)
    response = client.get(url("reporting_statusreport_changelist"))
    assert {r.initiative.code for r in response.context["cl"].result_list} == {"KK.1", "KK.2", "AA.1"}


@pytest.mark.parametrize("view", ["change", "history"])
def test_another_authoritys_report_typed_by_hand_is_refused(kk, cycle, initiatives, report_of, view):
    report = report_of(initiatives["aa"])
    assert kk.get(url(f"reporting_statusreport_{view}", report.pk)).status_code in REFUSED


def test_a_forged_post_to_another_authoritys_report_changes_nothing(kk, cycle, initiatives, report_of):
    report = report_of(initiatives["aa"])
    response = kk.post(url("reporting_statusreport_change", report.pk), {"progress": "Overtaget", "submit": "on"})
    assert response.status_code in REFUSED
    report.refresh_from_db()
    assert (report.progress, report.state) == ("", ReportState.DRAFT)


def test_a_coordinator_saves_and_submits_their_report_in_the_admin(kk, cycle, initiatives, report_of):
    report = report_of(initiatives["kk_green"])
    response = kk.post(url("reporting_statusreport_change", report.pk),
                       report_form(kk, report, progress="Pilot i gang", assessed="green", submit="on"))
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.state, report.progress, report.computed_overall) == ("submitted", "Pilot i gang", "green")
    # Submitted: now read-only until returned.
    assert kk.post(url("reporting_statusreport_change", report.pk), {"progress": "x"}).status_code == 403


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"assessed": "green"}, "rationale", "differs from the computed one"),
        ({"assessed": "red", "rationale": ""}, "track", "needs a track"),
        ({"assessed": ""}, "assessed", "Choose the assessed status"),
    ],
)
def test_a_bad_submission_is_refused_naming_the_field_and_nothing_is_saved(
    kk, english, cycle, initiatives, report_of, changes, field, words
):
    report = report_of(initiatives["kk_late"])  # computed red
    data = report_form(kk, report, progress="Skal ikke gemmes", submit="on", **changes)
    response = kk.post(url("reporting_statusreport_change", report.pk), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert words in " ".join(errors[field])
    report.refresh_from_db()
    assert (report.state, report.progress) == (ReportState.DRAFT, "")


def test_a_report_of_a_frozen_cycle_opens_read_only_and_a_post_is_refused(kk, analyst, cycle, initiatives, report_of):
    report = report_of(initiatives["kk_green"])
    data = report_form(kk, report, progress="For sent", assessed="green", submit="on")
    cycle_freeze(cycle=cycle, user=analyst)
    assert kk.post(url("reporting_statusreport_change", report.pk), data).status_code == 403
    report.refresh_from_db()
    assert (report.state, report.progress) == (ReportState.DRAFT, "")


@pytest.mark.parametrize("name", ["reporting_cycle_changelist", "reporting_approver_changelist",
                                  "reporting_cycle_add"])
def test_cycles_and_approvers_are_the_secretariats(kk, cycle, name):
    assert kk.get(url(name)).status_code == 403


def test_a_coordinator_cannot_freeze_a_cycle_by_a_forged_action(kk, cycle):
    response = kk.post(url("reporting_cycle_changelist"), {"action": "freeze", "_selected_action": [cycle.pk]})
    assert response.status_code == 403
    cycle.refresh_from_db()
    assert not cycle.is_frozen


def test_the_secretariat_opens_a_cycle_in_the_admin_and_the_reports_are_owed(client, analyst, strategy_2022,
                                                                            initiatives):
    client.force_login(analyst)
    response = client.post(url("reporting_cycle_add"), {
        "code": "2028-H1", "period_start": "2028-01-01", "period_end": "2028-06-30", "deadline": "2028-07-15",
        "strategies": [strategy_2022.pk],
        "reminders-TOTAL_FORMS": "1", "reminders-INITIAL_FORMS": "0", "reminders-MIN_NUM_FORMS": "0",
        "reminders-MAX_NUM_FORMS": "1000", "reminders-0-remind_on": "2028-07-01",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    cycle = StatusReport.objects.filter(cycle__code="2028-H1").first().cycle
    assert cycle.reports.count() == 3
    assert [str(day) for day in cycle.reminders.values_list("remind_on", flat=True)] == ["2028-07-01"]


def test_a_cycle_whose_deadline_is_before_its_start_is_refused(client, analyst, english, strategy_2022, initiatives):
    client.force_login(analyst)
    response = client.post(url("reporting_cycle_add"), {
        "code": "2028-H1", "period_start": "2028-01-01", "period_end": "2028-06-30", "deadline": "2027-07-15",
        "strategies": [strategy_2022.pk],
        "reminders-TOTAL_FORMS": "0", "reminders-INITIAL_FORMS": "0", "reminders-MIN_NUM_FORMS": "0",
        "reminders-MAX_NUM_FORMS": "1000",
    })
    assert response.status_code == 200
    assert "The deadline must not be before the period starts." in response.content.decode()
    assert not StatusReport.objects.filter(cycle__code="2028-H1").exists()


# --- Baselines ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["kobenhavn_coordinator", "analyst"])
def test_a_forged_baseline_edit_in_the_initiative_admin_changes_nothing(client, request, initiatives, user):
    client.force_login(request.getfixturevalue(user))
    own = initiatives["kk_green"]
    data = initiative_form_data(own, baseline_end="2030-12-31", baseline_budget="99000000", title_da="Nyt navn")
    response = client.post(reverse("admin:initiatives_initiative_change", args=[own.pk]), data)
    assert response.status_code == 302
    own.refresh_from_db()
    assert (own.title_da, own.baseline_end, own.baseline_budget) == ("Nyt navn", datetime.date(2024, 12, 31),
                                                                     10_000_000)
    page = client.get(reverse("admin:initiatives_initiative_change", args=[own.pk])).content.decode()
    assert 'name="baseline_end"' not in page


def test_a_coordinator_asks_for_a_new_baseline_and_the_secretariat_approves_it(kk, client, analyst, initiatives):
    own = initiatives["kk_late"]
    response = kk.post(url("reporting_rebaselinerequest_add"), {
        "initiative": own.pk, "baseline_start": "2023-01-01", "baseline_end": "2025-06-30",
        "baseline_budget": "12.000.000", "reason": "Ny plan",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    request = RebaselineRequest.objects.get(initiative=own)
    assert (request.state, request.baseline_budget, request.requested_by.username) == ("pending", 12_000_000,
                                                                                      "kk-coordinator")
    # The coordinator cannot decide it.
    assert kk.post(url("reporting_rebaselinerequest_change", request.pk), {"decision": "approve"}).status_code == 403
    client.force_login(analyst)
    page = client.get(url("reporting_rebaselinerequest_change", request.pk))
    response = client.post(url("reporting_rebaselinerequest_change", request.pk),
                           change_form_data(page, decision="approve", decision_comment="OK"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    own.refresh_from_db()
    assert (own.baseline_end, own.health) == (datetime.date(2025, 6, 30), Health.GREEN)
    assert BaselineVersion.objects.get(initiative=own, number=2).approved_by == analyst


def test_a_rebaseline_with_its_end_before_its_start_is_refused_in_the_admin(kk, english, initiatives):
    response = kk.post(url("reporting_rebaselinerequest_add"), {
        "initiative": initiatives["kk_green"].pk, "baseline_start": "2026-01-01", "baseline_end": "2025-01-01",
        "baseline_budget": "", "reason": "Bagvendt",
    })
    assert response.status_code == 200
    assert "must not be before its start" in " ".join(response.context["adminform"].form.errors["baseline_end"])
    assert not RebaselineRequest.objects.exists()


def test_a_rebaseline_request_for_another_authoritys_initiative_is_refused(kk, initiatives):
    response = kk.post(url("reporting_rebaselinerequest_add"), {
        "initiative": initiatives["aa"].pk, "baseline_start": "", "baseline_end": "2030-01-01",
        "baseline_budget": "", "reason": "Overtaget",
    })
    assert response.status_code == 200
    assert "initiative" in response.context["adminform"].form.errors
    assert not RebaselineRequest.objects.exists()


def test_a_rejection_without_a_comment_is_refused(client, analyst, english, initiatives, kobenhavn_coordinator):
    from reporting.services import rebaseline_request_create

    request = rebaseline_request_create(initiative=initiatives["kk_late"], user=kobenhavn_coordinator,
                                        baseline_start=None, baseline_end=datetime.date(2026, 1, 1),
                                        baseline_budget=None, reason="Mere tid")
    client.force_login(analyst)
    page = client.get(url("reporting_rebaselinerequest_change", request.pk))
    response = client.post(url("reporting_rebaselinerequest_change", request.pk),
                           change_form_data(page, decision="reject", decision_comment=""))
    assert response.status_code == 200
    assert "decision_comment" in response.context["adminform"].form.errors
    request.refresh_from_db()
    assert request.state == RequestState.PENDING


def test_baseline_versions_are_read_only_and_scoped(kk, client, analyst, initiatives):
    from reporting.services import baseline_current_version

    own, foreign = baseline_current_version(initiatives["kk_green"]), baseline_current_version(initiatives["aa"])
    assert kk.get(url("reporting_baselineversion_change", foreign.pk)).status_code in REFUSED
    assert kk.get(url("reporting_baselineversion_change", own.pk)).status_code == 200
    assert kk.post(url("reporting_baselineversion_change", own.pk), {"baseline_end": "2040-01-01"}).status_code == 403
    own.refresh_from_db()
    assert own.baseline_end == datetime.date(2024, 12, 31)


def test_a_frozen_cycle_opens_read_only_and_a_post_changes_nothing(client, analyst, cycle):
    cycle_freeze(cycle=cycle, user=analyst)
    client.force_login(analyst)
    assert client.get(url("reporting_cycle_change", cycle.pk)).status_code == 200
    response = client.post(url("reporting_cycle_change", cycle.pk), {"code": "2099-H1", "deadline": "2099-01-01"})
    assert response.status_code == 403
    assert client.post(url("reporting_cycle_delete", cycle.pk), {"post": "yes"}).status_code == 403
    cycle.refresh_from_db()
    assert (cycle.code, cycle.is_frozen) == ("2027-H1", True)
