"""The demo's risk register: a handful of risks across the levels of government, an escalated one
among them, so the register's escalation shows in the demo."""

import datetime

from agreements.models import AgreementState
from authorities.models import Authority
from risks.models import Risk
from risks.services import risks_escalate

DEMO_DAY = datetime.date(2026, 11, 1)


def test_the_demo_has_a_handful_of_risks_across_levels_an_escalated_one_among_them(demo):
    risks = list(Risk.objects.select_related("agreement", "initiative"))
    assert 6 <= len(risks) <= 10
    levels = Authority.objects.effective_levels()
    assert len({levels[risk.initiative.lead_id] for risk in risks}) >= 3
    escalated = [risk for risk in risks if risk.escalated]
    # A declined agreement, and one unanswered after its needed-by date, escalate their risks.
    assert {risk.agreement.state for risk in escalated} == {AgreementState.DECLINED, AgreementState.REQUESTED}
    for risk in escalated:
        assert risk.score == 5 * risk.impact and risk.escalated_at is not None
        assert risk.history.first().history_change_reason == "escalated: linked agreement failing"
    assert any(risk.agreement_id and not risk.escalated for risk in risks)  # a link in good standing
    assert risks_escalate(today=DEMO_DAY) == 0  # the nightly run finds it as the demo left it
