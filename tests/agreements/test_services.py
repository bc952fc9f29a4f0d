"""The agreement round: who may do what from which state, what is refused, and what is recorded."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agreements import services
from agreements.models import Agreement, AgreementAction, AgreementRisk, AgreementState, AgreementTransition
from initiatives.services import dependency_add

D = datetime.date


@pytest.fixture
def requested(cross_dependency, kobenhavn_coordinator, today):
    return services.agreement_request(
        dependency=cross_dependency, user=kobenhavn_coordinator, needed_by=D(2024, 6, 1), what_needed="The API"
    )


def _refused(call, field: str, **kwargs):
    with pytest.raises(ValidationError) as refusal:
        call(**kwargs)
    assert field in refusal.value.message_dict, refusal.value.message_dict
    return refusal.value.message_dict[field][0]


def test_a_request_records_who_asked_what_by_when(requested, kobenhavn_coordinator, kobenhavn, today):
    assert requested.state == AgreementState.REQUESTED
    assert requested.dependency.needed_by == D(2024, 6, 1)  # the engine's lateness rule reads it
    step = requested.transitions.get()
    assert (step.action, step.by_user, step.by_authority, step.date) == (
        AgreementAction.REQUEST, kobenhavn_coordinator, kobenhavn, D(2024, 6, 1)
    )
    assert requested.history.get().history_user == kobenhavn_coordinator


def test_the_whole_round_from_request_to_decline_to_late_commit(
    requested, kobenhavn_coordinator, digst_coordinator, today
):
    services.agreement_decline(agreement=requested, user=digst_coordinator, reason="No capacity")
    requested.refresh_from_db()
    assert (requested.state, requested.reason, requested.risk(today)) == (
        AgreementState.DECLINED, "No capacity", AgreementRisk.DECLINED
    )
    services.agreement_reopen(agreement=requested, user=kobenhavn_coordinator, needed_by=D(2024, 8, 1))
    agreement = services.agreement_commit(agreement=requested, user=digst_coordinator, committed_date=D(2024, 9, 1))
    assert agreement.state == AgreementState.COMMITTED
    assert agreement.risk(today) == AgreementRisk.COMMITTED_LATE
    services.agreement_accept(agreement=agreement, user=kobenhavn_coordinator)
    assert [step.action for step in AgreementTransition.objects.filter(agreement=agreement)] == [
        AgreementAction.REQUEST, AgreementAction.DECLINE, AgreementAction.REOPEN, AgreementAction.COMMIT,
        AgreementAction.ACCEPT,
    ]
    assert agreement.history.count() == 5


def test_a_proposal_accepted_becomes_the_committed_date(requested, kobenhavn_coordinator, digst_coordinator, today):
    services.agreement_propose(agreement=requested, user=digst_coordinator, proposed_date=D(2024, 7, 1),
                               reason="Tests run in June")
    agreement = services.agreement_accept(agreement=requested, user=kobenhavn_coordinator)
    assert (agreement.state, agreement.committed_date, agreement.proposed_date) == (
        AgreementState.ACCEPTED, D(2024, 7, 1), None
    )


def test_the_requester_may_decline_a_proposal_but_not_a_request(
    requested, kobenhavn_coordinator, digst_coordinator, today
):
    _refused(services.agreement_decline, "state", agreement=requested, user=kobenhavn_coordinator, reason="x")
    services.agreement_propose(agreement=requested, user=digst_coordinator, proposed_date=D(2024, 7, 1), reason="y")
    agreement = services.agreement_decline(agreement=requested, user=kobenhavn_coordinator, reason="Too late")
    assert agreement.state == AgreementState.DECLINED


def test_bad_answers_are_refused_naming_the_field_and_nothing_is_saved(
    requested, kobenhavn_coordinator, digst_coordinator, today
):
    _refused(services.agreement_decline, "reason", agreement=requested, user=digst_coordinator, reason="  ")
    _refused(services.agreement_propose, "reason", agreement=requested, user=digst_coordinator,
             proposed_date=D(2024, 7, 1), reason="")
    message = _refused(services.agreement_commit, "committed_date", agreement=requested, user=digst_coordinator,
                       committed_date=D(2024, 1, 9))
    assert "10.01.2024" in message
    _refused(services.agreement_commit, "committed_date", agreement=requested, user=digst_coordinator,
             committed_date=None)
    _refused(services.agreement_accept, "state", agreement=requested, user=kobenhavn_coordinator)
    requested.refresh_from_db()
    assert requested.state == AgreementState.REQUESTED
    assert requested.transitions.count() == 1 and requested.history.count() == 1


def test_a_transition_not_allowed_from_the_current_state_is_refused(requested, digst_coordinator, today):
    services.agreement_commit(agreement=requested, user=digst_coordinator, committed_date=D(2024, 5, 1))
    message = _refused(services.agreement_propose, "state", agreement=requested, user=digst_coordinator,
                       proposed_date=D(2024, 7, 1), reason="Later")
    assert "Committed" in message or "Tilsagt" in message
    _refused(services.agreement_decline, "state", agreement=requested, user=digst_coordinator, reason="x")


def test_each_side_writes_only_its_own_part(
    requested, kobenhavn_coordinator, digst_coordinator, aarhus_coordinator, today
):
    with pytest.raises(PermissionDenied):  # the requester cannot commit on the provider's behalf
        services.agreement_commit(agreement=requested, user=kobenhavn_coordinator, committed_date=D(2024, 5, 1))
    with pytest.raises(PermissionDenied):  # a third authority answers nothing
        services.agreement_decline(agreement=requested, user=aarhus_coordinator, reason="Not ours")
    with pytest.raises(PermissionDenied):
        services.agreement_reopen(agreement=requested, user=aarhus_coordinator)
    services.agreement_decline(agreement=requested, user=digst_coordinator, reason="No")
    # The provider may reopen, but not change what was asked.
    _refused(services.agreement_reopen, "needed_by", agreement=requested, user=digst_coordinator,
             needed_by=D(2024, 3, 1))
    _refused(services.agreement_reopen, "what_needed", agreement=requested, user=digst_coordinator,
             what_needed="Something else")
    agreement = services.agreement_reopen(agreement=requested, user=digst_coordinator, reason="We found capacity")
    assert (agreement.state, agreement.needed_by, agreement.what_needed) == (
        AgreementState.REQUESTED, D(2024, 6, 1), "The API"
    )


def test_only_dependencies_across_authorities_are_agreements(
    make_initiative, kobenhavn, kobenhavn_coordinator, cross_dependency, digst_coordinator, today
):
    inside = dependency_add(source=make_initiative(kobenhavn), target=make_initiative(kobenhavn))
    _refused(services.agreement_request, "dependency", dependency=inside, user=kobenhavn_coordinator,
             needed_by=D(2024, 6, 1), what_needed="x")
    with pytest.raises(PermissionDenied):  # the provider does not ask on the dependant's behalf
        services.agreement_request(dependency=cross_dependency, user=digst_coordinator, needed_by=D(2024, 6, 1),
                                   what_needed="x")
    _refused(services.agreement_request, "needed_by", dependency=cross_dependency, user=kobenhavn_coordinator,
             needed_by=D(2023, 6, 1), what_needed="x")
    _refused(services.agreement_request, "what_needed", dependency=cross_dependency, user=kobenhavn_coordinator,
             needed_by=D(2024, 6, 1), what_needed=" ")
    assert not Agreement.objects.exists()


def test_each_coordinator_sees_the_agreements_their_authority_is_party_to(
    requested, kobenhavn_coordinator, digst_coordinator, aarhus_coordinator, analyst, today
):
    assert list(Agreement.objects.visible_to(kobenhavn_coordinator)) == [requested]
    assert list(Agreement.objects.visible_to(digst_coordinator)) == [requested]
    assert not Agreement.objects.visible_to(aarhus_coordinator).exists()
    assert list(Agreement.objects.visible_to(analyst)) == [requested]
    assert list(Agreement.objects.answerable_by(digst_coordinator)) == [requested]
    assert not Agreement.objects.answerable_by(kobenhavn_coordinator).exists()


def test_overdue_and_committed_late_are_found_by_the_queryset(requested, digst_coordinator, today):
    assert not Agreement.objects.overdue(today).exists()
    assert list(Agreement.objects.overdue(D(2024, 6, 2))) == [requested]
    assert requested.days_to_answer(today) == (D(2024, 6, 1) - today).days
    services.agreement_commit(agreement=requested, user=digst_coordinator, committed_date=D(2024, 6, 2))
    assert list(Agreement.objects.committed_late()) == [requested]
