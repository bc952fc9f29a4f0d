"""The risk register: what is refused, who sees and changes what, and escalation by a failing agreement."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agreements import services as agreements
from initiatives.services import dependency_add
from risks.models import Risk, RiskStatus
from risks.services import risk_save, risks_escalate

D = datetime.date


@pytest.fixture
def in_process():
    from portfolio.celery import app

    was_eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = was_eager


@pytest.fixture
def agreement(cross_dependency, kobenhavn_coordinator, today):
    return agreements.agreement_request(dependency=cross_dependency, user=kobenhavn_coordinator,
                                        needed_by=D(2024, 6, 1), what_needed="The API")


@pytest.fixture
def risk(agreement, kobenhavn, kobenhavn_coordinator):
    return risk_save(risk=Risk(initiative=agreement.dependency.source), user=kobenhavn_coordinator,
                     title="The API comes late", probability=2, impact=4, owner=kobenhavn, agreement=agreement)


def test_a_risk_is_scored_probability_times_impact(risk):
    assert (risk.score, risk.escalated) == (8, False)
    assert risk.history.count() == 1


def test_a_probability_of_7_is_refused_naming_the_field_and_nothing_is_saved(risk, kobenhavn_coordinator):
    with pytest.raises(ValidationError) as refusal:
        risk_save(risk=risk, user=kobenhavn_coordinator, probability=7, title="Changed")
    assert list(refusal.value.message_dict) == ["probability"]
    risk.refresh_from_db()
    assert (risk.probability, risk.title, risk.history.count()) == (2, "The API comes late", 1)


def test_only_an_agreement_on_the_initiatives_own_dependencies_may_be_linked(
    risk, make_initiative, kobenhavn, digst, kobenhavn_coordinator, today
):
    other = agreements.agreement_request(
        dependency=dependency_add(source=make_initiative(kobenhavn), target=make_initiative(digst)),
        user=kobenhavn_coordinator, needed_by=D(2024, 6, 1), what_needed="x",
    )
    with pytest.raises(ValidationError) as refusal:
        risk_save(risk=risk, user=kobenhavn_coordinator, agreement=other)
    assert "agreement" in refusal.value.message_dict


def test_coordinators_see_and_change_only_their_initiatives_risks(
    risk, kobenhavn_coordinator, aarhus_coordinator, analyst
):
    assert list(Risk.objects.visible_to(kobenhavn_coordinator)) == [risk]
    assert list(Risk.objects.visible_to(analyst)) == [risk]
    assert not Risk.objects.visible_to(aarhus_coordinator).exists()
    with pytest.raises(PermissionDenied):
        risk_save(risk=risk, user=aarhus_coordinator, probability=1)
    with pytest.raises(PermissionDenied):  # nor a new one on another authority's initiative
        risk_save(risk=Risk(initiative=risk.initiative), user=aarhus_coordinator, title="x", probability=1,
                  impact=1, owner=risk.owner)


def test_a_declined_agreement_escalates_its_risk_and_reopening_lifts_it(
    risk, agreement, digst_coordinator, kobenhavn_coordinator, in_process, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        agreements.agreement_decline(agreement=agreement, user=digst_coordinator, reason="No capacity")
    risk.refresh_from_db()
    assert (risk.escalated, risk.score) == (True, 20)  # counted as certain: 5 × 4
    assert risk.history.first().history_change_reason == "escalated: linked agreement failing"
    with django_capture_on_commit_callbacks(execute=True):
        agreements.agreement_reopen(agreement=agreement, user=kobenhavn_coordinator)
    risk.refresh_from_db()
    assert (risk.escalated, risk.score) == (False, 8)


def test_an_overdue_answer_escalates_on_the_nightly_run_once(risk):
    assert risks_escalate(today=D(2024, 6, 1)) == 0
    assert risks_escalate(today=D(2024, 6, 2)) == 1
    assert risks_escalate(today=D(2024, 6, 2)) == 0  # idempotent
    risk.refresh_from_db()
    assert risk.escalated and risk.score == 20


def test_a_closed_risk_is_left_alone(risk, kobenhavn_coordinator):
    risk_save(risk=risk, user=kobenhavn_coordinator, status=RiskStatus.CLOSED)
    assert risks_escalate(today=D(2024, 6, 2)) == 0


def test_beat_escalates_the_risks_every_night():
    from celery.schedules import crontab

    from portfolio.celery import app
    from risks.tasks import escalate_risks

    entry = app.conf.beat_schedule["escalate-risks-nightly"]
    assert entry["task"] == escalate_risks.name and entry["task"] in app.tasks
    assert entry["schedule"] == crontab(hour=4, minute=45)


def test_an_owner_sees_the_risks_it_owns_on_an_initiative_it_takes_no_part_in(
    make_risk, make_initiative, kobenhavn, aarhus, aarhus_coordinator
):
    owned = make_risk(make_initiative(kobenhavn), owner=aarhus)
    make_risk(make_initiative(kobenhavn))  # København's own: not Aarhus's to see
    assert list(Risk.objects.visible_to(aarhus_coordinator)) == [owned]
    assert list(Risk.objects.editable_by(aarhus_coordinator)) == [owned]
