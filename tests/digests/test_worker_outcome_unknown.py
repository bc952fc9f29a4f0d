"""A real Celery worker (Redis broker, PostgreSQL) sends a summary to a mail server that keeps the
message and drops the connection instead of answering DATA: the summary arrives once, is recorded
as "outcome unknown" with the Message-ID the server got, and nothing sends it again."""

import email

import pytest
from django.contrib.auth.models import Group, User

from common.roles import SECRETARIAT, ensure_roles
from digests.models import AttemptOutcome, DeliveryStatus, DigestDelivery, SendPhase, Subscription
from digests.schedule import schedule_digests
from digests.subscriptions import subscriptions_ensure_defaults
from digests.tasks import send_digest
from portfolio.celery import app as celery_app

from .builders import FlakySink, start_sink, start_worker, stop_workers, wait_until, worker_env

WAIT_SECONDS = 90


@pytest.mark.services
@pytest.mark.xdist_group("celery-workers")  # one real-worker test at a time: they are CPU-bound
@pytest.mark.django_db(transaction=True)
def test_a_drop_after_data_through_a_worker_delivers_once_and_is_outcome_unknown(require_postgres, require_redis):
    ensure_roles()
    for name in ("dropped", "later"):
        user = User.objects.create_user(username=name, email=f"{name}@example.invalid")
        user.groups.add(Group.objects.get(name=SECRETARIAT))
    subscriptions_ensure_defaults()
    Subscription.objects.update(send_when_empty=True)  # a summary even with an empty portfolio
    result = schedule_digests(catch_up=False)
    dropped = DigestDelivery.objects.get(recipient__username="dropped", status=DeliveryStatus.PENDING)
    later = DigestDelivery.objects.get(recipient__username="later", status=DeliveryStatus.PENDING)
    assert sorted(result.pending_ids) == sorted([dropped.pk, later.pk])
    celery_app.control.purge()  # no stale tasks from earlier runs

    sink = FlakySink(drop_after_data=1)  # keeps the first message, then hangs up instead of answering
    controller = start_sink(sink)
    workers = [start_worker("dropper", worker_env(controller))]
    try:
        send_digest.delay(dropped.pk)

        def status(delivery):
            return DigestDelivery.objects.values_list("status", flat=True).get(pk=delivery.pk)

        assert wait_until(lambda: status(dropped) == DeliveryStatus.UNKNOWN, WAIT_SECONDS), status(dropped)
        # The same task again (beat firing twice, a message redelivered), then another summary: one
        # worker takes them in order, so once the other summary is sent the repeat was handled.
        send_digest.delay(dropped.pk)
        send_digest.delay(later.pk)
        assert wait_until(lambda: status(later) == DeliveryStatus.SENT, WAIT_SECONDS), status(later)
    finally:
        outputs = stop_workers(workers)
        controller.stop()

    to_dropped = [e for e in sink.messages if e.rcpt_tos == ["dropped@example.invalid"]]
    assert len(to_dropped) == 1, outputs
    dropped.refresh_from_db()
    assert dropped.status == DeliveryStatus.UNKNOWN
    assert dropped.message_id == email.message_from_bytes(to_dropped[0].original_content)["Message-ID"]
    assert dropped.attempts == 1 and "SMTPServerDisconnected" in dropped.error
    assert [(a.outcome, a.phase) for a in dropped.attempt_log.all()] == [(AttemptOutcome.UNKNOWN, SendPhase.REPLY)]
    assert [e.rcpt_tos for e in sink.messages] == [["dropped@example.invalid"], ["later@example.invalid"]]
