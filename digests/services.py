"""Summary emails: who gets which summary, what it says, and sending each one at most once.

How a morning's summaries are made
----------------------------------
`summaries_schedule()` (the beat task at 06:00 Copenhagen time, or `manage.py send_digests`) finds
the subscriptions due on the date, loads what changed ONCE for all of them (current initiative
state, at-risk flags, the historical records since the oldest previous summary, milestones near the
date, the authority figures) into a `PortfolioChanges`, and then assembles each recipient's summary
in memory from indexes by authority, strategy and initiative. Each summary is stored, already
rendered in the recipient's language, as a `DigestDelivery` row: pending when there is something
to tell, skipped when not. The row also keeps a snapshot of what the summary reported (health and
at-risk per initiative in scope, milestones due soon), which the next summary compares against.

At most once
------------
The unique (recipient, date) row is the durable guard: a second scheduling run (beat firing twice,
two workers, the command by hand) finds the row and creates nothing. Sending claims a row with a
conditional UPDATE pending → sending; only the claimer sends. A row left in `sending` by a crash is
never resent automatically: the secretariat sees it in the admin. A transient SMTP failure puts the
row back to pending (nothing was accepted) and the task retries with backoff; a permanent one
records `failed` and the others go on.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
import socket
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import make_msgid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core import mail, signing
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from authorities.models import Authority, Coordinator, Level, localized, resolve_levels
from common.roles import COORDINATORS, SECRETARIAT, is_secretariat
from initiatives.models import (
    HEALTH_RANK,
    OPEN_STATUSES,
    Dependency,
    Health,
    Initiative,
    Milestone,
    Participation,
    Status,
)
from strategies.models import Strategy
from summaries.models import AuthorityPairSummary, AuthoritySummary, InitiativeSummary, RiskReason

from .models import (
    DeliveryStatus,
    DigestDelivery,
    DigestDispatch,
    Subscription,
    SubscriptionFrequency,
    SubscriptionScope,
)

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "digests.services.unsubscribe"
# How long an unsubscribe link works. Long enough for an old email in the inbox; after that the
# page asks the user to log in and change the setting there.
UNSUBSCRIBE_MAX_AGE = datetime.timedelta(days=getattr(settings, "SUMMARY_UNSUBSCRIBE_MAX_AGE_DAYS", 90))
DUE_SOON_DAYS = 14
# A summary never reaches further back than this (a user who was off for a year gets a month).
HISTORY_WINDOW_CAP = datetime.timedelta(days=35)
# A scheduling run catches up on at most this many missed dates (enough to reach a Monday).
CATCH_UP_DAYS = 7
# Items shown per section; the rest are counted ("and 12 more") with a link to the dashboard.
SECTION_LIMIT = 25
SEND_BATCH_SIZE = 50

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


# --- Subscriptions ----------------------------------------------------------------------------


def _at_risk_now() -> list[int]:
    """The initiatives at risk per the summaries now (one indexed query)."""
    return sorted(InitiativeSummary.objects.filter(at_risk=True).values_list("initiative_id", flat=True))


def _mark_subscribed(subscription: Subscription, *, at_risk: list[int] | None = None) -> None:
    """Record the moment and the risks a first summary compares against (not saved here)."""
    subscription.baseline_at = timezone.now()
    subscription.baseline_at_risk = _at_risk_now() if at_risk is None else at_risk


@transaction.atomic
def subscription_ensure_default(user: User, *, at_risk: list[int] | None = None) -> Subscription | None:
    """Give a coordinator a subscription for their authorities and the secretariat one for the
    whole portfolio, unless they have one. An existing authorities subscription gains newly
    coordinated authorities; any other choice the user made is left alone."""
    authority_ids = list(Coordinator.objects.filter(user=user).values_list("authority_id", flat=True))
    subscription = Subscription.objects.filter(user=user).first()
    if subscription is not None:
        if subscription.scope == SubscriptionScope.AUTHORITIES and authority_ids:
            subscription.authorities.add(*authority_ids)
        return subscription
    if is_secretariat(user):
        scope = SubscriptionScope.PORTFOLIO
    elif authority_ids:
        scope = SubscriptionScope.AUTHORITIES
    else:
        return None
    subscription = Subscription(user=user, scope=scope)
    _mark_subscribed(subscription, at_risk=at_risk)
    subscription.save()
    if authority_ids:
        subscription.authorities.add(*authority_ids)
    return subscription


def subscriptions_ensure_defaults() -> int:
    """Default subscriptions for every coordinator and secretariat member without one (each run:
    so a coordinator created in the admin is subscribed too). Returns how many were created."""
    users = list(
        get_user_model()
        .objects.filter(
            Q(groups__name__in=[COORDINATORS, SECRETARIAT]) | Q(coordinator_roles__isnull=False),
            is_active=True,
            digest_subscription__isnull=True,
        )
        .distinct()
    )
    if not users:
        return 0
    at_risk = _at_risk_now()
    created = 0
    for user in users:
        if subscription_ensure_default(user, at_risk=at_risk) is not None:
            created += 1
    return created


@transaction.atomic
def subscription_update(
    *,
    subscription: Subscription,
    scope: str,
    frequency: str,
    language: str,
    send_when_empty: bool,
    authorities: Iterable[Authority] = (),
    strategies: Iterable[Strategy] = (),
    initiatives: Iterable[Initiative] = (),
) -> Subscription:
    if subscription.frequency == SubscriptionFrequency.OFF and frequency != SubscriptionFrequency.OFF:
        _mark_subscribed(subscription)  # back on: the first summary starts from now
    subscription.scope = scope
    subscription.frequency = frequency
    subscription.language = language
    subscription.send_when_empty = send_when_empty
    subscription.full_clean()
    subscription.save()
    subscription.authorities.set(list(authorities))
    subscription.strategies.set(list(strategies))
    subscription.initiatives.set(list(initiatives))
    return subscription


def subscription_for(user: User) -> Subscription:
    """The user's subscription, created (off, or the default) when they have none yet."""
    subscription = subscription_ensure_default(user)
    if subscription is None:
        subscription, _created = Subscription.objects.get_or_create(
            user=user, defaults={"frequency": SubscriptionFrequency.OFF, "scope": SubscriptionScope.STRATEGIES}
        )
    return subscription


def subscription_unsubscribe(*, user: User) -> Subscription:
    """Stop the user's summaries (idempotent)."""
    subscription, _created = Subscription.objects.get_or_create(
        user=user, defaults={"frequency": SubscriptionFrequency.OFF}
    )
    if subscription.frequency != SubscriptionFrequency.OFF:
        subscription.frequency = SubscriptionFrequency.OFF
        subscription.save(update_fields=["frequency", "updated_at"])
    return subscription


def _unsubscribe_signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user: User) -> str:
    """A signed, dated token naming the user; the token is the authorisation to unsubscribe."""
    return _unsubscribe_signer().sign(str(user.pk))


def unsubscribe_url(user: User) -> str:
    return settings.SITE_URL + reverse("unsubscribe", kwargs={"token": unsubscribe_token(user)})


def user_from_unsubscribe_token(token: str) -> User:
    """The user a token names. Raises signing.SignatureExpired (too old), signing.BadSignature
    (tampered) or User.DoesNotExist."""
    user_id = _unsubscribe_signer().unsign(token, max_age=UNSUBSCRIBE_MAX_AGE)
    return get_user_model().objects.get(pk=int(user_id))


# --- What changed: loaded once per run ------------------------------------------------------


@dataclass(slots=True)
class InitiativeRow:
    """What a summary needs of one initiative."""

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

    @property
    def title(self) -> str:
        return localized(self.title_da, self.title_en)

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


@dataclass
class AuthorityFigures:
    """Headline figures for one authority, from the summaries."""

    initiatives_led: int = 0
    initiatives_participating: int = 0
    depends_on: int = 0
    links_at_risk: int = 0
    at_risk_because_of_others: int = 0
    others_at_risk_because_of_it: int = 0


@dataclass
class PortfolioChanges:
    """Everything a run's summaries are assembled from, loaded with a fixed number of queries."""

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
    """Load once what every summary of the run needs; `authority_ids` are those in any scope."""
    HistoricalInitiative = Initiative.history.model
    HistoricalDependency = Dependency.history.model

    initiatives = {row[0]: InitiativeRow(*row) for row in Initiative.objects.values_list(*INITIATIVE_COLUMNS)}
    rows = list(Authority.objects.order_by().values_list("id", "name_da", "name_en", "level", "parent_id"))
    # An institution without a level takes its nearest ancestor's: the one rule, resolve_levels.
    levels = resolve_levels((pk, level, parent_id) for pk, _da, _en, level, parent_id in rows)
    authorities = {pk: AuthorityRow(pk, name_da, name_en, levels[pk]) for pk, name_da, name_en, _level, _parent in rows}
    strategies = {s.pk: s for s in Strategy.objects.all()}

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

    at_risk = {
        pk: (reason, risk_initiative_id, risk_authority_id)
        for pk, reason, risk_initiative_id, risk_authority_id in InitiativeSummary.objects.filter(
            at_risk=True
        ).values_list("initiative_id", "risk_reason", "risk_initiative_id", "risk_authority_id")
    }

    # Initiative history: every record of the initiatives touched in the window, in order, so
    # consecutive records can be diffed and the health at any moment in the window is known.
    # Changes after `now` belong to the next summary.
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

    dependency_events = [
        DependencyEvent(
            r["source_id"], r["target_id"], r["history_type"] == "+", r["kind"], r["criticality"], r["history_date"],
            usernames.get(r["history_user_id"], ""),
        )
        for r in dependency_records
    ]
    for event in dependency_events:
        for pk in (event.source_id, event.target_id):
            if pk not in initiatives and pk not in removed_names:
                removed_names[pk] = None  # filled below
    missing = [pk for pk, row in removed_names.items() if row is None]
    if missing:
        for record in HistoricalInitiative.objects.filter(id__in=missing).order_by("id", "-history_date").values(
            "id", "code", "title_da", "title_en", "lead_id", "strategy_id"
        ):
            if removed_names.get(record["id"]) is None:
                removed_names[record["id"]] = InitiativeRow(
                    record["id"], record["code"], record["title_da"], record["title_en"], record["lead_id"],
                    record["strategy_id"], Status.CANCELLED, Health.GREEN, Health.GREEN, Health.GREEN, Health.GREEN,
                    None, None, None, None,
                )
    removed_names = {pk: row for pk, row in removed_names.items() if row is not None}

    # Milestones open between the oldest window start and the end of the due-soon horizon.
    first_day = timezone.localdate(window_start)
    horizon = date + datetime.timedelta(days=DUE_SOON_DAYS)
    milestones = []
    open_near = (
        Milestone.objects.filter(done_on__isnull=True)
        .annotate(expected=Coalesce("forecast_date", "baseline_date"))
        .filter(expected__gte=first_day, expected__lte=horizon)
    )
    for pk, initiative_id, title_da, title_en, baseline, forecast in open_near.values_list(
        "id", "initiative_id", "title_da", "title_en", "baseline_date", "forecast_date"
    ):
        milestones.append(MilestoneRow(pk, initiative_id, title_da, title_en, forecast or baseline))

    figures: dict[int, AuthorityFigures] = {}
    if authority_ids:
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

    return PortfolioChanges(
        now=now,
        window_start=window_start,
        initiatives=initiatives,
        authorities=authorities,
        strategies=strategies,
        by_authority=by_authority,
        by_strategy=by_strategy,
        at_risk=at_risk,
        field_changes=field_changes,
        health_before=health_before,
        initiative_events=initiative_events,
        dependency_events=dependency_events,
        milestones=milestones,
        authority_figures=figures,
        removed_names=removed_names,
    )


# --- One recipient's summary, assembled in memory --------------------------------------------


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
class RecipientSummary:
    """One recipient's summary for one date, before rendering."""

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

    @property
    def change_count(self) -> int:
        return (
            len(self.health_worse) + len(self.health_better) + len(self.newly_at_risk) + len(self.no_longer_at_risk)
            + len(self.milestones_missed) + self.new_due_count + len(self.dependencies_added)
            + len(self.dependencies_removed) + len(self.initiatives_added) + len(self.initiatives_completed)
            + len(self.initiatives_cancelled)
        )


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


def build_recipient_summary(
    *,
    subscription: Subscription,
    chosen: dict,
    date: datetime.date,
    changes: PortfolioChanges,
    baseline: DigestDelivery | None,
) -> RecipientSummary:
    """Assemble one recipient's summary from the loaded changes; no queries."""
    user = subscription.user
    subscribed_at = subscription.baseline_at
    if subscribed_at is not None and subscribed_at > changes.now:
        subscribed_at = None  # subscribed after the moment this summary is built for
    if baseline is not None and (subscribed_at is None or baseline.built_at >= subscribed_at):
        since = max(baseline.built_at, changes.now - HISTORY_WINDOW_CAP)
        risk_before = None
    else:
        # The first summary since (re)subscribing tells what changed since then, not what came
        # before: otherwise the first email after setting up (loading the portfolio, the demo)
        # would list every initiative and dependency ever loaded as "added".
        baseline = None
        period = 7 if subscription.frequency == SubscriptionFrequency.WEEKLY else 1
        since = changes.now - datetime.timedelta(days=period)
        if subscribed_at is not None:
            since = max(since, subscribed_at)
        risk_before = set(subscription.baseline_at_risk) if subscribed_at and subscription.baseline_at_risk is not None else None
    since = max(since, changes.window_start)
    scope = _scope_ids(subscription, changes, chosen)

    def in_scope(pk: int) -> bool:
        return scope is None or pk in scope

    scope_rows = changes.initiatives.values() if scope is None else [
        changes.initiatives[pk] for pk in scope if pk in changes.initiatives
    ]

    # Health, at risk and the snapshot this summary leaves behind.
    health_lists: dict[str, list[int]] = {Health.GREEN: [], Health.YELLOW: [], Health.RED: []}
    current_at_risk: list[int] = []
    counts = {"initiatives": 0, "open": 0, Health.GREEN: 0, Health.YELLOW: 0, Health.RED: 0, "at_risk": 0}
    for row in scope_rows:
        health_lists[row.health].append(row.id)
        counts["initiatives"] += 1
        if row.is_open:
            counts["open"] += 1
            counts[row.health] += 1
        if row.id in changes.at_risk:
            current_at_risk.append(row.id)
            if row.is_open:
                counts["at_risk"] += 1

    previous = baseline.snapshot if baseline is not None and baseline.snapshot else None
    health_worse: list[HealthChange] = []
    health_better: list[HealthChange] = []
    newly_at_risk: list[RiskChange] = []
    no_longer_at_risk: list[RiskChange] = []

    def health_change(row: InitiativeRow, before: str) -> None:
        if before == row.health or before not in HEALTH_RANK:
            return
        window_changes = [c for c in changes.field_changes.get(row.id, ()) if c.when > since]
        change = HealthChange(row, before, row.health, window_changes)
        (health_worse if change.worse else health_better).append(change)

    def risk_change(pk: int) -> RiskChange:
        row = changes.initiatives[pk]
        reason, cause_id, cause_authority_id = changes.at_risk.get(pk, ("", None, None))
        return RiskChange(
            row,
            reason=reason,
            cause=changes.initiative(cause_id) if cause_id else None,
            cause_authority=changes.authorities.get(cause_authority_id) if cause_authority_id else None,
        )

    def risk_changes(before: set[int], *, counts_as_new) -> None:
        """Newly at risk (those `counts_as_new` accepts) and no longer at risk, against `before`."""
        now = set(current_at_risk)
        newly_at_risk.extend(risk_change(pk) for pk in sorted(now - before) if counts_as_new(pk))
        no_longer_at_risk.extend(
            risk_change(pk) for pk in sorted(before - now) if pk in changes.initiatives and in_scope(pk)
        )

    if previous is not None:
        before_health = _snapshot_health(previous)
        for row in scope_rows:
            before = before_health.get(row.id)
            if before is not None:
                health_change(row, before)
        risk_changes(set(previous.get("at_risk", ())), counts_as_new=lambda pk: pk in before_health)
    else:
        # No previous summary: the health at the window's start comes from the history, and
        # the risks from those recorded when the user subscribed.
        for pk in changes.health_before:
            if pk in changes.initiatives and in_scope(pk):
                before = changes.health_at(pk, since)
                if before is not None:
                    health_change(changes.initiatives[pk], before)
        if risk_before is not None:
            added_since = {e.initiative_id for e in changes.initiative_events if e.kind == "added" and e.when > since}
            risk_changes(risk_before, counts_as_new=lambda pk: pk not in added_since)
    health_worse.sort(key=lambda c: (-HEALTH_RANK[c.after], c.initiative.code))
    health_better.sort(key=lambda c: c.initiative.code)

    # Milestones: missed since the previous summary, and due in the next 14 days.
    since_day = timezone.localdate(since)
    horizon = date + datetime.timedelta(days=DUE_SOON_DAYS)
    missed: list[MilestoneItem] = []
    due: list[MilestoneItem] = []
    for milestone in changes.milestones:
        if not in_scope(milestone.initiative_id) or milestone.initiative_id not in changes.initiatives:
            continue
        item = MilestoneItem(milestone, changes.initiatives[milestone.initiative_id])
        if since_day <= milestone.expected < date:
            missed.append(item)
        elif date <= milestone.expected <= horizon:
            due.append(item)
    missed.sort(key=lambda m: (m.milestone.expected, m.initiative.code))
    due.sort(key=lambda m: (m.milestone.expected, m.initiative.code))
    due_ids = [m.milestone.id for m in due]
    previously_due = set(previous.get("due_soon", ())) if previous is not None else set()
    new_due_count = sum(1 for pk in due_ids if pk not in previously_due)

    # Dependencies added or removed that touch the scope.
    dependencies_added: list[DependencyItem] = []
    dependencies_removed: list[DependencyItem] = []
    for event in changes.dependency_events:
        if event.when <= since:
            continue
        source_ours, target_ours = in_scope(event.source_id), in_scope(event.target_id)
        if not (source_ours or target_ours):
            continue
        ours_id, other_id = (event.source_id, event.target_id) if source_ours else (event.target_id, event.source_id)
        ours, other = changes.initiative(ours_id), changes.initiative(other_id)
        if ours is None or other is None:
            continue
        item = DependencyItem(event, ours, other, changes.authorities.get(other.lead_id), ours_depends=source_ours)
        (dependencies_added if event.added else dependencies_removed).append(item)

    added, completed, cancelled = [], [], []
    for event in changes.initiative_events:
        if event.when <= since or not in_scope(event.initiative_id) or event.initiative_id not in changes.initiatives:
            continue
        item = InitiativeItem(changes.initiatives[event.initiative_id], event)
        {"added": added, Status.COMPLETED: completed, Status.CANCELLED: cancelled}[event.kind].append(item)
    # A risk that ended because the initiative was completed or cancelled is told under that heading.
    closed = {item.initiative.id for item in completed + cancelled}
    no_longer_at_risk = [change for change in no_longer_at_risk if change.initiative.id not in closed]

    scope_authorities = [changes.authorities[pk] for pk in chosen["authorities"] if pk in changes.authorities]
    authority_figures = []
    if subscription.scope == SubscriptionScope.AUTHORITIES:
        authority_figures = [(a, changes.authority_figures.get(a.id, AuthorityFigures())) for a in scope_authorities]

    snapshot = {
        "health": {health: sorted(ids) for health, ids in health_lists.items()},
        "at_risk": sorted(current_at_risk),
        "due_soon": due_ids,
    }
    return RecipientSummary(
        user=user,
        subscription=subscription,
        date=date,
        since=since,
        has_baseline=previous is not None,
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
    )


# --- Rendering ---------------------------------------------------------------------------------


@dataclass
class RenderedSummary:
    subject: str
    text: str
    html: str


@dataclass
class Section:
    """A titled list, cut at SECTION_LIMIT."""

    key: str
    title: str
    items: list
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.items)


def _health_label(value: str) -> str:
    return str(Health(value).label) if value in Health.values else value


def _display(change: FieldChange) -> tuple[str, str, str]:
    """(field label, old, new) in the active language."""
    labels = {
        "status": _("status"),
        "baseline_start": _("baseline start"),
        "baseline_end": _("baseline end"),
        "forecast_start": _("forecast start"),
        "forecast_end": _("forecast end"),
        "baseline_budget": _("baseline budget (DKK)"),
        "forecast_cost": _("forecast cost (DKK)"),
        "benefits_health": _("benefits health"),
        "health": _("health"),
        "lead_id": _("lead authority"),
    }

    def show(value) -> str:
        if value is None or value == "":
            return "—"
        if change.field == "status":
            return str(Status(value).label) if value in Status.values else str(value)
        if change.field in ("benefits_health", "health"):
            return _health_label(value)
        if isinstance(value, datetime.date):
            return date_format(value, "DATE_FORMAT")
        if isinstance(value, int) and change.field in ("baseline_budget", "forecast_cost"):
            return f"{value:,}".replace(",", ".")
        return str(value)

    return labels[change.field], show(change.old), show(change.new)


def _health_reason(row: InitiativeRow) -> str:
    """Why the initiative has its health now: the lights that are not green, with their reasons."""
    assessment = Initiative(
        baseline_end=row.baseline_end,
        forecast_end=row.forecast_end,
        baseline_budget=row.baseline_budget,
        forecast_cost=row.forecast_cost,
        benefits_health=row.benefits_health,
    ).assess_health()
    parts = []
    if assessment.schedule != Health.GREEN:
        parts.append(_("schedule %(light)s: %(reason)s") % {
            "light": _health_label(assessment.schedule).lower(), "reason": assessment.schedule_reason})
    if assessment.cost != Health.GREEN:
        parts.append(_("cost %(light)s: %(reason)s") % {
            "light": _health_label(assessment.cost).lower(), "reason": assessment.cost_reason})
    if assessment.benefits != Health.GREEN:
        parts.append(_("benefits %(light)s (assessed by hand)") % {"light": _health_label(assessment.benefits).lower()})
    if not parts:
        parts.append(_("all three lights are green"))
    return "; ".join(parts)


def _risk_reason_label(value: str) -> str:
    return str(RiskReason(value).label) if value in RiskReason.values else ""


def _sections(summary: RecipientSummary) -> list[Section]:
    def section(key: str, title: str, items: list) -> Section:
        return Section(key, title, items[:SECTION_LIMIT], len(items))

    for change in summary.health_worse + summary.health_better:
        change.reason = _health_reason(change.initiative)
        change.before_label = _health_label(change.before)
        change.after_label = _health_label(change.after)
        change.details = [
            {"field": label, "old": old, "new": new, "user": c.user}
            for c in change.changes
            if c.field != "health"  # the change itself is the item's headline
            for label, old, new in [_display(c)]
        ]
    for risk in summary.newly_at_risk + summary.no_longer_at_risk:
        risk.reason_label = _risk_reason_label(risk.reason)
    sections = [
        section("health_worse", _("Health got worse"), summary.health_worse),
        section("health_better", _("Health got better"), summary.health_better),
        section("newly_at_risk", _("Newly at risk"), summary.newly_at_risk),
        section("no_longer_at_risk", _("No longer at risk"), summary.no_longer_at_risk),
        section("milestones_missed", _("Milestones missed"), summary.milestones_missed),
        section(
            "milestones_due",
            _("Milestones due in the next %(days)s days") % {"days": DUE_SOON_DAYS},
            summary.milestones_due,
        ),
        section("dependencies_added", _("Dependencies added"), summary.dependencies_added),
        section("dependencies_removed", _("Dependencies removed"), summary.dependencies_removed),
        section("initiatives_added", _("Initiatives added"), summary.initiatives_added),
        section("initiatives_completed", _("Initiatives completed"), summary.initiatives_completed),
        section("initiatives_cancelled", _("Initiatives cancelled"), summary.initiatives_cancelled),
    ]
    return [s for s in sections if s.total]


def _dependency_labels() -> tuple[dict, dict]:
    from initiatives.models import Criticality, DependencyKind

    return (
        {k: str(v) for k, v in DependencyKind.choices},
        {k: str(v) for k, v in Criticality.choices},
    )


def _headlines(summary: RecipientSummary) -> list[str]:
    lines = []
    for authority, figures in summary.authority_figures:
        depends = ngettext(
            "%(authority)s's initiatives depend on %(count)s other authority;",
            "%(authority)s's initiatives depend on %(count)s other authorities;",
            figures.depends_on,
        ) % {"authority": authority.name, "count": figures.depends_on}
        at_risk = ngettext(
            "%(risk)s of those links is at risk.", "%(risk)s of those links are at risk.", figures.links_at_risk
        ) % {"risk": figures.links_at_risk}
        lines.append(f"{depends} {at_risk}")
        lines.append(
            _("%(authority)s leads %(led)s and takes part in %(part)s initiatives; %(risk)s of its own are at risk "
              "because of others.")
            % {"authority": authority.name, "led": figures.initiatives_led, "part": figures.initiatives_participating,
               "risk": figures.at_risk_because_of_others}
        )
    counts = summary.counts
    lines.append(
        _("In your scope: %(open)s open initiatives – %(green)s green, %(yellow)s yellow, %(red)s red; "
          "%(risk)s at risk because of what they depend on.")
        % {"open": counts["open"], "green": counts[Health.GREEN], "yellow": counts[Health.YELLOW],
           "red": counts[Health.RED], "risk": counts["at_risk"]}
    )
    return lines


def _scope_label(summary: RecipientSummary) -> str:
    scope = summary.subscription.scope
    if scope == SubscriptionScope.PORTFOLIO:
        return _("the whole portfolio")
    if scope == SubscriptionScope.AUTHORITIES:
        return ", ".join(a.name for a in summary.scope_authorities) or _("your authorities")
    if scope == SubscriptionScope.STRATEGIES:
        return ", ".join(s.name for s in summary.scope_strategies) or _("your strategies")
    return ngettext("%(count)s chosen initiative", "%(count)s chosen initiatives", summary.scope_size) % {
        "count": summary.scope_size
    }


def render_summary(summary: RecipientSummary, *, unsubscribe_link: str) -> RenderedSummary:
    """Subject, text and HTML in the recipient's language and time zone."""
    with translation.override(summary.subscription.language), timezone.override(settings.TIME_ZONE):
        kinds, criticalities = _dependency_labels()
        sections = _sections(summary)
        for item in summary.dependencies_added + summary.dependencies_removed:
            item.kind_label = kinds.get(item.event.kind, item.event.kind)
            item.criticality_label = criticalities.get(item.event.criticality, item.event.criticality).lower()
        context = {
            "summary": summary,
            "recipient": summary.user,
            "date": summary.date,
            "since": timezone.localtime(summary.since),
            "sections": sections,
            "headlines": _headlines(summary),
            "scope_label": _scope_label(summary),
            "change_count": summary.change_count,
            "site_url": settings.SITE_URL,
            "settings_url": settings.SITE_URL + reverse("subscription_settings"),
            "unsubscribe_url": unsubscribe_link,
            "language": summary.subscription.language,
            "section_limit": SECTION_LIMIT,
        }
        subject = " ".join(render_to_string("emails/digest_subject.txt", context).split())
        text = render_to_string("emails/digest.txt", context)
        html = render_to_string("emails/digest.html", context)
    return RenderedSummary(subject=subject, text=text, html=html)


# --- Building a date's summaries ---------------------------------------------------------------


def _chosen(subscriptions: list[Subscription]) -> dict[int, dict]:
    """The scope choices of many subscriptions, three queries in all."""
    chosen = {s.pk: {"authorities": [], "strategies": [], "initiatives": []} for s in subscriptions}
    ids = list(chosen)
    for name in ("authorities", "strategies", "initiatives"):
        through = Subscription._meta.get_field(name).remote_field.through
        column = {"authorities": "authority_id", "strategies": "strategy_id", "initiatives": "initiative_id"}[name]
        for subscription_id, target_id in (
            through.objects.filter(subscription_id__in=ids).order_by("pk").values_list("subscription_id", column)
        ):
            chosen[subscription_id][name].append(target_id)
    return chosen


def _latest_baselines(user_ids: list[int], date: datetime.date) -> dict[int, DigestDelivery]:
    """Each user's latest delivery before `date` that a new summary compares against.

    Two queries, whatever the length of the history: the latest id per user through the
    (recipient, date) unique index, then only those rows with their snapshots.
    """
    latest = (
        DigestDelivery.objects.baseline_for(date)
        .filter(recipient_id=OuterRef("pk"))
        .order_by("-date")
        .values("pk")[:1]
    )
    ids = [
        pk
        for pk in get_user_model().objects.filter(pk__in=user_ids).annotate(latest=Subquery(latest))
        .values_list("latest", flat=True)
        if pk is not None
    ]
    rows = DigestDelivery.objects.filter(pk__in=ids).only("recipient_id", "date", "built_at", "snapshot")
    return {delivery.recipient_id: delivery for delivery in rows}


@dataclass
class BuiltSummary:
    subscription: Subscription
    summary: RecipientSummary
    rendered: RenderedSummary | None

    @property
    def has_news(self) -> bool:
        return self.summary.change_count > 0


def build_summaries(
    subscriptions: list[Subscription], *, date: datetime.date, now: datetime.datetime | None = None,
    render_empty: bool = False, chosen: dict | None = None,
) -> list[BuiltSummary]:
    """Build (and render, where they will be sent) the summaries of many subscriptions for a date.
    `chosen` (scope choices by subscription pk) is for subscriptions not saved yet."""
    now = now or timezone.now()
    if not subscriptions:
        return []
    chosen = chosen or _chosen(subscriptions)
    baselines = _latest_baselines([s.user_id for s in subscriptions], date)
    oldest = now - datetime.timedelta(days=7)
    for baseline in baselines.values():
        oldest = min(oldest, baseline.built_at)
    window_start = max(oldest, now - HISTORY_WINDOW_CAP)
    authority_ids = {pk for c in chosen.values() for pk in c["authorities"]}
    changes = load_portfolio_changes(now=now, window_start=window_start, authority_ids=authority_ids, date=date)
    built = []
    for subscription in subscriptions:
        summary = build_recipient_summary(
            subscription=subscription,
            chosen=chosen[subscription.pk],
            date=date,
            changes=changes,
            baseline=baselines.get(subscription.user_id),
        )
        rendered = None
        if summary.change_count or subscription.send_when_empty or render_empty:
            rendered = render_summary(summary, unsubscribe_link=unsubscribe_url(subscription.user))
        built.append(BuiltSummary(subscription, summary, rendered))
    return built


def preview_summary(*, user: User, date: datetime.date) -> BuiltSummary:
    """The summary `user` would get for `date` if it were built now; nothing is stored (a user
    without a subscription is shown their default one)."""
    subscription = Subscription.objects.filter(user=user).select_related("user").first()
    if subscription is not None:
        return build_summaries([subscription], date=date, render_empty=True)[0]
    authority_ids = list(Coordinator.objects.filter(user=user).values_list("authority_id", flat=True))
    if is_secretariat(user):
        scope, frequency = SubscriptionScope.PORTFOLIO, SubscriptionFrequency.DAILY
    elif authority_ids:
        scope, frequency = SubscriptionScope.AUTHORITIES, SubscriptionFrequency.DAILY
    else:
        scope, frequency = SubscriptionScope.STRATEGIES, SubscriptionFrequency.OFF
    default = Subscription(user=user, scope=scope, frequency=frequency)
    chosen = {None: {"authorities": authority_ids, "strategies": [], "initiatives": []}}
    return build_summaries([default], date=date, render_empty=True, chosen=chosen)[0]


def _due_date(subscription: Subscription, dates: list[datetime.date]) -> datetime.date | None:
    """The latest of `dates` on which the subscription is due (weekly: a Monday)."""
    for date in sorted(dates, reverse=True):
        if subscription.frequency == SubscriptionFrequency.DAILY:
            return date
        if subscription.frequency == SubscriptionFrequency.WEEKLY and date.weekday() == 0:
            return date
    return None


def dates_to_schedule(today: datetime.date) -> list[datetime.date]:
    """Today plus the dates missed since the last scheduling run (beat down), at most a week."""
    last = DigestDispatch.objects.filter(date__lt=today).order_by("-date").values_list("date", flat=True).first()
    if last is None:
        return [today]
    first = max(last + datetime.timedelta(days=1), today - datetime.timedelta(days=CATCH_UP_DAYS - 1))
    return [first + datetime.timedelta(days=n) for n in range((today - first).days + 1)]


@dataclass
class ScheduleResult:
    dates: list[datetime.date]
    created: int = 0
    pending: int = 0
    skipped: int = 0
    already_there: int = 0
    pending_ids: list[int] = field(default_factory=list)


def _receiving_subscriptions(username: str | None = None, *, benchmark: bool = False) -> list[Subscription]:
    # Benchmark users (bench_digests) never get a real run's summaries, nor real users a benchmark's.
    subscriptions = (
        Subscription.objects.receiving().filter(is_benchmark=benchmark).select_related("user").order_by("user_id")
    )
    if username:
        subscriptions = subscriptions.filter(user__username=username)
    return list(subscriptions)


def summaries_schedule(
    *, today: datetime.date | None = None, now: datetime.datetime | None = None, username: str | None = None,
    catch_up: bool = True, benchmark: bool = False,
) -> ScheduleResult:
    """Create the date's deliveries (each stored, rendered, pending or skipped) for every due
    recipient who has none yet, catching up on missed dates; return the pending ones to send.

    Safe to run any number of times, concurrently too: the unique (recipient, date) row decides.
    """
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    subscriptions_ensure_defaults()
    dates = dates_to_schedule(today) if catch_up and not benchmark else [today]
    result = ScheduleResult(dates=dates)
    due_by_date: dict[datetime.date, list[Subscription]] = defaultdict(list)
    for subscription in _receiving_subscriptions(username, benchmark=benchmark):
        due = _due_date(subscription, dates)
        if due is not None:
            due_by_date[due].append(subscription)
    for date, subscriptions in sorted(due_by_date.items()):
        existing = set(
            DigestDelivery.objects.filter(date=date, recipient_id__in=[s.user_id for s in subscriptions]).values_list(
                "recipient_id", flat=True
            )
        )
        result.already_there += len(existing)
        todo = [s for s in subscriptions if s.user_id not in existing]
        rows = []
        for built in build_summaries(todo, date=date, now=now):
            sending = built.rendered is not None
            rows.append(
                DigestDelivery(
                    recipient_id=built.subscription.user_id,
                    date=date,
                    status=DeliveryStatus.PENDING if sending else DeliveryStatus.SKIPPED,
                    language=built.subscription.language,
                    to_address=built.subscription.user.email,
                    subject=built.rendered.subject if sending else "",
                    text_body=built.rendered.text if sending else "",
                    html_body=built.rendered.html if sending else "",
                    change_count=built.summary.change_count,
                    snapshot=built.summary.snapshot,
                    built_at=now,
                )
            )
        with transaction.atomic():
            # A concurrent run may have inserted some of these meanwhile: its rows win, ours are dropped.
            DigestDelivery.objects.bulk_create(rows, batch_size=200, ignore_conflicts=True)
        result.created += len(rows)
        result.skipped += sum(1 for r in rows if r.status == DeliveryStatus.SKIPPED)
    pending = DigestDelivery.objects.filter(
        date__in=dates, status=DeliveryStatus.PENDING, recipient__digest_subscription__is_benchmark=benchmark
    )
    if username:
        pending = pending.filter(recipient__username=username)
    result.pending_ids = list(pending.order_by("pk").values_list("pk", flat=True))
    result.pending = len(result.pending_ids)
    if not username and not benchmark:
        for date in dates:
            DigestDispatch.objects.update_or_create(
                date=date, defaults={"scheduled_at": now, "counts": {
                    "created": result.created, "skipped": result.skipped, "already_there": result.already_there}}
            )
    return result


# --- Sending -----------------------------------------------------------------------------------


class TransientDeliveryError(Exception):
    """The mail server could not take the message now; it was not sent and may be retried."""


def is_transient(error: BaseException) -> bool:
    """4xx replies, dropped or refused connections and socket errors are worth retrying; 5xx not."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(error, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError)):
        return True
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, (socket.error, TimeoutError, ConnectionError))


def delivery_message(delivery: DigestDelivery, *, connection=None) -> mail.EmailMultiAlternatives:
    """The stored summary as an email with its unsubscribe headers (RFC 8058) and Message-ID."""
    domain = settings.SITE_URL.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0] or "localhost"
    message_id = delivery.message_id or make_msgid(idstring=f"summary-{delivery.pk}", domain=domain)
    unsubscribe = unsubscribe_url(delivery.recipient)
    message = mail.EmailMultiAlternatives(
        subject=delivery.subject,
        body=delivery.text_body,
        to=[delivery.to_address],
        connection=connection,
        headers={
            "Message-ID": message_id,
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(delivery.html_body, "text/html")
    return message


def deliveries_claim(ids: list[int]) -> list[int]:
    """Claim pending deliveries for sending: pending → sending, once. Returns the ids we own.

    On PostgreSQL the rows are locked with SKIP LOCKED first, so two workers claiming overlapping
    batches never wait on each other; the conditional UPDATE is the guard on every database.
    """
    with transaction.atomic():
        free = list(
            DigestDelivery.objects.select_for_update(skip_locked=True)
            .filter(pk__in=ids, status=DeliveryStatus.PENDING)
            .values_list("pk", flat=True)
        )
        if not free:
            return []
        DigestDelivery.objects.filter(pk__in=free, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now()
        )
        return list(DigestDelivery.objects.filter(pk__in=free, status=DeliveryStatus.SENDING).values_list("pk", flat=True))


def _mark_sent(delivery: DigestDelivery, message_id: str) -> None:
    # The bodies are emptied: they are in the recipient's inbox, and a year of them would be
    # large; the snapshot (what later summaries compare against) stays.
    DigestDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), message_id=message_id, error="", text_body="",
        html_body="",
    )


def _mark_failed(delivery: DigestDelivery, error: BaseException, *, retry: bool) -> None:
    status = DeliveryStatus.PENDING if retry else DeliveryStatus.FAILED
    DigestDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
        status=status, error=f"{type(error).__name__}: {error}"[:2000]
    )


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    retry: list[int] = field(default_factory=list)
    not_claimed: int = 0


def deliveries_send(
    ids: list[int], *, final_attempt: bool = True, connection_factory: Callable | None = None,
    batch_size: int = SEND_BATCH_SIZE,
) -> SendReport:
    """Claim and send many deliveries, reusing one SMTP connection per batch.

    A transient failure puts the delivery back to pending (listed in `retry`) unless this is the
    final attempt; a permanent one records `failed`; neither stops the rest of the batch.
    """
    report = SendReport()
    connection_factory = connection_factory or (lambda: mail.get_connection(fail_silently=False))
    for start in range(0, len(ids), batch_size):
        claimed = deliveries_claim(ids[start:start + batch_size])
        report.not_claimed += len(ids[start:start + batch_size]) - len(claimed)
        if not claimed:
            continue
        deliveries = list(DigestDelivery.objects.filter(pk__in=claimed).select_related("recipient").order_by("pk"))
        connection = connection_factory()
        try:
            for delivery in deliveries:
                message = delivery_message(delivery, connection=connection)
                try:
                    connection.open()
                    connection.send_messages([message])
                except Exception as error:  # noqa: BLE001 - every failure is recorded on its row
                    retry = is_transient(error) and not final_attempt
                    _mark_failed(delivery, error, retry=retry)
                    logger.warning("Summary %s to %s failed: %s", delivery.pk, delivery.to_address, error)
                    if retry:
                        report.retry.append(delivery.pk)
                    else:
                        report.failed += 1
                    # The session may be broken after an error: start the next message afresh.
                    connection.close()
                    continue
                _mark_sent(delivery, message.extra_headers["Message-ID"])
                report.sent += 1
        finally:
            connection.close()
    return report


def delivery_send(*, delivery_id: int, final_attempt: bool) -> str:
    """Send one delivery (the Celery task's service). Raises TransientDeliveryError to retry."""
    report = deliveries_send([delivery_id], final_attempt=final_attempt)
    if report.retry:
        raise TransientDeliveryError(
            DigestDelivery.objects.filter(pk=delivery_id).values_list("error", flat=True).first() or ""
        )
    if report.sent:
        return DeliveryStatus.SENT
    if report.failed:
        return DeliveryStatus.FAILED
    return "not claimed"
