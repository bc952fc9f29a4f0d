"""The owner's summary: the escalated risks of the risk register, owned by the authorities a recipient
coordinates, told as newly escalated exactly once, then listed as still escalated."""

import datetime

import pytest
from django.core import mail

from agreements.services import agreement_decline, agreement_request
from digests.models import DigestDelivery, Subscription
from digests.subscriptions import subscription_unsubscribe
from risks.models import Risk
from risks.services import risk_save, risks_escalate
from tests.conftest import make_coordinator

from .builders import DAY, DAY_BEFORE, NEXT_DAY, at, message_to, travel

pytestmark = pytest.mark.django_db

NEWLY = "Risks newly escalated (owned by your authorities)"
STILL = "Risks still escalated (owned by your authorities)"
MARKUP = "<b>Login</b> comes late"


def flat(html: str) -> str:
    """The HTML part with a section heading's count span taken out, to compare headings as text."""
    return html.replace(' <span style="font-weight: normal; color: #555555;">', " ").replace("</span>", "")


@pytest.fixture
def declined_risk(portfolio, kobenhavn, digst, morning):
    """The first summaries went out the morning before; then Digitaliseringsstyrelsen declined the
    agreement København's risk is linked to, and the register escalated it."""
    morning(DAY_BEFORE)
    mail.outbox.clear()
    digst_coordinator = make_coordinator("digst-coordinator", digst)
    with travel(DAY_BEFORE, 10):
        dependency = portfolio.own.dependencies.get(target=portfolio.upstream)
        agreement = agreement_request(dependency=dependency, user=portfolio.coordinator,
                                      needed_by=datetime.date(2027, 3, 1), what_needed="The login service")
        risk = risk_save(risk=Risk(initiative=portfolio.own), user=portfolio.coordinator, title=MARKUP,
                         probability=2, impact=4, owner=kobenhavn, agreement=agreement)
        agreement_decline(agreement=agreement, user=digst_coordinator, reason="No capacity")
        assert risks_escalate() == 1
    return risk


def test_a_newly_escalated_risk_is_told_to_its_owners_coordinator_once_then_listed_as_still_escalated(
    portfolio, declined_risk, morning
):
    morning(DAY)

    message, text, html = message_to("kk@example.invalid")
    assert "2 changes" in message.subject  # the escalation, and a milestone missed
    item = f"{portfolio.own.code_with_strategy} Citizen service: {MARKUP}"
    assert f"== {NEWLY} (1) ==\n\n- {item}" in text
    assert "Score 20 of 25: probability counted as certain (5) × impact 4; owner: City of Copenhagen" in text
    why = f"Why: the dependency agreement with {portfolio.upstream.code_with_strategy} Shared login was declined"
    assert why in text and why in html
    assert f"{NEWLY} (1)" in flat(html) and "&lt;b&gt;Login&lt;/b&gt; comes late" in html and MARKUP not in html
    assert STILL not in text
    # The secretariat coordinates no authority: the risk is not in its summary.
    assert "Login" not in message_to("analyst@example.invalid")[1]

    # The next morning it is no news: with nothing else to tell no summary goes out; one that does
    # (asked for even when nothing changed) lists it as still escalated, not as newly.
    mail.outbox.clear()
    morning(NEXT_DAY)
    assert not [m for m in mail.outbox if m.to == ["kk@example.invalid"]]
    assert DigestDelivery.objects.get(recipient=portfolio.coordinator, date=NEXT_DAY).status == "skipped"
    Subscription.objects.filter(user=portfolio.coordinator).update(send_when_empty=True)
    morning(NEXT_DAY + datetime.timedelta(days=1))
    message, text, html = message_to("kk@example.invalid")
    assert NEWLY not in text and NEWLY not in html and "no changes" in message.subject
    assert f"== {STILL} (1) ==" in text and f"- {portfolio.own.code_with_strategy} Citizen service: " in text
    assert f"{STILL} (1)" in flat(html)


def test_an_escalation_committed_while_a_summary_was_built_is_told_in_the_next_one(
    portfolio, declined_risk, morning
):
    """The previous summary's list decides, not the clock: a risk escalated (by its own clock) before
    a summary was built but committed after it read the register is told the next morning."""
    Risk.objects.filter(pk=declined_risk.pk).update(escalated=False)
    morning(DAY)
    assert NEWLY not in message_to("kk@example.invalid")[1]
    Risk.objects.filter(pk=declined_risk.pk).update(escalated=True, escalated_at=at(DAY, 5, 59))
    Subscription.objects.filter(user=portfolio.coordinator).update(send_when_empty=True)
    mail.outbox.clear()

    morning(NEXT_DAY)

    assert f"== {NEWLY} (1) ==" in message_to("kk@example.invalid")[1]


def test_an_overdue_agreement_escalates_in_danish_and_nothing_goes_to_one_who_unsubscribed(
    portfolio, kobenhavn, morning
):
    morning(DAY_BEFORE)
    with travel(DAY_BEFORE, 10):
        agreement = agreement_request(dependency=portfolio.own.dependencies.get(target=portfolio.upstream),
                                      user=portfolio.coordinator, needed_by=DAY_BEFORE, what_needed="Login")
        risk_save(risk=Risk(initiative=portfolio.own), user=portfolio.coordinator, title="Login kommer for sent",
                  probability=3, impact=5, owner=kobenhavn, agreement=agreement)
    Subscription.objects.filter(user=portfolio.coordinator).update(language="da")
    with travel(DAY, 4, 45):  # the nightly run: the needed-by date has passed unanswered
        assert risks_escalate() == 1
    mail.outbox.clear()

    morning(DAY)

    _message, text, html = message_to("kk@example.invalid")
    for part in (text, flat(html)):
        assert "Risici, der er eskaleret siden sidst (ejet af dine myndigheder) (1)" in part
        assert "Score 25 af 25: sandsynligheden regnet som sikker (5) × konsekvens 5" in part
        assert "er ubesvaret efter sin behovsdato, 26.11.2026" in part
    mail.outbox.clear()
    with travel(DAY, 12):
        subscription_unsubscribe(user=portfolio.coordinator)
    morning(NEXT_DAY)
    assert not [m for m in mail.outbox if m.to == ["kk@example.invalid"]]
