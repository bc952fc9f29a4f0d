"""Agreements feed the engine: the dependant's risk and its named cause, the figures per authority
and per pair, and the impact analysis' dates."""

import datetime

import pytest
import time_machine

from agreements import services
from summaries.engine.run import recompute_summaries
from summaries.freshness import changes_pending
from summaries.impact import impact_of_delay
from summaries.models import AuthorityPairSummary, AuthoritySummary, InitiativeSummary, RiskReason

D = datetime.date


@pytest.fixture
def requested(cross_dependency, kobenhavn_coordinator, today):
    return services.agreement_request(
        dependency=cross_dependency, user=kobenhavn_coordinator, needed_by=D(2024, 6, 1), what_needed="The API"
    )


def _risk_of(initiative):
    row = InitiativeSummary.objects.get(initiative=initiative)
    return row.at_risk, row.risk_reason, row.risk_initiative_id, row.risk_authority_id


def test_a_declined_agreement_puts_the_dependant_at_risk_naming_the_provider(
    requested, digst_coordinator, digst, kobenhavn, today, analyst_client, english
):
    dependant, provider = requested.dependency.source, requested.dependency.target
    recompute_summaries()
    assert _risk_of(dependant) == (False, "", None, None)
    services.agreement_decline(agreement=requested, user=digst_coordinator, reason="No capacity")
    assert changes_pending()  # the transition marked the summaries dirty, as any change does
    recompute_summaries()
    assert _risk_of(dependant) == (True, RiskReason.AGREEMENT_DECLINED, provider.pk, digst.pk)
    assert InitiativeSummary.objects.get(initiative=dependant).get_risk_reason_display() == "agreement declined"
    pair = AuthorityPairSummary.objects.get(source=kobenhavn, target=digst)
    assert (pair.agreements_requested, pair.agreements_declined, pair.at_risk_edges) == (0, 1, 1)
    for authority in (kobenhavn, digst):  # both parties count it
        assert AuthoritySummary.objects.get(authority=authority).agreements_declined == 1
    page = analyst_client.get(digst.get_absolute_url()).content.decode()
    declined_row = page.split("Dependency agreements it is party to")[1].split("Declined</th>")[1]
    assert declined_row.startswith('<td class="numeric">1</td>')


def test_a_request_still_unanswered_after_its_needed_by_date_is_overdue(requested, kobenhavn, digst, today):
    recompute_summaries()
    assert AuthorityPairSummary.objects.get(source=kobenhavn, target=digst).agreements_requested == 1
    with time_machine.travel(datetime.datetime(2024, 6, 2, 11, tzinfo=datetime.UTC), tick=False):
        recompute_summaries()  # the nightly run picks the new date up
    assert _risk_of(requested.dependency.source)[:2] == (True, RiskReason.AGREEMENT_UNANSWERED)
    pair = AuthorityPairSummary.objects.get(source=kobenhavn, target=digst)
    assert (pair.agreements_requested, pair.agreements_overdue) == (1, 1)


def test_a_late_commitment_is_a_risk_and_the_impact_analysis_uses_the_committed_date(
    requested, digst_coordinator, kobenhavn, digst, today
):
    dependant, provider = requested.dependency.source, requested.dependency.target
    before = {item.initiative.pk: item for item in impact_of_delay(provider, 30).initiatives}
    assert before[dependant.pk].pushed_days == 0  # the forecast end leaves a month of slack
    services.agreement_commit(agreement=requested, user=digst_coordinator, committed_date=D(2024, 9, 1))
    recompute_summaries()
    assert _risk_of(dependant)[:2] == (True, RiskReason.AGREEMENT_COMMITTED_LATE)
    assert AuthoritySummary.objects.get(authority=kobenhavn).agreements_committed_late == 1
    item = {item.initiative.pk: item for item in impact_of_delay(provider, 30).initiatives}[dependant.pk]
    assert item.pushed_days == 30  # it waits for the committed date, which the slip moves
    assert [(m.delivered_before, m.delivered) for m in item.missed] == [(D(2024, 9, 1), D(2024, 10, 1))]


def test_an_agreement_in_time_leaves_the_dependant_as_it_was(requested, digst_coordinator, today):
    services.agreement_commit(agreement=requested, user=digst_coordinator, committed_date=D(2024, 5, 15))
    recompute_summaries()
    assert _risk_of(requested.dependency.source) == (False, "", None, None)
