"""The demo's dependency agreements: every state, across levels, the demo coordinators' authorities on
both sides, and what the engine makes of them."""

import datetime

import time_machine

from agreements.models import Agreement, AgreementAction, AgreementState
from authorities.models import Authority
from summaries.engine.run import recompute_summaries
from summaries.models import InitiativeSummary, RiskReason


def test_the_demo_has_agreements_in_every_state_across_levels(demo):
    demo_day = datetime.date(2026, 11, 1)
    agreements = list(Agreement.objects.with_parties())
    assert {a.state for a in agreements} == set(AgreementState.values)
    assert Agreement.objects.overdue(demo_day).exists() and Agreement.objects.committed_late().exists()
    levels = Authority.objects.effective_levels()
    assert len({(levels[a.requester_id], levels[a.provider_id]) for a in agreements}) >= 4
    for name in ("Københavns Kommune", "Region Midtjylland", "Digitaliseringsstyrelsen"):
        authority = Authority.objects.get(name_da=name)
        assert Agreement.objects.party_to([authority.pk]).count() >= 3, name
    for agreement in agreements:
        assert agreement.requester_id != agreement.provider_id
        assert agreement.dependency.needed_by == agreement.needed_by
        steps = list(agreement.transitions.all())
        assert steps[0].action == AgreementAction.REQUEST and steps[-1].to_state == agreement.state
        assert agreement.history.exists()


def test_the_engine_names_the_demo_agreements_as_causes(demo):
    with time_machine.travel(datetime.datetime(2026, 11, 1, 12, tzinfo=datetime.UTC), tick=False):
        recompute_summaries()
    reasons = set(InitiativeSummary.objects.filter(at_risk=True).values_list("risk_reason", flat=True))
    assert {RiskReason.AGREEMENT_DECLINED, RiskReason.AGREEMENT_COMMITTED_LATE} <= reasons
