"""The subscription settings page and the secretariat's preview of anyone's summary."""

import pytest

from portfolio import notifications
from portfolio.models import Subscription


@pytest.fixture(autouse=True)
def english(settings):
    """These tests read the English texts; tests/test_language.py checks the Danish default."""
    settings.LANGUAGE_CODE = "en"


pytestmark = pytest.mark.django_db


def test_settings_require_login(client):
    response = client.get("/subscriptions/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_coordinator_sees_their_default_subscription_and_changes_it(client, kobenhavn_coordinator, kobenhavn,
                                                                      strategy_2022):
    client.force_login(kobenhavn_coordinator)
    response = client.get("/subscriptions/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "City of Copenhagen" in page
    assert 'value="portfolio"' not in page  # the whole portfolio is for the secretariat

    response = client.post("/subscriptions/", {
        "frequency": "weekly", "language": "en", "scope": "strategies", "strategies": [strategy_2022.pk],
        "authorities": [kobenhavn.pk], "initiative_ids": "", "send_when_empty": "on",
    }, follow=True)
    assert response.status_code == 200
    subscription = Subscription.objects.get(user=kobenhavn_coordinator)
    assert (subscription.frequency, subscription.language, subscription.scope) == ("weekly", "en", "strategies")
    assert list(subscription.strategies.all()) == [strategy_2022]
    assert subscription.send_when_empty


def test_choosing_initiatives_by_number_rejects_unknown_ones(client, outsider, make_initiative, kobenhavn):
    initiative = make_initiative(kobenhavn)
    client.force_login(outsider)
    response = client.post("/subscriptions/", {
        "frequency": "daily", "language": "da", "scope": "initiatives", "initiative_ids": f"{initiative.pk}, 99999",
    })
    assert response.status_code == 200
    assert "No initiative with the number 99999." in response.content.decode()
    response = client.post("/subscriptions/", {
        "frequency": "daily", "language": "da", "scope": "initiatives", "initiative_ids": f"{initiative.pk}",
    })
    assert response.status_code == 302
    assert list(Subscription.objects.get(user=outsider).initiatives.all()) == [initiative]


def test_a_coordinator_cannot_choose_the_whole_portfolio(client, kobenhavn_coordinator):
    client.force_login(kobenhavn_coordinator)
    response = client.post("/subscriptions/", {"frequency": "daily", "language": "da", "scope": "portfolio"})
    assert response.status_code == 200
    assert Subscription.objects.get(user=kobenhavn_coordinator).scope == "authorities"


def test_the_secretariat_previews_a_coordinators_summary_with_both_parts(
    client, analyst, kobenhavn_coordinator, make_initiative, kobenhavn
):
    make_initiative(kobenhavn, title_en="Previewed initiative")
    notifications.subscription_ensure_default(kobenhavn_coordinator)
    Subscription.objects.filter(user=kobenhavn_coordinator).update(language="en")
    client.force_login(analyst)
    response = client.get("/summaries/preview/", {"user": "kk-coordinator", "date": "2026-11-27"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Previewed initiative" in page  # the text part, on the page
    assert "/summaries/preview/email.html?user=kk-coordinator" in page

    html = client.get("/summaries/preview/email.html", {"user": "kk-coordinator", "date": "2026-11-27"})
    assert html.status_code == 200
    assert "Previewed initiative" in html.content.decode()
    assert "'unsafe-inline'" in html["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_only_the_secretariat_may_preview(client, kobenhavn_coordinator):
    client.force_login(kobenhavn_coordinator)
    assert client.get("/summaries/preview/", {"user": "kk-coordinator"}).status_code == 403
    assert client.get("/summaries/preview/email.html", {"user": "kk-coordinator"}).status_code == 403


def test_the_secretariat_sees_each_summary_sent_in_the_admin_read_only(client, analyst, kobenhavn_coordinator):
    import datetime

    from django.utils import timezone

    from portfolio.models import SummaryDelivery

    SummaryDelivery.objects.create(
        recipient=kobenhavn_coordinator, date=datetime.date(2026, 11, 27), status="failed", language="en",
        to_address="kk@example.invalid", error="SMTPRecipientsRefused: 550 no such user", built_at=timezone.now(),
    )
    client.force_login(analyst)
    response = client.get("/admin/portfolio/summarydelivery/", {"status__exact": "failed"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "kk-coordinator" in page and "550 no such user" in page
    assert client.get("/admin/portfolio/summarydelivery/add/").status_code == 403


def test_previewing_a_user_without_a_subscription_shows_their_default_and_stores_nothing(
    client, analyst, midtjylland_coordinator, make_initiative, region_midtjylland
):
    make_initiative(region_midtjylland, title_da="Regionalt initiativ")
    client.force_login(analyst)
    response = client.get("/summaries/preview/", {"user": "rm-coordinator", "date": "2026-11-27"})
    assert response.status_code == 200
    assert "Regionalt initiativ" in response.content.decode()
    assert not Subscription.objects.filter(user=midtjylland_coordinator).exists()
