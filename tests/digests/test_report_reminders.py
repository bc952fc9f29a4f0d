"""Status report reminders: on each reminder day of an open cycle, one email to each coordinator
whose authority still owes reports and to each approver with reports to approve, in their
language, and never twice (the summaries' unique row and claim)."""

import datetime

import pytest
from django.core import mail

from digests.models import DeliveryStatus, ReportReminderDelivery, Subscription
from digests.reminders import _claim, reminders_schedule, reminders_send
from digests.tasks import send_report_reminders
from initiatives.models import Status
from reporting.services import cycle_freeze, cycle_open, report_submit
from tests.reporting.conftest import make_approver

pytestmark = pytest.mark.django_db

FIRST, SECOND = datetime.date(2027, 7, 1), datetime.date(2027, 7, 10)


@pytest.fixture
def owing(analyst, kobenhavn, kobenhavn_coordinator, make_initiative, strategy_2022):
    """København owes two reports of 2027-H1; one is submitted and waits for its approver."""
    kobenhavn_coordinator.email = "kk@example.invalid"
    kobenhavn_coordinator.save()
    Subscription.objects.create(user=kobenhavn_coordinator, scope="authorities", language="en")
    approver = make_approver("kk-approver", kobenhavn)
    approver.email = "kk-approver@example.invalid"
    approver.save()
    draft = make_initiative(kobenhavn, code="KK.1", title_en="Citizen service", status=Status.ACTIVE)
    submitted = make_initiative(kobenhavn, code="KK.2", status=Status.ACTIVE)
    cycle = cycle_open(user=analyst, code="2027-H1", period_start=datetime.date(2027, 1, 1),
                       period_end=datetime.date(2027, 6, 30), deadline=datetime.date(2027, 7, 15),
                       strategies=[strategy_2022], reminders=[FIRST, SECOND])
    report_submit(report=cycle.reports.get(initiative=submitted), user=kobenhavn_coordinator,
                  assessed=submitted.health, track="back_to_plan")
    return cycle, draft, submitted


def test_each_owing_coordinator_and_approver_gets_one_reminder_per_reminder_day_in_their_language(owing):
    _cycle, draft, submitted = owing
    assert reminders_schedule(FIRST - datetime.timedelta(days=1)) == []  # not yet
    assert reminders_send(reminders_schedule(FIRST)) == 2
    by_address = {message.to[0]: message for message in mail.outbox}
    coordinator = by_address["kk@example.invalid"]
    assert coordinator.subject == "Reminder: 1 status report owed in cycle 2027-H1 (deadline 15.07.2027)"
    html = coordinator.alternatives[0][0]
    for part in (coordinator.body, html):
        assert f"{draft.code_with_strategy} Citizen service" in part and "to submit" in part
        assert submitted.code_with_strategy not in part  # submitted: the approver's now
    approver = by_address["kk-approver@example.invalid"]  # no subscription: Danish
    assert approver.subject == "Påmindelse: 1 statusrapport mangler i runde 2027-H1 (frist 15.07.2027)"
    assert f"{submitted.code_with_strategy} " in approver.body and "skal godkendes" in approver.body
    # The same day again (beat fired twice, a second worker): nothing more.
    assert reminders_send(reminders_schedule(FIRST)) == 0 and len(mail.outbox) == 2
    # The next reminder day: one more each.
    mail.outbox.clear()
    assert reminders_send(reminders_schedule(SECOND)) == 2
    assert ReportReminderDelivery.objects.filter(status=DeliveryStatus.SENT).count() == 4


def test_of_two_workers_only_the_one_that_claims_a_reminder_sends_it(owing):
    first = reminders_schedule(FIRST)
    second = reminders_schedule(FIRST)  # the other worker, at the same time: the same rows
    assert first == second and len(first) == 2
    assert _claim(first[0]) is not None and _claim(first[0]) is None
    assert reminders_send(second) == 1  # the one the first worker had claimed is left alone
    assert ReportReminderDelivery.objects.get(pk=first[0]).status == DeliveryStatus.SENDING


def test_the_task_sends_nothing_for_a_frozen_cycle(owing, analyst, time_machine):
    cycle, _draft, _submitted = owing
    cycle_freeze(cycle=cycle, user=analyst)
    time_machine.move_to(datetime.datetime(2027, 7, 1, 6, 5, tzinfo=datetime.UTC))
    assert send_report_reminders() == {"pending": 0, "sent": 0}
    assert mail.outbox == []


def test_beat_sends_the_reminders_each_morning():
    from celery.schedules import crontab

    from portfolio.celery import app

    entry = app.conf.beat_schedule["send-report-reminders"]
    assert entry["task"] == send_report_reminders.name and entry["task"] in app.tasks
    assert entry["schedule"] == crontab(hour=6, minute=5)


def test_a_reminder_after_the_deadline_chases_the_reports_overdue(analyst, kobenhavn, kobenhavn_coordinator,
                                                                  make_initiative, strategy_2022):
    kobenhavn_coordinator.email = "kk@example.invalid"
    kobenhavn_coordinator.save()
    make_initiative(kobenhavn, code="KK.9", status=Status.ACTIVE)
    late = datetime.date(2027, 7, 22)
    cycle_open(user=analyst, code="2027-H1", period_start=datetime.date(2027, 1, 1),
               period_end=datetime.date(2027, 6, 30), deadline=datetime.date(2027, 7, 15),
               strategies=[strategy_2022], reminders=[late])
    assert reminders_send(reminders_schedule(late)) == 1
    assert reminders_send(reminders_schedule(late)) == 0  # once
    [message] = mail.outbox
    assert message.to == ["kk@example.invalid"] and "2027-H1" in message.subject
