"""Through a real Celery worker (Redis broker, PostgreSQL): a committed change's event reaches a local
receiver that answers 500 twice, retried by the worker with backoff until it answers 200."""

import datetime

import pytest

from initiatives.services import initiative_update
from portfolio.celery import app as celery_app
from tests.digests.builders import start_worker, stop_workers, wait_until, worker_env
from webhooks.models import Delivery, DeliveryStatus, EventType

from .conftest import signature_is_valid

WAIT_SECONDS = 90


def webhook_worker_env() -> dict:
    return worker_env(
        WEBHOOK_ALLOW_PRIVATE_ADDRESSES="1",  # the receiver is on 127.0.0.1
        WEBHOOK_RETRY_FIRST_SECONDS="1",  # 1 s, then 2 s: the same doubling, quicker
    )


@pytest.mark.services
@pytest.mark.xdist_group("celery-workers")  # one real-worker test at a time: they are CPU-bound
@pytest.mark.django_db(transaction=True)
def test_a_committed_change_reaches_the_receiver_through_the_worker_after_two_500s(
    require_postgres, require_redis, reference_data, hook, receiver, make_initiative, kobenhavn
):
    initiative = make_initiative(kobenhavn)
    receiver.answers = [500, 500]
    celery_app.control.purge()  # no stale tasks from earlier runs
    workers = [start_worker("webhooks", webhook_worker_env())]
    try:
        initiative_update(initiative=initiative, forecast_end=datetime.date(2025, 12, 31))  # commits: red

        def delivered() -> bool:
            return Delivery.objects.filter(status=DeliveryStatus.DELIVERED).exists()

        ok = wait_until(delivered, WAIT_SECONDS)
    finally:
        outputs = stop_workers(workers)
    assert ok, outputs

    delivery = Delivery.objects.get()
    assert (delivery.event, delivery.attempts, delivery.last_status_code) == (EventType.HEALTH_CHANGED, 3, 200)
    assert len(receiver.requests) == 3
    assert all(signature_is_valid(received, hook.secret) for received in receiver.requests)
    assert {received.body for received in receiver.requests} == {delivery.body.encode()}
