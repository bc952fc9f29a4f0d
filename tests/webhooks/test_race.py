"""Two workers sweeping at once on PostgreSQL never make the same attempt twice; an attempt whose
worker died is made again (at least once)."""

import datetime
import threading

import pytest
from django.db import connection

from initiatives.services import initiative_update
from webhooks.models import Delivery, DeliveryStatus
from webhooks.services import CLAIM_LEASE, deliveries_claim, due_deliveries_send

from .test_delivery import START


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_delivery_once(
    require_postgres, reference_data, hook, receiver, make_initiative, kobenhavn
):
    for initiative in [make_initiative(kobenhavn) for _ in range(30)]:
        initiative_update(initiative=initiative, forecast_end=datetime.date(2025, 12, 31))
    assert Delivery.objects.count() == 30
    start = threading.Barrier(2)

    def sweep():
        try:
            start.wait(timeout=10)
            due_deliveries_send(seconds=30)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    ids = [received.headers["X-Portfolio-Delivery"] for received in receiver.requests]
    assert len(ids) == 30 and len(set(ids)) == 30
    assert set(Delivery.objects.values_list("status", "attempts")) == {(DeliveryStatus.DELIVERED, 1)}


def test_an_attempt_whose_worker_died_is_made_again_after_the_lease(hook, receiver, make_initiative, kobenhavn):
    initiative = make_initiative(kobenhavn)
    initiative_update(initiative=initiative, forecast_end=datetime.date(2025, 12, 31))
    delivery = Delivery.objects.get()
    claimed_at = max(START, delivery.next_attempt_at)
    assert deliveries_claim([delivery.pk], now=claimed_at) == [delivery.pk]  # ... and the worker dies

    assert due_deliveries_send(now=claimed_at + CLAIM_LEASE - datetime.timedelta(seconds=1)).delivered == 0
    assert due_deliveries_send(now=claimed_at + CLAIM_LEASE + datetime.timedelta(seconds=1)).delivered == 1

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(receiver.requests)) == (DeliveryStatus.DELIVERED, 2, 1)
