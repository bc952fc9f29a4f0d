"""Two real Celery workers (Redis broker, PostgreSQL) race to schedule and send the same
morning's summaries: each recipient still gets exactly one."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import connection

from common.roles import SECRETARIAT, ensure_roles
from digests.models import DeliveryStatus, DigestDelivery, Subscription
from digests.subscriptions import subscriptions_ensure_defaults
from digests.tasks import schedule_daily_digests
from portfolio.celery import app as celery_app

from .builders import FlakySink, start_sink

RECIPIENTS = 12
WAIT_SECONDS = 90


def start_worker(name: str, env: dict) -> subprocess.Popen:
    celery = Path(sys.executable).with_name("celery")
    return subprocess.Popen(
        [str(celery), "-A", "portfolio", "worker", "--pool", "solo", "-n", f"{name}@%h", "--without-gossip",
         "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return condition()


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
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_HOST": controller.hostname,
        "EMAIL_PORT": str(controller.port),
        "EMAIL_USE_TLS": "0",
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
    }
    workers = [start_worker("racer-a", env), start_worker("racer-b", env)]
    try:
        # Beat fires twice (and a third time for good measure): both workers schedule at once.
        for _ in range(3):
            schedule_daily_digests.delay()

        def all_sent():
            statuses = list(DigestDelivery.objects.values_list("status", flat=True))
            return len(statuses) == RECIPIENTS and set(statuses) == {DeliveryStatus.SENT}

        assert wait_until(all_sent, WAIT_SECONDS), list(DigestDelivery.objects.values_list("status", flat=True))
        # Let any duplicate that was in flight arrive before counting.
        wait_until(lambda: False, 3)
    finally:
        for worker in workers:
            worker.terminate()
        outputs = []
        for worker in workers:
            try:
                outputs.append(worker.communicate(timeout=20)[0].decode(errors="replace"))
            except subprocess.TimeoutExpired:
                worker.kill()
                outputs.append(worker.communicate()[0].decode(errors="replace"))
        controller.stop()

    recipients = sorted(address for envelope in sink.messages for address in envelope.rcpt_tos)
    assert recipients == sorted(f"racer-{n}@example.invalid" for n in range(RECIPIENTS)), outputs
    assert DigestDelivery.objects.filter(attempts=1).count() == RECIPIENTS
