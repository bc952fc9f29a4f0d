"""Through a real Celery worker (Redis broker, PostgreSQL): a declined agreement escalates its linked
risk once the step commits, and the requester asking again in time lifts the escalation."""

import datetime

import pytest
from django.utils import timezone

from agreements import services as agreements
from portfolio.celery import app as celery_app
from risks.models import Risk
from risks.services import risk_save
from tests.digests.builders import start_worker, stop_workers, wait_until, worker_env

WAIT_SECONDS = 90


@pytest.mark.services
@pytest.mark.xdist_group("celery-workers")  # one real-worker test at a time: they are CPU-bound
@pytest.mark.django_db(transaction=True)
def test_a_declined_agreement_escalates_its_risk_through_the_worker_and_asking_again_lifts_it(
    require_postgres, require_redis, cross_dependency, kobenhavn, kobenhavn_coordinator, digst_coordinator
):
    # The worker reads the real clock: the dates are set from it, not travelled to.
    today = timezone.localdate()
    celery_app.control.purge()  # no stale tasks from earlier runs
    workers = [start_worker("risks", worker_env())]
    try:
        agreement = agreements.agreement_request(dependency=cross_dependency, user=kobenhavn_coordinator,
                                                 needed_by=today + datetime.timedelta(days=30), what_needed="The API")
        risk = risk_save(risk=Risk(initiative=cross_dependency.source), user=kobenhavn_coordinator,
                         title="The API comes late", probability=2, impact=4, owner=kobenhavn, agreement=agreement)
        agreements.agreement_decline(agreement=agreement, user=digst_coordinator, reason="No capacity")
        escalated = wait_until(lambda: Risk.objects.filter(pk=risk.pk, escalated=True, score=20).exists(),
                               WAIT_SECONDS)
        if escalated:
            agreements.agreement_reopen(agreement=agreement, user=kobenhavn_coordinator,
                                        needed_by=today + datetime.timedelta(days=60))
        lifted = escalated and wait_until(
            lambda: Risk.objects.filter(pk=risk.pk, escalated=False, score=8).exists(), WAIT_SECONDS)
    finally:
        outputs = stop_workers(workers)
    assert escalated and lifted, outputs

    reasons = list(risk.history.order_by("history_date", "history_id").values_list("history_change_reason", flat=True))
    assert reasons == [None, "escalated: linked agreement failing", "escalation lifted"]
    risk.refresh_from_db()
    assert (risk.escalated, risk.escalated_at, risk.score) == (False, None, 8)
