"""Running a recompute: one at a time (a database lock), noting the owed changes before reading the
data, and recording what was written. What the worker, the sweep, the nightly run and the command call."""

from __future__ import annotations

import datetime
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from strategies.models import Strategy

from .. import freshness
from ..models import SCOPE_ALL, SummaryRun, SummaryTrigger
from .compute import compute
from .graph import load_graph
from .health import reconcile_health
from .write import write_figures

logger = logging.getLogger(__name__)

# Key of the PostgreSQL advisory lock held by a recompute (initiatives.services uses 7_340_001).
SUMMARY_LOCK_KEY = 7_340_002

# Serialises runs within one process where there is no advisory lock (SQLite, `make run`).
_local_lock = threading.Lock()


class _RunCounter:
    """Counts recomputes started in this process (see recompute_generation)."""

    value = 0


def recompute_generation() -> int:
    """How many recomputes this process has started. A change made after a recompute that ran
    inside the same transaction must mark the data anew (summaries.scheduling compares this)."""
    return _RunCounter.value


@dataclass
class RecomputeResult:
    """What a call to `recompute_summaries` did."""

    status: str  # "done", "busy" (another run holds the lock), "current" (nothing owed)
    scope: str = SCOPE_ALL
    data_version: int = 0
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    run: SummaryRun | None = None

    @property
    def ran(self) -> bool:
        return self.status == "done"


@contextmanager
def summaries_lock(*, wait: bool) -> Iterator[bool]:
    """Hold the recompute lock; yields False at once if another run holds it and wait is False."""
    if connection.vendor == "postgresql":
        # A session-level advisory lock: held across the run's transactions, released by
        # PostgreSQL if the worker dies, and shared by every worker on every machine.
        with connection.cursor() as cursor:
            if wait:
                cursor.execute("SELECT pg_advisory_lock(%s)", [SUMMARY_LOCK_KEY])
                acquired = True
            else:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [SUMMARY_LOCK_KEY])
                acquired = cursor.fetchone()[0]
        try:
            yield acquired
        finally:
            if acquired:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [SUMMARY_LOCK_KEY])
    else:
        # SQLite serialises writers itself; this keeps two threads from computing at once, and
        # the version check before writing keeps an older result from replacing a newer one.
        acquired = _local_lock.acquire(blocking=wait, timeout=120 if wait else -1)
        try:
            yield acquired
        finally:
            if acquired:
                _local_lock.release()


def recompute_summaries(
    *,
    scope: str = SCOPE_ALL,
    trigger: str = SummaryTrigger.MANUAL,
    wait: bool = True,
    only_if_stale: bool = False,
    rewrite: bool = False,
) -> RecomputeResult:
    """Recompute the summary tables from the portfolio data.

    scope: "all", or a strategy code to rewrite only that strategy's initiatives and level
    matrix (the graph is still read whole: dependencies cross strategies). wait: block until
    another run finishes, else return status "busy" at once. only_if_stale: do nothing (status
    "current") when the summaries already reflect the latest data version. rewrite: replace every
    row, not only those whose figures changed.
    """
    strategy = None
    if scope != SCOPE_ALL:
        strategy = Strategy.objects.get(code=scope)
    run_scope = SCOPE_ALL if strategy is None else f"strategy:{strategy.code}"
    with summaries_lock(wait=wait) as acquired:
        if not acquired:
            return RecomputeResult(status="busy", scope=run_scope)
        # Runs the previous holder of the lock left "running" died with their worker.
        SummaryRun.objects.filter(status=SummaryRun.Status.RUNNING).update(
            status=SummaryRun.Status.FAILED, error="interrupted (the worker was lost); redone by a later run"
        )
        if strategy is None:
            freshness.clear_enqueue_claim()
        if only_if_stale and not freshness.changes_pending():
            return RecomputeResult(status="current", scope=run_scope, data_version=freshness.newest_change())
        # Changes that conflict with the write (an initiative deleted meanwhile) are rare and
        # are themselves newer versions: read everything again.
        for attempt in range(3):
            try:
                return _recompute_locked(strategy=strategy, run_scope=run_scope, trigger=trigger, rewrite=rewrite)
            except (IntegrityError, DatabaseError) as exc:
                if attempt == 2:
                    raise
                logger.info("Summaries recompute conflicted with a concurrent change (%s); retrying.", exc)
    raise AssertionError("unreachable")


def recompute_owed_summaries(*, trigger: str, wait: bool) -> RecomputeResult:
    """Recompute everything if any change is not reflected yet (what the task and the sweep run)."""
    return recompute_summaries(scope=SCOPE_ALL, trigger=trigger, wait=wait, only_if_stale=True)


def sweep_dirty_summaries(*, wait: bool = False) -> RecomputeResult | None:
    """Catch up on changes no queued task will cover (its enqueue failed or the task was lost)."""
    if not freshness.changes_pending():
        return None
    state = freshness.current_state()
    if state is not None and freshness.recompute_on_its_way(state):
        return None  # a task is on its way and will read the latest data
    return recompute_owed_summaries(trigger=SummaryTrigger.SWEEP, wait=wait)


def _recompute_locked(*, strategy: Strategy | None, run_scope: str, trigger: str, rewrite: bool) -> RecomputeResult:
    started_at = timezone.now()
    started = time.perf_counter()
    _RunCounter.value += 1
    owed = freshness.owed_changes()  # the changes first, then the data
    data_version = owed.version
    run = SummaryRun.objects.create(scope=run_scope, trigger=trigger, started_at=started_at, data_version=data_version)
    try:
        counts, at_risk = _compute_and_write(strategy, owed=owed, started_at=started_at, rewrite=rewrite)
    except BaseException as exc:
        SummaryRun.objects.filter(pk=run.pk).update(
            status=SummaryRun.Status.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    seconds = time.perf_counter() - started
    counts["at_risk"] = at_risk
    run.status = SummaryRun.Status.DONE
    run.finished_at = timezone.now()
    run.duration_ms = round(seconds * 1000)
    run.counts = counts
    run.save(update_fields=["status", "finished_at", "duration_ms", "counts"])
    logger.info("Summaries recomputed (%s, %s) up to change %s in %.2f s: %s",
                run_scope, trigger, data_version, seconds, counts)
    return RecomputeResult(
        status="done", scope=run_scope, data_version=data_version, seconds=seconds, counts=counts, run=run
    )


def _compute_and_write(
    strategy: Strategy | None, *, owed: freshness.OwedChanges, started_at: datetime.datetime, rewrite: bool
) -> tuple[dict[str, int], int]:
    """Load, correct the lights, compute and write; returns the counts and how many are at risk."""
    graph = load_graph()
    counts = {"health_lights_corrected": reconcile_health(graph)}
    figures = compute(graph)
    with transaction.atomic():
        if strategy is None and freshness.newer_results_exist(owed.version):
            # Only possible without the advisory lock (SQLite): never replace newer results.
            counts["skipped_newer_exists"] = 1
        else:
            counts.update(write_figures(graph, figures, strategy=strategy, computed_at=started_at, rewrite=rewrite))
    if strategy is None and not counts.get("skipped_newer_exists"):
        freshness.record_computed(owed, started_at)
    return counts, figures.at_risk_count
