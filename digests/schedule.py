"""A date's digests: who is due, building them (or previewing one), and storing each once.

How a morning's digests are made
--------------------------------
`schedule_digests()` (the beat task at 06:00 Copenhagen time, or `manage.py send_digests`) finds the
subscriptions due on the date, loads what changed ONCE for all of them (changes.py), assembles
each recipient's digest in memory (assembly.py) and renders it in the recipient's language
(rendering.py). Each digest is stored, already rendered, as a `DigestDelivery` row: pending when
there is something to tell, skipped when not. The row also keeps a snapshot of what the digest
reported (health and at-risk per initiative in scope, milestones due soon), which the next digest
compares against. Sending the pending rows is delivery.py's job.

The unique (recipient, date) row is the durable guard: a second scheduling run (beat firing twice,
two workers, the command by hand) finds the row and creates nothing.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from .assembly import RecipientDigest, build_recipient_digest
from .changes import HISTORY_WINDOW_CAP, load_portfolio_changes
from .models import DeliveryStatus, DigestDelivery, DigestDispatch, Subscription, SubscriptionFrequency
from .rendering import RenderedDigest, render_digest
from .subscriptions import default_subscription, subscriptions_ensure_defaults, unsubscribe_url

# A scheduling run catches up on at most this many missed dates (enough to reach a Monday).
CATCH_UP_DAYS = 7


# --- Building many digests at once -------------------------------------------------------------


@dataclass
class BuiltDigest:
    """A subscription's digest for a date, rendered when it will be sent (or shown)."""

    subscription: Subscription
    digest: RecipientDigest
    rendered: RenderedDigest | None

    @property
    def has_news(self) -> bool:
        return self.digest.has_news


def build_digests(
    subscriptions: list[Subscription], *, date: datetime.date, now: datetime.datetime | None = None,
    render_empty: bool = False, chosen: dict | None = None,
) -> list[BuiltDigest]:
    """Build (and render, where they will be sent) the digests of many subscriptions for a date.
    `chosen` (scope choices by subscription pk) is for subscriptions not saved yet."""
    now = now or timezone.now()
    if not subscriptions:
        return []
    chosen = chosen or _chosen(subscriptions)
    baselines = _latest_baselines([s.user_id for s in subscriptions], date)
    # One history window for the whole run: at least a week (a weekly first digest), back to the
    # oldest previous digest, at most HISTORY_WINDOW_CAP.
    oldest = now - datetime.timedelta(days=7)
    for baseline in baselines.values():
        oldest = min(oldest, baseline.built_at)
    window_start = max(oldest, now - HISTORY_WINDOW_CAP)
    authority_ids = {pk for c in chosen.values() for pk in c["authorities"]}
    changes = load_portfolio_changes(now=now, window_start=window_start, authority_ids=authority_ids, date=date)
    built = []
    for subscription in subscriptions:
        # The one answer to "which authorities does this user coordinate", from the run's one query.
        subscription.user._coordinated_authority_ids = changes.coordinated.get(subscription.user_id, frozenset())
        subscription.user._approved_authority_ids = changes.approving.get(subscription.user_id, frozenset())
        digest = build_recipient_digest(
            subscription=subscription,
            chosen=chosen[subscription.pk],
            date=date,
            changes=changes,
            baseline=baselines.get(subscription.user_id),
        )
        rendered = None
        if digest.has_news or subscription.send_when_empty or render_empty:
            rendered = render_digest(digest, unsubscribe_link=unsubscribe_url(subscription.user))
        built.append(BuiltDigest(subscription, digest, rendered))
    return built


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
    """Each user's latest delivery before `date` that a new digest compares against.

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


def preview_digest(*, user: User, date: datetime.date) -> BuiltDigest:
    """The digest `user` would get for `date` if it were built now; nothing is stored (a user
    without a subscription is shown their default one)."""
    subscription = Subscription.objects.filter(user=user).select_related("user").first()
    if subscription is not None:
        return build_digests([subscription], date=date, render_empty=True)[0]
    default, authority_ids = default_subscription(user)
    chosen = {None: {"authorities": authority_ids, "strategies": [], "initiatives": []}}
    return build_digests([default], date=date, render_empty=True, chosen=chosen)[0]


# --- Scheduling a date's digests -----------------------------------------------------------------


def due_date(subscription: Subscription, dates: list[datetime.date]) -> datetime.date | None:
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


def receiving_subscriptions(username: str | None = None, *, benchmark: bool = False) -> list[Subscription]:
    """The subscriptions that get digests at all (of one user, when named)."""
    # Benchmark users (bench_digests) never get a real run's digests, nor real users a benchmark's.
    subscriptions = (
        Subscription.objects.receiving().filter(is_benchmark=benchmark).select_related("user").order_by("user_id")
    )
    if username:
        subscriptions = subscriptions.filter(user__username=username)
    return list(subscriptions)


@dataclass
class ScheduleResult:
    dates: list[datetime.date]
    created: int = 0
    pending: int = 0
    skipped: int = 0
    already_there: int = 0
    pending_ids: list[int] = field(default_factory=list)


def schedule_digests(
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
    for date, subscriptions in _due_by_date(receiving_subscriptions(username, benchmark=benchmark), dates):
        _store_deliveries(date, subscriptions, now=now, result=result)
    pending = DigestDelivery.objects.filter(
        date__in=dates, status=DeliveryStatus.PENDING, recipient__digest_subscription__is_benchmark=benchmark
    )
    if username:
        pending = pending.filter(recipient__username=username)
    result.pending_ids = list(pending.order_by("pk").values_list("pk", flat=True))
    result.pending = len(result.pending_ids)
    if not username and not benchmark:
        # Proof the dates were handled, so the next run catches up only on later ones.
        counts = {"created": result.created, "skipped": result.skipped, "already_there": result.already_there}
        for date in dates:
            DigestDispatch.objects.update_or_create(date=date, defaults={"scheduled_at": now, "counts": counts})
    return result


def _due_by_date(
    subscriptions: Iterable[Subscription], dates: list[datetime.date]
) -> list[tuple[datetime.date, list[Subscription]]]:
    """The subscriptions due, grouped by the date each is due on, earliest date first."""
    due_by_date: dict[datetime.date, list[Subscription]] = defaultdict(list)
    for subscription in subscriptions:
        due = due_date(subscription, dates)
        if due is not None:
            due_by_date[due].append(subscription)
    return sorted(due_by_date.items())


def _store_deliveries(
    date: datetime.date, subscriptions: list[Subscription], *, now: datetime.datetime, result: ScheduleResult
) -> None:
    """Build and store the date's digest of each subscription whose recipient has none yet."""
    existing = set(
        DigestDelivery.objects.filter(date=date, recipient_id__in=[s.user_id for s in subscriptions]).values_list(
            "recipient_id", flat=True
        )
    )
    result.already_there += len(existing)
    todo = [s for s in subscriptions if s.user_id not in existing]
    rows = [_delivery(built, date=date, now=now) for built in build_digests(todo, date=date, now=now)]
    with transaction.atomic():
        # A concurrent run may have inserted some of these meanwhile: its rows win, ours are dropped.
        DigestDelivery.objects.bulk_create(rows, batch_size=200, ignore_conflicts=True)
    result.created += len(rows)
    result.skipped += sum(1 for r in rows if r.status == DeliveryStatus.SKIPPED)


def _delivery(built: BuiltDigest, *, date: datetime.date, now: datetime.datetime) -> DigestDelivery:
    """The row for a built digest: pending with its message when it is to be sent, else skipped."""
    sending = built.rendered is not None
    return DigestDelivery(
        recipient_id=built.subscription.user_id,
        date=date,
        status=DeliveryStatus.PENDING if sending else DeliveryStatus.SKIPPED,
        language=built.subscription.language,
        to_address=built.subscription.user.email,
        subject=built.rendered.subject if sending else "",
        text_body=built.rendered.text if sending else "",
        html_body=built.rendered.html if sending else "",
        change_count=built.digest.change_count,
        snapshot=built.digest.snapshot,
        built_at=now,
    )
