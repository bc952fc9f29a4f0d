"""Each step of an agreement emails the other side's coordinators once, in their language, unless
they unsubscribed (digests.notices)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from agreements import services
from digests.models import AgreementNotice, Subscription, SubscriptionFrequency
from digests.tasks import send_agreement_notices

D = datetime.date


@pytest.fixture
def addressed(kobenhavn_coordinator, digst_coordinator, aarhus_coordinator):
    for user in (kobenhavn_coordinator, digst_coordinator, aarhus_coordinator):
        user.email = f"{user.username}@example.dk"
        user.save()
        Subscription.objects.create(user=user)


@pytest.fixture(autouse=True)
def in_process():
    """The email task runs in-process on commit, even when REDIS_URL is set."""
    from portfolio.celery import app

    was_eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = was_eager


def _step(django_capture_on_commit_callbacks, service, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return service(**kwargs)


def test_each_step_reaches_the_other_side_once_in_its_language(
    addressed, cross_dependency, kobenhavn_coordinator, digst_coordinator, today, mailoutbox,
    django_capture_on_commit_callbacks,
):
    Subscription.objects.filter(user=kobenhavn_coordinator).update(language="en")
    agreement = _step(django_capture_on_commit_callbacks, services.agreement_request, dependency=cross_dependency,
                      user=kobenhavn_coordinator, needed_by=D(2024, 6, 1), what_needed="Adgang til API'et")
    assert [message.to for message in mailoutbox] == [["digst-coordinator@example.dk"]]
    asked = mailoutbox[0]
    assert asked.subject == "Afhængighedsaftale D.1 · 2022–25 → P.1 · 2022–25: anmodet af Københavns Kommune"
    assert "01.06.2024" in asked.body and "Adgang til API'et" in asked.body
    assert f"/agreements/{agreement.pk}/" in asked.body
    assert asked.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    _step(django_capture_on_commit_callbacks, services.agreement_decline, agreement=agreement,
          user=digst_coordinator, reason="No capacity this year")
    assert [message.to for message in mailoutbox[1:]] == [["kk-coordinator@example.dk"]]
    declined = mailoutbox[1]
    assert declined.subject == (
        "Dependency agreement D.1 · 2022–25 → P.1 · 2022–25: declined by Agency for Digital Government"
    )
    assert "No capacity this year" in declined.body

    # Running a step's task again sends nothing: each email is stored once and claimed once.
    for step in agreement.transitions.all():
        send_agreement_notices(step.pk)
    assert len(mailoutbox) == 2
    assert AgreementNotice.objects.filter(status="sent").count() == 2


def test_an_unsubscribed_coordinator_is_not_emailed(
    addressed, cross_dependency, kobenhavn_coordinator, digst_coordinator, today, mailoutbox,
    django_capture_on_commit_callbacks,
):
    Subscription.objects.filter(user=digst_coordinator).update(frequency=SubscriptionFrequency.OFF)
    _step(django_capture_on_commit_callbacks, services.agreement_request, dependency=cross_dependency,
          user=kobenhavn_coordinator, needed_by=D(2024, 6, 1), what_needed="x")
    assert mailoutbox == []


def test_a_refused_step_emails_nobody(
    addressed, cross_dependency, kobenhavn_coordinator, digst_coordinator, today, mailoutbox,
    django_capture_on_commit_callbacks,
):
    agreement = _step(django_capture_on_commit_callbacks, services.agreement_request, dependency=cross_dependency,
                      user=kobenhavn_coordinator, needed_by=D(2024, 6, 1), what_needed="x")
    with pytest.raises(ValidationError), django_capture_on_commit_callbacks(execute=True):
        services.agreement_decline(agreement=agreement, user=digst_coordinator, reason="")
    assert len(mailoutbox) == 1
