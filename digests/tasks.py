"""The digests' Celery tasks: thin wrappers that call a service. JSON-serialisable arguments only."""

from functools import partial

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from .delivery import TransientDeliveryError, delivery_send
from .notices import notice_send, notices_create
from .reminders import reminders_schedule, reminders_send
from .schedule import schedule_digests

# A transient SMTP failure is retried with exponential backoff (up to 30 s, 1, 2, 4, 8, 16 minutes;
# jitter spreads the retries of many digests); then the delivery is recorded as failed.
DIGEST_SEND_MAX_RETRIES = 6


@shared_task
def schedule_daily_digests() -> dict:
    """06:00 Copenhagen time: create the day's digests (catching up on missed dates) and enqueue
    one send per pending digest once they are committed."""
    result = schedule_digests()
    for delivery_id in result.pending_ids:
        # robust: in-process (no broker) one failing send must not stop the others being enqueued.
        transaction.on_commit(partial(send_digest.delay, delivery_id), robust=True)
    return {"dates": [d.isoformat() for d in result.dates], "created": result.created, "pending": result.pending,
            "skipped": result.skipped}


@shared_task(
    bind=True,
    autoretry_for=(TransientDeliveryError,),
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    retry_jitter=True,
    max_retries=DIGEST_SEND_MAX_RETRIES,
)
def send_digest(self, delivery_id: int) -> str:
    """Send one stored digest; at most once (the claim decides), retried on transient errors."""
    return delivery_send(delivery_id=delivery_id, final_attempt=self.request.retries >= self.max_retries)


@shared_task
def send_agreement_notices(transition_id: int) -> dict:
    """Tell the other side of a dependency agreement about one step: store the emails, then send
    each at most once (a second run finds them stored and claimed)."""
    statuses = [notice_send(notice_id=pk) for pk in notices_create(transition_id=transition_id)]
    return {"sent": statuses.count("sent"), "other": len(statuses) - statuses.count("sent")}


@shared_task
def send_report_reminders() -> dict:
    """06:05 Copenhagen time: the status report reminders due today (and missed days of the week),
    each created once and sent at most once."""
    ids = reminders_schedule(timezone.localdate())
    return {"pending": len(ids), "sent": reminders_send(ids)}
