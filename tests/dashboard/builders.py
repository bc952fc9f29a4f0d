"""Builders for the dashboard tests: a small portfolio of a given size with its summary rows
written directly, so the page tests do not depend on the engine that normally computes them."""

import datetime

from django.utils import timezone

from authorities.models import Authority, Kind, Level
from initiatives.models import Criticality, Dependency, Health, Initiative, Role, Status
from initiatives.services import initiative_create, participation_set
from strategies.models import Strategy
from summaries.models import (
    AuthorityPairSummary,
    AuthoritySummary,
    InitiativeSummary,
    LevelMatrixCell,
    RiskReason,
    SummaryChange,
    SummaryState,
)


def build_portfolio(*, strategy: Strategy, size: int, central: Authority, municipality: Authority,
                    region: Authority) -> dict:
    """`size` initiatives led by a municipality depending on one red central initiative, with summaries.

    Returns the named pieces the tests look at.
    """
    upstream, dependants = build_initiatives(strategy=strategy, size=size, central=central,
                                             municipality=municipality, region=region)
    write_summaries(strategy=strategy, upstream=upstream, dependants=dependants, central=central,
                    municipality=municipality, region=region)
    return {"upstream": upstream, "dependants": dependants}


def build_initiatives(*, strategy: Strategy, size: int, central: Authority, municipality: Authority,
                      region: Authority) -> tuple[Initiative, list[Initiative]]:
    """The red central initiative and the `size` municipal ones depending on it (the region takes part)."""
    upstream = initiative_create(
        lead=central,
        strategy=strategy,
        code="C.1",
        title_da="Fælles datafundament",
        title_en="Shared data foundation",
        status=Status.ACTIVE,
        baseline_end=datetime.date(2024, 1, 1),
        forecast_end=datetime.date(2024, 12, 1),  # 11 months late: red
    )
    dependants = []
    for n in range(size):
        initiative = initiative_create(
            lead=municipality,
            strategy=strategy,
            code=f"M.{n + 1}",
            title_da=f"Kommunal løsning {n + 1}",
            title_en=f"Municipal solution {n + 1}",
            status=Status.ACTIVE if n % 3 else Status.PLANNED,
            is_illustrative=True,
        )
        participation_set(initiative=initiative, authority=region, role=Role.CONTRIBUTOR)
        dependants.append(initiative)
    Dependency.objects.bulk_create(
        Dependency(source=d, target=upstream, criticality=Criticality.HIGH, is_illustrative=True) for d in dependants
    )
    return upstream, dependants


def write_summaries(*, strategy: Strategy, upstream: Initiative, dependants: list[Initiative], central: Authority,
                    municipality: Authority, region: Authority) -> None:
    """The summary rows the engine would compute for that portfolio, in place of whatever it wrote."""
    now = timezone.now()
    size = len(dependants)
    # Where commits run the engine (transactional tests), replace what it wrote with known figures.
    for summary_model in (InitiativeSummary, AuthoritySummary, AuthorityPairSummary, LevelMatrixCell):
        summary_model.objects.all().delete()
    _write_initiative_summaries(upstream, dependants, central=central, now=now)
    for strategy_or_all in (strategy, None):
        LevelMatrixCell.objects.create(
            strategy=strategy_or_all,
            source_level=Level.MUNICIPAL,
            target_level=Level.CENTRAL,
            edges=size,
            high_edges=size,
            at_risk_edges=size,
            computed_at=now,
        )
    AuthorityPairSummary.objects.create(
        source=municipality, target=central, edges=size, high_edges=size, at_risk_edges=size, computed_at=now
    )
    AuthoritySummary.objects.bulk_create(
        [
            AuthoritySummary(authority=central, initiatives_led=1, initiatives_participating=1,
                             depended_by_direct=1, exposure_initiatives=size, exposure_authorities=2,
                             others_at_risk_because_of_it=size, computed_at=now),
            AuthoritySummary(authority=municipality, initiatives_led=size, initiatives_participating=size,
                             depends_on_direct=1, at_risk_because_of_others=size, computed_at=now),
            AuthoritySummary(authority=region, initiatives_participating=size, computed_at=now),
        ]
    )
    # The summaries reflect every change made so far.
    SummaryChange.objects.all().delete()
    SummaryState.objects.update_or_create(
        scope="all", defaults={"computed_version": 3, "last_computed_at": now}
    )


def _write_initiative_summaries(upstream: Initiative, dependants: list[Initiative], *, central: Authority,
                                now: datetime.datetime) -> None:
    """Everything depends on the upstream initiative, and every dependant is at risk because it is red."""
    size = len(dependants)
    InitiativeSummary.objects.create(
        initiative=upstream, downstream_direct=size, downstream_total=size, computed_at=now
    )
    InitiativeSummary.objects.bulk_create(
        InitiativeSummary(
            initiative=d,
            upstream_direct=1,
            upstream_total=1,
            upstream_authorities=1,
            upstream_levels=1,
            upstream_depth=1,
            at_risk=True,
            risk_reason=RiskReason.RED,
            risk_initiative=upstream,
            risk_authority=central,
            computed_at=now,
        )
        for d in dependants
    )


def health_of(initiative: Initiative) -> str:
    return Health(initiative.health).label


def municipality_codes() -> set[str]:
    return set(Authority.objects.filter(kind=Kind.MUNICIPALITY).values_list("code", flat=True))
