"""A report's round, its refusals (each naming the field, nothing saved), rebaselining and freezing."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from initiatives.models import Health
from initiatives.services import initiative_update
from reporting.models import BaselineVersion, CycleSnapshot, ReportState, RequestState, StatusReport, Track
from reporting.services import (
    cycle_freeze,
    rebaseline_request_approve,
    rebaseline_request_create,
    rebaseline_request_reject,
    report_accept,
    report_approve,
    report_return,
    report_save,
    report_submit,
    reports_owed_for_initiative,
)

pytestmark = pytest.mark.django_db


def refused_on(field: str, call, **kwargs) -> str:
    with pytest.raises(ValidationError) as caught:
        call(**kwargs)
    assert field in caught.value.message_dict, caught.value.message_dict
    return " ".join(caught.value.message_dict[field])


def test_opening_a_cycle_owes_a_report_for_every_open_initiative_of_its_strategies(cycle, initiatives):
    owed = set(cycle.reports.values_list("initiative__code", flat=True))
    assert owed == {"KK.1", "KK.2", "AA.1"}
    assert list(cycle.reminders.values_list("remind_on", flat=True)) == [
        datetime.date(2027, 7, 1), datetime.date(2027, 7, 10)
    ]
    assert all(report.state == ReportState.DRAFT for report in cycle.reports.all())


def test_an_initiative_created_or_moved_into_an_open_cycles_scope_owes_it_a_report_too(
    cycle, initiatives, kobenhavn, make_initiative, strategy_2022, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = make_initiative(kobenhavn, code="KK.7", status="planned")
        initiative_update(initiative=initiatives["other_strategy"], strategy=strategy_2022)  # moved in
        initiative_update(initiative=initiatives["kk_done"], forecast_cost=1)  # completed: owes nothing
    owed = set(cycle.reports.values_list("initiative__code", flat=True))
    assert owed == {"KK.1", "KK.2", "AA.1", "KK.7", "DI.1"}
    report = cycle.reports.get(initiative=created)
    assert report.state == ReportState.DRAFT
    assert report.history.get().history_change_reason == "came into scope"  # audited like the others
    # Saving it again (or a second worker's call) adds nothing.
    with django_capture_on_commit_callbacks(execute=True):
        initiative_update(initiative=created, forecast_cost=2)
    assert reports_owed_for_initiative(initiative_id=created.pk) == 0
    assert cycle.reports.count() == 5


def test_an_initiative_that_comes_into_scope_after_freezing_owes_the_frozen_cycle_nothing(
    cycle, initiatives, kobenhavn, make_initiative, analyst, django_capture_on_commit_callbacks
):
    cycle_freeze(cycle=cycle, user=analyst)
    with django_capture_on_commit_callbacks(execute=True):
        make_initiative(kobenhavn, code="KK.8", status="active")
    assert cycle.reports.count() == 3 and cycle.snapshots.count() == 3


def test_freezing_adds_the_report_a_change_behind_the_services_back_left_owed(cycle, initiatives, analyst):
    from initiatives.models import Initiative

    Initiative.objects.filter(pk=initiatives["kk_done"].pk).update(status="active")  # no signal
    cycle_freeze(cycle=cycle, user=analyst)
    assert cycle.snapshots.filter(initiative=initiatives["kk_done"], report_state="draft").exists()


def test_a_report_walks_from_draft_to_accepted(cycle, initiatives, report_of, kobenhavn_coordinator,
                                               kobenhavn_approver, analyst):
    report = report_of(initiatives["kk_green"])
    report = report_save(report=report, user=kobenhavn_coordinator, progress="Godt på vej")
    report = report_submit(report=report, user=kobenhavn_coordinator, assessed=Health.GREEN, next_steps="Pilot")
    assert (report.state, report.computed_overall, report.computed_schedule) == ("submitted", "green", "green")
    assert report.submitted_by == kobenhavn_coordinator
    report = report_approve(report=report, user=kobenhavn_approver)
    assert (report.state, report.approved_by) == ("approved", kobenhavn_approver)
    report = report_accept(report=report, user=analyst)
    assert report.state == ReportState.ACCEPTED
    # Every transition is in the report's history: who and when.
    states = list(report.history.order_by("history_date").values_list("state", "history_user__username"))
    assert states[-4:] == [("draft", "kk-coordinator"), ("submitted", "kk-coordinator"),
                           ("approved", "kk-approver"), ("accepted", "analyst")]


def test_a_returned_report_goes_back_to_its_author_with_the_comment(cycle, initiatives, report_of,
                                                                   kobenhavn_coordinator, analyst):
    report = report_submit(report=report_of(initiatives["kk_green"]), user=kobenhavn_coordinator, assessed="green")
    report = report_return(report=report, user=analyst, comment="Mangler næste skridt")
    assert (report.state, report.return_comment) == ("returned", "Mangler næste skridt")
    report = report_submit(report=report, user=kobenhavn_coordinator, next_steps="Udbud")
    assert report.state == ReportState.SUBMITTED


def test_an_assessment_better_than_computed_needs_a_rationale(cycle, initiatives, report_of, kobenhavn_coordinator):
    report = report_of(initiatives["kk_late"])
    message = refused_on("rationale", report_submit, report=report, user=kobenhavn_coordinator, assessed="green")
    assert "Rød" in message or "Red" in message
    report.refresh_from_db()
    assert (report.state, report.assessed, report.computed_overall) == ("draft", "", "")
    report = report_submit(report=report, user=kobenhavn_coordinator, assessed="green",
                           rationale="Ny leverandør indhenter forsinkelsen")
    assert (report.computed_overall, report.assessed, report.diverges) == ("red", "green", True)


def test_a_yellow_or_red_report_needs_a_track(cycle, initiatives, report_of, kobenhavn_coordinator):
    report = report_of(initiatives["kk_late"])
    refused_on("track", report_submit, report=report, user=kobenhavn_coordinator, assessed="red")
    assert StatusReport.objects.get(pk=report.pk).state == ReportState.DRAFT
    report = report_submit(report=report, user=kobenhavn_coordinator, assessed="red", track=Track.BACK_TO_PLAN)
    assert report.track == Track.BACK_TO_PLAN


def test_nobody_approves_their_own_submission(cycle, initiatives, report_of, kobenhavn, kobenhavn_coordinator):
    from reporting.models import Approver

    Approver.objects.create(user=kobenhavn_coordinator, authority=kobenhavn)
    report = report_submit(report=report_of(initiatives["kk_green"]), user=kobenhavn_coordinator, assessed="green")
    refused_on("approved_by", report_approve, report=report, user=kobenhavn_coordinator)
    assert StatusReport.objects.get(pk=report.pk).state == ReportState.SUBMITTED


def test_the_database_refuses_a_self_approval_too(cycle, initiatives, report_of, kobenhavn_coordinator):
    report = report_submit(report=report_of(initiatives["kk_green"]), user=kobenhavn_coordinator, assessed="green")
    with pytest.raises(IntegrityError), transaction.atomic():
        StatusReport.objects.filter(pk=report.pk).update(state="approved", approved_by=kobenhavn_coordinator)


def test_an_approver_approves_only_their_authoritys_reports(cycle, initiatives, report_of, aarhus_coordinator,
                                                            kobenhavn_approver):
    report = report_submit(report=report_of(initiatives["aa"]), user=aarhus_coordinator, assessed="green")
    with pytest.raises(PermissionDenied):
        report_approve(report=report, user=kobenhavn_approver)


def test_a_coordinator_fills_in_only_reports_of_initiatives_their_authority_leads(
    cycle, initiatives, report_of, kobenhavn_coordinator
):
    with pytest.raises(PermissionDenied):
        report_save(report=report_of(initiatives["aa"]), user=kobenhavn_coordinator, progress="Ikke min")
    assert report_of(initiatives["aa"]).progress == ""


def test_only_the_secretariat_accepts_returns_and_freezes(cycle, initiatives, report_of, kobenhavn_coordinator,
                                                          kobenhavn_approver):
    report = report_submit(report=report_of(initiatives["kk_green"]), user=kobenhavn_coordinator, assessed="green")
    report = report_approve(report=report, user=kobenhavn_approver)
    for call in (report_accept, cycle_freeze):
        with pytest.raises(PermissionDenied):
            call(report=report, user=kobenhavn_coordinator) if call is report_accept else call(
                cycle=cycle, user=kobenhavn_coordinator)
    with pytest.raises(PermissionDenied):
        report_return(report=report, user=kobenhavn_approver, comment="nej")


def test_reports_of_a_frozen_cycle_are_refused(cycle, initiatives, report_of, kobenhavn_coordinator, analyst):
    cycle_freeze(cycle=cycle, user=analyst)
    report = report_of(initiatives["kk_green"])
    message = refused_on("cycle", report_submit, report=report, user=kobenhavn_coordinator, assessed="green")
    assert "2027-H1" in message
    refused_on("cycle", report_save, report=report, user=kobenhavn_coordinator, progress="For sent")
    assert report_of(initiatives["kk_green"]).state == ReportState.DRAFT


def test_the_database_refuses_changes_to_a_frozen_cycle_and_its_snapshot(cycle, initiatives, report_of, analyst):
    cycle_freeze(cycle=cycle, user=analyst)
    assert CycleSnapshot.objects.filter(cycle=cycle).count() == 3
    snapshot = CycleSnapshot.objects.filter(cycle=cycle).first()
    for statement, params in [
        ("UPDATE reporting_cyclesnapshot SET data = %s WHERE id = %s", ['{"code": "X"}', snapshot.pk]),
        ("DELETE FROM reporting_cyclesnapshot WHERE id = %s", [snapshot.pk]),
        ("UPDATE reporting_cycle SET state = 'open', frozen_at = NULL WHERE id = %s", [cycle.pk]),
        ("UPDATE reporting_statusreport SET progress = 'x' WHERE cycle_id = %s", [cycle.pk]),
    ]:
        with pytest.raises(Exception, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, params)
    snapshot.refresh_from_db()
    assert snapshot.data["code"] != "X"


# --- Baselines ---------------------------------------------------------------------------------------


def test_approving_a_rebaseline_writes_a_version_and_the_initiatives_baseline(initiatives, kobenhavn_coordinator,
                                                                             analyst):
    initiative = initiatives["kk_late"]
    assert initiative.health == Health.RED
    request = rebaseline_request_create(
        initiative=initiative, user=kobenhavn_coordinator, baseline_start=datetime.date(2023, 1, 1),
        baseline_end=datetime.date(2025, 6, 30), baseline_budget=12_000_000, reason="Ny plan efter udbud",
    )
    version = rebaseline_request_approve(request=request, user=analyst, comment="Godkendt i styregruppen")
    initiative.refresh_from_db()
    assert version.number == 2 and version.approved_by == analyst and version.reason == "Ny plan efter udbud"
    assert (initiative.baseline_end, initiative.baseline_budget) == (datetime.date(2025, 6, 30), 12_000_000)
    assert initiative.health == Health.GREEN  # health follows the approved baseline
    assert list(BaselineVersion.objects.filter(initiative=initiative).values_list("number", flat=True)) == [2, 1]
    request.refresh_from_db()
    assert (request.state, request.version) == (RequestState.APPROVED, version)


def test_a_rebaseline_with_its_end_before_its_start_is_refused(initiatives, kobenhavn_coordinator):
    refused_on(
        "baseline_end", rebaseline_request_create, initiative=initiatives["kk_green"], user=kobenhavn_coordinator,
        baseline_start=datetime.date(2025, 1, 1), baseline_end=datetime.date(2024, 1, 1), baseline_budget=1,
        reason="Bagvendt",
    )
    assert not initiatives["kk_green"].rebaseline_requests.exists()


def test_a_rejected_rebaseline_leaves_the_baseline(initiatives, kobenhavn_coordinator, analyst):
    initiative = initiatives["kk_late"]
    request = rebaseline_request_create(
        initiative=initiative, user=kobenhavn_coordinator, baseline_start=None,
        baseline_end=datetime.date(2026, 6, 30), baseline_budget=None, reason="Mere tid",
    )
    refused_on("decision_comment", rebaseline_request_reject, request=request, user=analyst, comment=" ")
    rebaseline_request_reject(request=request, user=analyst, comment="Ikke begrundet")
    initiative.refresh_from_db()
    assert initiative.baseline_end == datetime.date(2024, 12, 31)
    with pytest.raises(ValidationError):
        rebaseline_request_approve(request=request, user=analyst)


def test_a_coordinator_cannot_rebaseline_another_authoritys_initiative(initiatives, kobenhavn_coordinator):
    with pytest.raises(PermissionDenied):
        rebaseline_request_create(
            initiative=initiatives["aa"], user=kobenhavn_coordinator, baseline_start=None,
            baseline_end=datetime.date(2030, 1, 1), baseline_budget=None, reason="Forsøg",
        )


def test_freezing_records_each_covered_initiative(cycle, initiatives, report_of, kobenhavn_coordinator, analyst):
    report_submit(report=report_of(initiatives["kk_late"]), user=kobenhavn_coordinator, assessed="yellow",
                  rationale="Indhentes", track=Track.NEW_PLAN, main_risks="Leverandør")
    cycle = cycle_freeze(cycle=cycle, user=analyst)
    assert cycle.is_frozen and cycle.frozen_by == analyst
    rows = {s.data["code"]: s.data for s in CycleSnapshot.objects.filter(cycle=cycle)}
    assert set(rows) == {"KK.1", "KK.2", "AA.1"}
    late = rows["KK.2"]
    assert (late["computed_overall"], late["assessed"], late["track"], late["main_risks"]) == (
        "red", "yellow", "new_plan", "Leverandør")
    assert (late["baseline_version"], late["forecast_end"], late["report_state"]) == (1, "2025-05-31", "submitted")
    # A draft is frozen with the lights as of freezing.
    assert (rows["AA.1"]["computed_overall"], rows["AA.1"]["assessed"]) == ("green", "")
    initiative_update(initiative=initiatives["kk_late"], title_da="Ændret efter frysning")
    assert CycleSnapshot.objects.get(cycle=cycle, initiative=initiatives["kk_late"]).data["title_da"] != (
        "Ændret efter frysning")
