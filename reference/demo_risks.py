"""The demo's risk register: a handful of illustrative risks on demo initiatives across the levels of
government, some linked to the demo's dependency agreements, so that a declined and an overdue one
show escalated. Written before the demo's users exist, like the demo's agreements, with their history
and no user (the demo took them); the escalation is the register's own (risks.services.risks_escalate)."""

import datetime

from agreements.models import Agreement, AgreementState
from authorities.models import Authority
from initiatives.models import OPEN_STATUSES, Initiative
from risks.models import Risk, RiskStatus
from risks.services import risks_escalate

CHANGE_REASON = "seed_demo (illustrative)"

# (agreement state, overdue: needed-by before the demo's day, title, probability, impact, mitigation):
# risks of the dependant, owned by its lead, linked to an agreement in that state.
LINKED = [
    (AgreementState.DECLINED, False, "Den aftalte leverance udebliver", 3, 4,
     "Illustrativt: undersøg en anden leverandør, og tag sagen op i styregruppen."),
    (AgreementState.REQUESTED, True, "Intet svar på anmodning om adgang til data", 2, 5,
     "Illustrativt: ryk for svar; planlæg uden data fra den anden myndighed."),
    (AgreementState.COMMITTED, False, "Integrationen kan først testes sent", 2, 3,
     "Illustrativt: aftal et testmiljø tidligt."),
    (AgreementState.PROPOSED, False, "Ny leverancedato forsinker udrulningen", 3, 3,
     "Illustrativt: vurder den foreslåede dato mod udrulningsplanen."),
]
# (title, probability, impact, status, mitigation): risks without an agreement, one per demo authority
# and one more, by their lead.
UNLINKED = [
    ("Mangel på it-arkitekter", 3, 3, RiskStatus.MITIGATING, "Illustrativt: rammeaftale om konsulenter."),
    ("Leverandøren når ikke at levere løsningen", 2, 4, RiskStatus.OPEN, "Illustrativt: bod i kontrakten."),
    ("Databeskyttelse: konsekvensanalysen mangler", 2, 5, RiskStatus.MITIGATING,
     "Illustrativt: analysen er bestilt hos juristerne."),
    ("Lav brug af den digitale løsning", 3, 2, RiskStatus.CLOSED, "Illustrativt: kampagne gennemført."),
]


def seed_demo_risks(*, today: datetime.date, demo_authorities: list[Authority]) -> int:
    """Risks on some demo initiatives, escalated where their agreement has failed; returns how many."""
    risks = _linked_risks(today) + _unlinked_risks(today, demo_authorities)
    for risk in risks:
        risk.refresh_score()
        risk.full_clean()
        risk._change_reason = CHANGE_REASON
        risk.save()
    risks_escalate(agreement_ids=[risk.agreement_id for risk in risks if risk.agreement_id], today=today)
    return len(risks)


def _linked_risks(today: datetime.date) -> list[Risk]:
    """One risk per planned agreement state, on the dependant of the first demo agreement in it."""
    risks = []
    agreements = Agreement.objects.filter(dependency__is_illustrative=True).select_related("dependency__source")
    for state, overdue, title, probability, impact, mitigation in LINKED:
        chosen = agreements.filter(state=state)
        chosen = chosen.filter(needed_by__lt=today) if overdue else chosen.filter(needed_by__gte=today)
        agreement = chosen.order_by("pk").first()
        if agreement is None:
            continue
        dependant = agreement.dependency.source
        risks.append(Risk(
            initiative=dependant, title=title, probability=probability, impact=impact, owner_id=dependant.lead_id,
            mitigation=mitigation, review_date=today + datetime.timedelta(days=30), agreement=agreement,
            description="Illustrativt: afhænger af en anden myndigheds leverance.",
        ))
    return risks


def _unlinked_risks(today: datetime.date, demo_authorities: list[Authority]) -> list[Risk]:
    """One risk on an open demo initiative led by each demo authority, one more on another's."""
    open_demo = Initiative.objects.filter(is_illustrative=True, status__in=OPEN_STATUSES).order_by("pk")
    leads = [a.pk for a in demo_authorities]
    initiatives = [open_demo.filter(lead_id=pk).first() for pk in leads]
    initiatives.append(open_demo.exclude(lead_id__in=leads).first())
    risks = []
    for n, (initiative, spec) in enumerate(zip(initiatives, UNLINKED, strict=False)):
        if initiative is None:
            continue
        title, probability, impact, status, mitigation = spec
        risks.append(Risk(
            initiative=initiative, title=title, probability=probability, impact=impact, owner_id=initiative.lead_id,
            status=status, mitigation=mitigation, review_date=today + datetime.timedelta(days=45 + 15 * n),
        ))
    return risks
