"""The illustrative portfolios: a demo that makes every screen meaningful, and a national-scale
one for benchmarks. Everything generated here is flagged `is_illustrative` and is not fact.

Both are deterministic (a fixed random seed over rows read in a fixed order) and idempotent (a
second run finds its marker and writes nothing).
"""

import datetime
import random
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from agreements.models import Agreement
from authorities.models import Authority, Kind, Level
from benefits.models import Benefit, FollowUp
from benefits.models import Kind as BenefitKind
from benefits.services import benefits_facts, follow_up_due_on, follow_up_record, follow_up_schedule
from common.roles import ensure_roles
from digests.subscriptions import subscription_ensure_default
from funding.models import FundingShare, FundingYear, Party, Rephasing
from funding.services import rephase
from initiatives.models import (
    Criticality,
    Dependency,
    DependencyKind,
    Health,
    Initiative,
    Milestone,
    Participation,
    Role,
    Status,
)
from reference.demo_agreements import seed_demo_agreements, seed_national_agreements
from reference.demo_reporting import ensure_demo_approvers
from reference.demo_risks import seed_demo_risks
from reference.national_risks import seed_national_risks
from risks.models import Risk
from strategies.models import FocusArea, Strategy

SEED = 2026
DEMO_MARKER_PREFIX = "D"  # focus area codes of the demo: D1, D2, ...
NATIONAL_MARKER_PREFIX = "N"  # focus area codes of the national-scale portfolio: N1, N2, ...
ILLUSTRATIVE = (" (illustrativ)", " (illustrative)")  # the demo institutions' names, Danish and English

FOCUS_AREAS = [
    ("Service for borgere og virksomheder", "Services for citizens and businesses"),
    ("Data og fælles infrastruktur", "Data and shared infrastructure"),
    ("Digital velfærd og sundhed", "Digital welfare and health"),
    ("Sikkerhed og tillid", "Security and trust"),
]

# (Danish, English) title stems; the demo varies them with the subjects below.
INFRASTRUCTURE_TITLES = [
    ("Fælles login til {da}", "Shared login for {en}"),
    ("Fælles datadeling om {da}", "Shared data exchange on {en}"),
    ("Grunddata for {da}", "Basic data for {en}"),
    ("Fælles it-arkitektur for {da}", "Shared IT architecture for {en}"),
    ("Sikker digital post om {da}", "Secure digital post on {en}"),
]
SERVICE_TITLES = [
    ("Digital selvbetjening for {da}", "Digital self-service for {en}"),
    ("Sammenhængende forløb for {da}", "Coherent pathways for {en}"),
    ("Automatisk sagsbehandling af {da}", "Automated case handling of {en}"),
    ("Velfærdsteknologi i {da}", "Welfare technology in {en}"),
    ("Overblik over {da}", "An overview of {en}"),
]
SUBJECTS = [
    ("ældreplejen", "elderly care"),
    ("byggesager", "building permits"),
    ("sundhedsdata", "health data"),
    ("beskæftigelse", "employment"),
    ("skoler og dagtilbud", "schools and day care"),
    ("borgerens ydelser", "citizens' benefits"),
    ("virksomhedsregistrering", "business registration"),
    ("ejendomsdata", "property data"),
    ("klima og miljø", "climate and environment"),
    ("kronisk syge", "people with chronic illness"),
    ("handicapområdet", "disability services"),
    ("det specialiserede socialområde", "specialised social services"),
]


@dataclass
class SeedReport:
    """Counts of what a seed wrote, the time it took, and one-time messages such as passwords."""

    counts: Counter = field(default_factory=Counter)
    messages: list[str] = field(default_factory=list)
    seconds: float = 0.0
    skipped: bool = False


def ensure_demo_users(*, new_passwords: bool = False) -> list[str]:
    """The demo's users: a secretariat analyst and three coordinators. Passwords are generated
    when a user is created (or on request) and returned once, never stored in the code."""
    secretariat, coordinators = ensure_roles()
    specs = [
        ("analyst", "Sekretariatsanalytiker", secretariat, None),
        ("kk-coordinator", "Koordinator, Københavns Kommune", coordinators, {"kind": Kind.MUNICIPALITY, "code": "0101"}),
        ("rm-coordinator", "Koordinator, Region Midtjylland", coordinators, {"kind": Kind.REGION, "code": "1082"}),
        ("digst-coordinator", "Koordinator, Digitaliseringsstyrelsen", coordinators, {"name_da": "Digitaliseringsstyrelsen"}),
    ]
    lines = []
    for username, full_name, group, authority_lookup in specs:
        user = User.objects.filter(username=username).first()
        created = user is None
        if created:
            first, _, last = full_name.partition(", ")
            user = User.objects.create_user(
                username=username, email=f"{username}@example.invalid", first_name=first, last_name=last,
                is_staff=True,
            )
        user.groups.add(group)
        role_created = False
        if authority_lookup:
            authority = Authority.objects.get(**authority_lookup)
            role_created = user.coordinator_roles.get_or_create(authority=authority)[1]
        if created or role_created:
            # Only then: adding authorities a subscription already has still writes a history row.
            subscription_ensure_default(user)
        if created or new_passwords:
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save()
            lines.append(f"  {username:<18} {password:<20} {full_name}")
    for user, created in ensure_demo_approvers():
        if created or new_passwords:
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save()
            lines.append(f"  {user.username:<18} {password:<20} {user.first_name}, {user.last_name}")
    if lines:
        return ["Demo logins (shown once; new ones: manage.py seed_demo --new-passwords):", *lines]
    return ["Demo users exist already; set new passwords with: python manage.py seed_demo --new-passwords"]


def _mark_summaries_dirty() -> None:
    # The seeders write with bulk_create, which sends no signals: tell the engine explicitly.
    from summaries.scheduling import mark_dirty

    mark_dirty()


class PortfolioBuilder:
    """Builds initiatives, participations, dependencies and milestones in memory, then bulk-inserts."""

    def __init__(self, rng: random.Random, *, with_history: bool) -> None:
        self.rng = rng
        self.with_history = with_history
        self.initiatives: list[Initiative] = []
        self.participations: list[tuple[int, int, str]] = []  # (initiative index, authority id, role)
        self.dependencies: list[tuple[int, int, dict]] = []  # (source index, target index, fields)
        self.milestones: list[tuple[int, dict]] = []
        self._participants: dict[int, set[int]] = {}  # initiative index -> authority ids taking part

    def add_initiative(self, *, strategy: Strategy, focus_area: FocusArea, code: str, lead: Authority,
                       title: tuple[str, str], today: datetime.date) -> int:
        rng = self.rng
        period_start = datetime.date(strategy.start_year, 1, 1)
        span_days = (datetime.date(strategy.end_year, 12, 31) - period_start).days
        start = period_start + datetime.timedelta(days=rng.randrange(0, max(1, span_days // 2)))
        duration = rng.randrange(270, 1100)
        baseline_end = start + datetime.timedelta(days=duration)
        # A realistic mix: most on time, some a little late, a few badly late; likewise cost.
        slip = rng.choices([0, rng.randrange(10, 28), rng.randrange(35, 85), rng.randrange(100, 400)],
                           weights=[60, 15, 15, 10])[0]
        budget = rng.randrange(2, 120) * 1_000_000
        overrun = rng.choices([0, rng.uniform(0.01, 0.09), rng.uniform(0.12, 0.6)], weights=[65, 20, 15])[0]
        forecast_end = baseline_end + datetime.timedelta(days=slip)
        if forecast_end < today:
            status = rng.choices([Status.COMPLETED, Status.CANCELLED], weights=[92, 8])[0]
        elif start > today:
            status = Status.PLANNED
        else:
            status = rng.choices([Status.ACTIVE, Status.PAUSED], weights=[93, 7])[0]
        initiative = Initiative(
            strategy=strategy,
            focus_area=focus_area,
            code=code,
            title_da=title[0],
            title_en=title[1],
            description_da=f"Illustrativt initiativ under {focus_area.name_da.lower()}.",
            description_en=f"Illustrative initiative under {focus_area.name_en.lower()}.",
            lead=lead,
            status=status,
            baseline_start=start,
            baseline_end=baseline_end,
            forecast_start=start,
            forecast_end=forecast_end,
            baseline_budget=budget,
            forecast_cost=int(budget * (1 + overrun)),
            expected_benefits="Illustrative: time saved for citizens and staff.",
            benefits_health=rng.choices([Health.GREEN, Health.YELLOW, Health.RED], weights=[85, 11, 4])[0],
            is_illustrative=True,
        )
        initiative.refresh_health()
        self.initiatives.append(initiative)
        index = len(self.initiatives) - 1
        self.participations.append((index, lead.pk, Role.LEAD))
        for n in range(rng.randrange(2, 4)):
            baseline = start + datetime.timedelta(days=(n + 1) * duration // 4)
            shift = rng.choice([0, 0, 0, 14, 45, 120])
            done = baseline + datetime.timedelta(days=shift) if baseline + datetime.timedelta(days=shift) < today else None
            self.milestones.append((index, {
                "title_da": ["Analyse afsluttet", "Løsning i drift", "Pilot gennemført", "Udbud afsluttet"][n],
                "title_en": ["Analysis completed", "Solution in operation", "Pilot completed", "Tender completed"][n],
                "baseline_date": baseline,
                "forecast_date": baseline + datetime.timedelta(days=shift),
                "done_on": done,
            }))
        return index

    def add_participants(self, index: int, candidates: list[Authority], count: int) -> None:
        chosen = self._participants.setdefault(index, {self.initiatives[index].lead_id})
        roles = [Role.CO_OWNER, Role.CONTRIBUTOR, Role.CONTRIBUTOR, Role.IMPLEMENTER, Role.IMPLEMENTER, Role.CONSULTED]
        for authority in self.rng.sample(candidates, min(count, len(candidates))):
            if authority.pk in chosen:
                continue
            chosen.add(authority.pk)
            self.participations.append((index, authority.pk, self.rng.choice(roles)))

    def add_dependency(self, source: int, target: int) -> None:
        """Only from a later initiative onto an earlier one: the graph is acyclic by construction."""
        assert target < source
        rng = self.rng
        target_end = self.initiatives[target].forecast_end
        needed_by = None
        if rng.random() < 0.4:
            needed_by = target_end + datetime.timedelta(days=rng.randrange(-60, 240))
        self.dependencies.append((source, target, {
            "kind": rng.choices(DependencyKind.values, weights=[40, 25, 20, 8, 7])[0],
            "criticality": rng.choices(Criticality.values, weights=[30, 45, 25])[0],
            "needed_by": needed_by,
        }))

    def save(self, report: SeedReport, *, batch_size: int = 5000) -> None:
        create = self._bulk_create
        create(Initiative, self.initiatives, report, batch_size)
        create(Participation, [
            Participation(initiative=self.initiatives[i], authority_id=a, role=r) for i, a, r in self.participations
        ], report, batch_size)
        seen = set()
        dependencies = []
        for source, target, fields in self.dependencies:
            if (source, target) in seen:
                continue
            seen.add((source, target))
            dependencies.append(Dependency(
                source=self.initiatives[source], target=self.initiatives[target], is_illustrative=True, **fields
            ))
        create(Dependency, dependencies, report, batch_size)
        create(Milestone, [Milestone(initiative=self.initiatives[i], **fields) for i, fields in self.milestones],
               report, batch_size)

    def _bulk_create(self, model, objects, report: SeedReport, batch_size: int) -> None:
        if self.with_history:
            # The demo leaves an audit trail like any other change.
            bulk_create_with_history(objects, model, batch_size=batch_size,
                                     default_change_reason="seed_demo (illustrative)")
        else:
            model.objects.bulk_create(objects, batch_size=batch_size)
        report.counts[model._meta.verbose_name_plural] += len(objects)


def _focus_areas(strategy: Strategy, prefix: str, report: SeedReport) -> list[FocusArea]:
    areas = []
    for n, (da, en) in enumerate(FOCUS_AREAS, start=1):
        area = FocusArea(strategy=strategy, code=f"{prefix}{n}", name_da=da, name_en=en, order=n, is_illustrative=True)
        areas.append(area)
    bulk_create_with_history(areas, FocusArea, default_change_reason="seed (illustrative)")
    report.counts[FocusArea._meta.verbose_name_plural] += len(areas)
    return areas


def _illustrative_institutions(rng: random.Random, *, schools_per_municipality: int, extra_agencies: int,
                               partners: int, report: SeedReport, with_history: bool, tag: tuple[str, str]) -> None:
    tag_da, tag_en = tag
    regions = list(Authority.objects.regions().order_by("code"))
    municipalities = list(Authority.objects.municipalities().order_by("code"))
    ministries = list(Authority.objects.filter(kind=Kind.MINISTRY).order_by("name_da"))
    institutions = []
    for region in regions:
        short = region.name_da.removeprefix("Region ")
        for n in range(1, 3 + (schools_per_municipality > 1) * 10):
            institutions.append(Authority(
                name_da=f"Hospital {short} {n}{tag_da}", name_en=f"Hospital {short} {n}{tag_en}", kind=Kind.HOSPITAL,
                level=Level.REGIONAL, parent=region, region=region, is_illustrative=True))
    for municipality in municipalities:
        town = municipality.name_da.removesuffix(" Kommune")
        for n in range(1, schools_per_municipality + 1):
            institutions.append(Authority(
                name_da=f"{town} Skole {n}{tag_da}", name_en=f"{town} School {n}{tag_en}", kind=Kind.SCHOOL,
                level=Level.MUNICIPAL, parent=municipality, region=municipality.region, is_illustrative=True))
    for n in range(1, extra_agencies + 1):
        institutions.append(Authority(
            name_da=f"Styrelse {n}{tag_da}", name_en=f"Agency {n}{tag_en}", kind=Kind.AGENCY, level=Level.CENTRAL,
            parent=ministries[n % len(ministries)] if ministries else None, is_illustrative=True))
    partner_kinds = [(Kind.BUSINESS, "Leverandør", "Supplier"), (Kind.TRADE_ORGANISATION, "Brancheforening", "Trade body"),
                     (Kind.NGO, "Forening", "Association")]
    for n in range(1, partners + 1):
        kind, da, en = partner_kinds[n % 3]
        institutions.append(Authority(name_da=f"{da} {n}{tag_da}", name_en=f"{en} {n}{tag_en}", kind=kind,
                                      level=Level.PARTNER, is_illustrative=True))
    for n in range(1, 4 + (schools_per_municipality > 1) * 20):
        institutions.append(Authority(name_da=f"Universitet {n}{tag_da}", name_en=f"University {n}{tag_en}",
                                      kind=Kind.UNIVERSITY, level=Level.CENTRAL, is_illustrative=True))
    if with_history:
        bulk_create_with_history(institutions, Authority, batch_size=2000, default_change_reason="seed (illustrative)")
    else:
        Authority.objects.bulk_create(institutions, batch_size=2000)
    report.counts[Authority._meta.verbose_name_plural] += len(institutions)


def _leads_and_pools():
    authorities = list(Authority.objects.order_by("level", "kind", "code", "name_da"))
    by_level = {level: [a for a in authorities if a.level == level] for level in Level.values}
    central_leads = [a for a in by_level[Level.CENTRAL] if a.kind in (Kind.AGENCY, Kind.MINISTRY)]
    regional_leads = [a for a in by_level[Level.REGIONAL] if a.kind in (Kind.REGION, Kind.ASSOCIATION)]
    municipal_leads = [a for a in by_level[Level.MUNICIPAL] if a.kind in (Kind.MUNICIPALITY, Kind.ASSOCIATION)]
    return authorities, by_level, central_leads, regional_leads, municipal_leads


@transaction.atomic
def seed_demo(*, today: datetime.date | None = None) -> SeedReport:
    """The demo portfolio: 20-40 illustrative initiatives per strategy, a few hundred dependencies."""
    report = SeedReport()
    started = time.monotonic()
    if FocusArea.objects.filter(code__startswith=DEMO_MARKER_PREFIX, is_illustrative=True).exists():
        report.skipped = True
        return report
    today = today or datetime.date(2026, 11, 1)  # fixed, so the demo is the same on every machine
    rng = random.Random(SEED)
    _illustrative_institutions(rng, schools_per_municipality=1, extra_agencies=4, partners=9, report=report,
                               with_history=True, tag=ILLUSTRATIVE)
    authorities, by_level, central_leads, regional_leads, municipal_leads = _leads_and_pools()
    kobenhavn = Authority.objects.get(kind=Kind.MUNICIPALITY, code="0101")
    midtjylland = Authority.objects.get(kind=Kind.REGION, code="1082")
    digst = Authority.objects.get(name_da="Digitaliseringsstyrelsen")
    builder = PortfolioBuilder(rng, with_history=True)
    infrastructure: list[int] = []
    for strategy in Strategy.objects.order_by("start_year"):
        areas = _focus_areas(strategy, DEMO_MARKER_PREFIX, report)
        count = rng.randrange(20, 41)
        first_of_strategy = len(builder.initiatives)
        for n in range(count):
            area = areas[n % len(areas)]
            is_infrastructure = area.order in (2, 4) or n < 3
            if is_infrastructure:
                lead = digst if n % 5 == 0 else rng.choice(central_leads)
                stem = rng.choice(INFRASTRUCTURE_TITLES)
            else:
                pool = rng.choices([municipal_leads, regional_leads, central_leads], weights=[50, 30, 20])[0]
                lead = rng.choice(pool)
                if n % 7 == 1:
                    lead = kobenhavn
                elif n % 7 == 3:
                    lead = midtjylland
                stem = rng.choice(SERVICE_TITLES)
            subject = rng.choice(SUBJECTS)
            title = (stem[0].format(da=subject[0]), stem[1].format(en=subject[1]))
            index = builder.add_initiative(
                strategy=strategy, focus_area=area, code=f"{area.order}.{n // len(areas) + 1}", lead=lead,
                title=title, today=today,
            )
            pools = [by_level[Level.MUNICIPAL], by_level[Level.REGIONAL], by_level[Level.CENTRAL], by_level[Level.PARTNER]]
            for pool in rng.sample(pools, rng.randrange(2, 5)):
                builder.add_participants(index, pool, rng.randrange(1, 4))
            if n % 6 == 2 and lead != kobenhavn:
                builder.add_participants(index, [kobenhavn], 1)
            # Depend on earlier initiatives: mostly infrastructure, some across strategies.
            earlier_here = list(range(first_of_strategy, index))
            for _ in range(rng.randrange(0, 4)):
                candidates = infrastructure if (infrastructure and rng.random() < 0.6) else earlier_here
                if candidates:
                    builder.add_dependency(index, rng.choice(candidates))
            if is_infrastructure:
                infrastructure.append(index)
        infrastructure = infrastructure[-25:]  # the next strategy builds on recent infrastructure
    _overrun_the_last_finished_strategy(builder, today)
    benefits = _plan_benefits(builder.initiatives, today)
    builder.save(report, batch_size=500)
    _depend_on_reference_initiatives(builder, rng, report)
    _fund(builder.initiatives, today, report)
    _save_benefits(benefits, builder.initiatives, today, report)
    report.counts[Agreement._meta.verbose_name_plural] += seed_demo_agreements(
        today=today, demo_authorities=[kobenhavn, midtjylland, digst]
    )
    report.counts[Risk._meta.verbose_name_plural] += seed_demo_risks(
        today=today, demo_authorities=[kobenhavn, midtjylland, digst]
    )
    _mark_summaries_dirty()
    report.seconds = time.monotonic() - started
    return report


ECONOMIC_BENEFITS = [
    ("Sparet sagsbehandlingstid", "Case-work time saved"),
    ("Færre henvendelser til borgerservice", "Fewer enquiries to citizen services"),
    ("Lavere driftsudgifter til it", "Lower IT running costs"),
]
NON_ECONOMIC_BENEFITS = [
    ("Flere digitale ansøgninger", "More applications made digitally", "Andel ansøgninger indsendt digitalt (%)", True),
    ("Kortere ventetid", "Shorter waiting time", "Gennemsnitlig sagsbehandlingstid (dage)", False),
]


def _plan_benefits(initiatives: list[Initiative], today: datetime.date) -> list[Benefit]:
    """Illustrative benefits for about half the initiatives, planned before the initiatives are saved
    so that each is created with its benefits light already computed (benefits.services.benefits_facts)."""
    rng = random.Random(SEED + 11)
    planned = []
    for initiative in initiatives:
        if rng.random() < 0.5 or not initiative.baseline_budget:
            continue
        title = rng.choice(ECONOMIC_BENEFITS)
        baseline = _thousands(Decimal(initiative.baseline_budget) * Decimal(rng.randrange(20, 60)) / 100)
        forecast = _thousands(baseline * Decimal(rng.choices([100, 95, 85, 70], weights=[60, 20, 12, 8])[0]) / 100)
        mine = [Benefit(
            initiative=initiative, kind=BenefitKind.ECONOMIC, title_da=title[0], title_en=title[1],
            from_year=(initiative.baseline_end or today).year + 1, baseline=baseline, forecast=forecast,
            realised_by=initiative.lead,
        )]
        if rng.random() < 0.4:
            da, en, indicator, higher = rng.choice(NON_ECONOMIC_BENEFITS)
            target = Decimal(rng.choice([80, 90])) if higher else Decimal(rng.choice([10, 14]))
            drift = Decimal(rng.choice([0, 0, 5, 12]))
            mine.append(Benefit(
                initiative=initiative, kind=BenefitKind.NON_ECONOMIC, title_da=da, title_en=en, indicator=indicator,
                higher_is_better=higher, baseline=target, forecast=target - drift if higher else target + drift / 4,
                realised_by=initiative.lead,
            ))
        for name, value in benefits_facts(mine).items():
            setattr(initiative, name, value)
        initiative.refresh_health()
        planned += mine
    return planned


def _save_benefits(benefits: list[Benefit], initiatives: list[Initiative], today: datetime.date,
                   report: SeedReport, *, with_history: bool = True) -> None:
    """The planned benefits, once their initiatives have ids, and the follow-ups of initiatives
    completed in the last two years: recorded for some, overdue for others."""
    for benefit in benefits:
        benefit.initiative = benefit.initiative  # the saved initiative's id
    report.counts[Benefit._meta.verbose_name_plural] += len(benefits)
    recent = [i for i in initiatives if i.status == Status.COMPLETED and i.forecast_end
              and today - datetime.timedelta(days=730) <= i.forecast_end <= today]
    if not with_history:
        # National scale: the same rows in bulk (one insert per table), recorded ones included.
        Benefit.objects.bulk_create(benefits, batch_size=5000)
        follow_ups = []
        for n, initiative in enumerate(sorted(recent, key=lambda i: (i.forecast_end, i.code))):
            due_on = follow_up_due_on(initiative)
            recorded = due_on < today and n % 2 == 0
            follow_ups.append(FollowUp(
                initiative=initiative, due_on=due_on,
                summary="Illustrativ: gevinsterne kom som ventet, dog et halvt år senere." if recorded else "",
                recorded_at=timezone.now() if recorded else None))
        FollowUp.objects.bulk_create(follow_ups, batch_size=5000)
        report.counts[FollowUp._meta.verbose_name_plural] += len(follow_ups)
        return
    bulk_create_with_history(benefits, Benefit, batch_size=1000, default_change_reason="seed_demo (illustrative)")
    for n, initiative in enumerate(sorted(recent, key=lambda i: (i.forecast_end, i.code))):
        follow_up = follow_up_schedule(initiative=initiative)
        report.counts[FollowUp._meta.verbose_name_plural] += 1
        if follow_up.due_on < today and n % 2 == 0:
            follow_up_record(follow_up=follow_up, realised={}, user=None,
                             summary="Illustrativ: gevinsterne kom som ventet, dog et halvt år senere.")


# Who pays, by the lead's level: illustrative splits (party, share in per cent), not sourced figures.
SPLITS = {
    Level.CENTRAL: [[(Party.STATE, 100)], [(Party.STATE, 70), (Party.KL, 20), (Party.REGIONS, 10)]],
    Level.MUNICIPAL: [[(Party.KL, 60), (Party.STATE, 40)], [(Party.KL, 100)]],
    Level.REGIONAL: [[(Party.REGIONS, 70), (Party.STATE, 30)], [(Party.REGIONS, 50), (Party.KL, 25), (Party.STATE, 25)]],
    Level.PARTNER: [[(Party.STATE, 50), (Party.OTHER, 50)]],
}


def _thousands(amount: Decimal) -> Decimal:
    """Down to whole thousands of kroner, as budgets are set."""
    return (amount / 1000).to_integral_value(rounding=ROUND_DOWN) * 1000


def _split(amount: Decimal, parts: list[tuple[str, int]]) -> list[tuple[str, Decimal]]:
    """An amount split by per cent in whole thousands; the first party takes what rounding leaves."""
    shares = [(party, _thousands(amount * percent / 100)) for party, percent in parts]
    rest = amount - sum(share for _party, share in shares)
    return [(shares[0][0], shares[0][1] + rest), *shares[1:]]


def _fund(initiatives: list[Initiative], today: datetime.date, report: SeedReport, *, with_history: bool = True,
          rephasings: int = 6) -> None:
    """Illustrative funding: each initiative's baseline budget spread over its baseline years, split
    between the parties by its lead's level, spent in the years gone by, and a few re-phasings of
    late initiatives' money to a later year. A random generator of its own, so the rest of the
    demo is the same with or without it."""
    rng = random.Random(SEED + 7)
    years, shares = [], []
    for initiative in initiatives:
        if not (initiative.baseline_budget and initiative.baseline_start and initiative.baseline_end):
            continue
        first, last = initiative.baseline_start.year, initiative.baseline_end.year
        if initiative.strategy_id:
            # Budget years lie within the strategy (funding.services.funding_year_check): what a late
            # baseline runs past its end is budgeted in its last year.
            strategy = initiative.strategy
            first = min(max(first, strategy.start_year), strategy.end_year)
            last = max(min(last, strategy.end_year), first)
        span = list(range(first, last + 1))
        per_year = _thousands(Decimal(initiative.baseline_budget) / len(span))
        parts = rng.choice(SPLITS.get(initiative.lead.level, SPLITS[Level.CENTRAL]))
        for n, year in enumerate(span):
            budget = per_year if n < len(span) - 1 else Decimal(initiative.baseline_budget) - per_year * (len(span) - 1)
            funding_year = FundingYear(initiative=initiative, year=year, budget=budget)
            years.append(funding_year)
            for party, amount in _split(budget, parts):
                spent = None
                if year < today.year:
                    spent = (amount * Decimal(rng.randrange(85, 116)) / 100).quantize(Decimal("0.01"))
                shares.append(FundingShare(funding_year=funding_year, party=party, budget=amount, actual=spent))
    if with_history:
        bulk_create_with_history(years, FundingYear, batch_size=1000, default_change_reason="seed_demo (illustrative)")
        bulk_create_with_history(shares, FundingShare, batch_size=1000, default_change_reason="seed_demo (illustrative)")
    else:
        FundingYear.objects.bulk_create(years, batch_size=5000)
        FundingShare.objects.bulk_create(shares, batch_size=5000)
    report.counts[FundingYear._meta.verbose_name_plural] += len(years)
    report.counts[FundingShare._meta.verbose_name_plural] += len(shares)
    late = [i for i in initiatives if i.baseline_budget and i.forecast_end and i.baseline_end
            and i.forecast_end > i.baseline_end and i.baseline_end.year >= today.year
            and i.strategy.end_year > i.baseline_end.year]
    for initiative in rng.sample(late, min(rephasings, len(late))):
        year = initiative.baseline_end.year
        share = (FundingShare.objects.filter(funding_year__initiative=initiative, funding_year__year=year)
                 .order_by("-budget").first())
        if share is None or share.actual is not None:
            continue
        amount = (share.budget * Decimal(rng.choice([20, 25, 40])) / 100).quantize(Decimal("0.01"))
        rephase(initiative=initiative, party=share.party, from_year=year, to_year=year + 1, amount=amount,
                reason="Illustrativ: leverancen er forsinket, så betalingen følger med til næste år.")
        report.counts[Rephasing._meta.verbose_name_plural] += 1


OVERRUN_UPSTREAM_DAYS = 150  # the late central initiative's new forecast end, from "today"
OVERRUN_DEPENDANT_DAYS = 240  # its dependants' forecast end, from "today"


def _overrun_the_last_finished_strategy(builder: PortfolioBuilder, today: datetime.date) -> None:
    """Work rarely ends with its strategy: in the demo, the central-government initiative that most
    of the last finished strategy's initiatives depend on is still running and late (red), and so
    are the initiatives that build on it. That makes the secretariat's everyday question
    answerable in the demo: which initiatives of that strategy are at risk because of a
    central-government dependency, and what would a slip of one of them hit?

    Changes dates and statuses only, after every random draw, so the rest of the demo stays as it was.
    """
    finished = [i for i in builder.initiatives if i.strategy.end_year < today.year]
    if not finished:
        return
    strategy = max((i.strategy for i in finished), key=lambda s: s.end_year)
    index_of = {id(initiative): n for n, initiative in enumerate(builder.initiatives)}
    in_strategy = {index_of[id(i)] for i in builder.initiatives if i.strategy is strategy}
    dependants: dict[int, set[int]] = {}
    for source, target, _fields in builder.dependencies:
        target_initiative = builder.initiatives[target]
        if source in in_strategy and target in in_strategy and target_initiative.lead.level == Level.CENTRAL:
            dependants.setdefault(target, set()).add(source)
    if not dependants:
        return
    upstream = max(sorted(dependants), key=lambda n: len(dependants[n]))
    late = builder.initiatives[upstream]
    late.status = Status.ACTIVE
    late.forecast_end = today + datetime.timedelta(days=OVERRUN_UPSTREAM_DAYS)
    late.refresh_health()
    for n in sorted(dependants[upstream]):
        dependant = builder.initiatives[n]
        dependant.status = Status.ACTIVE
        dependant.forecast_end = max(dependant.forecast_end, today + datetime.timedelta(days=OVERRUN_DEPENDANT_DAYS))
        dependant.refresh_health()


def _depend_on_reference_initiatives(builder: PortfolioBuilder, rng: random.Random, report: SeedReport) -> None:
    """Illustrative links from demo initiatives onto the documented MitID and Digital Post."""
    references = list(Initiative.objects.filter(reference_key__isnull=False).order_by("reference_key"))
    dependants = [i for i in builder.initiatives if i.strategy.start_year >= 2016]
    links = []
    for reference in references:
        for dependant in rng.sample(dependants, min(6, len(dependants))):
            links.append(Dependency(source=dependant, target=reference, kind=DependencyKind.SHARED_INFRASTRUCTURE,
                                    criticality=Criticality.HIGH, is_illustrative=True,
                                    note="Illustrative dependency; not from a source."))
    bulk_create_with_history(links, Dependency, default_change_reason="seed_demo (illustrative)")
    report.counts[Dependency._meta.verbose_name_plural] += len(links)


@transaction.atomic
def _analyze() -> None:
    """Tell PostgreSQL's planner the new table sizes at once. Without fresh statistics (autovacuum
    off, or a minute behind) it took a table of thousands of rows for a dozen and chose nested
    loops: the benefits page took 1.9 s instead of 0.1 s."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def seed_national(*, initiatives: int = 20_000, today: datetime.date | None = None) -> SeedReport:
    """A national-scale illustrative portfolio for benchmarks (no history: it is not portfolio work)."""
    report = SeedReport()
    started = time.monotonic()
    if FocusArea.objects.filter(code__startswith=NATIONAL_MARKER_PREFIX, is_illustrative=True).exists():
        report.skipped = True
        return report
    today = today or datetime.date(2026, 11, 1)
    rng = random.Random(SEED + 1)
    tag = (" (benchmark)", " (benchmark)")
    _illustrative_institutions(rng, schools_per_municipality=18, extra_agencies=180, partners=420, report=report,
                               with_history=False, tag=tag)
    authorities, by_level, central_leads, regional_leads, municipal_leads = _leads_and_pools()
    strategies = list(Strategy.objects.order_by("start_year"))
    builder = PortfolioBuilder(rng, with_history=False)
    areas_by_strategy = {s.pk: _focus_areas(s, NATIONAL_MARKER_PREFIX, report) for s in strategies}
    per_strategy = initiatives // len(strategies)
    pools = [by_level[Level.MUNICIPAL], by_level[Level.REGIONAL], by_level[Level.CENTRAL], by_level[Level.PARTNER]]
    infrastructure: list[int] = []
    for s_index, strategy in enumerate(strategies):
        count = per_strategy + (initiatives - per_strategy * len(strategies) if s_index == len(strategies) - 1 else 0)
        first = len(builder.initiatives)
        areas = areas_by_strategy[strategy.pk]
        for n in range(count):
            area = areas[n % len(areas)]
            is_infrastructure = rng.random() < 0.15
            pool = central_leads if is_infrastructure else rng.choices(
                [municipal_leads, regional_leads, central_leads], weights=[55, 20, 25])[0]
            stem = rng.choice(INFRASTRUCTURE_TITLES if is_infrastructure else SERVICE_TITLES)
            subject = rng.choice(SUBJECTS)
            index = builder.add_initiative(
                strategy=strategy, focus_area=area, code=f"N{n + 1}", lead=rng.choice(pool),
                title=(stem[0].format(da=subject[0]), stem[1].format(en=subject[1])), today=today,
            )
            # About 12.5 participants on average, across levels.
            for pool in pools:
                builder.add_participants(index, pool, rng.choice((1, 2, 3, 4, 5)))
            for _ in range(rng.choice((3, 3, 3, 4))):
                if index == first and not infrastructure:
                    break
                if infrastructure and rng.random() < 0.5:
                    target = rng.choice(infrastructure[-400:])
                elif index > first:
                    target = rng.randrange(max(first, index - 300), index)
                else:
                    target = rng.choice(infrastructure)
                builder.add_dependency(index, target)
            if is_infrastructure:
                infrastructure.append(index)
    benefits = _plan_benefits(builder.initiatives, today)
    builder.save(report)
    _fund(builder.initiatives, today, report, with_history=False, rephasings=0)
    _save_benefits(benefits, builder.initiatives, today, report, with_history=False)
    report.counts[Agreement._meta.verbose_name_plural] += seed_national_agreements(today=today)
    # One risk per two initiatives: 10,000 at the national scale of 20,000.
    report.counts[Risk._meta.verbose_name_plural] += seed_national_risks(today=today, count=initiatives // 2)
    _mark_summaries_dirty()
    _analyze()
    report.seconds = time.monotonic() - started
    return report
