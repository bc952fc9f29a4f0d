"""The engine's Celery tasks: thin wrappers that call a service. JSON-serialisable arguments only."""

from celery import shared_task
from django.conf import settings

from .engine import run
from .models import SummaryTrigger

# A recompute that finds the lock held retries after the coalescing delay; after this many tries
# it gives up and the sweep (every minute) takes over.
RECOMPUTE_MAX_RETRIES = 30


@shared_task(bind=True, max_retries=RECOMPUTE_MAX_RETRIES)
def recompute_summaries_task(self, trigger: str = SummaryTrigger.CHANGE) -> str:
    """Recompute the summaries if a change is not reflected yet (enqueued after each commit)."""
    # In-process (no broker) there is nobody to retry later: wait for the lock instead.
    result = run.recompute_owed_summaries(trigger=trigger, wait=self.request.is_eager)
    if result.status == "busy":
        raise self.retry(countdown=max(1, settings.SUMMARY_COALESCE_SECONDS))
    return result.status


@shared_task(bind=True, max_retries=RECOMPUTE_MAX_RETRIES)
def recompute_all_summaries(self) -> str:
    """The nightly safety net: recompute and rewrite every row whether or not anything is owed."""
    result = run.recompute_summaries(trigger=SummaryTrigger.NIGHTLY, wait=self.request.is_eager, rewrite=True)
    if result.status == "busy":
        raise self.retry(countdown=max(1, settings.SUMMARY_COALESCE_SECONDS))
    return result.status


@shared_task
def sweep_dirty_summaries() -> str:
    """Every minute: catch up on changes whose recompute could not be enqueued (broker down)."""
    result = run.sweep_dirty_summaries()
    return result.status if result else "nothing owed"
