"""Login protection: lock-out by user name and address after repeated failures."""

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse

from tests.clients import in_english

PASSWORD = "Rådhuspladsen-2025!"


@pytest.fixture
def coordinator(db):
    return User.objects.create_user(username="kk-coordinator", password=PASSWORD, is_staff=True)


def attempt(client, password, username="kk-coordinator", ip="192.0.2.10", url="admin:login"):
    return client.post(
        reverse(url), {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip
    )


@pytest.mark.parametrize("url", ["admin:login", "login"])
def test_five_wrong_passwords_lock_the_user_out_from_that_address_with_a_clear_message(client, coordinator, url):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "forkert", url=url).status_code == 200
    locked = attempt(client, "forkert", url=url)
    assert locked.status_code == 429
    assert "For mange mislykkede logins" in locked.content.decode()
    # Even the right password is refused while locked out.
    right = attempt(client, PASSWORD, url=url)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_user_and_address(client, coordinator):
    User.objects.create_user(username="rm-coordinator", password=PASSWORD, is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "forkert")
    assert attempt(client, PASSWORD, ip="198.51.100.7").status_code == 302  # same user, other address
    client.logout()
    assert attempt(client, PASSWORD, username="rm-coordinator").status_code == 302  # other user, same address


def test_a_successful_login_resets_the_count(client, coordinator):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "forkert")
    assert attempt(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "forkert").status_code == 200


def test_passwords_must_be_strong(db):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("kort")
    with pytest.raises(ValidationError):
        validate_password("password1234")
    validate_password(PASSWORD)


def test_the_lockout_page_speaks_english_to_a_user_who_chose_english(client, coordinator):
    in_english(client)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        locked = attempt(client, "forkert")
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()

