"""The national-scale portfolio's risk register: about 10,000 illustrative risks on its initiatives,
some linked to the agreements on their dependencies, then escalated by the register's own rule
(risks.services.risks_escalate, once for all). For benchmarks; no history but the escalations'."""

import datetime
import random
from collections import defaultdict

from agreements.models import Agreement
from initiatives.models import Initiative, Participation
from risks.models import Risk, RiskStatus, risk_score
from risks.services import risks_escalate

SEED = 2026 + 14
# (title, mitigation); the initiatives they hang on are illustrative, and so are these.
RISKS = [
    ("Leverandøren leverer for sent", "Ugentlig opfølgning med leverandøren og en plan B for kernefunktionerne."),
    ("Nødvendige data er ikke tilgængelige", "Aftale om dataadgang med dataejeren før udviklingen starter."),
    ("Lovgrundlaget er ikke på plads i tide", "Tæt dialog med ministeriet om tidsplanen for lovforslaget."),
    ("Nøglemedarbejdere forlader projektet", "Videndeling i par og dokumentation af de kritiske opgaver."),
    ("Brugerne tager løsningen for langsomt i brug", "Implementeringspakke og superbrugere i hver enhed."),
    ("Budgettet overskrides", "Månedlig budgetopfølgning og prioriteret backlog."),
    ("Fælles infrastruktur bliver forsinket", "Afhængigheden følges i aftalen med udbyderen."),
    ("Sikkerhedskrav ændres undervejs", "Tidlig inddragelse af informationssikkerhed."),
]
STATUS_MIX = [RiskStatus.OPEN] * 6 + [RiskStatus.MITIGATING] * 3 + [RiskStatus.CLOSED]


def _national_initiatives() -> list[tuple[int, int]]:
    """(id, lead id) of the national-scale portfolio's initiatives (focus areas N1, N2, ...)."""
    return list(
        Initiative.objects.filter(is_illustrative=True, focus_area__code__startswith="N")
        .order_by("pk").values_list("pk", "lead_id")
    )


def seed_national_risks(*, today: datetime.date, count: int = 10_000, batch_size: int = 5000) -> int:
    """`count` risks on the national-scale initiatives (about one in three linked to an agreement on
    the initiative's own dependencies); returns how many were made. Does nothing when there are some."""
    initiatives = _national_initiatives()
    if not initiatives or Risk.objects.filter(initiative_id__in=[pk for pk, _lead in initiatives[:50]]).exists():
        return 0
    rng = random.Random(SEED)
    agreements_of: dict[int, list[int]] = defaultdict(list)
    for pk, source_id in Agreement.objects.order_by("pk").values_list("pk", "dependency__source_id"):
        agreements_of[source_id].append(pk)
    chosen = [rng.choice(initiatives) for _ in range(count)]
    participants: dict[int, list[int]] = defaultdict(list)
    for initiative_id, authority_id in (Participation.objects.filter(initiative_id__in={pk for pk, _l in chosen})
                                        .order_by("pk").values_list("initiative_id", "authority_id")):
        participants[initiative_id].append(authority_id)
    risks = [_risk(rng, initiative_id, lead_id, participants[initiative_id], agreements_of.get(initiative_id), today)
             for initiative_id, lead_id in chosen]
    Risk.objects.bulk_create(risks, batch_size=batch_size)
    # The register's own rule decides which of the linked ones are escalated (declined or overdue).
    risks_escalate(today=today)
    return len(risks)


def _risk(rng: random.Random, initiative_id: int, lead_id: int, participants: list[int], agreements: list[int] | None,
          today: datetime.date) -> Risk:
    title, mitigation = rng.choice(RISKS)
    probability, impact = rng.randint(1, 5), rng.randint(1, 5)
    # Mostly the lead owns the risk; otherwise an authority taking part.
    owner_id = lead_id if rng.random() < 0.7 or not participants else rng.choice(participants)
    agreement_id = rng.choice(agreements) if agreements and rng.random() < 0.6 else None
    return Risk(
        initiative_id=initiative_id, title=title, description="", probability=probability, impact=impact,
        owner_id=owner_id, mitigation=mitigation, status=rng.choice(STATUS_MIX), agreement_id=agreement_id,
        review_date=today + datetime.timedelta(days=rng.randint(-60, 180)),
        score=risk_score(probability, impact, escalated=False),
    )
