"""The subscription settings page and the secretariat's preview of anyone's summary."""

import pytest

from digests.models import Subscription
from digests.subscriptions import subscription_ensure_default


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


def test_initiatives_are_found_by_searching_then_ticked_and_saved(client, outsider, make_initiative, kobenhavn):
    wanted = make_initiative(kobenhavn, code="MIT.1", title_en="Shared login for citizens")
    make_initiative(kobenhavn, code="X.1", title_en="Basic data for schools")
    client.force_login(outsider)

    # The search is not a save: the page comes back as filled in, with the matches to tick.
    response = client.post("/subscriptions/", {
        "action": "find-initiatives", "initiative_query": "login", "frequency": "weekly", "language": "en",
        "scope": "initiatives",
    })
    assert response.status_code == 200
    page = response.content.decode()
    assert "1 initiative matches “login”" in page
    assert f'name="initiatives" id="id_initiatives_{wanted.pk}" value="{wanted.pk}">' in page  # not ticked
    assert "Basic data for schools" not in page  # the initiative that does not match
    assert 'value="weekly" checked' in page and 'value="initiatives" checked' in page
    assert "Choose at least one initiative" not in page  # no errors for choices not finished
    assert Subscription.objects.get(user=outsider).frequency == "off"

    response = client.post("/subscriptions/", {
        "action": "save", "frequency": "weekly", "language": "en", "scope": "initiatives",
        "initiatives": [wanted.pk],
    })
    assert response.status_code == 302
    subscription = Subscription.objects.get(user=outsider)
    assert list(subscription.initiatives.all()) == [wanted] and subscription.frequency == "weekly"

    # Chosen ones are listed ticked; a search does not offer them again.
    page = client.get("/subscriptions/").content.decode()
    assert f'value="{wanted.pk}" checked' in page and "MIT.1 · 2022–25 Shared login for citizens" in page  # with its strategy
    page = client.post("/subscriptions/", {
        "action": "find-initiatives", "initiative_query": "MIT.1", "initiatives": [wanted.pk], "frequency": "weekly",
        "language": "en", "scope": "initiatives",
    }).content.decode()
    assert "No initiative matches “MIT.1”" in page and page.count(f'id="id_initiatives_{wanted.pk}"') == 1


def test_the_page_offers_at_most_twenty_matches_and_never_every_initiative(client, outsider, make_initiative,
                                                                            kobenhavn):
    for n in range(25):
        make_initiative(kobenhavn, title_en=f"Welfare service {n}")
    client.force_login(outsider)
    assert 'name="initiatives"' not in client.get("/subscriptions/").content.decode()
    page = client.post("/subscriptions/", {"action": "find-initiatives", "initiative_query": "welfare"}).content.decode()
    assert page.count('name="initiatives"') == 20
    assert "There are more matches; write more of the code or title." in page


def test_an_unknown_initiative_number_is_rejected(client, outsider, make_initiative, kobenhavn):
    initiative = make_initiative(kobenhavn)
    client.force_login(outsider)
    response = client.post("/subscriptions/", {
        "frequency": "daily", "language": "da", "scope": "initiatives", "initiatives": [initiative.pk, 99999],
    })
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is no initiative with the number 99999." in page
    assert "Your settings were not saved" in page
    assert not Subscription.objects.get(user=outsider).initiatives.exists()
    response = client.post("/subscriptions/", {
        "frequency": "daily", "language": "da", "scope": "initiatives", "initiatives": [],
    })
    assert "Choose at least one initiative, or another scope." in response.content.decode()


def test_a_coordinator_cannot_choose_the_whole_portfolio(client, kobenhavn_coordinator):
    client.force_login(kobenhavn_coordinator)
    response = client.post("/subscriptions/", {"frequency": "daily", "language": "da", "scope": "portfolio"})
    assert response.status_code == 200
    assert Subscription.objects.get(user=kobenhavn_coordinator).scope == "authorities"


def test_the_secretariat_previews_a_coordinators_summary_with_both_parts(
    client, analyst, kobenhavn_coordinator, make_initiative, kobenhavn
):
    subscription_ensure_default(kobenhavn_coordinator)
    make_initiative(kobenhavn, title_en="Previewed initiative")  # added since the coordinator subscribed
    Subscription.objects.filter(user=kobenhavn_coordinator).update(language="en")
    client.force_login(analyst)
    response = client.get("/subscriptions/preview/", {"user": "kk-coordinator", "date": "2026-11-27"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Previewed initiative" in page  # the text part, on the page
    assert "/subscriptions/preview/email.html?user=kk-coordinator" in page

    html = client.get("/subscriptions/preview/email.html", {"user": "kk-coordinator", "date": "2026-11-27"})
    assert html.status_code == 200
    assert "Previewed initiative" in html.content.decode()
    assert "'unsafe-inline'" in html["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_only_the_secretariat_may_preview_and_others_are_told_why_in_the_products_page(
    client, kobenhavn_coordinator, caplog
):
    client.force_login(kobenhavn_coordinator)
    response = client.get("/subscriptions/preview/", {"user": "kk-coordinator"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "No access to this page" in page and "Only the strategy secretariat can preview" in page
    assert 'href="/"' in page  # the product's own page, with a way on
    assert client.get("/subscriptions/preview/email.html", {"user": "kk-coordinator"}).status_code == 403
    assert not any(record.exc_info for record in caplog.records)  # a refusal, not a traceback


def test_a_refusal_in_the_admin_has_the_products_403_page(client, kobenhavn_coordinator):
    client.force_login(kobenhavn_coordinator)
    response = client.get("/admin/digests/digestdelivery/")
    assert response.status_code == 403
    assert "No access to this page" in response.content.decode()


def test_the_secretariat_sees_each_summary_sent_in_the_admin_read_only(client, analyst, kobenhavn_coordinator):
    import datetime

    from django.utils import timezone

    from digests.models import DigestDelivery

    DigestDelivery.objects.create(
        recipient=kobenhavn_coordinator, date=datetime.date(2026, 11, 27), status="failed", language="en",
        to_address="kk@example.invalid", error="SMTPRecipientsRefused: 550 no such user", built_at=timezone.now(),
    )
    client.force_login(analyst)
    response = client.get("/admin/digests/digestdelivery/", {"status__exact": "failed"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "kk-coordinator" in page and "550 no such user" in page
    assert client.get("/admin/digests/digestdelivery/add/").status_code == 403


def test_previewing_a_user_without_a_subscription_shows_their_default_and_stores_nothing(
    client, analyst, midtjylland_coordinator, make_initiative, region_midtjylland
):
    make_initiative(region_midtjylland, title_da="Regionalt initiativ")
    client.force_login(analyst)
    response = client.get("/subscriptions/preview/", {"user": "rm-coordinator", "date": "2026-11-27"})
    assert response.status_code == 200
    assert "Regionalt initiativ" in response.content.decode()
    assert not Subscription.objects.filter(user=midtjylland_coordinator).exists()


def test_coordinators_see_neither_the_summaries_sent_nor_anyones_subscriptions_in_the_admin(
    client, kobenhavn_coordinator, analyst
):
    import datetime

    from django.utils import timezone

    from digests.models import DigestDelivery

    delivery = DigestDelivery.objects.create(
        recipient=analyst, date=datetime.date(2026, 11, 27), status="sent", language="da",
        to_address="analyst@example.invalid", built_at=timezone.now(),
    )
    subscription_ensure_default(analyst)
    client.force_login(kobenhavn_coordinator)
    for path in ("/admin/digests/digestdelivery/", f"/admin/digests/digestdelivery/{delivery.pk}/change/",
                 "/admin/digests/subscription/"):
        assert client.get(path).status_code == 403, path
    index = client.get("/admin/").content.decode()
    assert "/admin/digests/digestdelivery/" not in index and "/admin/digests/subscription/" not in index


def test_the_secretariat_finds_the_preview_from_the_settings_page_and_a_coordinator_does_not(
    client, analyst, kobenhavn_coordinator
):
    client.force_login(analyst)
    page = client.get("/subscriptions/").content.decode()
    assert 'href="/subscriptions/preview/"' in page and "summary email for a date" in page
    client.force_login(kobenhavn_coordinator)
    assert 'href="/subscriptions/preview/"' not in client.get("/subscriptions/").content.decode()
