"""The webhooks' Celery tasks: thin wrappers that call a service. JSON-serialisable arguments only."""

import logging

from celery import shared_task

from .services import SEND_BATCH_SIZE, deliveries_send, due_deliveries_send

logger = logging.getLogger(__name__)

# A dead broker must not hold up the request that committed the change: one quick retry, then the
# beat's sweep sends the rows (they are in the database).
_QUICK = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


@shared_task
def send_webhook_deliveries(delivery_ids: list[int]) -> dict:
    """Attempt the given deliveries that are due (each once; the claim decides), and enqueue the
    next attempt of those that failed for when they are due again."""
    report = deliveries_send(delivery_ids)
    if not send_webhook_deliveries.app.conf.task_always_eager:
        # In-process (no broker) there is no later: the retries wait for a worker and beat.
        for delivery_id, due_again in report.retry:
            _enqueue([delivery_id], eta=due_again)
    return {"delivered": report.delivered, "failed": len(report.retry), "not_claimed": report.not_claimed}


@shared_task
def send_due_webhooks() -> dict:
    """Every minute: send what is due that no queued task will (broker down, worker crashed)."""
    report = due_deliveries_send()
    return {"delivered": report.delivered, "failed": len(report.retry), "not_claimed": report.not_claimed}


def deliveries_enqueue(ids: list[int]) -> None:
    """Enqueue the first attempt of newly recorded deliveries, in batches."""
    for start in range(0, len(ids), SEND_BATCH_SIZE):
        _enqueue(ids[start:start + SEND_BATCH_SIZE])


def _enqueue(ids: list[int], **options) -> None:
    try:
        send_webhook_deliveries.apply_async((ids,), retry=True, retry_policy=_QUICK, **options)
    except Exception as exc:  # kombu OperationalError, redis ConnectionError, OSError, ...
        if send_webhook_deliveries.app.conf.task_always_eager:
            raise  # in-process the task ran and failed: that is a bug, not a broker outage
        logger.warning("Could not enqueue webhook deliveries %s (%s); the sweep will send them.", ids, exc)
