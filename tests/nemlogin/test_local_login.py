"""Local (password) login with NemLog-in on: LOCAL_LOGIN=break-glass keeps it for the secretariat's
superusers only, with django-axes' lock-out as before; the settings refuse nonsense (issue 17)."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.urls import reverse

from common.roles import SECRETARIAT, ensure_roles
from nemlogin.models import LoginEvent
from tests.portfolio.test_settings import import_settings

PASSWORD = "Rådhuspladsen-2025!"

pytestmark = pytest.mark.django_db


@pytest.fixture
def break_glass_only(settings, nemlogin_configured):
    settings.LOCAL_LOGIN = "break-glass"


@pytest.fixture
def coordinator(db):
    return User.objects.create_user(username="kk-coordinator", password=PASSWORD, is_staff=True)


@pytest.fixture
def break_glass_admin(db):
    ensure_roles()
    user = User.objects.create_superuser(username="noedadgang", password=PASSWORD, email="")
    user.groups.add(Group.objects.get(name=SECRETARIAT))
    return user


def attempt(client, username, password=PASSWORD, url="admin:login"):
    return client.post(reverse(url), {"username": username, "password": password, "next": "/admin/"},
                       REMOTE_ADDR="192.0.2.10")


@pytest.mark.parametrize("url", ["admin:login", "login"])
def test_everyone_but_break_glass_administrators_is_refused_a_password_login(
    client, break_glass_only, coordinator, break_glass_admin, url
):
    refused = attempt(client, "kk-coordinator", url=url)
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    assert attempt(client, "noedadgang", url=url).status_code == 302
    assert client.session["_auth_user_id"] == str(break_glass_admin.pk)


def test_a_secretariat_member_who_is_not_a_superuser_uses_nemlogin_too(client, break_glass_only, analyst):
    analyst.set_password(PASSWORD)
    analyst.save()
    assert attempt(client, "analyst").status_code == 200
    assert "_auth_user_id" not in client.session


def test_the_login_page_says_who_may_use_a_password(client, break_glass_only, english):
    page = client.get("/accounts/login/").content.decode()
    assert "Only the secretariat's emergency administrators log in with a password." in page


def test_the_lock_out_still_applies_to_break_glass_administrators(client, break_glass_only, break_glass_admin):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "noedadgang", "forkert").status_code == 200
    assert attempt(client, "noedadgang", "forkert").status_code == 429
    assert attempt(client, "noedadgang").status_code == 429
    assert "_auth_user_id" not in client.session


def test_by_default_everyone_logs_in_with_a_password(client, coordinator):
    assert attempt(client, "kk-coordinator").status_code == 302


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"LOCAL_LOGIN": "nobody"}, "LOCAL_LOGIN"),
        ({"LOCAL_LOGIN": "break-glass"}, "SAML_IDP_METADATA"),
        ({"SAML_IDP_METADATA": "/no/such/metadata.xml"}, "SAML_IDP_METADATA"),
        ({"SAML_IDP_METADATA": "http://nemlog-in.example/metadata"}, "SAML_IDP_METADATA"),
        ({"SAML_IDP_METADATA": "/etc/hostname"}, "SAML_SP_KEY_FILE"),
        ({"SAML_IDP_METADATA": "/etc/hostname", "SAML_SP_KEY_FILE": "/etc/hostname"}, "SAML_SP_CERT_FILE"),
        ({"SAML_IDP_METADATA": "/etc/hostname", "SAML_SP_KEY_FILE": "/etc/hostname",
          "SAML_SP_CERT_FILE": "/etc/hostname", "SAML_SP_ENTITY_ID": "portfolio"}, "SAML_SP_ENTITY_ID"),
    ],
)
def test_a_nemlogin_setting_that_makes_no_sense_stops_the_app_naming_it(env, named):
    result = import_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr.splitlines()[-1]


# --- Every password login and refusal is recorded beside NemLog-in's ----------------------------------


def test_password_logins_and_refusals_are_in_the_login_record(client, break_glass_only, coordinator, break_glass_admin):
    attempt(client, "noedadgang")
    attempt(client, "kk-coordinator")  # the right password, but password login is closed for coordinators
    attempt(client, "nobody-by-this-name", "forkert")
    rows = list(LoginEvent.objects.order_by("pk").values_list("method", "outcome", "reason", "username", "user__username"))
    assert rows == [
        ("password", "logged_in", "", "noedadgang", "noedadgang"),
        ("password", "refused", "password_refused", "kk-coordinator", "kk-coordinator"),
        ("password", "refused", "password_refused", "nobody-by-this-name", None),
    ]


def test_a_locked_out_attempt_is_recorded_as_such(client, break_glass_only, break_glass_admin):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "noedadgang", "forkert")
    attempt(client, "noedadgang")
    assert LoginEvent.objects.order_by("pk").last().reason == "locked_out"
    assert not LoginEvent.objects.filter(outcome="logged_in").exists()


def test_a_session_opened_without_a_password_is_no_password_login(client, coordinator):
    client.force_login(coordinator)
    assert not LoginEvent.objects.exists()


def test_a_password_the_admin_then_turns_away_is_no_login_but_a_recorded_refusal(client, outsider):
    outsider.set_password(PASSWORD)
    outsider.save()
    assert attempt(client, "outsider").status_code == 200  # not staff: the admin's form refuses
    assert not LoginEvent.objects.filter(outcome="logged_in").exists()
    # The refusal is recorded like the others, naming why.
    assert list(LoginEvent.objects.values_list("outcome", "reason", "user__username")) == [
        ("refused", "not_staff", "outsider")
    ]
