"""What changed in the portfolio: loaded ONCE per run for every recipient's digest.

`load_portfolio_changes()` reads, with a fixed number of queries whatever the number of
recipients, the current initiatives and authorities, the engine's at-risk flags, the historical
records since the oldest previous digest of the run, the milestones near the date and the
authority figures, into a `PortfolioChanges` indexed by authority, strategy and initiative.
Each recipient's digest is then assembled from it in memory (assembly.py).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, F
from django.db.models.functions import Coalesce
from django.utils import timezone

from agreements.models import Agreement
from authorities.models import Authority, Coordinator, Level, localized, resolve_levels
from benefits.models import FollowUp
from initiatives.models import (
    OPEN_STATUSES,
    Dependency,
    Health,
    Initiative,
    Milestone,
    Participation,
    Status,
    code_with_strategy,
)
from reporting.models import Approver, StatusReport
from risks.models import Risk
from strategies.models import Strategy
from summaries.models import AuthorityPairSummary, AuthoritySummary, InitiativeSummary

# Milestones due within this many days of the date are told as due soon.
DUE_SOON_DAYS = 14
# A digest never reaches further back than this (a user who was off for a year gets a month).
HISTORY_WINDOW_CAP = datetime.timedelta(days=35)

TRACKED_FIELDS = {
    "status": "status",
    "baseline_start": "baseline_start",
    "baseline_end": "baseline_end",
    "forecast_start": "forecast_start",
    "forecast_end": "forecast_end",
    "baseline_budget": "baseline_budget",
    "forecast_cost": "forecast_cost",
    "benefits_health": "benefits_health",
    "health": "health",
    "lead_id": "lead",
}


@dataclass(slots=True)
class InitiativeRow:
    """What a digest needs of one initiative."""

    id: int
    code: str
    title_da: str
    title_en: str
    lead_id: int
    strategy_id: int | None
    status: str
    health: str
    schedule_health: str
    cost_health: str
    benefits_health: str
    baseline_end: datetime.date | None
    forecast_end: datetime.date | None
    baseline_budget: int | None
    forecast_cost: int | None
    strategy_years: tuple[int, int] | None = None  # filled from the strategies after loading

    @property
    def title(self) -> str:
        return localized(self.title_da, self.title_en)

    @property
    def code_with_strategy(self) -> str:
        """The code with its strategy's period ("4.2 · 2022–25"): codes recur in every strategy."""
        return code_with_strategy(self.code, *(self.strategy_years or (None, None)))

    @property
    def url(self) -> str:
        return f"{settings.SITE_URL}/initiatives/{self.id}/"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


INITIATIVE_COLUMNS = [
    "id", "code", "title_da", "title_en", "lead_id", "strategy_id", "status", "health", "schedule_health",
    "cost_health", "benefits_health", "baseline_end", "forecast_end", "baseline_budget", "forecast_cost",
]


@dataclass(slots=True)
class AuthorityRow:
    id: int
    name_da: str
    name_en: str
    level: str

    @property
    def name(self) -> str:
        return localized(self.name_da, self.name_en)

    @property
    def level_label(self) -> str:
        return str(Level(self.level).label) if self.level in Level.values else ""

    @property
    def url(self) -> str:
        return f"{settings.SITE_URL}/authorities/{self.id}/"


@dataclass(slots=True)
class FieldChange:
    """One field of an initiative changed in one historical record."""

    field: str
    old: object
    new: object
    when: datetime.datetime
    user: str


@dataclass(slots=True)
class InitiativeEvent:
    """Something that happened to an initiative inside the window (from its history)."""

    initiative_id: int
    kind: str  # "added", "completed", "cancelled"
    when: datetime.datetime
    user: str


@dataclass(slots=True)
class DependencyEvent:
    """A dependency added or removed inside the window (from its history)."""

    source_id: int
    target_id: int
    added: bool
    kind: str
    criticality: str
    when: datetime.datetime
    user: str


@dataclass(slots=True)
class MilestoneRow:
    id: int
    initiative_id: int
    title_da: str
    title_en: str
    expected: datetime.date

    @property
    def title(self) -> str:
        return localized(self.title_da, self.title_en)


@dataclass(slots=True)
class EscalatedRiskRow:
    """An open risk the register has escalated, with what its linked agreement says."""

    id: int
    initiative_id: int
    title: str
    impact: int
    score: int
    owner_id: int
    escalated_at: datetime.datetime | None
    # The linked agreement: its id, state, needed-by and committed dates and its two initiatives
    # (None when it is gone: the nightly re-assessment lifts the escalation then).
    agreement_id: int | None
    agreement_state: str | None
    needed_by: datetime.date | None
    committed_date: datetime.date | None
    dependant_id: int | None
    depended_on_id: int | None


ESCALATED_RISK_COLUMNS = [
    "id", "initiative_id", "title", "impact", "score", "owner_id", "escalated_at", "agreement_id", "agreement__state",
    "agreement__needed_by", "agreement__committed_date", "agreement__dependency__source_id",
    "agreement__dependency__target_id",
]


@dataclass
class AuthorityFigures:
    """Headline figures for one authority, from the engine's summaries."""

    initiatives_led: int = 0
    initiatives_participating: int = 0
    depends_on: int = 0
    links_at_risk: int = 0
    at_risk_because_of_others: int = 0
    others_at_risk_because_of_it: int = 0


@dataclass
class PortfolioChanges:
    """Everything a run's digests are assembled from, loaded with a fixed number of queries."""

    now: datetime.datetime
    window_start: datetime.datetime
    initiatives: dict[int, InitiativeRow]
    authorities: dict[int, AuthorityRow]
    strategies: dict[int, Strategy]
    by_authority: dict[int, set[int]]
    by_strategy: dict[int, set[int]]
    at_risk: dict[int, tuple[str, int | None, int | None]]
    field_changes: dict[int, list[FieldChange]]
    health_before: dict[int, list[tuple[datetime.datetime, str]]]
    initiative_events: list[InitiativeEvent]
    dependency_events: list[DependencyEvent]
    milestones: list[MilestoneRow]
    authority_figures: dict[int, AuthorityFigures]
    removed_names: dict[int, InitiativeRow] = field(default_factory=dict)
    # Benefits follow-ups overdue on the digest's date, (initiative id, due on), and which
    # authorities each user coordinates: a coordinator's summary lists the follow-ups they owe.
    follow_ups_overdue: list[tuple[int, datetime.date]] = field(default_factory=list)
    coordinated: dict[int, frozenset[int]] = field(default_factory=dict)
    # Dependency agreements waiting for an answer (Agreement.objects.waiting_rows()): a coordinator's
    # summary lists those waiting for their authority's.
    agreements_waiting: list[tuple] = field(default_factory=list)
    # Status reports owed on the digest's date (reporting's rule, StatusReport.objects.owed_on):
    # (initiative id, cycle code, deadline, report state), and whose reports each approver approves.
    reports_owed: list[tuple[int, str, datetime.date, str]] = field(default_factory=list)
    approving: dict[int, frozenset[int]] = field(default_factory=dict)
    # The open risks the register has escalated (risks.services.risks_escalate), highest score
    # first: a coordinator's summary lists those their authorities own.
    escalated_risks: list[EscalatedRiskRow] = field(default_factory=list)

    def initiative(self, initiative_id: int) -> InitiativeRow | None:
        return self.initiatives.get(initiative_id) or self.removed_names.get(initiative_id)

    def health_at(self, initiative_id: int, moment: datetime.datetime) -> str | None:
        """The initiative's health at `moment` per its history, or None when unknown."""
        known = None
        for when, health in self.health_before.get(initiative_id, ()):
            if when > moment:
                break
            known = health
        return known


def _username_lookup(user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username"))



def load_portfolio_changes(
    *, now: datetime.datetime, window_start: datetime.datetime, authority_ids: set[int], date: datetime.date
) -> PortfolioChanges:
    """Load once what every digest of the run needs; `authority_ids` are those in any scope."""
    initiatives = {row[0]: InitiativeRow(*row) for row in Initiative.objects.values_list(*INITIATIVE_COLUMNS)}
    by_authority, by_strategy = _index_initiatives(initiatives, authority_ids)
    history = _load_history(now=now, window_start=window_start, initiatives=initiatives)
    strategies = {s.pk: s for s in Strategy.objects.all()}
    for row in (*initiatives.values(), *history.removed_names.values()):
        strategy = strategies.get(row.strategy_id)
        row.strategy_years = (strategy.start_year, strategy.end_year) if strategy else None
    return PortfolioChanges(
        now=now,
        window_start=window_start,
        initiatives=initiatives,
        authorities=_load_authorities(),
        strategies=strategies,
        by_authority=by_authority,
        by_strategy=by_strategy,
        at_risk=_load_at_risk(),
        field_changes=history.field_changes,
        health_before=history.health_before,
        initiative_events=history.initiative_events,
        dependency_events=history.dependency_events,
        milestones=_load_milestones(window_start=window_start, date=date),
        authority_figures=_load_authority_figures(authority_ids),
        removed_names=history.removed_names,
        follow_ups_overdue=list(
            FollowUp.objects.overdue(date).order_by("due_on", "pk").values_list("initiative_id", "due_on")
        ),
        coordinated=_load_coordinated(),
        agreements_waiting=list(Agreement.objects.waiting_rows()),
        reports_owed=list(
            StatusReport.objects.owed_on(date).order_by("cycle__deadline", "cycle__code", "initiative_id")
            .values_list("initiative_id", "cycle__code", "cycle__deadline", "state")
        ),
        approving=_load_approving(),
        escalated_risks=[
            EscalatedRiskRow(*row)
            for row in Risk.objects.open().filter(escalated=True).order_by("-score", "initiative_id", "pk")
            .values_list(*ESCALATED_RISK_COLUMNS)
        ],
    )


def _load_approving() -> dict[int, frozenset[int]]:
    """Every approver's authorities in one query, to prime approved_authority_ids' cache."""
    approving: dict[int, set[int]] = {}
    for user_id, authority_id in Approver.objects.values_list("user_id", "authority_id"):
        approving.setdefault(user_id, set()).add(authority_id)
    return {user_id: frozenset(ids) for user_id, ids in approving.items()}


def _load_coordinated() -> dict[int, frozenset[int]]:
    """Every coordinator's authorities in one query, to prime coordinated_authority_ids' cache."""
    coordinated: dict[int, set[int]] = {}
    for user_id, authority_id in Coordinator.objects.values_list("user_id", "authority_id"):
        coordinated.setdefault(user_id, set()).add(authority_id)
    return {user_id: frozenset(ids) for user_id, ids in coordinated.items()}


def _load_authorities() -> dict[int, AuthorityRow]:
    rows = list(Authority.objects.order_by().values_list("id", "name_da", "name_en", "level", "parent_id"))
    # An institution without a level takes its nearest ancestor's: the one rule, resolve_levels.
    levels = resolve_levels((pk, level, parent_id) for pk, _da, _en, level, parent_id in rows)
    return {pk: AuthorityRow(pk, name_da, name_en, levels[pk]) for pk, name_da, name_en, _level, _parent in rows}


def _index_initiatives(
    initiatives: dict[int, InitiativeRow], authority_ids: set[int]
) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    """Initiative ids by strategy, and by authority (leading or taking part) for those in a scope."""
    by_authority: dict[int, set[int]] = defaultdict(set)
    by_strategy: dict[int, set[int]] = defaultdict(set)
    for row in initiatives.values():
        if row.strategy_id:
            by_strategy[row.strategy_id].add(row.id)
        if row.lead_id in authority_ids:
            by_authority[row.lead_id].add(row.id)
    if authority_ids:
        for authority_id, initiative_id in Participation.objects.filter(authority_id__in=authority_ids).values_list(
            "authority_id", "initiative_id"
        ):
            by_authority[authority_id].add(initiative_id)
    return by_authority, by_strategy


def _load_at_risk() -> dict[int, tuple[str, int | None, int | None]]:
    """(reason, causing initiative, its authority) of every initiative the engine has at risk."""
    return {
        pk: (reason, risk_initiative_id, risk_authority_id)
        for pk, reason, risk_initiative_id, risk_authority_id in InitiativeSummary.objects.filter(
            at_risk=True
        ).values_list("initiative_id", "risk_reason", "risk_initiative_id", "risk_authority_id")
    }


@dataclass
class WindowHistory:
    """What the history tells of the window: field changes, health over time, events."""

    field_changes: dict[int, list[FieldChange]]
    health_before: dict[int, list[tuple[datetime.datetime, str]]]
    initiative_events: list[InitiativeEvent]
    removed_names: dict[int, InitiativeRow]
    dependency_events: list[DependencyEvent] = field(default_factory=list)


def _load_history(
    *, now: datetime.datetime, window_start: datetime.datetime, initiatives: dict[int, InitiativeRow]
) -> WindowHistory:
    HistoricalInitiative = Initiative.history.model
    HistoricalDependency = Dependency.history.model
    # Initiative history: every record of the initiatives touched in the window, in order, so
    # consecutive records can be diffed and the health at any moment in the window is known.
    # Changes after `now` belong to the next digest.
    touched = HistoricalInitiative.objects.filter(history_date__gt=window_start, history_date__lte=now).values("id")
    columns = ["id", "history_date", "history_id", "history_type", "history_user_id", *TRACKED_FIELDS]
    columns += ["code", "title_da", "title_en", "strategy_id", "schedule_health", "cost_health"]
    records = list(
        HistoricalInitiative.objects.filter(id__in=touched, history_date__lte=now)
        .order_by("id", "history_date", "history_id")
        .values(*columns)
    )
    dependency_records = list(
        HistoricalDependency.objects.filter(
            history_date__gt=window_start, history_date__lte=now, history_type__in=["+", "-"]
        )
        .order_by("history_date", "history_id")
        .values("source_id", "target_id", "history_type", "kind", "criticality", "history_date", "history_user_id")
    )
    usernames = _username_lookup(
        {r["history_user_id"] for r in records if r["history_user_id"]}
        | {r["history_user_id"] for r in dependency_records if r["history_user_id"]}
    )
    history = _read_initiative_records(records, usernames, window_start=window_start, initiatives=initiatives)
    history.dependency_events = [
        DependencyEvent(
            r["source_id"], r["target_id"], r["history_type"] == "+", r["kind"], r["criticality"], r["history_date"],
            usernames.get(r["history_user_id"], ""),
        )
        for r in dependency_records
    ]
    _name_removed_initiatives(history, initiatives)
    return history


def _read_initiative_records(
    records: list[dict], usernames: dict[int, str], *, window_start: datetime.datetime,
    initiatives: dict[int, InitiativeRow],
) -> WindowHistory:
    """Diff consecutive records of each initiative: field changes and events in the window, the
    health over time, and the names of initiatives deleted since."""
    field_changes: dict[int, list[FieldChange]] = defaultdict(list)
    health_before: dict[int, list[tuple[datetime.datetime, str]]] = defaultdict(list)
    initiative_events: list[InitiativeEvent] = []
    removed_names: dict[int, InitiativeRow] = {}
    previous = None
    for record in records:
        pk = record["id"]
        when = record["history_date"]
        user = usernames.get(record["history_user_id"], "")
        health_before[pk].append((when, record["health"]))
        in_window = when > window_start
        if record["history_type"] == "+" and in_window:
            initiative_events.append(InitiativeEvent(pk, "added", when, user))
        if record["history_type"] == "-" and pk not in initiatives:
            removed_names[pk] = InitiativeRow(
                pk, record["code"], record["title_da"], record["title_en"], record["lead_id"], record["strategy_id"],
                record["status"], record["health"], record["schedule_health"], record["cost_health"],
                record["benefits_health"], record["baseline_end"], record["forecast_end"], record["baseline_budget"],
                record["forecast_cost"],
            )
        if previous is not None and previous["id"] == pk and in_window and record["history_type"] == "~":
            for name in TRACKED_FIELDS:
                if previous[name] != record[name]:
                    field_changes[pk].append(FieldChange(name, previous[name], record[name], when, user))
            if previous["status"] != record["status"] and record["status"] in (Status.COMPLETED, Status.CANCELLED):
                initiative_events.append(InitiativeEvent(pk, record["status"], when, user))
        previous = record
    return WindowHistory(field_changes, health_before, initiative_events, removed_names)


def _name_removed_initiatives(history: WindowHistory, initiatives: dict[int, InitiativeRow]) -> None:
    """A dependency event may name an initiative deleted before the window: its last known name."""
    missing = {
        pk
        for event in history.dependency_events
        for pk in (event.source_id, event.target_id)
        if pk not in initiatives and pk not in history.removed_names
    }
    if not missing:
        return
    for record in Initiative.history.model.objects.filter(id__in=missing).order_by("id", "-history_date").values(
        "id", "code", "title_da", "title_en", "lead_id", "strategy_id"
    ):
        if record["id"] not in history.removed_names:
            history.removed_names[record["id"]] = InitiativeRow(
                record["id"], record["code"], record["title_da"], record["title_en"], record["lead_id"],
                record["strategy_id"], Status.CANCELLED, Health.GREEN, Health.GREEN, Health.GREEN, Health.GREEN,
                None, None, None, None,
            )


def _load_milestones(*, window_start: datetime.datetime, date: datetime.date) -> list[MilestoneRow]:
    """Milestones open between the oldest window start and the end of the due-soon horizon."""
    first_day = timezone.localdate(window_start)
    horizon = date + datetime.timedelta(days=DUE_SOON_DAYS)
    open_near = (
        Milestone.objects.filter(done_on__isnull=True)
        .annotate(expected=Coalesce("forecast_date", "baseline_date"))
        .filter(expected__gte=first_day, expected__lte=horizon)
    )
    return [
        MilestoneRow(pk, initiative_id, title_da, title_en, forecast or baseline)
        for pk, initiative_id, title_da, title_en, baseline, forecast in open_near.values_list(
            "id", "initiative_id", "title_da", "title_en", "baseline_date", "forecast_date"
        )
    ]


def _load_authority_figures(authority_ids: set[int]) -> dict[int, AuthorityFigures]:
    """The engine's headline figures for the authorities in any scope."""
    figures: dict[int, AuthorityFigures] = {}
    if not authority_ids:
        return figures
    for row in AuthoritySummary.objects.filter(authority_id__in=authority_ids).values(
        "authority_id", "initiatives_led", "initiatives_participating", "depends_on_direct",
        "at_risk_because_of_others", "others_at_risk_because_of_it",
    ):
        figures[row["authority_id"]] = AuthorityFigures(
            initiatives_led=row["initiatives_led"],
            initiatives_participating=row["initiatives_participating"],
            depends_on=row["depends_on_direct"],
            at_risk_because_of_others=row["at_risk_because_of_others"],
            others_at_risk_because_of_it=row["others_at_risk_because_of_it"],
        )
    for source_id, links in (
        AuthorityPairSummary.objects.filter(source_id__in=authority_ids, at_risk_edges__gt=0)
        .exclude(target_id=F("source_id"))
        .values("source_id")
        .annotate(links=Count("id"))
        .values_list("source_id", "links")
    ):
        figures.setdefault(source_id, AuthorityFigures()).links_at_risk = links
    return figures
