"""Two real Celery workers (Redis broker, PostgreSQL) race to schedule and send the same
morning's summaries: each recipient still gets exactly one."""

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection

from common.roles import SECRETARIAT, ensure_roles
from digests.models import DeliveryStatus, DigestDelivery, DigestDispatch, Subscription
from digests.subscriptions import subscriptions_ensure_defaults
from digests.tasks import schedule_daily_digests
from portfolio.celery import app as celery_app

from .builders import FlakySink, start_sink, start_worker, stop_workers, wait_until, wait_until_listening, worker_env

RECIPIENTS = 12
WAIT_SECONDS = 90


def diagnosis() -> dict:
    """What a failure needs to say: the rows there are, the tasks still queued, what the database waits on."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid, state, wait_event_type, wait_event, left(query, 200) FROM pg_stat_activity"
                       " WHERE datname = current_database() AND pid <> pg_backend_pid()")
        sessions = cursor.fetchall()
    with celery_app.connection_for_write() as broker:
        queued = broker.default_channel.client.llen(celery_app.conf.task_default_queue)
    return {
        "deliveries": list(DigestDelivery.objects.values_list("status", flat=True)),
        "dispatches": list(DigestDispatch.objects.values_list("date", "counts")),
        "queued": queued,
        "sessions": sessions,
    }


@pytest.mark.services
@pytest.mark.xdist_group("celery-workers")  # one real-worker test at a time: they are CPU-bound
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_send_each_summary_exactly_once(require_postgres, require_redis):
    ensure_roles()
    secretariat = Group.objects.get(name=SECRETARIAT)
    for n in range(RECIPIENTS):
        user = User.objects.create_user(username=f"racer-{n}", email=f"racer-{n}@example.invalid")
        user.groups.add(secretariat)
    # Every one of them gets a summary even with an empty portfolio.
    subscriptions_ensure_defaults()
    Subscription.objects.update(send_when_empty=True)
    celery_app.control.purge()  # this test process's own queue (tests/settings.py): no stale tasks

    sink = FlakySink()
    controller = start_sink(sink)
    env = worker_env(controller)
    workers = [start_worker("racer-a", env), start_worker("racer-b", env)]
    try:
        assert wait_until_listening("racer-a", "racer-b"), "the workers did not answer a ping within 60 s"
        # Beat fires twice (and a third time for good measure): both workers schedule at once.
        for _ in range(3):
            schedule_daily_digests.delay()

        def all_sent():
            statuses = list(DigestDelivery.objects.values_list("status", flat=True))
            return len(statuses) == RECIPIENTS and set(statuses) == {DeliveryStatus.SENT}

        assert wait_until(all_sent, WAIT_SECONDS), diagnosis()
        # Let any duplicate that was in flight arrive before counting.
        wait_until(lambda: False, 3)
    finally:
        outputs = stop_workers(workers)
        controller.stop()
        # Shown with a failure: what the workers printed (a worker that never took the task says why).
        for name, output in zip(("racer-a", "racer-b"), outputs, strict=True):
            print(f"--- worker {name} ---\n{output}")

    recipients = sorted(address for envelope in sink.messages for address in envelope.rcpt_tos)
    assert recipients == sorted(f"racer-{n}@example.invalid" for n in range(RECIPIENTS)), outputs
    assert DigestDelivery.objects.filter(attempts=1).count() == RECIPIENTS
