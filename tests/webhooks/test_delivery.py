"""Webhooks end to end against a real local receiver: recorded with the change, signed, retried with
backoff until delivered, paused after too many failures with an email to the secretariat."""

import datetime
import json

import pytest
import time_machine
from django.core import mail
from django.db import transaction

from initiatives.services import dependency_add, initiative_update
from portfolio.celery import app as celery_app
from reporting.services import cycle_freeze, cycle_open
from summaries.engine.run import recompute_summaries
from webhooks.models import Delivery, DeliveryStatus, EventType, HookState
from webhooks.services import deliveries_claim, due_deliveries_send, hook_resume, retry_delay

from .conftest import signature_is_valid

D = datetime.date
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=True) as traveller:
        yield traveller


@pytest.fixture
def platform_and_service(make_initiative, kobenhavn, digst):
    """København's service depends on Digitaliseringsstyrelsen's platform; both green, not at risk."""
    platform = make_initiative(digst, code="P.1", title_da="Fælles platform", baseline_end=D(2024, 12, 31),
                               forecast_end=D(2024, 12, 31))
    service = make_initiative(kobenhavn, code="S.1", title_da="Borgerservice", baseline_start=D(2025, 1, 1),
                              forecast_start=D(2025, 1, 1), baseline_end=D(2025, 12, 31), forecast_end=D(2025, 12, 31))
    dependency_add(source=service, target=platform)
    recompute_summaries()  # the first figures: new rows are no change
    return platform, service


def test_a_receiver_answering_500_twice_then_200_gets_each_event_delivered_signed_and_recorded(
    clock, hook, receiver, analyst, strategy_2022, platform_and_service
):
    platform, service = platform_and_service
    receiver.answers = [500, 500]

    initiative_update(initiative=platform, forecast_end=D(2025, 12, 31))  # a year late: red
    recompute_summaries()  # the service depends on a red platform: at risk
    recompute_summaries()  # nothing changed since: nothing more to tell
    cycle = cycle_open(user=analyst, code="2025-H1", period_start=D(2025, 1, 1), period_end=D(2025, 6, 30),
                       deadline=D(2025, 7, 15), strategies=[strategy_2022])
    cycle_freeze(cycle=cycle, user=analyst)

    deliveries = list(Delivery.objects.order_by("pk"))
    assert [d.event for d in deliveries] == [EventType.HEALTH_CHANGED, EventType.AT_RISK_CHANGED, EventType.CYCLE_FROZEN]

    for attempt in (1, 2, 3):
        report = due_deliveries_send()
        assert report.delivered == (3 if attempt == 3 else 0)
        clock.shift(retry_delay(attempt) + datetime.timedelta(seconds=1))

    assert len(receiver.requests) == 9
    assert all(signature_is_valid(received, hook.secret) for received in receiver.requests)
    by_event = {}
    for received in receiver.requests:
        by_event.setdefault(received.headers["X-Portfolio-Delivery"], []).append(received.body)
    assert sorted(len(bodies) for bodies in by_event.values()) == [3, 3, 3]
    assert all(len(set(bodies)) == 1 for bodies in by_event.values())  # the same bytes every attempt

    for delivery in Delivery.objects.all():
        assert (delivery.status, delivery.attempts, delivery.last_status_code, delivery.last_error) == (
            DeliveryStatus.DELIVERED, 3, 200, ""
        )
        assert str(delivery.event_id) in by_event
    hook.refresh_from_db()
    assert (hook.state, hook.consecutive_failures) == (HookState.ACTIVE, 0)

    payloads = {json.loads(d.body)["event"]: json.loads(d.body) for d in deliveries}
    health = payloads[EventType.HEALTH_CHANGED]
    assert (health["old"], health["new"]) == ("green", "red")
    assert health["initiative"] == {
        "id": platform.pk, "strategy": "2022-2025", "code": "P.1", "code_with_strategy": "P.1 · 2022–25",
        "title": "Fælles platform", "title_en": platform.title_en,
        "lead_authority": {"id": platform.lead_id, "code": platform.lead.code, "name": platform.lead.name_da,
                           "name_en": platform.lead.name_en},
    }
    at_risk = payloads[EventType.AT_RISK_CHANGED]
    assert (at_risk["initiative"]["id"], at_risk["old"], at_risk["new"]) == (service.pk, False, True)
    frozen = payloads[EventType.CYCLE_FROZEN]
    assert (frozen["cycle"]["code"], frozen["cycle"]["strategies"], frozen["old"], frozen["new"]) == (
        "2025-H1", ["2022-2025"], "open", "frozen"
    )
    # No personal data: the secretariat user who froze the cycle is not named.
    assert not any("analyst" in d.body for d in deliveries)


def test_a_receiver_that_keeps_failing_is_paused_the_secretariat_told_and_resuming_sends_what_waited(
    clock, hook, receiver, analyst, platform_and_service, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_PAUSE_AFTER_FAILURES = 2
    analyst.email = "sekretariat@example.org"
    analyst.save()
    platform, _service = platform_and_service
    receiver.answers = [503] * 10

    initiative_update(initiative=platform, forecast_end=D(2025, 12, 31))
    with django_capture_on_commit_callbacks(execute=True):
        due_deliveries_send()
        clock.shift(datetime.timedelta(minutes=1))
        due_deliveries_send()
        clock.shift(datetime.timedelta(minutes=5))
        due_deliveries_send()  # paused: not attempted

    hook.refresh_from_db()
    assert hook.state == HookState.PAUSED
    assert "2" in hook.paused_reason and "HTTP 503" in hook.paused_reason
    assert len(receiver.requests) == 2
    assert [message.to for message in mail.outbox] == [["sekretariat@example.org"]]
    message = mail.outbox[0]
    assert hook.name in message.subject and "sat på pause" in message.subject  # Danish by default
    assert hook.url in message.body and "HTTP 503" in message.body
    assert message.alternatives[0][1] == "text/html"
    assert f"/admin/webhooks/hook/{hook.pk}/change/" in message.body
    assert hook.history.first().state == HookState.PAUSED  # the pause is in the hook's history

    receiver.answers = []
    waiting = hook_resume(hook=hook)
    report = due_deliveries_send()
    assert report.delivered == 1 and waiting == [Delivery.objects.get().pk]
    assert Delivery.objects.get().attempts == 3 and len(receiver.requests) == 3


def test_a_change_rolled_back_or_a_save_that_keeps_the_light_records_nothing(hook, platform_and_service):
    platform, _service = platform_and_service
    with pytest.raises(RuntimeError), transaction.atomic():
        initiative_update(initiative=platform, forecast_end=D(2025, 12, 31))
        assert Delivery.objects.count() == 1  # in the transaction of the change
        raise RuntimeError("the edit fails later")
    platform.refresh_from_db()
    initiative_update(initiative=platform, title_en="Shared platform")
    assert Delivery.objects.count() == 0


def test_an_attempt_is_claimed_once(hook, platform_and_service):
    platform, _service = platform_and_service
    initiative_update(initiative=platform, forecast_end=D(2025, 12, 31))
    delivery = Delivery.objects.get()
    later = delivery.next_attempt_at + datetime.timedelta(seconds=1)
    assert deliveries_claim([delivery.pk], now=later) == [delivery.pk]
    assert deliveries_claim([delivery.pk], now=later) == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENDING, 1)


def test_a_recompute_correcting_lights_after_new_thresholds_tells_each_change_once(
    hook, platform_and_service, settings
):
    platform, _service = platform_and_service
    initiative_update(initiative=platform, forecast_end=D(2025, 3, 20))  # under three months late: yellow
    Delivery.objects.all().delete()
    settings.HEALTH_SCHEDULE_RED_MONTHS = 2  # now red

    recompute_summaries()
    recompute_summaries()

    [health] = [json.loads(d.body) for d in Delivery.objects.filter(event=EventType.HEALTH_CHANGED)]
    assert (health["initiative"]["id"], health["old"], health["new"]) == (platform.pk, "yellow", "red")


def test_the_nightly_rewrite_tells_at_risk_changes_too(hook, platform_and_service):
    platform, service = platform_and_service
    initiative_update(initiative=platform, status="paused")  # its dependant is now at risk

    recompute_summaries(rewrite=True)
    recompute_summaries(rewrite=True)

    [at_risk] = [json.loads(d.body) for d in Delivery.objects.filter(event=EventType.AT_RISK_CHANGED)]
    assert (at_risk["initiative"]["id"], at_risk["old"], at_risk["new"]) == (service.pk, False, True)


def test_beat_sweeps_the_due_deliveries_every_minute():
    entry = celery_app.conf.beat_schedule["send-due-webhooks"]
    assert entry["task"] in celery_app.tasks and entry["schedule"] == 60.0
