"""The nightly summary: what each recipient is told after a scripted day of changes."""

import datetime

import pytest
from django.core import mail

from digests.delivery import deliveries_claim, deliveries_send
from digests.models import DeliveryStatus, DigestDelivery, Subscription, SubscriptionFrequency
from digests.schedule import build_digests, schedule_digests
from digests.subscriptions import subscription_ensure_default, subscription_unsubscribe, subscription_update

from .builders import DAY, DAY_BEFORE, NEXT_DAY, message_to, script_the_day, travel

pytestmark = pytest.mark.django_db


@pytest.fixture
def after_a_day(portfolio, make_initiative, kobenhavn, region_midtjylland, morning):
    """The first summaries went out the morning before; then the coordinator's day of edits."""
    morning(DAY_BEFORE)
    mail.outbox.clear()
    return script_the_day(portfolio, make_initiative, kobenhavn=kobenhavn, region_midtjylland=region_midtjylland)


def test_a_coordinator_is_told_what_changed_for_their_authority_since_the_previous_summary(after_a_day, morning):
    day = after_a_day
    morning(DAY)

    message, text, html = message_to("kk@example.invalid")
    assert "City of Copenhagen" in message.subject  # the authority, in English
    assert "27.11.2026" in message.subject  # dates as the pages write them
    for part in (text, html):
        # Health got worse, with the reason and who changed what.
        assert "Health got worse" in part
        assert f"{day.own.code_with_strategy} Citizen service" in part  # the code with its strategy
        assert "forecast end" in part and "kk-coordinator" in part
        assert "days after baseline" in part
        # Newly at risk, with the upstream cause, its authority and level.
        assert "Newly at risk" in part
        assert f"At risk because of {day.upstream.code_with_strategy} Shared login" in part
        assert "Agency for Digital Government" in part and "central government" in part
        # Missed and due milestones.
        assert "Milestones missed" in part and "Pilot live" in part
        assert "Milestones due in the next 14 days" in part and "Tender closed" in part
        # A dependency added onto another authority's initiative, with its level.
        assert "Dependencies added" in part
        assert "now depends on" in part and "Regional data" in part
        assert "Central Denmark Region (regional)" in part
        # Initiatives added and completed.
        assert "Initiatives added" in part and "New welfare solution" in part
        assert "Initiatives completed" in part and "School portal" in part
        # Headline figures from the summaries, and links into the dashboard.
        assert ("City of Copenhagen's initiatives depend on 2 other authorities; 1 of those links is at risk."
                in part.replace("&#x27;", "'"))
        assert f"http://127.0.0.1:8000/initiatives/{day.own.pk}/" in part
    assert f'href="http://127.0.0.1:8000/initiatives/{day.own.pk}/"' in html
    assert "<img" not in html  # no external images
    # Nothing about initiatives outside Københavns Kommune's scope that did not touch it.
    assert "Paused" not in message.subject
    delivery = DigestDelivery.objects.get(recipient=day.coordinator, date=DAY)
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.change_count >= 6
    assert day.own.pk in delivery.snapshot["at_risk"]


def test_the_secretariat_is_told_about_the_whole_portfolio_in_danish(after_a_day, morning):
    morning(DAY)

    message, text, html = message_to("analyst@example.invalid")
    assert "27.11.2026" in message.subject
    for part in (text, html):
        assert "Borgerservice" in part and "Citizen service" not in part  # Danish titles
        assert "Fælles login" in part
        assert "Regionale data" in part
        assert "Ny velfærdsløsning" in part and "Skoleportal" in part
    assert '<html lang="da">' in html
    # The secretariat sees the pause itself (not just its effect): the upstream initiative's lead
    # is outside any coordinator's scope here, but inside the whole portfolio.
    assert "Digitaliseringsstyrelsen" in text


def test_each_recipient_gets_their_own_language(after_a_day, morning):
    morning(DAY)
    english, _, english_html = message_to("kk@example.invalid")
    danish, _, danish_html = message_to("analyst@example.invalid")
    assert '<html lang="en">' in english_html and '<html lang="da">' in danish_html
    assert "Citizen service" in english.body and "Borgerservice" in danish.body


def test_nothing_is_sent_when_nothing_changed(after_a_day, morning):
    morning(DAY)
    mail.outbox.clear()

    result = morning(NEXT_DAY)

    assert mail.outbox == []
    assert result["skipped"] == 2
    assert set(DigestDelivery.objects.filter(date=NEXT_DAY).values_list("status", flat=True)) == {"skipped"}


def test_a_recipient_who_asks_for_it_gets_a_summary_even_when_nothing_changed(after_a_day, morning):
    morning(DAY)
    mail.outbox.clear()
    Subscription.objects.filter(user=after_a_day.coordinator).update(send_when_empty=True)

    morning(NEXT_DAY)

    message, text, html = message_to("kk@example.invalid")
    assert "no changes" in message.subject
    assert "Nothing changed in your scope since the previous summary." in text
    assert "Nothing changed in your scope since the previous summary." in html
    assert len(mail.outbox) == 1


def test_running_the_schedule_twice_sends_each_summary_once(after_a_day, morning):
    morning(DAY)
    second = morning(DAY, 6, 5)

    assert second["created"] == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["analyst@example.invalid", "kk@example.invalid"]
    assert DigestDelivery.objects.filter(date=DAY).count() == 2


def test_a_summary_that_is_sending_or_sent_is_never_claimed_again(after_a_day):
    with travel(DAY, 6):
        schedule_digests()
    ids = list(DigestDelivery.objects.filter(date=DAY).values_list("pk", flat=True))

    assert sorted(deliveries_claim(ids)) == sorted(ids)
    assert deliveries_claim(ids) == []
    report = deliveries_send(ids)
    assert report.sent == 0 and report.not_claimed == 2
    assert mail.outbox == []


def test_a_missed_monday_is_caught_up_for_weekly_subscribers_on_tuesday(portfolio, morning):
    Subscription.objects.filter(user=portfolio.coordinator).update(frequency=SubscriptionFrequency.WEEKLY)
    saturday, tuesday = datetime.date(2026, 11, 28), datetime.date(2026, 12, 1)
    morning(saturday)
    mail.outbox.clear()

    # Beat was down on Sunday and Monday.
    result = morning(tuesday)

    assert result["dates"] == ["2026-11-29", "2026-11-30", "2026-12-01"]
    weekly = DigestDelivery.objects.get(recipient=portfolio.coordinator)
    assert weekly.date == datetime.date(2026, 11, 30)  # Monday's summary, sent late, once
    assert [m.to for m in mail.outbox if m.to == ["kk@example.invalid"]] == [["kk@example.invalid"]]
    # The daily subscriber gets one summary (today's), not one per missed day.
    assert DigestDelivery.objects.filter(recipient=portfolio.analyst, date__gt=saturday).count() == 1


def test_a_weekly_subscriber_gets_nothing_on_other_days(portfolio, morning):
    Subscription.objects.filter(user=portfolio.coordinator).update(frequency=SubscriptionFrequency.WEEKLY)
    morning(DAY)  # a Friday
    assert not DigestDelivery.objects.filter(recipient=portfolio.coordinator).exists()


def test_coordinators_are_subscribed_for_their_authorities_by_default(kobenhavn_coordinator, kobenhavn):
    subscription = subscription_ensure_default(kobenhavn_coordinator)
    assert subscription.scope == "authorities"
    assert list(subscription.authorities.all()) == [kobenhavn]
    assert subscription.frequency == "daily"


def test_building_summaries_takes_the_same_queries_for_one_recipient_and_for_many(
    after_a_day, django_assert_max_num_queries, make_initiative, aarhus
):
    from django.contrib.auth.models import User

    from tests.conftest import make_coordinator

    for n in range(20):
        user = make_coordinator(f"coordinator-{n}", aarhus)
        user.email = f"c{n}@example.invalid"
        user.save()
        subscription_ensure_default(user)
    subscriptions = list(Subscription.objects.select_related("user").order_by("pk"))
    assert len(subscriptions) == 22
    # 16, two for the benefits follow-ups owed (those overdue, and who coordinates what), one for the
    # dependency agreements awaiting an answer, two for the status reports owed (those owed, and who
    # approves what), and one for the escalated risks: per run, never per recipient.
    with travel(DAY, 6), django_assert_max_num_queries(22):
        built = build_digests(subscriptions, date=DAY)
    assert len(built) == 22
    assert User.objects.count() == 22


def test_the_first_summary_tells_what_changed_since_subscribing_new_risks_included(portfolio, make_initiative,
                                                                                   kobenhavn, region_midtjylland,
                                                                                   morning):
    """No previous summary (a fresh set-up, as after `make run`): the portfolio loaded before the
    subscription is not news, the day's edits are, and so are the risks they caused."""
    day = script_the_day(portfolio, make_initiative, kobenhavn=kobenhavn, region_midtjylland=region_midtjylland)
    morning(DAY)

    message, text, html = message_to("kk@example.invalid")
    for part in (text, html):
        assert "Newly at risk" in part and f"At risk because of {day.upstream.code_with_strategy} Shared login" in part
        assert "Health got worse" in part and "Citizen service" in part
        assert "New welfare solution" in part
    assert "Initiatives added (1)" in text  # not the initiatives there before the subscription
    # Dates are written out: a Danish reader would take 06/30/2027 for the 6th of a 30th month.
    assert "forecast end: 30.06.2027 -> 30.11.2027 (kk-coordinator)" in text
    danish = message_to("analyst@example.invalid")[1]
    assert "forventet slut: 30.06.2027 -> 30.11.2027 (kk-coordinator)" in danish
    assert "I risiko på grund af" in danish


def test_a_summary_turned_back_on_starts_from_then_not_from_the_last_one_sent(after_a_day, morning, kobenhavn,
                                                                             make_initiative,
                                                                             kobenhavn_coordinator):
    morning(DAY)
    with travel(DAY, 9):
        subscription_unsubscribe(user=kobenhavn_coordinator)
        make_initiative(kobenhavn, title_da="Tilføjet under afmelding", title_en="Added while unsubscribed")
    with travel(DAY, 12):
        subscription_update(
            subscription=Subscription.objects.get(user=kobenhavn_coordinator), scope="authorities", frequency="daily", language="en", send_when_empty=False,
            authorities=[kobenhavn],
        )
    mail.outbox.clear()

    morning(NEXT_DAY)

    # The secretariat hears of the initiative; the coordinator, who was off then, does not (their
    # first summary since turning it back on lists the milestones due soon, as a first one does).
    assert "Tilføjet under afmelding" in message_to("analyst@example.invalid")[1]
    message, text, html = message_to("kk@example.invalid")
    assert "Added while unsubscribed" not in text and "Added while unsubscribed" not in html
    assert "Initiatives added" not in text and "Tender closed" in text


def test_a_coordinator_assigned_in_the_admin_is_subscribed_for_that_authority(
    client, analyst, aarhus, kobenhavn, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import User

    user = User.objects.create_user(username="new-coordinator", email="new@example.invalid", is_staff=True)
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/authorities/coordinator/add/", {"user": user.pk, "authority": aarhus.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    subscription = Subscription.objects.get(user=user)
    assert (subscription.scope, subscription.frequency) == ("authorities", "daily")
    assert list(subscription.authorities.all()) == [aarhus]

    # A second authority is added to the same subscription.
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/authorities/coordinator/add/", {"user": user.pk, "authority": kobenhavn.pk})
    assert sorted(a.pk for a in Subscription.objects.get(user=user).authorities.all()) == sorted([aarhus.pk, kobenhavn.pk])


def test_a_weekly_summary_on_monday_covers_the_week_since_the_previous_one_in_copenhagen_time(portfolio, morning):
    from initiatives.services import initiative_update

    Subscription.objects.filter(user=portfolio.coordinator).update(frequency=SubscriptionFrequency.WEEKLY)
    monday, wednesday, next_monday = datetime.date(2026, 11, 30), datetime.date(2026, 12, 2), datetime.date(2026, 12, 7)
    morning(monday)
    assert DigestDelivery.objects.filter(recipient=portfolio.coordinator, date=monday).exists()
    with travel(wednesday, 23, 30):  # late evening in Copenhagen: already Wednesday 22:30 UTC
        portfolio.own._history_user = portfolio.coordinator
        initiative_update(initiative=portfolio.own, forecast_end=datetime.date(2027, 12, 31))
    for day in range(1, 7):  # the daily runs in between send the coordinator nothing
        morning(monday + datetime.timedelta(days=day))
    assert not DigestDelivery.objects.filter(recipient=portfolio.coordinator, date__gt=monday,
                                              date__lt=next_monday).exists()
    mail.outbox.clear()

    morning(next_monday)

    message, text, html = message_to("kk@example.invalid")
    assert "07.12.2026" in message.subject
    assert "what changed since 30.11.2026 06:00 (Danish time)" in text  # 05:00 UTC, shown as 06:00
    assert "Health got worse" in text and "forecast end: 30.06.2027 -> 31.12.2027 (kk-coordinator)" in text


def test_an_initiative_cancelled_while_at_risk_is_told_as_cancelled_not_as_no_longer_at_risk(after_a_day, morning):
    from initiatives.models import Status
    from initiatives.services import initiative_update
    from summaries.engine import run as engine

    day = after_a_day
    morning(DAY)
    assert "Newly at risk" in message_to("kk@example.invalid")[1]
    mail.outbox.clear()
    with travel(DAY, 11):
        day.own._history_user = day.coordinator
        initiative_update(initiative=day.own, status=Status.CANCELLED)
        engine.recompute_summaries(wait=True)

    morning(NEXT_DAY)

    message, text, html = message_to("kk@example.invalid")
    assert "Initiatives cancelled" in text and day.own.code in text.split("Initiatives cancelled", 1)[1]
    assert "No longer at risk" not in text and "No longer at risk" not in html


def test_beat_schedules_the_morning_digests_at_six_copenhagen_time():
    from celery.schedules import crontab

    from digests.tasks import schedule_daily_digests
    from portfolio.celery import app

    morning_entry = app.conf.beat_schedule["send-daily-digests"]
    assert morning_entry["task"] == schedule_daily_digests.name == "digests.tasks.schedule_daily_digests"
    assert morning_entry["task"] in app.tasks
    assert morning_entry["schedule"] == crontab(hour=6, minute=0)
    assert app.conf.timezone == "Europe/Copenhagen"


def test_a_coordinator_is_reminded_of_the_benefits_follow_ups_their_authority_owes(after_a_day, morning, aarhus):
    from benefits.models import FollowUp

    morning(DAY)
    mail.outbox.clear()
    ours = after_a_day.own
    ours.status = "completed"
    ours.save(update_fields=["status"])  # no change the summaries tell: only the reminder is news
    FollowUp.objects.create(initiative=ours, due_on=DAY)  # due the day before NEXT_DAY: overdue
    FollowUp.objects.create(initiative=after_a_day.upstream, due_on=DAY)  # Digitaliseringsstyrelsen's, not ours

    morning(NEXT_DAY)

    message, text, html = message_to("kk@example.invalid")
    assert "no changes" in message.subject  # a reminder is not a change
    for part in (text, html):
        assert "Benefits follow-ups you owe" in part and f"{ours.code_with_strategy} " in part
        assert after_a_day.upstream.code_with_strategy not in part.split("Benefits follow-ups you owe")[1]
    assert "Due 27.11.2026" in text
    assert mail.outbox[0].to == ["kk@example.invalid"] and len(mail.outbox) == 1  # the analyst coordinates nothing


def test_a_coordinator_is_reminded_of_the_agreements_awaiting_their_answer(
    after_a_day, morning, make_initiative, digst, analyst
):
    from agreements.services import agreement_request
    from initiatives.services import dependency_add

    morning(DAY)
    mail.outbox.clear()
    theirs = make_initiative(digst, code="A.1")
    with travel(DAY, 12, 0):  # the secretariat asks København on Digitaliseringsstyrelsen's behalf
        agreement = agreement_request(dependency=dependency_add(source=theirs, target=after_a_day.own), user=analyst,
                                      needed_by=datetime.date(2027, 3, 1), what_needed="Data")

    morning(NEXT_DAY)

    message, text, html = message_to("kk@example.invalid")
    for part in (text, html):
        assert "Dependency agreements awaiting your answer (1)" in part.replace("</span>", "").replace(
            ' <span style="font-weight: normal; color: #555555;">', " ")
        assert f"{theirs.code_with_strategy} " in part and f"/agreements/{agreement.pk}/" in part
    assert "asked of you, needed by 01.03.2027" in text


def test_the_coordinator_and_the_approver_are_told_the_status_reports_they_owe_once_overdue(
    after_a_day, morning, kobenhavn, analyst
):
    from reporting.services import cycle_open, report_submit
    from tests.reporting.conftest import make_approver

    morning(DAY)
    mail.outbox.clear()
    approver = make_approver("kk-approver", kobenhavn)
    approver.email = "kk-approver@example.invalid"
    approver.save()
    Subscription.objects.create(user=approver, scope="authorities", language="da").authorities.add(kobenhavn)
    own = after_a_day.own
    cycle = cycle_open(user=analyst, code="2026-H2", period_start=datetime.date(2026, 7, 1),
                       period_end=datetime.date(2026, 12, 31), deadline=DAY, strategies=[own.strategy])
    submitted = cycle.reports.exclude(initiative=own).filter(initiative__lead=kobenhavn).first()
    report_submit(report=submitted, user=after_a_day.coordinator, assessed=submitted.initiative.health,
                  rationale="", track="back_to_plan")

    morning(NEXT_DAY)  # the day after the deadline

    _message, text, html = message_to("kk@example.invalid")
    for part in (text, html):
        owed = part.split("Status reports you owe")[1]
        assert f"{own.code_with_strategy} " in owed and "to submit" in owed and "cycle 2026-H2" in owed
        assert submitted.initiative.code_with_strategy not in owed  # submitted: the approver's now
    assert "deadline 27.11.2026 (overdue)" in text
    message, text, html = message_to("kk-approver@example.invalid")  # in Danish, as subscribed
    for part in (text, html):
        owed = part.split("Statusrapporter, du mangler")[1]
        assert f"{submitted.initiative.code_with_strategy} " in owed and "skal godkendes" in owed
        assert "runde 2026-H2, frist 27.11.2026 (overskredet)" in owed and f"{own.code_with_strategy} " not in owed
