"""The dirty marker: `SummaryState`, the durable record of which data version the summaries
reflect, what is owed and whether a recompute has been enqueued. Every read and write of it is here.

`data_version` is bumped in the same transaction as every change to portfolio data, so the marker
is as durable as the change. `last_enqueued_at` is the claim of whoever enqueued the next
recompute: while it is fresh nobody enqueues another, so a burst of edits coalesces into one run.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, models, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from .models import SCOPE_ALL, SummaryRun, SummaryState

# A claim to have enqueued a recompute older than this is taken to be lost (say, Redis was
# flushed); the next change or the sweep enqueues afresh. A claim is normally cleared within
# the coalescing delay, when the task starts.
LOST_ENQUEUE_AFTER = datetime.timedelta(minutes=2)


# --- What the dashboard and the emails show next to the numbers -----------------------------


@dataclass(frozen=True)
class SummariesFreshness:
    """How current the stored summaries are: the "as of …" line and the stale warning."""

    as_of: datetime.datetime | None  # when the data the summaries reflect was read
    data_version: int  # bumped by every change to portfolio data
    computed_version: int  # the data version the summaries reflect
    pending: bool  # data changed since: a recompute is owed (and scheduled)
    dirty_since: datetime.datetime | None  # the first change the summaries do not reflect yet
    last_run: SummaryRun | None  # the last finished full recompute

    @property
    def is_stale(self) -> bool:
        return self.pending

    @property
    def has_summaries(self) -> bool:
        return self.as_of is not None


def summaries_freshness() -> SummariesFreshness:
    """As-of time, data version and whether a recompute is pending. Two queries."""
    state = SummaryState.objects.filter(scope=SCOPE_ALL).first()
    last_run = SummaryRun.objects.filter(scope=SCOPE_ALL, status=SummaryRun.Status.DONE).first()
    if state is None:
        return SummariesFreshness(None, 0, 0, False, None, last_run)
    return SummariesFreshness(
        as_of=state.last_computed_at,
        data_version=state.data_version,
        computed_version=state.computed_version,
        pending=state.data_version > state.computed_version,
        dirty_since=state.dirty_since,
        last_run=last_run,
    )


# --- Marking a change ---------------------------------------------------------------------------


def bump_data_version() -> None:
    """Record, in the current transaction, that portfolio data changed (creating the marker if need be)."""
    now = timezone.now()
    bump = {
        "data_version": F("data_version") + 1,
        "dirty_since": Coalesce(F("dirty_since"), Value(now, output_field=models.DateTimeField())),
    }
    if not SummaryState.objects.filter(scope=SCOPE_ALL).update(**bump):
        try:
            with transaction.atomic():
                SummaryState.objects.create(scope=SCOPE_ALL, data_version=1, dirty_since=now)
        except IntegrityError:  # created meanwhile by a concurrent first change
            SummaryState.objects.filter(scope=SCOPE_ALL).update(**bump)


# --- The claim of an enqueued recompute ---------------------------------------------------------


def claim_enqueue(now: datetime.datetime) -> bool:
    """Claim the right to enqueue the next recompute; False when a recompute is already waiting to start."""
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
    return SummaryState.objects.get_or_create(scope=SCOPE_ALL)[0]


def current_data_version() -> int:
    # Read before the data: every change up to this version has committed (the bump holds the
    # state row until its transaction commits), so data read afterwards includes it.
    return SummaryState.objects.get(scope=SCOPE_ALL).data_version


def newer_results_exist(data_version: int) -> bool:
    """Whether summaries of a later data version have been written (only possible without the lock)."""
    return SummaryState.objects.filter(scope=SCOPE_ALL, computed_version__gt=data_version).exists()


def record_computed(data_version: int, computed_at: datetime.datetime) -> None:
    """The summaries now reflect `data_version`; never move the marker backwards."""
    SummaryState.objects.filter(scope=SCOPE_ALL, computed_version__lte=data_version).update(
        computed_version=Greatest(F("computed_version"), Value(data_version)),
        last_computed_at=computed_at,
        dirty_since=Case(When(data_version__lte=data_version, then=Value(None)), default=F("dirty_since")),
    )
