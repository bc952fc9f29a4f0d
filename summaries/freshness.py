"""What the summaries owe: the append-only `SummaryChange` rows, and `SummaryState`, which records
the newest change the summaries reflect and whether a recompute has been enqueued. Every read and
write of either is here.

Every transaction that changes portfolio data inserts one `SummaryChange` row, so the marker is as
durable as the change, and no writer touches a row another writer needs: a transaction held open
for minutes holds up nobody's edits. A recompute notes the rows it sees *before* it reads the data
and deletes exactly those when it has written the summaries; a change that commits meanwhile (even
one with a lower number, from a transaction that began earlier) keeps its row and is owed.
`last_enqueued_at` is the claim of whoever enqueued the next recompute: while it is fresh nobody
enqueues another, so a burst of edits coalesces into one run.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, Min, Q, Subquery, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from common import pagecache

from .models import SCOPE_ALL, SummaryChange, SummaryRun, SummaryState

# A claim to have enqueued a recompute older than this is taken to be lost (say, Redis was
# flushed); the next change or the sweep enqueues afresh. A claim is normally cleared within
# the coalescing delay, when the task starts.
LOST_ENQUEUE_AFTER = datetime.timedelta(minutes=2)

T = TypeVar("T")


# --- What the dashboard and the emails show next to the numbers -----------------------------


@dataclass(frozen=True)
class SummariesFreshness:
    """How current the stored summaries are: the "as of …" line and the stale warning."""

    as_of: datetime.datetime | None  # when the data the summaries reflect was read
    data_version: int  # the newest change's number
    computed_version: int  # the newest change number the summaries reflect
    pending: bool  # data changed since: a recompute is owed (and scheduled)
    dirty_since: datetime.datetime | None  # the first change the summaries do not reflect yet
    last_run: SummaryRun | None  # the last finished full recompute

    @property
    def has_summaries(self) -> bool:
        return self.as_of is not None


def summaries_freshness() -> SummariesFreshness:
    """As-of time, change numbers and whether a recompute is pending. Two queries."""
    state = (
        SummaryState.objects.filter(scope=SCOPE_ALL)
        .annotate(
            newest_change=Subquery(SummaryChange.objects.order_by("-id").values("id")[:1]),
            dirty_since=Subquery(SummaryChange.objects.order_by("changed_at").values("changed_at")[:1]),
        )
        .first()
    )
    last_run = SummaryRun.objects.filter(scope=SCOPE_ALL, status=SummaryRun.Status.DONE).first()
    if state is None:
        newest_change = SummaryChange.objects.aggregate(newest=Max("id"), since=Min("changed_at"))
        pending = newest_change["newest"] is not None
        return SummariesFreshness(None, newest_change["newest"] or 0, 0, pending, newest_change["since"], last_run)
    return SummariesFreshness(
        as_of=state.last_computed_at,
        data_version=max(state.newest_change or 0, state.computed_version),
        computed_version=state.computed_version,
        pending=state.newest_change is not None,
        dirty_since=state.dirty_since,
        last_run=last_run,
    )


def portfolio_version() -> str:
    """A stamp that differs after every committed change to portfolio data and after every recompute: the
    owed change rows (how many, and the newest: a transaction that began earlier may commit a lower number
    later, but it still adds a row) and the change and time the summaries reflect. The caches of the pages'
    figures are keyed by it (common.pagecache). One query; read it before the data it stands for."""
    changes, states = SummaryChange._meta.db_table, SummaryState._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {changes}), (SELECT MAX(id) FROM {changes}), "  # noqa: S608 (table names)
            f"computed_version, last_computed_at FROM (SELECT 1) AS one "
            f"LEFT JOIN {states} ON scope = %s",
            [SCOPE_ALL],
        )
        owed_count, owed_newest, computed_version, computed_at = cursor.fetchone()
    return f"{owed_count}.{owed_newest}.{computed_version}.{computed_at or ''}"


def remember_figures(namespace: str, parts: Iterable, compute: Callable[[], T]) -> T:
    """What compute() gives for these parts, cached until the portfolio or its summaries next change
    (the one rule the dashboard's and the API's caches follow). `parts` must carry the asker's scope
    where what compute() reads depends on it."""
    return pagecache.remember(namespace, parts, version=portfolio_version, compute=compute)


# --- Marking a change ---------------------------------------------------------------------------


def record_change() -> int:
    """Record, in the current transaction, that portfolio data changed; returns the change's number.

    An insert, never an update: it takes no lock another writer waits for.
    """
    return SummaryChange.objects.create().pk


def changes_pending() -> bool:
    """Whether a committed change is not reflected in the summaries yet."""
    return SummaryChange.objects.exists()


def newest_change() -> int:
    """The newest change's number (0 before any change), owed or already reflected."""
    owed = SummaryChange.objects.aggregate(newest=Max("id"))["newest"] or 0
    state = current_state()
    return max(owed, state.computed_version if state else 0)


def reflects(change: int) -> bool:
    """Whether the summaries reflect every change numbered up to `change`."""
    return not SummaryChange.objects.filter(id__lte=change).exists()


# --- The claim of an enqueued recompute ---------------------------------------------------------


def claim_enqueue(now: datetime.datetime) -> bool:
    """Claim the right to enqueue the next recompute; False when a recompute is already waiting to start."""
    ensure_state()
    return bool(
        SummaryState.objects.filter(scope=SCOPE_ALL)
        .filter(Q(last_enqueued_at__isnull=True) | Q(last_enqueued_at__lt=now - LOST_ENQUEUE_AFTER))
        .update(last_enqueued_at=now)
    )


def release_enqueue_claim(now: datetime.datetime) -> None:
    """Give up the claim made at `now` (the enqueue failed), unless someone has claimed since."""
    SummaryState.objects.filter(scope=SCOPE_ALL, last_enqueued_at=now).update(last_enqueued_at=None)


def clear_enqueue_claim() -> None:
    """A run has started: it covers every committed change, so later changes enqueue anew."""
    SummaryState.objects.filter(scope=SCOPE_ALL).update(last_enqueued_at=None)


def recompute_on_its_way(state: SummaryState) -> bool:
    """Whether an enqueued recompute, not yet started, will read the latest data."""
    return bool(state.last_enqueued_at and state.last_enqueued_at >= timezone.now() - LOST_ENQUEUE_AFTER)


# --- What a run reads and records ---------------------------------------------------------------


def current_state() -> SummaryState | None:
    return SummaryState.objects.filter(scope=SCOPE_ALL).first()


def ensure_state() -> SummaryState:
    try:
        return SummaryState.objects.get_or_create(scope=SCOPE_ALL)[0]
    except IntegrityError:  # created meanwhile by a concurrent first claim or run
        return SummaryState.objects.get(scope=SCOPE_ALL)


@dataclass(frozen=True)
class OwedChanges:
    """The changes a run covers: the rows it saw, and the newest number it will then reflect."""

    ids: list[int]
    version: int


def owed_changes() -> OwedChanges:
    """Read before the data: each row seen belongs to a committed change, so data read afterwards
    includes it. A change committing later keeps its row (deleted only by id) and stays owed."""
    ids = list(SummaryChange.objects.order_by("id").values_list("id", flat=True))
    return OwedChanges(ids=ids, version=max(ids[-1:] + [ensure_state().computed_version]))


def newer_results_exist(data_version: int) -> bool:
    """Whether summaries of a later data version have been written (only possible without the lock)."""
    return SummaryState.objects.filter(scope=SCOPE_ALL, computed_version__gt=data_version).exists()


def record_computed(owed: OwedChanges, computed_at: datetime.datetime) -> None:
    """The summaries now reflect the changes `owed` saw; never move the marker backwards."""
    with transaction.atomic():
        for start in range(0, len(owed.ids), 1000):
            SummaryChange.objects.filter(id__in=owed.ids[start:start + 1000]).delete()
        SummaryState.objects.filter(scope=SCOPE_ALL, computed_version__lte=owed.version).update(
            computed_version=Greatest(F("computed_version"), Value(owed.version)),
            last_computed_at=computed_at,
        )
