"""One-click unsubscribe from a signed link: works without logging in; tampered and expired
links get pages that say so."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from digests.models import Subscription
from digests.subscriptions import subscription_ensure_default, unsubscribe_token, unsubscribe_url


@pytest.fixture(autouse=True)
def english(settings):
    """These tests read the English texts; tests/test_language.py checks the Danish default."""
    settings.LANGUAGE_CODE = "en"


pytestmark = pytest.mark.django_db


@pytest.fixture
def subscribed(kobenhavn_coordinator):
    subscription_ensure_default(kobenhavn_coordinator)
    return kobenhavn_coordinator


def path_of(user) -> str:
    return unsubscribe_url(user).removeprefix("http://127.0.0.1:8000")


def frequency(user) -> str:
    return Subscription.objects.get(user=user).frequency


def test_the_link_shows_a_confirmation_page_and_changes_nothing_until_confirmed(subscribed, client):
    response = client.get(path_of(subscribed))
    assert response.status_code == 200
    assert b"Stop the summary emails to the user kk-coordinator?" in response.content
    assert b'<form method="post">' in response.content
    assert frequency(subscribed) == "daily"


def test_confirming_unsubscribes_without_logging_in(subscribed):
    client = Client(enforce_csrf_checks=True)
    response = client.post(path_of(subscribed))
    assert response.status_code == 200
    assert b"gets no more summary emails" in response.content
    assert frequency(subscribed) == "off"


def test_a_mail_clients_one_click_post_unsubscribes_without_a_session_or_csrf_token(subscribed):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        path_of(subscribed), data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert frequency(subscribed) == "off"
    # Again: still fine, still off.
    assert client.post(path_of(subscribed), data="List-Unsubscribe=One-Click",
                       content_type="application/x-www-form-urlencoded").status_code == 200
    assert frequency(subscribed) == "off"


def test_a_tampered_link_is_refused_with_a_clear_page(subscribed, analyst, client):
    token = unsubscribe_token(subscribed)
    user_id, rest = token.split(":", 1)
    tampered = f"{analyst.pk}:{rest}"  # someone else's id under this user's signature
    response = client.post(f"/unsubscribe/{tampered}/")
    assert response.status_code == 400
    assert b"The unsubscribe link is not valid" in response.content
    assert frequency(subscribed) == "daily"
    assert client.get("/unsubscribe/not-a-token/").status_code == 400


def test_an_expired_link_is_refused_with_a_page_that_points_to_the_settings(subscribed, client):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=120), tick=False):
        old = path_of(subscribed)
    response = client.post(old)
    assert response.status_code == 410
    assert b"The unsubscribe link has expired" in response.content
    assert b'href="/subscriptions/"' in response.content
    assert frequency(subscribed) == "daily"


def test_a_link_from_last_month_still_works(subscribed, client):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=30), tick=False):
        recent = path_of(subscribed)
    assert client.post(recent).status_code == 200
    assert frequency(subscribed) == "off"


def test_other_forms_on_the_site_still_need_a_csrf_token(subscribed):
    client = Client(enforce_csrf_checks=True)
    client.force_login(subscribed)
    response = client.post("/subscriptions/", {"frequency": "off", "language": "en", "scope": "authorities"})
    assert response.status_code == 403
