"""One recipient's digest, assembled in memory from the run's `PortfolioChanges`: no queries.

`build_recipient_digest()` first settles what the digest covers (its scope, since when, the
previous digest it compares against), then collects each kind of news in its own phase: health,
risks, milestones, dependencies and initiatives added, completed or cancelled.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone

from agreements.models import AgreementState, agreement_risk
from authorities.models import coordinated_authority_ids
from initiatives.models import HEALTH_RANK, Health, Status
from reporting.models import OWED_BY_APPROVER, approved_authority_ids
from strategies.models import Strategy

from .changes import (
    DUE_SOON_DAYS,
    HISTORY_WINDOW_CAP,
    AuthorityFigures,
    AuthorityRow,
    DependencyEvent,
    EscalatedRiskRow,
    FieldChange,
    InitiativeEvent,
    InitiativeRow,
    MilestoneRow,
    PortfolioChanges,
)
from .models import DigestDelivery, Subscription, SubscriptionFrequency, SubscriptionScope


@dataclass
class HealthChange:
    initiative: InitiativeRow
    before: str
    after: str
    changes: list[FieldChange]

    @property
    def worse(self) -> bool:
        return HEALTH_RANK[self.after] > HEALTH_RANK[self.before]


@dataclass
class RiskChange:
    initiative: InitiativeRow
    reason: str = ""
    cause: InitiativeRow | None = None
    cause_authority: AuthorityRow | None = None


@dataclass
class MilestoneItem:
    milestone: MilestoneRow
    initiative: InitiativeRow


@dataclass
class DependencyItem:
    event: DependencyEvent
    ours: InitiativeRow
    other: InitiativeRow
    other_authority: AuthorityRow | None
    ours_depends: bool  # True: our initiative depends on the other; False: the other depends on ours


@dataclass
class InitiativeItem:
    initiative: InitiativeRow
    event: InitiativeEvent


@dataclass
class EscalatedRiskItem:
    """An escalated risk owned by one of the recipient's authorities, and why it is escalated."""

    risk: EscalatedRiskRow
    initiative: InitiativeRow
    owner: AuthorityRow | None
    other: InitiativeRow | None  # the other initiative of the linked agreement
    why: str | None  # what the agreement says as of the digest's date (agreements.models.agreement_risk)


@dataclass
class RecipientDigest:
    """One recipient's digest for one date, before rendering."""

    user: User
    subscription: Subscription
    date: datetime.date
    since: datetime.datetime
    has_baseline: bool
    scope_authorities: list[AuthorityRow]
    scope_strategies: list[Strategy]
    scope_size: int
    health_worse: list[HealthChange]
    health_better: list[HealthChange]
    newly_at_risk: list[RiskChange]
    no_longer_at_risk: list[RiskChange]
    milestones_missed: list[MilestoneItem]
    milestones_due: list[MilestoneItem]
    new_due_count: int
    dependencies_added: list[DependencyItem]
    dependencies_removed: list[DependencyItem]
    initiatives_added: list[InitiativeItem]
    initiatives_completed: list[InitiativeItem]
    initiatives_cancelled: list[InitiativeItem]
    counts: dict[str, int]
    authority_figures: list[tuple[AuthorityRow, AuthorityFigures]]
    snapshot: dict
    # Not changes but reminders: overdue benefits follow-ups of initiatives the recipient's
    # authorities lead, whatever the subscription's scope.
    follow_ups_owed: list[tuple[InitiativeRow, datetime.date]] = field(default_factory=list)
    # Likewise: dependency agreements waiting for the answer of the recipient's authorities.
    agreements_awaiting: list[AgreementAwaiting] = field(default_factory=list)
    # Status reports the recipient owes (to submit, or to approve), whatever the scope.
    reports_owed: list[ReportOwed] = field(default_factory=list)
    # The escalated open risks the recipient's authorities own: those escalated since the previous
    # digest are news (told once); those it already told are listed again, but are no news by themselves.
    risks_newly_escalated: list[EscalatedRiskItem] = field(default_factory=list)
    risks_still_escalated: list[EscalatedRiskItem] = field(default_factory=list)

    @property
    def has_news(self) -> bool:
        return (self.change_count > 0 or bool(self.follow_ups_owed) or bool(self.agreements_awaiting)
                or bool(self.reports_owed))

    @property
    def change_count(self) -> int:
        return (
            len(self.health_worse) + len(self.health_better) + len(self.newly_at_risk) + len(self.no_longer_at_risk)
            + len(self.milestones_missed) + self.new_due_count + len(self.dependencies_added)
            + len(self.dependencies_removed) + len(self.initiatives_added) + len(self.initiatives_completed)
            + len(self.initiatives_cancelled) + len(self.risks_newly_escalated)
        )


@dataclass
class Coverage:
    """What one digest covers: which initiatives, since when, and what it compares against."""

    changes: PortfolioChanges
    ids: set[int] | None  # None: the whole portfolio
    rows: Collection[InitiativeRow]  # the current initiatives in scope
    since: datetime.datetime
    previous: dict | None  # the snapshot of the previous digest; None for the first since subscribing
    previous_health: dict[int, str]  # the health per initiative the previous digest reported
    risk_before: set[int] | None  # for a first digest: the risks when the user subscribed, if known

    def covers(self, initiative_id: int) -> bool:
        return self.ids is None or initiative_id in self.ids


def build_recipient_digest(
    *,
    subscription: Subscription,
    chosen: dict,
    date: datetime.date,
    changes: PortfolioChanges,
    baseline: DigestDelivery | None,
) -> RecipientDigest:
    """Assemble one recipient's digest from the loaded changes; no queries."""
    coverage = _coverage(subscription, chosen, changes, baseline)
    health_lists, current_at_risk, counts = _tally(coverage)
    health_worse, health_better = _health_changes(coverage)
    newly_at_risk, no_longer_at_risk = _risk_changes(coverage, current_at_risk)
    missed, due, new_due_count = _milestones(coverage, date)
    dependencies_added, dependencies_removed = _dependency_items(coverage)
    added, completed, cancelled = _initiative_items(coverage)
    # A risk that ended because the initiative was completed or cancelled is told under that heading.
    closed = {item.initiative.id for item in completed + cancelled}
    no_longer_at_risk = [change for change in no_longer_at_risk if change.initiative.id not in closed]
    risks_newly_escalated, risks_still_escalated = _escalated_risks(subscription, coverage, date)

    scope_authorities = [changes.authorities[pk] for pk in chosen["authorities"] if pk in changes.authorities]
    authority_figures = []
    if subscription.scope == SubscriptionScope.AUTHORITIES:
        authority_figures = [(a, changes.authority_figures.get(a.id, AuthorityFigures())) for a in scope_authorities]
    # What this digest reported, for the next one to compare against.
    snapshot = {
        "health": {health: sorted(ids) for health, ids in health_lists.items()},
        "at_risk": sorted(current_at_risk),
        "due_soon": [m.milestone.id for m in due],
        "escalated_risks": sorted(item.risk.id for item in risks_newly_escalated + risks_still_escalated),
    }
    return RecipientDigest(
        user=subscription.user,
        subscription=subscription,
        date=date,
        since=coverage.since,
        has_baseline=coverage.previous is not None,
        scope_authorities=scope_authorities,
        scope_strategies=[changes.strategies[pk] for pk in chosen["strategies"] if pk in changes.strategies],
        scope_size=counts["initiatives"],
        health_worse=health_worse,
        health_better=health_better,
        newly_at_risk=newly_at_risk,
        no_longer_at_risk=no_longer_at_risk,
        milestones_missed=missed,
        milestones_due=due,
        new_due_count=new_due_count,
        dependencies_added=dependencies_added,
        dependencies_removed=dependencies_removed,
        initiatives_added=added,
        initiatives_completed=completed,
        initiatives_cancelled=cancelled,
        counts=counts,
        authority_figures=authority_figures,
        snapshot=snapshot,
        follow_ups_owed=_follow_ups_owed(subscription, changes),
        agreements_awaiting=_agreements_awaiting(subscription, changes),
        reports_owed=_reports_owed(subscription, changes, date),
        risks_newly_escalated=risks_newly_escalated,
        risks_still_escalated=risks_still_escalated,
    )


@dataclass
class ReportOwed:
    initiative: InitiativeRow
    cycle: str
    deadline: datetime.date
    to_approve: bool  # else to submit
    overdue: bool


def _reports_owed(subscription: Subscription, changes: PortfolioChanges, date: datetime.date) -> list[ReportOwed]:
    """The reports of the recipient's authorities' initiatives still to submit (a coordinator) or
    to approve (an approver); both caches primed by the run: no query."""
    led = coordinated_authority_ids(subscription.user)
    approves = approved_authority_ids(subscription.user)
    owed = []
    for initiative_id, cycle, deadline, state in changes.reports_owed:
        row = changes.initiatives.get(initiative_id)
        if row is None:
            continue
        to_approve = state in OWED_BY_APPROVER
        if (to_approve and row.lead_id in approves) or (not to_approve and row.lead_id in led):
            owed.append(ReportOwed(row, cycle, deadline, to_approve, overdue=date > deadline))
    return owed


def _follow_ups_owed(subscription: Subscription, changes: PortfolioChanges) -> list[tuple[InitiativeRow, datetime.date]]:
    led = coordinated_authority_ids(subscription.user)  # primed by the run: no query
    owed = []
    for initiative_id, due_on in changes.follow_ups_overdue:
        row = changes.initiatives.get(initiative_id)
        if row is not None and row.lead_id in led:
            owed.append((row, due_on))
    return owed


@dataclass
class AgreementAwaiting:
    """A dependency agreement waiting for the recipient's authority: a request to answer, or a
    proposed date to accept or decline."""

    agreement_id: int
    dependant: InitiativeRow
    depended_on: InitiativeRow
    needed_by: datetime.date
    is_proposal: bool

    @property
    def url(self) -> str:
        return f"{settings.SITE_URL}/agreements/{self.agreement_id}/"


def _agreements_awaiting(subscription: Subscription, changes: PortfolioChanges) -> list[AgreementAwaiting]:
    ours = coordinated_authority_ids(subscription.user)  # primed by the run: no query
    awaiting = []
    for pk, source_id, target_id, waiting_on, needed_by, state in changes.agreements_waiting:
        dependant, depended_on = changes.initiatives.get(source_id), changes.initiatives.get(target_id)
        if waiting_on in ours and dependant is not None and depended_on is not None:
            awaiting.append(AgreementAwaiting(pk, dependant, depended_on, needed_by, state == AgreementState.PROPOSED))
    return awaiting


def _escalated_risks(
    subscription: Subscription, coverage: Coverage, date: datetime.date
) -> tuple[list[EscalatedRiskItem], list[EscalatedRiskItem]]:
    """The escalated open risks owned by the authorities the recipient coordinates, whatever the
    scope (the owner answers for them): those escalated since the previous digest, and those it told.

    Against the previous digest's snapshot of the risks it listed, so a risk escalated while that
    digest was being built is told in the next one, and each escalation exactly once; a first digest
    (or one after a digest that kept no such list) tells those escalated since it starts."""
    changes = coverage.changes
    ours = coordinated_authority_ids(subscription.user)  # primed by the run: no query
    items = [
        _escalated_item(row, changes, date)
        for row in changes.escalated_risks
        if row.owner_id in ours and row.initiative_id in changes.initiatives
    ]
    told = coverage.previous.get("escalated_risks") if coverage.previous is not None else None
    if told is not None:
        told = set(told)
        newly = [item for item in items if item.risk.id not in told]
    else:
        newly = [item for item in items if item.risk.escalated_at and item.risk.escalated_at > coverage.since]
    newly_ids = {item.risk.id for item in newly}
    return newly, [item for item in items if item.risk.id not in newly_ids]


def _escalated_item(row: EscalatedRiskRow, changes: PortfolioChanges, date: datetime.date) -> EscalatedRiskItem:
    why, other = None, None
    if row.agreement_id is not None:
        why = agreement_risk(row.agreement_state, row.needed_by, row.committed_date, date)
        other_id = row.depended_on_id if row.dependant_id == row.initiative_id else row.dependant_id
        other = changes.initiative(other_id)
    return EscalatedRiskItem(row, changes.initiatives[row.initiative_id], changes.authorities.get(row.owner_id),
                             other, why)


# --- What the digest covers ----------------------------------------------------------------------


def _coverage(
    subscription: Subscription, chosen: dict, changes: PortfolioChanges, baseline: DigestDelivery | None
) -> Coverage:
    since, baseline, risk_before = _window(subscription, changes, baseline)
    ids = _scope_ids(subscription, changes, chosen)
    rows = changes.initiatives.values() if ids is None else [
        changes.initiatives[pk] for pk in ids if pk in changes.initiatives
    ]
    previous = baseline.snapshot if baseline is not None and baseline.snapshot else None
    previous_health = _snapshot_health(previous) if previous is not None else {}
    return Coverage(changes, ids, rows, since, previous, previous_health, risk_before)


def _window(
    subscription: Subscription, changes: PortfolioChanges, baseline: DigestDelivery | None
) -> tuple[datetime.datetime, DigestDelivery | None, set[int] | None]:
    """Since when the digest tells what changed; the previous digest it compares against (None for
    the first since (re)subscribing); and for a first one, the risks when the user subscribed."""
    subscribed_at = subscription.baseline_at
    if subscribed_at is not None and subscribed_at > changes.now:
        subscribed_at = None  # subscribed after the moment this digest is built for
    if baseline is not None and (subscribed_at is None or baseline.built_at >= subscribed_at):
        since = max(baseline.built_at, changes.now - HISTORY_WINDOW_CAP)
        risk_before = None
    else:
        # The first digest since (re)subscribing tells what changed since then, not what came
        # before: otherwise the first email after setting up (loading the portfolio, the demo)
        # would list every initiative and dependency ever loaded as "added".
        baseline = None
        period = 7 if subscription.frequency == SubscriptionFrequency.WEEKLY else 1
        since = changes.now - datetime.timedelta(days=period)
        if subscribed_at is not None:
            since = max(since, subscribed_at)
        risk_before = set(subscription.baseline_at_risk) if subscribed_at and subscription.baseline_at_risk is not None else None
    return max(since, changes.window_start), baseline, risk_before


def _scope_ids(subscription: Subscription, changes: PortfolioChanges, chosen: dict) -> set[int] | None:
    """The initiative ids a subscription covers; None means all of them."""
    if subscription.scope == SubscriptionScope.PORTFOLIO:
        return None
    ids: set[int] = set()
    if subscription.scope == SubscriptionScope.AUTHORITIES:
        for authority_id in chosen["authorities"]:
            ids |= changes.by_authority.get(authority_id, set())
    elif subscription.scope == SubscriptionScope.STRATEGIES:
        for strategy_id in chosen["strategies"]:
            ids |= changes.by_strategy.get(strategy_id, set())
    else:
        ids = {pk for pk in chosen["initiatives"] if pk in changes.initiatives}
    return ids


def _snapshot_health(snapshot: dict) -> dict[int, str]:
    return {pk: health for health, ids in snapshot.get("health", {}).items() for pk in ids}


def _tally(coverage: Coverage) -> tuple[dict[str, list[int]], list[int], dict[str, int]]:
    """The initiatives in scope by health, those at risk now, and the headline counts."""
    health_lists: dict[str, list[int]] = {Health.GREEN: [], Health.YELLOW: [], Health.RED: []}
    current_at_risk: list[int] = []
    counts = {"initiatives": 0, "open": 0, Health.GREEN: 0, Health.YELLOW: 0, Health.RED: 0, "at_risk": 0}
    for row in coverage.rows:
        health_lists[row.health].append(row.id)
        counts["initiatives"] += 1
        if row.is_open:
            counts["open"] += 1
            counts[row.health] += 1
        if row.id in coverage.changes.at_risk:
            current_at_risk.append(row.id)
            if row.is_open:
                counts["at_risk"] += 1
    return health_lists, current_at_risk, counts


# --- The news, one kind at a time --------------------------------------------------------------


def _health_changes(coverage: Coverage) -> tuple[list[HealthChange], list[HealthChange]]:
    """Health that got worse and better: against the previous digest, or for a first digest
    against the health at the window's start per the history."""
    changes = coverage.changes
    worse: list[HealthChange] = []
    better: list[HealthChange] = []

    def compare(row: InitiativeRow, before: str) -> None:
        if before == row.health or before not in HEALTH_RANK:
            return
        window_changes = [c for c in changes.field_changes.get(row.id, ()) if c.when > coverage.since]
        change = HealthChange(row, before, row.health, window_changes)
        (worse if change.worse else better).append(change)

    if coverage.previous is not None:
        for row in coverage.rows:
            before = coverage.previous_health.get(row.id)
            if before is not None:
                compare(row, before)
    else:
        for pk in changes.health_before:
            if pk in changes.initiatives and coverage.covers(pk):
                before = changes.health_at(pk, coverage.since)
                if before is not None:
                    compare(changes.initiatives[pk], before)
    worse.sort(key=lambda c: (-HEALTH_RANK[c.after], c.initiative.code))
    better.sort(key=lambda c: c.initiative.code)
    return worse, better


def _risk_changes(coverage: Coverage, current_at_risk: list[int]) -> tuple[list[RiskChange], list[RiskChange]]:
    """Newly and no longer at risk: against the previous digest, or for a first digest against the
    risks recorded when the user subscribed (nothing when those are not known)."""
    changes = coverage.changes
    now = set(current_at_risk)
    if coverage.previous is not None:
        before = set(coverage.previous.get("at_risk", ()))
        # An initiative the previous digest did not cover is not news as "newly at risk".
        newly_ids = [pk for pk in sorted(now - before) if pk in coverage.previous_health]
    elif coverage.risk_before is not None:
        before = coverage.risk_before
        # Nor is one added since: it is told as added.
        added_since = {
            e.initiative_id for e in changes.initiative_events if e.kind == "added" and e.when > coverage.since
        }
        newly_ids = [pk for pk in sorted(now - before) if pk not in added_since]
    else:
        return [], []
    newly = [_risk_change(pk, changes) for pk in newly_ids]
    no_longer = [
        _risk_change(pk, changes) for pk in sorted(before - now) if pk in changes.initiatives and coverage.covers(pk)
    ]
    return newly, no_longer


def _risk_change(initiative_id: int, changes: PortfolioChanges) -> RiskChange:
    reason, cause_id, cause_authority_id = changes.at_risk.get(initiative_id, ("", None, None))
    return RiskChange(
        changes.initiatives[initiative_id],
        reason=reason,
        cause=changes.initiative(cause_id) if cause_id else None,
        cause_authority=changes.authorities.get(cause_authority_id) if cause_authority_id else None,
    )


def _milestones(coverage: Coverage, date: datetime.date) -> tuple[list[MilestoneItem], list[MilestoneItem], int]:
    """Milestones missed since the previous digest, those due in the next DUE_SOON_DAYS days, and
    how many of those the previous digest did not list."""
    changes = coverage.changes
    since_day = timezone.localdate(coverage.since)
    horizon = date + datetime.timedelta(days=DUE_SOON_DAYS)
    missed: list[MilestoneItem] = []
    due: list[MilestoneItem] = []
    for milestone in changes.milestones:
        if not coverage.covers(milestone.initiative_id) or milestone.initiative_id not in changes.initiatives:
            continue
        item = MilestoneItem(milestone, changes.initiatives[milestone.initiative_id])
        if since_day <= milestone.expected < date:
            missed.append(item)
        elif date <= milestone.expected <= horizon:
            due.append(item)
    missed.sort(key=lambda m: (m.milestone.expected, m.initiative.code))
    due.sort(key=lambda m: (m.milestone.expected, m.initiative.code))
    previously_due = set(coverage.previous.get("due_soon", ())) if coverage.previous is not None else set()
    new_due_count = sum(1 for m in due if m.milestone.id not in previously_due)
    return missed, due, new_due_count


def _dependency_items(coverage: Coverage) -> tuple[list[DependencyItem], list[DependencyItem]]:
    """Dependencies added and removed since, that touch the scope."""
    changes = coverage.changes
    added: list[DependencyItem] = []
    removed: list[DependencyItem] = []
    for event in changes.dependency_events:
        if event.when <= coverage.since:
            continue
        source_ours, target_ours = coverage.covers(event.source_id), coverage.covers(event.target_id)
        if not (source_ours or target_ours):
            continue
        ours_id, other_id = (event.source_id, event.target_id) if source_ours else (event.target_id, event.source_id)
        ours, other = changes.initiative(ours_id), changes.initiative(other_id)
        if ours is None or other is None:
            continue
        item = DependencyItem(event, ours, other, changes.authorities.get(other.lead_id), ours_depends=source_ours)
        (added if event.added else removed).append(item)
    return added, removed


def _initiative_items(
    coverage: Coverage,
) -> tuple[list[InitiativeItem], list[InitiativeItem], list[InitiativeItem]]:
    """Initiatives in scope added, completed and cancelled since."""
    changes = coverage.changes
    added: list[InitiativeItem] = []
    completed: list[InitiativeItem] = []
    cancelled: list[InitiativeItem] = []
    by_kind = {"added": added, Status.COMPLETED: completed, Status.CANCELLED: cancelled}
    for event in changes.initiative_events:
        if event.when <= coverage.since or not coverage.covers(event.initiative_id):
            continue
        if event.initiative_id not in changes.initiatives:
            continue
        by_kind[event.kind].append(InitiativeItem(changes.initiatives[event.initiative_id], event))
    return added, completed, cancelled
