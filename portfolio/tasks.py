"""Celery tasks: thin wrappers that call a service. JSON-serialisable arguments only.

The interdependency engine's tasks come first; other parts of the app append theirs below.
"""

from celery import shared_task
from django.conf import settings

from portfolio import services
from portfolio.models import SummaryTrigger

# A recompute that finds the lock held retries after the coalescing delay; after this many tries
# it gives up and the sweep (every minute) takes over.
RECOMPUTE_MAX_RETRIES = 30


@shared_task(bind=True, max_retries=RECOMPUTE_MAX_RETRIES)
def recompute_summaries_task(self, trigger: str = SummaryTrigger.CHANGE) -> str:
    """Recompute the summaries if a change is not reflected yet (enqueued after each commit)."""
    # In-process (no broker) there is nobody to retry later: wait for the lock instead.
    result = services.recompute_owed_summaries(trigger=trigger, wait=self.request.is_eager)
    if result.status == "busy":
        raise self.retry(countdown=max(1, settings.SUMMARY_COALESCE_SECONDS))
    return result.status


@shared_task(bind=True, max_retries=RECOMPUTE_MAX_RETRIES)
def recompute_all_summaries(self) -> str:
    """The nightly safety net: recompute and rewrite every row whether or not anything is owed."""
    result = services.recompute_summaries(trigger=SummaryTrigger.NIGHTLY, wait=self.request.is_eager, rewrite=True)
    if result.status == "busy":
        raise self.retry(countdown=max(1, settings.SUMMARY_COALESCE_SECONDS))
    return result.status


@shared_task
def sweep_dirty_summaries() -> str:
    """Every minute: catch up on changes whose recompute could not be enqueued (broker down)."""
    result = services.sweep_dirty_summaries()
    return result.status if result else "nothing owed"


# --- Summary emails (portfolio.notifications) -----------------------------------------------

from functools import partial  # noqa: E402 - this section is appended to the engine's module

from django.db import transaction  # noqa: E402

from portfolio import notifications  # noqa: E402

# A transient SMTP failure is retried with exponential backoff (up to 30 s, 1, 2, 4, 8, 16 minutes;
# jitter spreads the retries of many summaries);
# then the delivery is recorded as failed.
SUMMARY_SEND_MAX_RETRIES = 6


@shared_task
def schedule_daily_summaries() -> dict:
    """06:00 Copenhagen time: create the day's summaries (catching up on missed dates) and
    enqueue one send per pending summary once they are committed."""
    result = notifications.summaries_schedule()
    for delivery_id in result.pending_ids:
        # robust: in-process (no broker) one failing send must not stop the others being enqueued.
        transaction.on_commit(partial(send_summary.delay, delivery_id), robust=True)
    return {"dates": [d.isoformat() for d in result.dates], "created": result.created, "pending": result.pending,
            "skipped": result.skipped}


@shared_task(
    bind=True,
    autoretry_for=(notifications.TransientDeliveryError,),
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    retry_jitter=True,
    max_retries=SUMMARY_SEND_MAX_RETRIES,
)
def send_summary(self, delivery_id: int) -> str:
    """Send one stored summary; at most once (the claim decides), retried on transient errors."""
    return notifications.delivery_send(delivery_id=delivery_id, final_attempt=self.request.retries >= self.max_retries)
