"""How a change to portfolio data becomes a recompute of the summaries.

Every change calls `mark_dirty()` (signals do it for model saves and deletes; bulk paths that send
no signals call it themselves). It records the change (an appended `SummaryChange` row, see
summaries.freshness) *in the same transaction* as the change, so the marker is as durable as the
change without a lock other writers wait for, and registers one callback
per transaction that, after the commit, enqueues `recompute_summaries_task` with a short
countdown. Only one task is enqueued while another is still waiting to start (the claim in
summaries.freshness), so a burst of edits coalesces into one run that reads the data after all of them.

A run (summaries.engine.run) takes a database lock (a PostgreSQL advisory lock, so several workers
on several machines never compute at once), clears the claim, notes the owed change rows and only
then the data, computes everything in memory and replaces the summary tables in one transaction.
It then deletes the change rows it saw before reading; whatever committed later is still owed and
will be computed by the next task or by the periodic sweep, which also catches changes whose
task could not be enqueued.
"""

from __future__ import annotations

import functools
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import freshness
from .engine.run import recompute_generation
from .models import SummaryTrigger
from .tasks import recompute_summaries_task

logger = logging.getLogger(__name__)


def mark_dirty() -> None:
    """Record that portfolio data changed, in the current transaction, and schedule a recompute.

    Signals call this for every model save and delete; code that writes without signals
    (`QuerySet.update()`, `bulk_create`) must call it itself. Cheap to call often: within one
    transaction only the first call writes.
    """
    conn = transaction.get_connection()
    if conn.in_atomic_block and _scheduled_in_this_transaction(conn, marked=True):
        return
    freshness.record_change()
    _register_enqueue(marked=True)


def schedule_recompute() -> None:
    """Enqueue a recompute once the current transaction commits (once per transaction)."""
    conn = transaction.get_connection()
    if conn.in_atomic_block and _scheduled_in_this_transaction(conn, marked=False):
        return
    _register_enqueue(marked=False)


def _register_enqueue(*, marked: bool) -> None:
    callback = functools.partial(enqueue_recompute)
    callback.summaries_marked = marked
    callback.summaries_generation = recompute_generation()
    # robust: a failure to enqueue must not turn a saved change into an error page.
    transaction.on_commit(callback, robust=True)


def _scheduled_in_this_transaction(conn, *, marked: bool) -> bool:
    # Django drops the callbacks of a rolled-back savepoint, together with its version bump.
    # A recompute run inside this transaction since the callback was registered starts a new
    # generation: a later change must mark anew.
    generation = recompute_generation()
    for _ids, func, _robust in conn.run_on_commit:
        if getattr(func, "summaries_generation", None) == generation and (func.summaries_marked or not marked):
            return True
    return False


def enqueue_recompute(*, trigger: str = SummaryTrigger.CHANGE) -> bool:
    """Enqueue a recompute after the coalescing delay unless one is already waiting to start.

    Returns whether a task was enqueued. When the broker is unreachable the change stays marked
    dirty and the sweep catches up; nothing is raised.
    """
    now = timezone.now()
    if not freshness.claim_enqueue(now):
        return False  # a waiting task will read the data after this change committed
    try:
        recompute_summaries_task.apply_async(
            kwargs={"trigger": trigger},
            countdown=settings.SUMMARY_COALESCE_SECONDS,
            # A dead broker must not hold up the request: one quick retry, then the sweep.
            retry=True,
            retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2},
        )
    except Exception as exc:  # kombu OperationalError, redis ConnectionError, OSError, ...
        if recompute_summaries_task.app.conf.task_always_eager:
            raise  # in-process the task ran and failed: that is a bug, not a broker outage
        logger.warning("Could not enqueue a summaries recompute (%s); the sweep will catch up.", exc)
        freshness.release_enqueue_claim(now)
        return False
    return True
